"""Plan every synthesized stack in dependency order, then review the plans (what CI runs on a pull request).

    python -m tools.plan_stacks [--outdir cdktf.out] [--plans build/plans] [--summary FILE] [--allow-destroy] [STACK ...]
    python -m tools.plan_stacks --list [--outdir cdktf.out]     # stack ids in deploy order

For each stack of the synthesized app (except `bootstrap`, whose state is local to the machine that
created the state bucket): `terraform init`, `terraform plan -out`, `terraform show -json` into
PLANS/<stack>.json (only the STACKs named, if any). A stack that cannot be planned (for example a consumer whose producer has no state
yet) is reported as failed. The summary is `tools.plan_review`'s; the exit status too, 1 if a plan failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from junokit.config import PROJECT_ROOT
from junokit.contract import BOOTSTRAP_STACK
from junokit.terraform import TerraformSetupError, cli_env
from tools import plan_review

_TAIL_LINES = 25


class ManifestError(ValueError):
    """The synthesized output is missing or not cdktf's; one line."""


@dataclass(frozen=True, kw_only=True)
class Stack:
    name: str
    directory: Path
    dependencies: tuple[str, ...]


def stacks_in_order(outdir: Path) -> list[Stack]:
    """The synthesized stacks, producers before consumers (ties keep synth order), bootstrap left out."""
    manifest_file = outdir / "manifest.json"
    try:
        manifest = json.loads(manifest_file.read_text())
    except FileNotFoundError:
        raise ManifestError(f"{manifest_file} not found; synthesize first (make synth)") from None
    except ValueError as error:
        raise ManifestError(f"{manifest_file} is not JSON: {error}") from None
    entries: Mapping[str, Mapping[str, object]] = manifest.get("stacks") or {}
    stacks = {
        name: Stack(
            name=name,
            directory=outdir / str(entry["workingDirectory"]),
            dependencies=tuple(str(d) for d in entry.get("dependencies") or ()),  # type: ignore[union-attr]
        )
        for name, entry in entries.items()
        if not name.endswith(f"-{BOOTSTRAP_STACK}")
    }
    ordered: list[Stack] = []
    placed: set[str] = set()
    while len(ordered) < len(stacks):
        ready = [s for s in stacks.values() if s.name not in placed and all(d in placed or d not in stacks for d in s.dependencies)]
        if not ready:
            raise ManifestError(f"stack dependencies form a cycle: {sorted(set(stacks) - placed)}")
        ordered.append(ready[0])
        placed.add(ready[0].name)
    return ordered


def _run(args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)


def plan_stack(stack: Stack, plans: Path, env: Mapping[str, str]) -> Path | str:
    """The `terraform show -json` file of the stack's plan, or the tail of Terraform's error output."""
    steps = (
        ["terraform", "init", "-input=false", "-no-color"],
        ["terraform", "plan", "-input=false", "-no-color", "-lock-timeout=300s", "-out=tfplan"],
    )
    for step in steps:
        result = _run(step, stack.directory, env)
        if result.returncode != 0:
            output = (result.stderr.strip() or result.stdout.strip()).splitlines()
            return "\n".join(output[-_TAIL_LINES:])
    shown = _run(["terraform", "show", "-json", "tfplan"], stack.directory, env)
    if shown.returncode != 0:
        return shown.stderr.strip()
    plans.mkdir(parents=True, exist_ok=True)
    target = plans / f"{stack.name}.json"
    target.write_text(shown.stdout)
    return target


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan_stacks", description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=PROJECT_ROOT / "cdktf.out", help="synthesized app (default: cdktf.out)")
    parser.add_argument("--plans", type=Path, default=PROJECT_ROOT / "build" / "plans", help="where plan JSON goes")
    parser.add_argument("--summary", type=Path, help="write the Markdown summary here (default: standard output)")
    parser.add_argument("--allow-destroy", action="store_true", help="accept destroys and replacements of stateful resources")
    parser.add_argument("--title", default="Terraform plan review", help="heading of the summary")
    parser.add_argument("--list", action="store_true", help="only print the stack ids in deploy order")
    parser.add_argument("stacks", nargs="*", metavar="STACK", help="plan only these stacks (default: all but bootstrap)")
    args = parser.parse_args(argv)
    try:
        stacks = stacks_in_order(args.outdir)
        unknown = sorted(set(args.stacks) - {stack.name for stack in stacks})
        if unknown:
            raise ManifestError(f"no stack {unknown[0]!r} in {args.outdir} (stacks: {', '.join(s.name for s in stacks)})")
        if args.stacks:
            stacks = [stack for stack in stacks if stack.name in args.stacks]
        if args.list:
            print(" ".join(stack.name for stack in stacks))
            return 0
        env = cli_env(os.environ if environ is None else environ)
    except (ManifestError, TerraformSetupError) as error:
        print(f"plan stacks: error: {error}", file=sys.stderr)
        return 2
    reviewed: list[plan_review.StackPlan] = []
    failed: dict[str, str] = {}
    for stack in stacks:
        print(f"plan stacks: planning {stack.name}", file=sys.stderr)
        outcome = plan_stack(stack, args.plans, env)
        if isinstance(outcome, Path):
            reviewed.append(plan_review.read_plan(str(outcome), stack=stack.name))
        else:
            failed[stack.name] = outcome
    summary = plan_review.summarize(reviewed, allow_destroy=args.allow_destroy, failed=failed, title=args.title)
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(summary)
    else:
        sys.stdout.write(summary)
    status, message = plan_review.verdict(reviewed, allow_destroy=args.allow_destroy)
    if failed:
        status, message = 1, f"could not plan {', '.join(failed)}" + ("" if status == 0 else f"; {message}")
    print(f"plan stacks: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
