"""Review the Terraform plans of a change: one Markdown summary, and a refusal to lose stateful resources.

    python -m tools.plan_review [STACK=]PLAN.json ... [--out summary.md] [--allow-destroy]

Each PLAN.json is `terraform show -json <planfile>` of one stack (STACK defaults to the file name without
`.json`). The summary lists per stack what would be added, changed, destroyed and replaced, with each
resource address; destroys and replacements of stateful resources (tables, user pools, secrets, SES
identities, buckets) come first, flagged. Exit status: 0 fine, 1 a stateful resource would be destroyed
or replaced (unless --allow-destroy) or a plan is incomplete, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.speculative_state import PLACEHOLDER, Assumption

# Resource types whose destruction loses data or identity nobody can recreate from code, and what is lost.
STATEFUL_TYPES: Mapping[str, str] = {
    "aws_dynamodb_table": "every item in the table",
    "aws_cognito_user_pool": "every user account and password",
    "aws_secretsmanager_secret": "the secret values (set out of band)",
    "aws_ses_domain_identity": "domain verification and DKIM; mail stops until DNS is redone",
    "aws_ses_email_identity": "the verified sender",
    "aws_sesv2_email_identity": "domain verification and DKIM; mail stops until DNS is redone",
    "aws_s3_bucket": "every object in the bucket (Terraform state)",
}
MARKER = "<!-- junokit-plan-review -->"
"""First line of the summary; CI finds and updates its pull-request comment by it."""
ALLOW_LABEL = "allow-stateful-destroy"
"""The pull-request label with which CI passes --allow-destroy (.github/workflows/plan.yml)."""

_OUTPUT_VERB = {"create": "added", "update": "changed", "delete": "removed", "replace": "changed"}
_SYMBOL = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "forget": "forget"}


class PlanError(ValueError):
    """A plan file that cannot be reviewed; the message is one line."""


@dataclass(frozen=True, kw_only=True)
class Change:
    address: str
    type: str
    action: str
    """create, update, delete, replace or forget (Terraform's no-op and read are left out)."""
    reason: str = ""
    """Terraform's action_reason, e.g. replace_because_cannot_update."""
    replace_paths: tuple[str, ...] = ()
    """Attributes that force the replacement."""
    previous_address: str = ""
    placeholder: bool = False
    """Its planned values hold a stand-in for a producer output known only after apply (speculative plans)."""

    @property
    def stateful(self) -> bool:
        return self.type in STATEFUL_TYPES and self.action in ("delete", "replace")


@dataclass(kw_only=True)
class StackPlan:
    stack: str
    changes: list[Change] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)
    """Outputs the plan adds, changes or removes: (action, name), the action as for resources."""
    errored: bool = False

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


def _action(actions: Sequence[str]) -> str | None:
    kinds = set(actions)
    if kinds == {"delete", "create"}:
        return "replace"
    if len(actions) == 1 and actions[0] in ("create", "update", "delete", "forget"):
        return actions[0]
    if kinds <= {"no-op", "read"}:
        return None
    raise PlanError(f"unknown change actions {list(actions)}")


def _path(path: Sequence[Any]) -> str:
    return ".".join(str(part) for part in path)


def read_plan(source: str, *, stack: str | None = None) -> StackPlan:
    """Parse one `terraform show -json` plan; `source` is `[STACK=]PATH`."""
    label, separator, file_name = source.partition("=")
    if not separator or "/" in label:
        label, file_name = "", source
    path = Path(file_name)
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise PlanError(f"plan file {path} not found") from None
    except (OSError, ValueError) as error:
        raise PlanError(f"plan file {path} is not JSON: {error}") from None
    if not isinstance(document, dict) or "format_version" not in document or "planned_values" not in document:
        raise PlanError(f"{path} is not a plan (expected the output of `terraform show -json PLANFILE`)")
    plan = StackPlan(stack=stack or label or path.name.removesuffix(".json"), errored=bool(document.get("errored")))
    for entry in document.get("resource_changes") or []:
        if entry.get("mode") != "managed":
            continue
        change = entry.get("change") or {}
        previous = entry.get("previous_address") or ""
        if previous and previous != entry["address"]:
            plan.moved.append((previous, entry["address"]))
        action = _action(change.get("actions") or [])
        if action is None:
            continue
        plan.changes.append(
            Change(
                address=entry["address"],
                type=entry["type"],
                action=action,
                reason=entry.get("action_reason", ""),
                replace_paths=tuple(_path(p) for p in change.get("replace_paths") or []),
                previous_address=previous,
                placeholder=f'"{PLACEHOLDER}:' in json.dumps(change.get("after")),
            )
        )
    for name, entry in sorted((document.get("output_changes") or {}).items()):
        action = _action(entry.get("actions") or [])
        if action is not None:
            plan.outputs.append((action, name))
    return plan


def _why(change: Change) -> str:
    parts = []
    if change.replace_paths:
        parts.append("forced by " + ", ".join(f"`{p}`" for p in change.replace_paths))
    if change.reason:
        parts.append(change.reason.replace("_", " "))
    return "; ".join(parts)


