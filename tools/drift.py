"""Drift detection: what changed in AWS outside Terraform, per deployed stack, resource and attribute.

    python -m tools.drift [--outdir DIR] [--plans build/drift] [--summary FILE] [--jobs N] [STACK ...]

For each synthesized stack but bootstrap, up to N at once (sharing the CPU as `tools.plan_stacks` does):
`terraform init`, `terraform plan -refresh-only -detailed-exitcode -out`, and for a stack with drift
`terraform show -json`, whose `resource_drift` lists each resource as Terraform last recorded it and as AWS has
it now. Nothing is applied and no state is written.
The report is Markdown in the plan review's format (one section per stack, each drifted resource with its
changed attributes, before → now; sensitive values masked). Exit status: 0 no drift, 2 drift, 1 a stack
could not be checked (whatever else was found) or bad input (with a one-line error): 2 means drift only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from constructs_lib.config import PROJECT_ROOT, synth_outdir
from tools.manifest import ManifestError
from tools.plan_stacks import (
    DEFAULT_JOBS,
    Outcome,
    jobs_argument,
    niceness,
    plan_in,
    selected_stacks,
)
from tools.terraform import TerraformSetupError, cli_env

MARKER = "<!-- junokit-drift -->"
"""First line of the report; the drift workflow finds its issue by it (plus the environment)."""
_VALUE_WIDTH = 60
_SYMBOL = {"update": "~", "delete": "-", "create": "+"}
_VERB = {"update": "changed outside Terraform", "delete": "deleted outside Terraform", "create": "appeared"}


@dataclass(frozen=True, kw_only=True)
class Attribute:
    path: str
    before: str
    now: str


@dataclass(frozen=True, kw_only=True)
class Drifted:
    address: str
    action: str
    """update (changed outside Terraform) or delete (gone)."""
    attributes: tuple[Attribute, ...] = ()


@dataclass(kw_only=True)
class StackDrift:
    stack: str
    resources: list[Drifted] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def drifted(self) -> bool:
        return bool(self.resources or self.outputs)


def _show(value: Any, sensitive: Any) -> str:
    if sensitive is True:
        return "(sensitive)"
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


def _sub(marks: Any, key: str | int) -> Any:
    """The sensitivity marks below `key` (Terraform's before_sensitive/after_sensitive mirror the value)."""
    if marks is True:
        return True
    if isinstance(marks, dict) and isinstance(key, str):
        return marks.get(key, False)
    if isinstance(marks, list) and isinstance(key, int) and key < len(marks):
        return marks[key]
    return False


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


def _unset_versus_zero(before: Any, after: Any) -> bool:
    """null on one side, a zero value (0, false) on the other: the provider's way of reading back "not set"."""
    return (before is None and after in (0, False)) or (after is None and before in (0, False))


@dataclass(frozen=True, kw_only=True)
class OwnedElsewhere:
    """An attribute of `kind` that a separate resource `owner` manages, when one in the same state points at it.

    The AWS provider records these attributes at create, before the owning resource exists, and reads the owner's
    work back at the next refresh; that is no drift. A change by hand to what the owner manages is still reported,
    on the owner (its policy, or the owner gone)."""

    kind: str
    attribute: str
    owner: str
    link: tuple[str, str]
    """(the owner's attribute, the kind's attribute) holding the same value."""


OWNED_ELSEWHERE: tuple[OwnedElsewhere, ...] = (
    OwnedElsewhere(kind="aws_sns_topic", attribute="policy", owner="aws_sns_topic_policy", link=("arn", "arn")),
    OwnedElsewhere(
        kind="aws_cognito_user_pool",
        attribute="domain",
        owner="aws_cognito_user_pool_domain",
        link=("user_pool_id", "id"),
    ),
    OwnedElsewhere(kind="aws_iam_role", attribute="inline_policy", owner="aws_iam_role_policy", link=("role", "name")),
    OwnedElsewhere(
        kind="aws_iam_role",
        attribute="managed_policy_arns",
        owner="aws_iam_role_policy_attachment",
        link=("role", "name"),
    ),
)


def _owned_elsewhere(document: Mapping[str, Any]) -> dict[tuple[str, str], set[str]]:
    """(kind, its linking value) -> the attributes that another managed resource of this state owns."""
    resources = ((document.get("prior_state") or {}).get("values") or {}).get("root_module", {}).get("resources", [])
    managed = [r for r in resources if r.get("mode") == "managed"]
    owned: dict[tuple[str, str], set[str]] = {}
    for rule in OWNED_ELSEWHERE:
        for owner in (r for r in managed if r.get("type") == rule.owner):
            value = (owner.get("values") or {}).get(rule.link[0])
            if isinstance(value, str) and value:
                owned.setdefault((rule.kind, value), set()).add(rule.attribute)
    return owned


def _owned_attributes(entry: Mapping[str, Any], owned: Mapping[tuple[str, str], set[str]]) -> set[str]:
    before = (entry.get("change") or {}).get("before") or {}
    found: set[str] = set()
    for rule in OWNED_ELSEWHERE:
        if entry.get("type") == rule.kind:
            found |= owned.get((rule.kind, str(before.get(rule.link[1]))), set()) & {rule.attribute}
    return found


def _under(path: str, attributes: set[str]) -> bool:
    return any(path == a or path.startswith((f"{a}.", f"{a}[")) for a in attributes)


def changed_attributes(
    before: Any, after: Any, *, before_sensitive: Any = False, after_sensitive: Any = False, path: str = ""
) -> list[Attribute]:
    """Each leaf attribute whose value differs between `before` and `after`, as dotted paths (lists as [i]).

    Unset and empty (null, "", [], {}) count as equal, and so do null and a zero value (0, false): providers
    record one at create and read the other back, which is no change anyone made.
    """
    if before == after or (_empty(before) and _empty(after)) or _unset_versus_zero(before, after):
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[Attribute] = []
        for key in sorted(set(before) | set(after)):
            found += changed_attributes(
                before.get(key),
                after.get(key),
                before_sensitive=_sub(before_sensitive, key),
                after_sensitive=_sub(after_sensitive, key),
                path=f"{path}.{key}" if path else key,
            )
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            found += changed_attributes(
                old,
                new,
                before_sensitive=_sub(before_sensitive, index),
                after_sensitive=_sub(after_sensitive, index),
                path=f"{path}[{index}]",
            )
        return found
    return [
        Attribute(
            path=path or "(whole value)", before=_show(before, before_sensitive), now=_show(after, after_sensitive)
        )
    ]


def read_drift(document: Mapping[str, Any], *, stack: str) -> StackDrift:
    """The drift in one refresh-only plan (`terraform show -json`)."""
    drift = StackDrift(stack=stack)
    owned = _owned_elsewhere(document)
    for entry in document.get("resource_drift") or []:
        if entry.get("mode") != "managed":
            continue
        change = entry.get("change") or {}
        actions = change.get("actions") or []
        action = "delete" if "delete" in actions else "create" if "create" in actions else "update"
        attributes: tuple[Attribute, ...] = ()
        if action == "update":
            attributes = tuple(
                changed_attributes(
                    change.get("before"),
                    change.get("after"),
                    before_sensitive=change.get("before_sensitive", False),
                    after_sensitive=change.get("after_sensitive", False),
                )
            )
            skipped = _owned_attributes(entry, owned)
            attributes = tuple(a for a in attributes if not _under(a.path, skipped))
        if action == "update" and not attributes:
            continue
        drift.resources.append(Drifted(address=entry["address"], action=action, attributes=attributes))
    for name, entry in sorted((document.get("output_changes") or {}).items()):
        if set(entry.get("actions") or []) - {"no-op"}:
            drift.outputs.append(name)
    drift.resources.sort(key=lambda d: d.address)
    return drift


def report(stacks: Sequence[StackDrift], *, title: str) -> str:
    """The Markdown report, stacks in deploy order."""
    drifted = [s for s in stacks if s.drifted]
    failed = [s for s in stacks if s.error]
    count = sum(len(s.resources) for s in stacks)
    lines = [MARKER, f"## {title}", ""]
    if drifted:
        lines += [
            "> [!WARNING]",
            f"> **{count} resource{'' if count == 1 else 's'} drifted** in {', '.join(s.stack for s in drifted)}: "
            "AWS no longer matches the last apply. Apply the stack to restore the code's settings, or change "
            "the code to keep what was changed by hand.",
            "",
        ]
    if failed:
        lines += [f"> [!CAUTION]\n> Not checked: {', '.join(s.stack for s in failed)}. See below.", ""]
    if not drifted and not failed:
        lines += ["No drift: every resource matches the last apply.", ""]
    lines += ["| stack | drifted | deleted | outputs |", "|---|---:|---:|---:|"]
    for stack in stacks:
        if stack.error:
            lines.append(f"| {stack.stack} | ? | ? | ? |")
            continue
        changed = sum(1 for d in stack.resources if d.action != "delete")
        deleted = sum(1 for d in stack.resources if d.action == "delete")
        lines.append(f"| {stack.stack} | {changed} | {deleted} | {len(stack.outputs)} |")
    for stack in stacks:
        if stack.error:
            lines += ["", f"### {stack.stack}: not checked", "", "```text", stack.error, "```"]
            continue
        lines += ["", f"### {stack.stack}", ""]
        if not stack.drifted:
            lines.append("No drift.")
        for resource in stack.resources:
            lines.append(f"- `{_SYMBOL[resource.action]}` {_VERB[resource.action]} `{resource.address}`")
            lines += [f"  - `{a.path}`: `{a.before}` → `{a.now}`" for a in resource.attributes]
        lines += [f"- `~` output `{name}` changed" for name in stack.outputs]
    return "\n".join(lines) + "\n"


def status_of(stacks: Sequence[StackDrift]) -> tuple[int, str]:
    failed = [s.stack for s in stacks if s.error]
    drifted = [s.stack for s in stacks if s.drifted]
    if failed:
        return 1, f"could not check {', '.join(failed)}" + (f"; drift in {', '.join(drifted)}" if drifted else "")
    if drifted:
        return 2, f"drift in {', '.join(drifted)}"
    return 0, "no drift"


def _drift_of(outcome: Outcome, plans: Path) -> StackDrift:
    if not outcome.ok:
        return StackDrift(stack=outcome.stack, error=outcome.error or f"terraform exited {outcome.plan_status}")
    plans.mkdir(parents=True, exist_ok=True)
    target = plans / f"{outcome.stack}.json"
    if outcome.shown is None:
        target.unlink(missing_ok=True)
        return StackDrift(stack=outcome.stack)
    target.write_text(outcome.shown)
    return read_drift(json.loads(outcome.shown), stack=outcome.stack)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 for bad arguments; here 2 means drift, so bad arguments exit 1 like any other error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None) -> int:
    parser = _Parser(prog="python -m tools.drift", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--outdir",
        type=Path,
        default=synth_outdir(os.environ if environ is None else environ),
        help="synthesized app (default: JUNOKIT_OUTDIR or cdktf.out)",
    )
    parser.add_argument(
        "--plans", type=Path, default=PROJECT_ROOT / "build" / "drift", help="where refresh-only plan JSON goes"
    )
    parser.add_argument("--summary", type=Path, help="write the Markdown report here (default: standard output)")
    parser.add_argument("--title", default="Drift report", help="heading of the report")
    parser.add_argument(
        "--jobs", type=jobs_argument, default=DEFAULT_JOBS, help=f"stacks checked at once (default {DEFAULT_JOBS})"
    )
    parser.add_argument(
        "stacks", nargs="*", metavar="STACK", help="check only these stacks (default: all but bootstrap)"
    )
    args = parser.parse_args(argv)
    try:
        stacks = selected_stacks(args.outdir, args.stacks)
        env = cli_env(os.environ if environ is None else environ)
    except (ManifestError, TerraformSetupError) as error:
        print(f"drift: error: {error}", file=sys.stderr)
        return 1
    print(f"drift: checking {', '.join(s.stack_id for s in stacks)}", file=sys.stderr)
    nice = niceness(stacks, jobs=args.jobs)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [
            pool.submit(
                plan_in,
                stack.directory,
                env,
                stack=stack.stack_id,
                extra=("-refresh-only",),
                niceness=nice[stack.stack_id],
            )
            for stack in stacks
        ]
        results = [_drift_of(future.result(), args.plans) for future in futures]
    text = report(results, title=args.title)
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(text)
    else:
        sys.stdout.write(text)
    status, message = status_of(results)
    print(f"drift: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
