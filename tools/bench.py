"""`make bench`: how long a synth takes and how much memory it needs, against the project's performance targets.

Every figure comes from fresh subprocesses, N runs each (`--runs`), interleaved round by round in a rotating
order so a burst of load on a shared machine hits every case alike; the table shows medians (and the range).
The baseline, a bare `import cdktf_cdktf_provider_aws` without the speed-ups, is measured in the same run, and so
is the naive synth (every speed-up off: JUNOKIT_NAIVE_SYNTH=1) whose output
the real synth must reproduce byte for byte.

Memory: `peak RSS` is the sum of the peak RSS (VmHWM) of every process in the tree (python and the jsii
kernel's Node process; two with the stock runtime), sampled from /proc every 50 ms; it bounds the
simultaneous peak from above.
`largest process` is the kernel's exact ru_maxrss from wait4, i.e. the single biggest process in the tree.
CPU time (user + sys of the whole tree, from wait4) is shown too: it moves much less than wall time when
others load the machine.

Always exits 0 when it could measure: it is a report, and the `met` column says which targets hold.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
MAIN = str(ROOT / "main.py")
_HOOK_OPTION = re.compile(r'\s*--require "[^"]*lazy_provider_index\.cjs"')
_SAMPLE_SECONDS = 0.05
_DISCOVER_EVERY = 4  # samples between scans of /proc for new descendants (a scan costs a few ms)
MIB = 1024 * 1024


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    tree_peak_rss: int
    largest_rss: int


@dataclass
class Case:
    """One command measured N times; `check` may look at each run's output folder."""

    label: str
    argv: list[str]
    env: dict[str, str]
    runs: list[Run] = field(default_factory=list)
    outdirs: list[Path] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return float(statistics.median(getattr(run, attribute) for run in self.runs))

    def spread(self, attribute: str) -> tuple[float, float]:
        values = [getattr(run, attribute) for run in self.runs]
        return min(values), max(values)


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the fields after the last ')' do not.
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _descendants(root: int) -> set[int]:
    children = _children_by_parent()
    found: set[int] = set()
    pending = [root]
    while pending:
        pid = pending.pop()
        found.add(pid)
        pending.extend(child for child in children.get(pid, []) if child not in found)
    return found


def _vm_hwm(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def measure(argv: Sequence[str], *, env: Mapping[str, str]) -> Run:
    """Wall time and peak memory of one fresh process tree; raises if the command fails."""
    peaks: dict[int, int] = {}
    done = threading.Event()
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=ROOT, env=dict(env), stdout=subprocess.DEVNULL, stderr=stderr)

        def sample() -> None:
            known: set[int] = {process.pid}
            tick = 0
            while not done.is_set():
                if tick % _DISCOVER_EVERY == 0:
                    known |= _descendants(process.pid)
                for pid in list(known):
                    hwm = _vm_hwm(pid)
                    if hwm is not None:
                        peaks[pid] = max(peaks.get(pid, 0), hwm)
                tick += 1
                done.wait(_SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        if process.returncode != 0:
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {' | '.join(tail)}")
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        tree_peak_rss=sum(peaks.values()),
        largest_rss=usage.ru_maxrss * 1024,
    )


