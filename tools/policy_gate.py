"""The checkov policy gate: every synthesized stack of every environment, zero failed checks.

    python -m tools.policy_gate [--outdir build/policy]

Synthesizes dev, staging and prod (local backend), prod with the s3 backend (which adds the bootstrap
stack) and prod's api stack with `api.waf_enabled` switched on, runs checkov over all of them offline with `.checkov.yaml`, prints one line per stack and one
per failed check, and exits 1 if any check fails, if a skip in `.checkov.yaml` has no reason, or if a
skip no longer matches any finding (a stale skip hides the next real one).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from constructs_lib.config import DEFAULT_CONFIG_FILE, PROJECT_ROOT

CONFIG_FILE = PROJECT_ROOT / ".checkov.yaml"
DEFAULT_OUTDIR = PROJECT_ROOT / "build" / "policy"
# What the gate synthesizes: every environment on the default backend, prod on s3 (adds bootstrap), and prod's
# api stack with the WAF switched on (off everywhere by default), so the web ACL is scanned before anyone enables it.
WAF_VARIANT = "waf"
VARIANTS: Mapping[str, Mapping[str, str]] = {
    "local": {"JUNOKIT_ENV": "all", "JUNOKIT_BACKEND": "local"},
    "s3": {"JUNOKIT_ENV": "prod", "JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-tfstate-policy"},
    WAF_VARIANT: {"JUNOKIT_ENV": "prod", "JUNOKIT_BACKEND": "local"},
}
_WAF_STACKS = ("junokit-prod-api",)
"""What the WAF variant scans: the only stack the switch changes."""
_WAF_OFF = "\nwaf_enabled = false\n"
_SKIP_LINE = re.compile(r"^\s*-\s*(?P<id>CKV2?_[A-Z0-9]+_\d+)\s*(?:#\s*(?P<reason>.*?))?\s*$")


class GateError(RuntimeError):
    """The gate could not run (synth failed, checkov crashed, bad config); one line for the operator."""


@dataclass(frozen=True, kw_only=True)
class Finding:
    check_id: str
    check_name: str
    resource: str


@dataclass(kw_only=True)
class StackResult:
    stack: str
    """`<variant>/<stack id>`, e.g. `s3/junokit-prod-bootstrap`."""
    passed: int = 0
    failed: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    """Findings of the checks `.checkov.yaml` skips (what the skips hide in this stack)."""


@dataclass(frozen=True, kw_only=True)
class Skip:
    check_id: str
    reason: str


def read_skips(path: Path = CONFIG_FILE) -> list[Skip]:
    """The skipped checks of the config file, each with the reason written on its line."""
    skip_ids = (yaml.safe_load(path.read_text()) or {}).get("skip-check") or []
    reasons: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = _SKIP_LINE.match(line)
        if match:
            reasons[match["id"]] = (match["reason"] or "").strip()
    return [Skip(check_id=str(check_id), reason=reasons.get(str(check_id), "")) for check_id in skip_ids]


def synthesize(outdir: Path, variants: Mapping[str, Mapping[str, str]] = VARIANTS) -> list[Path]:
    """Synthesize each variant with `main.py` into `outdir/<variant>`; the stack folders, sorted."""
    shutil.rmtree(outdir, ignore_errors=True)
    stacks: list[Path] = []
    for variant, settings in variants.items():
        target = outdir / variant
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUNOKIT_", "CDKTF_"))}
        if variant == WAF_VARIANT:
            env["JUNOKIT_CONFIG"] = str(waf_config(outdir))
        result = subprocess.run(
            [sys.executable, str(PROJECT_ROOT / "main.py")],
            env={**env, **settings, "JUNOKIT_OUTDIR": str(target)},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise GateError(f"synth of {variant} failed: {result.stderr.strip()}")
        for stack_dir in sorted((target / "stacks").iterdir()):
            if variant == WAF_VARIANT and stack_dir.name not in _WAF_STACKS:
                shutil.rmtree(stack_dir)
                continue
            check_scannable(stack_dir)
            drop_moved_blocks(stack_dir)
            stacks.append(stack_dir)
    return stacks


def waf_config(outdir: Path) -> Path:
    """A copy of environments.toml with `api.waf_enabled = true`, in `outdir`."""
    text = DEFAULT_CONFIG_FILE.read_text()
    if text.count(_WAF_OFF) != 1:
        raise GateError(f"{DEFAULT_CONFIG_FILE}: expected one line 'waf_enabled = false' to switch the WAF on")
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / "environments-waf.toml"
    path.write_text(text.replace(_WAF_OFF, "\nwaf_enabled = true\n"))
    return path


def drop_moved_blocks(stack_dir: Path) -> None:
    """Remove the top-level `moved` list from the gate's own copy of a stack: checkov's Terraform JSON parser
    takes every top-level key for a map of blocks and crashes on the list. `moved` blocks hold two addresses
    and no configuration, so nothing checkov checks is lost."""
    path = stack_dir / "cdk.tf.json"
    document = json.loads(path.read_text())
    if "moved" in document:
        del document["moved"]
        path.write_text(json.dumps(document, indent=2))


def check_scannable(stack_dir: Path) -> None:
    """Refuse a stack checkov cannot scan: with `terraform.required_version` set it crashes on the file
    (bridgecrewio/checkov#7454) and the gate would pass having scanned nothing."""
    document = json.loads((stack_dir / "cdk.tf.json").read_text())
    if "required_version" in (document.get("terraform") or {}):
        raise GateError(f"{stack_dir.name}: terraform.required_version is set; checkov cannot scan the stack")


def run_checkov(root: Path, *, config: Path = CONFIG_FILE) -> dict[str, Any]:
    """checkov's JSON report over every cdk.tf.json under `root`, offline, with the settings in `config`.

    Run from `root`: checkov also reads a `.checkov.yaml` in the working directory, and only `config` may
    configure it here.
    """
    checkov = Path(sys.executable).with_name("checkov")
    result = subprocess.run(
        [
            str(checkov),
            "-d",
            str(root),
            "--framework",
            "terraform_json",
            "--skip-download",
            "-o",
            "json",
            "--config-file",
            str(config),
        ],
        cwd=root,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        raise GateError(f"checkov exited {result.returncode}: {result.stderr.strip()[-500:]}")
    try:
        report = json.loads(result.stdout)
    except ValueError:
        raise GateError(f"checkov printed no JSON report: {result.stdout.strip()[:200]!r}") from None
    if isinstance(report, list):
        raise GateError("checkov ran more than one framework; expected terraform_json only")
    if report.get("summary", {}).get("parsing_errors"):
        raise GateError(f"checkov could not parse: {report['results'].get('parsing_errors')}")
    return typing.cast(dict[str, Any], report)


def run_unskipped(root: Path, config: Path = CONFIG_FILE) -> dict[str, Any]:
    """`run_checkov` with the settings of `config` but every check on, skipped ones included.

    One checkov run (it takes seconds just to start) then tells both what fails and what each skip hides.
    """
    settings = yaml.safe_load(config.read_text()) or {}
    settings.pop("skip-check", None)
    with tempfile.TemporaryDirectory(prefix="checkov-") as scratch:
        unskipped = Path(scratch) / "checkov.yaml"
        unskipped.write_text(yaml.safe_dump(settings))
        return run_checkov(root, config=unskipped)


def by_stack(
    report: Mapping[str, Any], root: Path, stacks: Sequence[Path], skips: Sequence[Skip] = ()
) -> dict[str, StackResult]:
    """Results per stack, every synthesized stack present (a stack checkov did not scan has 0 passed).

    A check in `skips` neither passes nor fails: its failures are recorded as what the skip hides.
    """
    skipped = {skip.check_id for skip in skips}
    results = {_label(stack, root): StackResult(stack=_label(stack, root)) for stack in stacks}
    checks = report.get("results", {})
    for outcome in ("passed_checks", "failed_checks"):
        for check in checks.get(outcome, []):
            label = _label(Path(check["file_abs_path"]).parent, root)
            result = results.setdefault(label, StackResult(stack=label))
            finding = Finding(check_id=check["check_id"], check_name=check["check_name"], resource=check["resource"])
            if outcome == "failed_checks":
                (result.skipped if finding.check_id in skipped else result.failed).append(finding)
            elif finding.check_id not in skipped:
                result.passed += 1
    return results


def _label(stack_dir: Path, root: Path) -> str:
    relative = stack_dir.resolve().relative_to(root.resolve())
    return f"{relative.parts[0]}/{relative.parts[-1]}"


def stale_skips(results: Mapping[str, StackResult], skips: Sequence[Skip]) -> list[str]:
    """The skips that hide nothing, i.e. no stack fails them any more (a stale skip hides the next real one)."""
    hiding = {finding.check_id for result in results.values() for finding in result.skipped}
    return [skip.check_id for skip in skips if skip.check_id not in hiding]


def scan(root: Path, stacks: Sequence[Path], skips: Sequence[Skip]) -> tuple[dict[str, StackResult], list[str]]:
    """Every stack's results and the stale skips, from one checkov run."""
    results = by_stack(run_unskipped(root), root, stacks, skips)
    return results, stale_skips(results, skips)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.policy_gate", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--outdir", type=Path, default=DEFAULT_OUTDIR, help="where to synthesize (default: build/policy)"
    )
    args = parser.parse_args(argv)
    try:
        skips = read_skips()
        stacks = synthesize(args.outdir)
        results, stale = scan(args.outdir, stacks, skips)
    except (GateError, OSError, yaml.YAMLError) as error:
        print(f"policy gate: error: {error}", file=sys.stderr)
        return 2
    problems = 0
    for result in results.values():
        print(
            f"{result.stack:34} passed {result.passed:3}  failed {len(result.failed):3}  skipped {len(result.skipped):3}"
        )
        for finding in result.failed:
            print(f"  FAILED {finding.check_id} {finding.resource}: {finding.check_name}")
        problems += len(result.failed) + (result.passed == 0)
    for skip in skips:
        if not skip.reason:
            print(f"skip {skip.check_id} in {CONFIG_FILE.name} has no reason (write it as a comment on its line)")
            problems += 1
    for check_id in stale:
        print(f"skip {check_id} in {CONFIG_FILE.name} matches nothing any more; remove it")
        problems += 1
    print("policy gate: " + ("passed" if not problems else f"{problems} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
