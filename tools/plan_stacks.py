"""Plan every synthesized stack, concurrently, then review the plans (what CI runs on a pull request).

    python -m tools.plan_stacks [--outdir DIR] [--plans build/plans] [--summary FILE] [--allow-destroy]
                                [--jobs N] [STACK ...]
    python -m tools.plan_stacks --list [--outdir DIR]     # stack ids in deploy order

For each stack of the synthesized app (except `bootstrap`, whose state is local to the machine that
created the state bucket): `terraform init`, `terraform plan -out`, `terraform show -json` into
PLANS/<stack>.json (only the STACKs named, if any), up to N stacks at once. A consumer whose producer's
plan adds, changes or removes an output it reads is then planned again, speculatively, against the
producer's planned outputs (`tools.speculative_state`), and marked so in the review. A stack that cannot
be planned is reported as failed. The summary is `tools.plan_review`'s; the exit status too, 1 if a plan failed.
When more stacks are planned at once than there are cores, the others yield the CPU (`nice`) to a stack whose
refresh waits on a delayed read (`DELAYED_READS`), so that the wait overlaps with their work.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from constructs_lib.config import PROJECT_ROOT, synth_outdir
from tools import plan_review, speculative_state
from tools.manifest import Manifest, ManifestError, StackInfo
from tools.terraform import TerraformSetupError, cli_env, needs_init, run_init

_TAIL_LINES = 25
DEFAULT_JOBS = 5
"""Stacks planned at once: one environment's five. Planning is mostly CPU in the provider (6-8 s per stack), but
the monitoring stack's plan also waits 5 s in the provider's budget read, which overlaps with the others' work only
if it starts with them (README, Plan review: Concurrent, has the figures)."""
PLAN_FLAGS = ("-input=false", "-no-color", "-lock-timeout=300s", "-out=tfplan")
DELAYED_READS = frozenset({"aws_budgets_budget"})
"""Resource types the AWS provider reads only after a fixed wait, on AWS as on the emulator: a budget 5 s after
the request (`FindBudgetWithDelay`, for the Budgets API's eventual consistency), in every refresh."""
YIELDING_NICENESS = 10
"""`nice -n` of the other stacks' Terraform while one with a delayed read is planned beside them on fewer cores
than stacks. With equal shares, every plan reached its refresh late and the budget's wait came last, with a core
idle: one environment took 23.2 s on 2 cores; yielding, 19.2 s (medians, README). Only the CPU's order changes."""


def stacks_in_order(outdir: Path) -> list[StackInfo]:
    """The synthesized stacks, producers before consumers, bootstrap left out."""
    return Manifest.load(outdir).in_order()


def _run(
    args: Sequence[str], cwd: Path, env: Mapping[str, str], *, niceness: int = 0
) -> subprocess.CompletedProcess[str]:
    nice = ["nice", "-n", str(niceness)] if niceness and shutil.which("nice") else []
    return subprocess.run([*nice, *args], cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _delays_refresh(stack: StackInfo) -> bool:
    try:
        config = json.loads((stack.directory / "cdk.tf.json").read_text())
    except (OSError, ValueError):
        return False  # its plan reports what is wrong
    return not DELAYED_READS.isdisjoint(config.get("resource") or {})


def niceness(stacks: Sequence[StackInfo], *, jobs: int, cores: int | None = None) -> dict[str, int]:
    """Each stack's `nice -n` for its Terraform commands: 0, except that when more stacks run at once than there
    are cores, those without a delayed read yield to those with one (`YIELDING_NICENESS`)."""
    delayed = {stack.stack_id for stack in stacks if _delays_refresh(stack)}
    crowded = min(jobs, len(stacks)) > (cores or _cores())
    return {
        stack.stack_id: YIELDING_NICENESS if crowded and delayed and stack.stack_id not in delayed else 0
        for stack in stacks
    }


def _tail(result: subprocess.CompletedProcess[str]) -> str:
    output = (result.stderr.strip() or result.stdout.strip()).splitlines()
    return "\n".join(output[-_TAIL_LINES:])


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One stack's plan: `terraform show -json` of it (none when there are no changes), or Terraform's error."""

    stack: str
    shown: str | None = None
    error: str = ""
    plan_status: int = 0
    """`terraform plan -detailed-exitcode`'s exit code: 0 no changes, 2 changes, else an error."""
    assumptions: tuple[speculative_state.Assumption, ...] = ()
    """Set when the plan is speculative: the producer outputs it took from the producers' plans."""
    unassumed: tuple[speculative_state.Assumption, ...] = ()
    """Producer outputs it reads that the producers' plans change, but which could not be assumed."""
    seconds: float = 0.0
    """Wall time of its Terraform commands (both plans, for a speculative one)."""

    @property
    def ok(self) -> bool:
        return self.plan_status in (0, 2) and not self.error

    @property
    def document(self) -> dict[str, object] | None:
        return json.loads(self.shown) if self.shown is not None else None


def plan_in(
    directory: Path,
    env: Mapping[str, str],
    *,
    stack: str,
    init: bool = True,
    extra: Sequence[str] = (),
    niceness: int = 0,
) -> Outcome:
    """`init` (unless told not to, or done for this configuration already: `tools.terraform.needs_init`),
    `plan -detailed-exitcode -out`, and `show -json` if the plan has changes.

    A plan without changes needs no `show` (which starts the provider once more): nothing to review.
    `niceness`: `nice -n` for each of those commands (0: as this process).
    """
    started = time.monotonic()
    outcome = _plan_in(directory, env, stack=stack, init=init, extra=extra, niceness=niceness)
    return dataclasses.replace(outcome, seconds=time.monotonic() - started)


def _plan_in(
    directory: Path, env: Mapping[str, str], *, stack: str, init: bool, extra: Sequence[str], niceness: int
) -> Outcome:
    if init and needs_init(directory):
        result = run_init(
            directory,
            lambda: _run(["terraform", "init", "-input=false", "-no-color"], directory, env, niceness=niceness),
            lambda done: done.returncode == 0,
        )
        if result.returncode != 0:
            return Outcome(stack=stack, error=_tail(result), plan_status=result.returncode)
    result = _run(["terraform", "plan", "-detailed-exitcode", *PLAN_FLAGS, *extra], directory, env, niceness=niceness)
    if result.returncode == 0:
        return Outcome(stack=stack, plan_status=0)
    if result.returncode != 2:
        return Outcome(stack=stack, error=_tail(result), plan_status=result.returncode)
    shown = _run(["terraform", "show", "-json", "tfplan"], directory, env, niceness=niceness)
    if shown.returncode != 0:
        return Outcome(stack=stack, error=shown.stderr.strip() or "terraform show failed", plan_status=shown.returncode)
    return Outcome(stack=stack, shown=shown.stdout, plan_status=2)


def _keep(outcome: Outcome, plans: Path) -> Path | None:
    """Write the plan JSON to PLANS/<stack>.json (a stack without changes has none; an older one goes)."""
    plans.mkdir(parents=True, exist_ok=True)
    target = plans / f"{outcome.stack}.json"
    if outcome.shown is None:
        target.unlink(missing_ok=True)
        return None
    target.write_text(outcome.shown)
    return target


def _uses_terraform_cloud(config: Mapping[str, object]) -> bool:
    terraform = config.get("terraform") or {}
    return isinstance(terraform, Mapping) and ("cloud" in terraform or "remote" in (terraform.get("backend") or {}))


def scratch_dir(stack: StackInfo) -> Path:
    """Where a stack's speculative copy goes: beside the synthesized stacks, at the same depth."""
    return stack.directory.parent.parent / "speculative" / stack.directory.name


def _speculate(
    stack: StackInfo, first: Outcome, producers: Mapping[str, Outcome], env: Mapping[str, str]
) -> Outcome | None:
    """Plan `stack` against its producers' planned outputs if it reads one that their plans change, else None."""
    planned = {
        name: speculative_state.planned_outputs(document, stack=name)
        for name, outcome in producers.items()
        if (document := outcome.document) is not None
    }
    config = json.loads((stack.directory / "cdk.tf.json").read_text())
    needed = speculative_state.assumptions_for(config, planned)
    if not needed or not (stack.directory / ".terraform").is_dir():  # no init, no plan: keep its error
        return None
    assumed = tuple(a for _, used in needed.values() for a in used)
    if _uses_terraform_cloud(config):
        # Terraform Cloud runs read the producer's applied state from its workspace; nothing to redirect here.
        return dataclasses.replace(first, unassumed=assumed)
    scratch = speculative_state.prepare_scratch(
        stack.directory, scratch_dir(stack), {name: outputs for name, (outputs, _) in needed.items()}
    )
    outcome = plan_in(scratch, env, stack=stack.stack_id, init=False)
    return dataclasses.replace(outcome, assumptions=assumed, seconds=first.seconds + outcome.seconds)


def _final(stack: StackInfo, first: Outcome, producers: Mapping[str, Outcome], env: Mapping[str, str]) -> Outcome:
    return _speculate(stack, first, producers, env) or first


def plan_all(stacks: Sequence[StackInfo], env: Mapping[str, str], *, jobs: int = DEFAULT_JOBS) -> list[Outcome]:
    """Every stack's final plan, in the order given (deploy order), planning up to `jobs` stacks at once.

    All stacks are planned against the applied states at once; then, in deploy order, each consumer that
    reads an output its producers' (final) plans add, change or remove is planned again, speculatively.
    Only those wait for their producers' plans (with the CPU to themselves by then, at no `nice`).
    """
    nice = niceness(stacks, jobs=jobs)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        first = {
            stack.stack_id: pool.submit(
                plan_in, stack.directory, env, stack=stack.stack_id, niceness=nice[stack.stack_id]
            )
            for stack in stacks
        }
        final: dict[str, Future[Outcome]] = {}
        for stack in stacks:
            outcome = first[stack.stack_id].result()
            producers = {d: final[d].result() for d in stack.dependencies if d in final}
            if not producers:
                final[stack.stack_id] = first[stack.stack_id]
                continue
            final[stack.stack_id] = pool.submit(_final, stack, outcome, producers, env)
        return [final[stack.stack_id].result() for stack in stacks]


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan_stacks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--outdir",
        type=Path,
        default=synth_outdir(os.environ if environ is None else environ),
        help="synthesized app (default: JUNOKIT_OUTDIR or cdktf.out)",
    )
    parser.add_argument("--plans", type=Path, default=PROJECT_ROOT / "build" / "plans", help="where plan JSON goes")
    parser.add_argument("--summary", type=Path, help="write the Markdown summary here (default: standard output)")
    parser.add_argument(
        "--allow-destroy", action="store_true", help="accept destroys and replacements of stateful resources"
    )
    parser.add_argument("--title", default="Terraform plan review", help="heading of the summary")
    parser.add_argument(
        "--jobs",
        type=jobs_argument,
        default=DEFAULT_JOBS,
        help=f"stacks planned at once (default {DEFAULT_JOBS}; 1: one after another)",
    )
    parser.add_argument("--list", action="store_true", help="only print the stack ids in deploy order")
    parser.add_argument(
        "stacks", nargs="*", metavar="STACK", help="plan only these stacks (default: all but bootstrap)"
    )
    args = parser.parse_args(argv)
    try:
        stacks = selected_stacks(args.outdir, args.stacks)
        if args.list:
            print(" ".join(stack.stack_id for stack in stacks))
            return 0
        env = cli_env(os.environ if environ is None else environ)
    except (ManifestError, TerraformSetupError) as error:
        print(f"plan stacks: error: {error}", file=sys.stderr)
        return 2
    print(f"plan stacks: planning {', '.join(s.stack_id for s in stacks)} ({args.jobs} at once)", file=sys.stderr)
    reviewed: list[plan_review.StackPlan] = []
    failed: dict[str, str] = {}
    speculative: dict[str, tuple[speculative_state.Assumption, ...]] = {}
    unassumed: dict[str, tuple[speculative_state.Assumption, ...]] = {}
    started = time.monotonic()
    outcomes = plan_all(stacks, env, jobs=args.jobs)
    for outcome in outcomes:
        kind = " (speculative: planned twice)" if outcome.assumptions else ""
        print(
            f"plan stacks: {outcome.stack} {'planned' if outcome.ok else 'failed'} in {outcome.seconds:.1f} s{kind}",
            file=sys.stderr,
        )
    print(f"plan stacks: {len(stacks)} stacks in {time.monotonic() - started:.1f} s", file=sys.stderr)
    for outcome in outcomes:
        if outcome.assumptions:
            speculative[outcome.stack] = outcome.assumptions
        if outcome.unassumed:
            unassumed[outcome.stack] = outcome.unassumed
        if not outcome.ok:
            failed[outcome.stack] = outcome.error
        elif (kept := _keep(outcome, args.plans)) is not None:
            reviewed.append(plan_review.read_plan(str(kept), stack=outcome.stack))
        else:
            reviewed.append(plan_review.StackPlan(stack=outcome.stack))
    summary = plan_review.summarize(
        reviewed,
        allow_destroy=args.allow_destroy,
        failed=failed,
        title=args.title,
        speculative=speculative,
        unassumed=unassumed,
    )
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(summary)
    else:
        sys.stdout.write(summary)
    status, message = plan_review.verdict(reviewed, allow_destroy=args.allow_destroy)
    if failed:
        status, message = 1, f"could not plan {', '.join(failed)}" + ("" if status == 0 else f"; {message}")
    if speculative:
        message += f" (speculative: {', '.join(speculative)})"
    print(f"plan stacks: {message}", file=sys.stderr)
    return status


def jobs_argument(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= 16:
        raise argparse.ArgumentTypeError(f"invalid jobs {text!r} (allowed: a whole number from 1 to 16)")
    return jobs


def selected_stacks(outdir: Path, names: Sequence[str]) -> list[StackInfo]:
    """The stacks to plan, in deploy order: `names` if given (each must exist), else all but bootstrap."""
    stacks = stacks_in_order(outdir)
    unknown = sorted(set(names) - {stack.stack_id for stack in stacks})
    if unknown:
        raise ManifestError(f"no stack {unknown[0]!r} in {outdir} (stacks: {', '.join(s.stack_id for s in stacks)})")
    return [stack for stack in stacks if stack.stack_id in names] if names else stacks


if __name__ == "__main__":
    sys.exit(main())