def summarize(
    plans: Sequence[StackPlan],
    *,
    allow_destroy: bool,
    failed: Mapping[str, str] | None = None,
    title: str = "Terraform plan review",
    speculative: Mapping[str, Sequence[Assumption]] | None = None,
    unassumed: Mapping[str, Sequence[Assumption]] | None = None,
) -> str:
    """The Markdown summary (a pull-request comment); `failed` maps stacks that could not be planned to the error.

    `speculative` maps stacks planned against their producers' planned outputs to the outputs assumed;
    `unassumed` maps stacks to changed producer outputs they read but were planned without (Terraform Cloud).
    """
    failed = failed or {}
    speculative = speculative or {}
    unassumed = unassumed or {}
    lines = [MARKER, f"## {title}", ""]
    flagged = [(plan.stack, change) for plan in plans for change in plan.changes if change.stateful]
    errored = [plan.stack for plan in plans if plan.errored]
    if flagged:
        verdict = (
            "Explicitly allowed for this run (`--allow-destroy`)."
            if allow_destroy
            else f"**Blocked.** If this is intended, allow it explicitly: label the pull request `{ALLOW_LABEL}`."
        )
        lines += [
            "> [!CAUTION]",
            f"> **{_count(len(flagged), 'stateful resource')} would be destroyed or replaced**, losing the data "
            f"listed below. {verdict}",
            "",
            "| stack | resource | action | lost | why |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {stack} | `{change.address}` | **{change.action}** | {STATEFUL_TYPES[change.type]} | {_why(change)} |"
            for stack, change in flagged
        ]
        lines.append("")
    if errored or failed:
        lines += [f"> [!WARNING]\n> Not planned or incomplete: {', '.join([*failed, *errored])}. See below.", ""]
    if speculative:
        lines += [
            "> [!NOTE]",
            "> **Speculative plans.** These stacks read outputs that a producer's plan in this change adds, changes "
            "or removes, so they are planned against the producer's *planned* outputs, not its applied state. They "
            "hold once the producer is applied as planned; values known only after that apply are placeholders "
            f"(`{PLACEHOLDER}:<output>`).",
        ]
        lines += [f"> - {stack}: {_assumed(assumptions)}" for stack, assumptions in speculative.items()]
        lines.append("")
    if unassumed:
        lines += [
            "> [!WARNING]",
            "> **Planned against the applied state although a producer's plan changes what they read** (Terraform "
            "Cloud reads the producer's workspace; apply the producer first, then re-plan):",
        ]
        lines += [f"> - {stack}: {_assumed(assumptions)}" for stack, assumptions in unassumed.items()]
        lines.append("")
    if not flagged and not errored and not failed:
        lines += ["No stateful resource is destroyed or replaced.", ""]
    lines += ["| stack | add | change | destroy | replace |", "|---|---:|---:|---:|---:|"]
    for plan in plans:
        counts = " | ".join(str(plan.count(action)) for action in ("create", "update", "delete", "replace"))
        lines.append(f"| {_label(plan.stack, speculative)} | {counts} |")
    for plan in plans:
        lines += ["", f"### {_label(plan.stack, speculative)}", ""]
        if plan.stack in speculative:
            lines += [f"Planned against planned outputs: {_assumed(speculative[plan.stack])}.", ""]
        if not plan.changes and not plan.moved and not plan.outputs:
            lines.append("No changes.")
        for change in sorted(plan.changes, key=lambda c: (c.action, c.address)):
            why = _why(change)
            flag = " ⚠️ stateful" if change.stateful else ""
            flag += " (uses a value known only after the producer's apply)" if change.placeholder else ""
            lines.append(
                f"- `{_SYMBOL[change.action]}` {change.action} `{change.address}`{flag}" + (f" ({why})" if why else "")
            )
        lines += [f"- moved `{old}` → `{new}`" for old, new in plan.moved]
        lines += [f"- `{_SYMBOL[action]}` output `{name}` ({_OUTPUT_VERB[action]})" for action, name in plan.outputs]
    for stack, error in failed.items():
        lines += ["", f"### {_label(stack, speculative)}: plan failed", ""]
        if stack in speculative:
            lines += [f"Planned against planned outputs: {_assumed(speculative[stack])}.", ""]
        lines += ["```text", error, "```"]
    return "\n".join(lines) + "\n"


def _label(stack: str, speculative: Mapping[str, object]) -> str:
    return f"{stack} (speculative)" if stack in speculative else stack


def _assumed(assumptions: Sequence[Assumption]) -> str:
    """`JunokitX` (added), … grouped by producer: what a speculative plan took from which plan."""
    producers = sorted({a.stack for a in assumptions})
    return "; ".join(
        f"from {producer}'s plan " + ", ".join(a.describe() for a in assumptions if a.stack == producer)
        for producer in producers
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def verdict(plans: Iterable[StackPlan], *, allow_destroy: bool) -> tuple[int, str]:
    plans = list(plans)
    flagged = sum(1 for plan in plans for change in plan.changes if change.stateful)
    errored = [plan.stack for plan in plans if plan.errored]
    if errored:
        return 1, f"incomplete plan for {', '.join(errored)}"
    if flagged and not allow_destroy:
        return (
            1,
            f"{_count(flagged, 'stateful resource')} would be destroyed or replaced (--allow-destroy accepts this)",
        )
    if flagged:
        return 0, f"{_count(flagged, 'stateful resource')} would be destroyed or replaced; allowed by --allow-destroy"
    return 0, "no stateful resource is destroyed or replaced"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan_review", description=__doc__.splitlines()[0])
    parser.add_argument(
        "plans", nargs="+", metavar="[STACK=]PLAN.json", help="`terraform show -json` of each stack's plan"
    )
    parser.add_argument("--out", type=Path, help="write the Markdown summary here (default: standard output)")
    parser.add_argument(
        "--allow-destroy", action="store_true", help="accept destroys and replacements of stateful resources"
    )
    parser.add_argument("--title", default="Terraform plan review", help="heading of the summary")
    args = parser.parse_args(argv)
    try:
        plans = [read_plan(source) for source in args.plans]
    except PlanError as error:
        print(f"plan review: error: {error}", file=sys.stderr)
        return 2
    summary = summarize(plans, allow_destroy=args.allow_destroy, title=args.title)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(summary)
    else:
        sys.stdout.write(summary)
    status, message = verdict(plans, allow_destroy=args.allow_destroy)
    print(f"plan review: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
