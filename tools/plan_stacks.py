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
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from constructs_lib.config import PROJECT_ROOT
from tools import plan_review
from tools.manifest import Manifest, ManifestError, StackInfo
from tools.terraform import TerraformSetupError, cli_env

_TAIL_LINES = 25


def stacks_in_order(outdir: Path) -> list[StackInfo]:
    """The synthesized stacks, producers before consumers, bootstrap left out."""
    return Manifest.load(outdir).in_order()


def _run(args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)


def plan_stack(stack: StackInfo, plans: Path, env: Mapping[str, str]) -> Path | str:
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
    target = plans / f"{stack.stack_id}.json"
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
        unknown = sorted(set(args.stacks) - {stack.stack_id for stack in stacks})
        if unknown:
            raise ManifestError(f"no stack {unknown[0]!r} in {args.outdir} (stacks: {', '.join(s.stack_id for s in stacks)})")
        if args.stacks:
            stacks = [stack for stack in stacks if stack.stack_id in args.stacks]
        if args.list:
            print(" ".join(stack.stack_id for stack in stacks))
            return 0
        env = cli_env(os.environ if environ is None else environ)
    except (ManifestError, TerraformSetupError) as error:
        print(f"plan stacks: error: {error}", file=sys.stderr)
        return 2
    reviewed: list[plan_review.StackPlan] = []
    failed: dict[str, str] = {}
    for stack in stacks:
        print(f"plan stacks: planning {stack.stack_id}", file=sys.stderr)
        outcome = plan_stack(stack, args.plans, env)
        if isinstance(outcome, Path):
            reviewed.append(plan_review.read_plan(str(outcome), stack=stack.stack_id))
        else:
            failed[stack.stack_id] = outcome
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
