"""`make bench`: how long a synth takes and how much memory it needs, against the project's performance targets.

Every figure comes from fresh subprocesses, N runs each (`--runs`), interleaved round by round in a rotating
order so a burst of load on a shared machine hits every case alike; the table shows medians (and the range).
The baseline, an empty cdktf Python app on the stock path (the framework's own floor), is measured in the same
run, and so is one naive synth (every speed-up off: JUNOKIT_NAIVE_SYNTH=1) whose output every synth of all
environments must reproduce byte for byte. `--install` times a fresh clone's first `make synth` (with empty
package caches, and with the machine's) against `make install` + `make synth` in the same run; `--suite` times
what `make test` runs once installed, and with `--install` also a fresh clone's whole `make test`. `--plans`
deploys the dev stacks to a `make sandbox` of its own and times `tools.plan_stacks` on them as CI runs it (a fresh
copy of the synthesized stacks each time, so every stack is initialized): all at once, one at a time, and the
slowest stack alone (the slowest in the first one-at-a-time run), against the concurrency target.

Memory: `peak RSS` is the sum of the peak RSS (VmHWM) of every process in the tree (python and the jsii
kernel's Node process; two with the stock runtime), sampled from /proc every 50 ms in one extra, untimed run
per case (the sampler's thread would take CPU from the timed runs); it bounds the simultaneous peak from above.
`largest process` is the kernel's exact ru_maxrss from wait4, i.e. the single biggest process in the tree, in
every run.
CPU time (user + sys of the whole tree, from wait4) is shown too: it moves much less than wall time when
others load the machine.

Always exits 0 when it could measure: it is a report, and the `met` column says which targets hold.
"""

from __future__ import annotations

import argparse
import filecmp
import functools
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
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
    stderr: str = ""
    """The command's standard error, if asked for (`measure(keep_stderr=True)`)."""


@dataclass
class Case:
    """One command measured N times; `check` may look at each run's output folder."""

    label: str
    argv: list[str]
    env: dict[str, str]
    runs: list[Run] = field(default_factory=list)
    """The timed runs (no sampler)."""
    sampled: list[Run] = field(default_factory=list)
    """Runs with the memory sampler, for the tree's peak RSS; not timed."""
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


def stop_session(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to everything in `process`'s session (it leads one: `start_new_session`), SIGKILL after 30 s."""
    for stop in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, stop)
            process.wait(timeout=30)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def measure(argv: Sequence[str], *, env: Mapping[str, str], sample: bool = False, keep_stderr: bool = False) -> Run:
    """Wall time and peak memory of one fresh process tree; raises if the command fails.

    Only with `sample` does a /proc sampler run beside it (its thread shares the two cores with the measured
    processes: ~3 % of a synth's wall time); otherwise `tree_peak_rss` is 0. `largest_rss` comes from wait4."""
    peaks: dict[int, int] = {}
    done = threading.Event()

    def sample_tree(root: int) -> None:
        known: set[int] = {root}
        tick = 0
        while not done.is_set():
            if tick % _DISCOVER_EVERY == 0:
                known |= _descendants(root)
            for pid in list(known):
                hwm = _vm_hwm(pid)
                if hwm is not None:
                    peaks[pid] = max(peaks.get(pid, 0), hwm)
            tick += 1
            done.wait(_SAMPLE_SECONDS)

    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=ROOT, env=dict(env), stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
        )
        try:
            sampler = threading.Thread(target=sample_tree, args=(process.pid,), daemon=True) if sample else None
            if sampler is not None:
                sampler.start()
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # the bench is stopped (Ctrl-C, SIGTERM): so is what it measures, all of it
            done.set()
            stop_session(process)
            raise
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        if sampler is not None:
            sampler.join()
        stderr.seek(0)
        errors = stderr.read().decode(errors="replace")
        if process.returncode != 0:
            tail = errors.strip().splitlines()[-3:]
            raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {' | '.join(tail)}")
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        tree_peak_rss=sum(peaks.values()),
        largest_rss=usage.ru_maxrss * 1024,
        stderr=errors if keep_stderr else "",
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