def base_env() -> dict[str, str]:
    """The caller's environment without junokit switches or a lazy-index preload left over from a parent."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUNOKIT_", "CDKTF_"))}
    options = _HOOK_OPTION.sub("", env.pop("NODE_OPTIONS", "")).strip()
    if options:
        env["NODE_OPTIONS"] = options
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    env["CHECKPOINT_DISABLE"] = "1"
    return env


def run_interleaved(cases: Sequence[Case], *, runs: int, scratch: Path, progress: Callable[[str], None]) -> None:
    """`runs` rounds; each round runs every case once, starting one case later than the round before."""
    for round_index in range(runs):
        order = [cases[(round_index + offset) % len(cases)] for offset in range(len(cases))]
        for case in order:
            outdir = scratch / f"{case.label}-{round_index}"
            env = {**case.env, "JUNOKIT_OUTDIR": str(outdir)}
            case.runs.append(measure(case.argv, env=env))
            if outdir.exists():
                case.outdirs.append(outdir)
            progress(f"round {round_index + 1}/{runs}: {case.label} {case.runs[-1].wall:.2f} s")


def same_tree(left: Path, right: Path) -> bool:
    """Byte-for-byte equality of two output folders (names and contents)."""
    left_files = sorted(path.relative_to(left) for path in left.rglob("*") if path.is_file())
    right_files = sorted(path.relative_to(right) for path in right.rglob("*") if path.is_file())
    if left_files != right_files:
        return False
    return all(filecmp.cmp(left / name, right / name, shallow=False) for name in left_files)


def stacks_in(outdir: Path) -> list[str]:
    return sorted(json.loads((outdir / "manifest.json").read_text())["stacks"])


def time_suite(marker: str, *, env: Mapping[str, str]) -> tuple[float | None, str]:
    """Wall time of one pytest run of the tests selected by `marker` (None if none are), and its summary."""
    start = time.perf_counter()
    result = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", marker],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1].strip(" =")
    if result.returncode == 5:
        return None, "no tests selected"
    return wall, summary if result.returncode == 0 else f"FAILED: {summary}"


@dataclass(frozen=True)
class Row:
    figure: str
    value: str
    target: str = ""
    met: bool | None = None


def _suite_row(label: str, *, wall: float | None, summary: str, limit: float) -> Row:
    if wall is None:
        return Row(f"{label}: {summary}", "—", f"≤ {limit:.0f} s")
    return Row(f"{label}: {summary}", f"{wall:.0f} s", f"≤ {limit:.0f} s", wall <= limit and "FAILED" not in summary)


def _seconds(case: Case) -> str:
    low, high = case.spread("wall")
    return f"{case.median('wall'):.2f} s ({low:.2f}–{high:.2f})"


def _mib(case: Case, attribute: str) -> str:
    return f"{case.median(attribute) / MIB:.0f} MiB"


def print_table(rows: Sequence[Row]) -> None:
    widths = [max(len(getattr(row, column)) for row in rows) for column in ("figure", "value", "target")]
    print(f"{'figure':<{widths[0]}}  {'value':<{widths[1]}}  {'target':<{widths[2]}}  met")
    print(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * widths[2]}  ---")
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "NO")
        print(f"{row.figure:<{widths[0]}}  {row.value:<{widths[1]}}  {row.target:<{widths[2]}}  {met}".rstrip())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement (default 5)")
    parser.add_argument("--suite", action="store_true", help="also time the unit suite and the e2e suite (long)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    env = base_env()
    one_env = {**env, "JUNOKIT_ENV": "dev"}
    cases = [
        Case("bare-import", [PYTHON, "-c", "import cdktf_cdktf_provider_aws"], env),
        Case("naive-synth", [PYTHON, MAIN], {**one_env, "JUNOKIT_NAIVE_SYNTH": "1"}),
        Case("synth", [PYTHON, MAIN], one_env),
        Case("synth-all", [PYTHON, MAIN], {**env, "JUNOKIT_ENV": "all"}),
    ]
    bare, naive, fast, fast_all = cases
    load_before = os.getloadavg()
    scratch = Path(tempfile.mkdtemp(prefix="junokit-bench-"))
    try:
        run_interleaved(cases, runs=args.runs, scratch=scratch, progress=lambda line: print(line, file=sys.stderr))
        identical = all(
            same_tree(naive_out, fast_out) for naive_out, fast_out in zip(naive.outdirs, fast.outdirs, strict=True)
        )
        stacks_one, stacks_all = stacks_in(fast.outdirs[0]), stacks_in(fast_all.outdirs[0])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    ratio = fast.median("wall") / bare.median("wall")
    scaling = fast_all.median("wall") / fast.median("wall")
    each_more = (fast_all.median("wall") - fast.median("wall")) / 2
    peak = fast.median("tree_peak_rss") / MIB
    rows = [
        Row("bare `import cdktf_cdktf_provider_aws`: wall", _seconds(bare), "baseline"),
        Row("bare import: peak RSS, python + node", _mib(bare, "tree_peak_rss"), "baseline"),
        Row("bare import: largest single process", _mib(bare, "largest_rss"), "baseline"),
        Row("naive synth, one env (speed-ups off)", _seconds(naive), "reference"),
        Row(
            f"synth, one env (dev, stacks: {len(stacks_one)}): wall",
            _seconds(fast),
            "≤ 2.0 s",
            fast.median("wall") <= 2.0,
        ),
        Row("synth: CPU time, python + node", f"{fast.median('cpu'):.2f} s", "(for context)"),
        Row("synth / bare import", f"{ratio:.2f}", "≤ 0.25", ratio <= 0.25),
        Row("synth: peak RSS, python + node", f"{peak:.0f} MiB", "≤ 700 MiB", peak <= 700),
        Row("synth: largest single process (ru_maxrss)", _mib(fast, "largest_rss"), "(part of the above)"),
        Row("synth output = naive output, byte for byte", "yes" if identical else "NO", "identical", identical),
        Row(f"synth, three envs (stacks: {len(stacks_all)}): wall", _seconds(fast_all)),
        Row("three envs: each env after the first", f"{each_more:.2f} s", "(for context)"),
        Row("three envs / one env", f"{scaling:.2f}", "≤ 1.3", scaling <= 1.3),
    ]
    if args.suite:
        for label, marker, limit in (("unit suite (not e2e)", "not e2e", 90), ("e2e suite", "e2e", 240)):
            wall, summary = time_suite(marker, env=env)
            rows.append(_suite_row(label, wall=wall, summary=summary, limit=limit))
    load_after = os.getloadavg()

    print(
        f"\njunokit bench: {args.runs} interleaved runs each, medians (min–max); {os.cpu_count()} CPUs, "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    print(f"stacks per environment: {', '.join(name.removeprefix('junokit-dev-') for name in stacks_one)}")
    print("peak RSS: sum of the per-process peaks of python and the jsii kernel's node process(es)\n")
    print_table(rows)
    judged = [row for row in rows if row.met is not None]
    missed = [row.figure for row in judged if not row.met]
    verdict = f"{len(judged) - len(missed)} of {len(judged)} targets met"
    print(f"\n{verdict}; missed: {'; '.join(missed)}" if missed else f"\n{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