def run_interleaved(
    cases: Sequence[Case], *, runs: int, scratch: Path, progress: Callable[[str], None], sample: bool = False
) -> None:
    """`runs` rounds; each round runs every case once, starting one case later than the round before.

    Timed rounds run unobserved; `sample=True` rounds sample the process tree's memory instead (`Case.sampled`)."""
    kind = "memory round" if sample else "round"
    for round_index in range(runs):
        order = [cases[(round_index + offset) % len(cases)] for offset in range(len(cases))]
        for case in order:
            outdir = scratch / f"{case.label}-{kind.replace(' ', '-')}-{round_index}"
            env = {**case.env, "JUNOKIT_OUTDIR": str(outdir)}
            run = measure(case.argv, env=env, sample=sample)
            (case.sampled if sample else case.runs).append(run)
            if outdir.exists():
                case.outdirs.append(outdir)
            progress(f"{kind} {round_index + 1}/{runs}: {case.label} {run.wall:.2f} s")


def same_tree(left: Path, right: Path) -> bool:
    """Byte-for-byte equality of two output folders (names and contents)."""
    left_files = sorted(path.relative_to(left) for path in left.rglob("*") if path.is_file())
    right_files = sorted(path.relative_to(right) for path in right.rglob("*") if path.is_file())
    if left_files != right_files:
        return False
    return all(filecmp.cmp(left / name, right / name, shallow=False) for name in left_files)


def stacks_in(outdir: Path) -> list[str]:
    return sorted(json.loads((outdir / "manifest.json").read_text())["stacks"])


@dataclass(frozen=True)
class Row:
    figure: str
    value: str
    target: str = ""
    met: bool | None = None


def _seconds(case: Case) -> str:
    low, high = case.spread("wall")
    return f"{case.median('wall'):.2f} s ({low:.2f}–{high:.2f})"


def print_table(rows: Sequence[Row]) -> None:
    widths = [max(len(getattr(row, column)) for row in rows) for column in ("figure", "value", "target")]
    print(f"{'figure':<{widths[0]}}  {'value':<{widths[1]}}  {'target':<{widths[2]}}  met")
    print(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * widths[2]}  ---")
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "NO")
        print(f"{row.figure:<{widths[0]}}  {row.value:<{widths[1]}}  {row.target:<{widths[2]}}  {met}".rstrip())


# The targets, each defined once (issue figures: a fresh clone's `make synth` took 123 s before it installed only
# the runtime packages).
SYNTH_ONE_ENV_SECONDS = 0.9
SYNTH_ALL_SECONDS = 1.2
LARGEST_PROCESS_MIB = 150
SUITE_SECONDS = 300
PLANS_OVER_SLOWEST = 1.5  # one environment's plans at once, against its slowest stack's plan alone
SANDBOX_START_SECONDS = 900
FIRST_SYNTH_SECONDS = 123 / 2
EMPTY_APP = "import os\nfrom cdktf import App\nApp(outdir=os.environ['JUNOKIT_OUTDIR']).synth()\n"


def fresh_clone_synth(*, target: str, caches: Path | None, scratch: Path, env: Mapping[str, str]) -> float:
    """Wall time of `git clone` + `make <target>` + `make synth` in a new clone; `caches` (if given) replaces
    every package cache (uv, pip, npm, jsii), so nothing is reused from earlier installs."""
    clone = Path(tempfile.mkdtemp(prefix="clone-", dir=scratch))
    run_env = dict(env)
    if caches is not None:
        caches.mkdir(parents=True, exist_ok=True)
        run_env.update(
            XDG_CACHE_HOME=str(caches),
            PIP_CACHE_DIR=str(caches / "pip"),
            UV_CACHE_DIR=str(caches / "uv"),
            npm_config_cache=str(caches / "npm"),
            JSII_RUNTIME_PACKAGE_CACHE_ROOT=str(caches / "jsii"),
        )
    start = time.perf_counter()
    steps = [["git", "clone", "--quiet", str(ROOT), str(clone)], ["make", "-C", str(clone), "--quiet", target]]
    if target != "synth":
        steps.append(["make", "-C", str(clone), "--quiet", "synth"])
    try:
        for step in steps:
            subprocess.run(step, env=run_env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(clone, ignore_errors=True)


def fresh_clone_test(*, env: Mapping[str, str]) -> tuple[float, str]:
    """Wall time of `git clone` + `make test` in a new clone (installs, lint, the whole suite), machine caches."""
    clone = Path(tempfile.mkdtemp(prefix="junokit-bench-clone-"))
    start = time.perf_counter()
    try:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], env=dict(env), check=True)
        result = subprocess.run(
            ["make", "-C", str(clone), "--quiet", "test"], env=dict(env), capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - start
    finally:
        shutil.rmtree(clone, ignore_errors=True)
    return wall, _outcome(result)


def _outcome(result: subprocess.CompletedProcess[str]) -> str:
    """pytest's summary line (the last line of output), marked FAILED if the command failed."""
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1].strip(" =")
    return summary if result.returncode == 0 else f"FAILED: {summary}"


def time_suite(*, env: Mapping[str, str]) -> tuple[float, str]:
    """Wall time of what `make test` runs once installed (lint and type checks, then the whole pytest suite)."""
    start = time.perf_counter()
    lint = subprocess.run(["make", "-C", str(ROOT), "--quiet", "lint"], env=dict(env), capture_output=True, check=False)
    result = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    summary = _outcome(result)
    return wall, f"FAILED: lint; {summary}" if lint.returncode != 0 else summary


_PLANNED = re.compile(r"^plan stacks: (\S+) planned in ([\d.]+) s", re.M)


def planned_seconds(stderr: str) -> dict[str, float]:
    """Each stack's plan time, from the per-stack lines `tools.plan_stacks` prints."""
    seconds = {stack: float(value) for stack, value in _PLANNED.findall(stderr)}
    if not seconds:
        raise RuntimeError("tools.plan_stacks printed no per-stack times")
    return seconds


@contextmanager
def deployed_sandbox(
    *, scratch: Path, env: Mapping[str, str], progress: Callable[[str], None]
) -> Iterator[tuple[Path, dict[str, str]]]:
    """`make sandbox` in a work folder of its own, once it has deployed: its synthesized stacks and the environment
    the operator commands need. It runs in a session of its own, stopped (SIGTERM) however this ends."""
    from tools.sandbox import OPERATOR_ENV_FILE

    workdir, log = scratch / "sandbox", scratch / "sandbox.log"
    with log.open("w") as out:
        argv = [PYTHON, "-m", "tools.sandbox", "--workdir", str(workdir)]
        process = subprocess.Popen(
            argv, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        published, deadline = workdir / OPERATOR_ENV_FILE, time.monotonic() + SANDBOX_START_SECONDS
        while not published.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                why = f"exited {process.returncode}" if process.returncode is not None else "timed out"
                tail = " | ".join(log.read_text(errors="replace").strip().splitlines()[-3:])
                raise RuntimeError(f"make sandbox did not come up ({why}): {tail}")
            time.sleep(1)
        progress(f"sandbox deployed ({workdir})")
        yield workdir / "cdktf.out", json.loads(published.read_text())
    finally:
        stop_session(process)  # the sandbox stops its emulator; a deploy in progress (cdktf, Terraform) stops too


@dataclass(frozen=True)
class PlanFigures:
    at_once: Case
    one_at_a_time: Case
    slowest_alone: Case
    slowest: str
    stacks: int


def time_plans(*, runs: int, scratch: Path, env: Mapping[str, str], progress: Callable[[str], None]) -> PlanFigures:
    """`tools.plan_stacks` on the sandbox's dev stacks, as CI plans them: each run on a fresh copy of the synthesized
    stacks (no `.terraform`, so every stack is initialized), interleaved in a rotating order."""
    with deployed_sandbox(scratch=scratch, env=env, progress=progress) as (deployed, operator):
        plan_env = {**env, **operator}
        planner = [PYTHON, "-m", "tools.plan_stacks"]
        one = Case("plans-one-at-a-time", [*planner, "--jobs", "1"], plan_env)
        at_once = Case("plans-at-once", planner, plan_env)
        alone = Case("plans-slowest-alone", planner, plan_env)
        cases = [one, at_once, alone]
        seconds: dict[str, float] = {}  # each stack's, from the first run: one at a time (round 1 starts with it)
        for round_index in range(runs):
            for case in (cases[(round_index + offset) % len(cases)] for offset in range(len(cases))):
                copy = scratch / f"{case.label}-{round_index}"
                ignored = shutil.ignore_patterns(".terraform", "tfplan", "speculative")
                shutil.copytree(deployed, copy / "cdktf.out", ignore=ignored, symlinks=True)
                written = ["--outdir", str(copy / "cdktf.out"), "--plans", str(copy / "plans")]
                only = [max(seconds, key=seconds.__getitem__)] if case is alone else []
                run = measure(
                    [*case.argv, *written, "--summary", str(copy / "review.md"), *only], env=case.env, keep_stderr=True
                )
                case.runs.append(run)
                seconds = seconds or planned_seconds(run.stderr)
                shutil.rmtree(copy, ignore_errors=True)
                progress(f"plans round {round_index + 1}/{runs}: {case.label} {run.wall:.1f} s")
        return PlanFigures(at_once, one, alone, max(seconds, key=seconds.__getitem__), len(seconds))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement (default 5)")
    parser.add_argument(
        "--suite",
        action="store_true",
        help="also time `make test`'s lint and pytest run (long); with --install, a fresh clone's `make test` too",
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="also time a fresh clone's first `make synth`, cold and warm caches, against `make install` (slow)",
    )
    parser.add_argument(
        "--plans",
        action="store_true",
        help="also deploy a sandbox and time one environment's plans: at once, one at a time, slowest alone (slow)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    env = base_env()
    envs = ("dev", "staging", "prod")
    cases = [
        Case("empty-app", [PYTHON, "-c", EMPTY_APP], env),
        *(Case(f"synth-{name}", [PYTHON, MAIN], {**env, "JUNOKIT_ENV": name}) for name in envs),
        Case("synth-all", [PYTHON, MAIN], {**env, "JUNOKIT_ENV": "all"}),
    ]
    empty, fast, *_, fast_all = cases
    naive = Case("naive-synth", [PYTHON, MAIN], {**env, "JUNOKIT_ENV": "all", "JUNOKIT_NAIVE_SYNTH": "1"})
    load_before = os.getloadavg()
    scratch = Path(tempfile.mkdtemp(prefix="junokit-bench-"))
    progress = functools.partial(print, file=sys.stderr)
    try:
        run_interleaved(cases, runs=args.runs, scratch=scratch, progress=progress)
        run_interleaved(cases, runs=1, scratch=scratch, progress=progress, sample=True)
        run_interleaved([naive], runs=1, scratch=scratch, progress=progress)  # slow; once is enough to compare
        identical = all(same_tree(naive.outdirs[0], out) for out in fast_all.outdirs)
        stacks_one, stacks_all = stacks_in(fast.outdirs[0]), stacks_in(fast_all.outdirs[0])
        installs: list[tuple[str, float]] = []
        if args.install:
            for label, target, caches in (
                ("`make synth`, cold caches", "synth", scratch / "caches"),
                ("`make synth`, warm caches", "synth", None),
                ("`make install` then `make synth` (everything), warm caches", "install", None),
            ):
                installs.append((label, fresh_clone_synth(target=target, caches=caches, scratch=scratch, env=env)))
                progress(f"fresh clone, {label}: {installs[-1][1]:.0f} s")
        plans = time_plans(runs=args.runs, scratch=scratch, env=env, progress=progress) if args.plans else None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    floor = empty.median("wall")
    each_more = (fast_all.median("wall") - fast.median("wall")) / (len(envs) - 1)
    largest = max(case.median("largest_rss") for case in cases[1:]) / MIB
    rows = [Row("empty cdktf Python app (stock): wall, the framework's floor", _seconds(empty), "baseline")]
    for case in cases[1:-1]:
        wall = case.median("wall")
        rows.append(
            Row(
                f"synth {case.label.removeprefix('synth-')} (one env): wall",
                _seconds(case),
                f"≤ {SYNTH_ONE_ENV_SECONDS} s",
                wall <= SYNTH_ONE_ENV_SECONDS,
            )
        )
    rows += [
        Row("synth dev: above the floor", f"{fast.median('wall') - floor:.2f} s ({fast.median('wall') / floor:.2f}×)"),
        Row("synth dev: CPU time, python + node", f"{fast.median('cpu'):.2f} s", "(for context)"),
        Row(
            f"synth all three envs ({len(stacks_all)} stacks): wall",
            _seconds(fast_all),
            f"≤ {SYNTH_ALL_SECONDS} s",
            fast_all.median("wall") <= SYNTH_ALL_SECONDS,
        ),
        Row("each further env (all − dev) / 2", f"{each_more:.2f} s", "(reported)"),
        Row(
            "largest single process of any synth (ru_maxrss)",
            f"{largest:.0f} MiB",
            f"≤ {LARGEST_PROCESS_MIB} MiB",
            largest <= LARGEST_PROCESS_MIB,
        ),
        Row(
            "synth all: peak RSS, python + node (sampled run)",
            f"{max(run.tree_peak_rss for run in fast_all.sampled) / MIB:.0f} MiB",
            "(for context)",
        ),
        Row("naive synth, all envs (speed-ups off), one run", _seconds(naive), "reference"),
        Row("synth output = naive output, byte for byte", "yes" if identical else "NO", "identical", identical),
    ]
    if installs:
        everything = installs[-1][1]
        for label, seconds in installs[:-1]:
            rows.append(
                Row(
                    f"fresh clone: {label}",
                    f"{seconds:.0f} s",
                    f"≤ {FIRST_SYNTH_SECONDS:.1f} s",
                    seconds <= FIRST_SYNTH_SECONDS,
                )
            )
        rows.append(Row(f"fresh clone: {installs[-1][0]}", f"{everything:.0f} s", "baseline"))
    if plans is not None:
        ratio = plans.at_once.median("wall") / plans.slowest_alone.median("wall")
        rows += [
            Row(f"plans of one env ({plans.stacks} stacks), all at once: wall", _seconds(plans.at_once), "(reported)"),
            Row("plans one at a time (--jobs 1): wall", _seconds(plans.one_at_a_time), "(before)"),
            Row(f"slowest stack alone ({plans.slowest}): wall", _seconds(plans.slowest_alone), "baseline"),
            Row(
                "plans at once ÷ slowest alone",
                f"{ratio:.2f}×",
                f"≤ {PLANS_OVER_SLOWEST}×",
                ratio <= PLANS_OVER_SLOWEST,
            ),
            Row("plans at once: CPU time, every process", f"{plans.at_once.median('cpu'):.1f} s", "(for context)"),
        ]
    if args.suite:
        suites = [("make test, installed (lint + pytest)", time_suite(env=env))]
        if args.install:
            suites.append(("fresh clone: `make test` (installs, lint, pytest)", fresh_clone_test(env=env)))
        for label, (wall, summary) in suites:
            rows.append(
                Row(
                    f"{label}: {summary}",
                    f"{wall:.0f} s",
                    f"≤ {SUITE_SECONDS} s",
                    wall <= SUITE_SECONDS and "FAILED" not in summary,
                )
            )
    load_after = os.getloadavg()

    print(
        f"\njunokit bench: {args.runs} interleaved runs each, medians (min–max); {os.cpu_count()} CPUs, "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    print(f"stacks per environment: {', '.join(name.removeprefix('junokit-dev-') for name in stacks_one)}\n")
    print_table(rows)
    judged = [row for row in rows if row.met is not None]
    missed = [row.figure for row in judged if not row.met]
    verdict = f"{len(judged) - len(missed)} of {len(judged)} targets met"
    print(f"\n{verdict}; missed: {'; '.join(missed)}" if missed else f"\n{verdict}")
    return 0


if __name__ == "__main__":
    from tools.sandbox import stop_on_signals

    with stop_on_signals():  # SIGTERM and SIGHUP stop it as Ctrl-C does: the sandbox and the scratch folder go
        try:
            sys.exit(main())
        except KeyboardInterrupt as stopped:
            print(f"junokit bench: stopped ({stopped or 'SIGINT'})", file=sys.stderr)
            sys.exit(130)
