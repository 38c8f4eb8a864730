"""Plan a consumer stack against a producer's *planned* outputs, so a chained change is reviewable in one go.

A pull request that adds an output to a producer and reads it in a consumer cannot be planned the usual
way: the consumer's `terraform_remote_state` reads the producer's applied state, where the output does not
exist yet. Here the producer's plan (`terraform show -json`) becomes a speculative state file holding the
outputs as they will be after its apply (known values as planned, values known only after apply as
`known-after-apply:<output>` placeholders, removed outputs left out), and a scratch copy of the consumer's
synthesized folder gets a Terraform override file that points that one data source at the file. The real
states and the synthesized folders are never written; the consumer's own backend is still read as usual.

The pieces are pure functions over JSON (tested on fixtures from real plans) plus `prepare_scratch`, which
writes the scratch folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PLACEHOLDER = "known-after-apply"
"""Prefix of every stand-in for a value the producer's plan knows only after apply."""
OVERRIDE_FILE = "speculative_override.tf.json"
"""Terraform merges `*_override.tf.json` over the configuration; this one redirects remote-state reads."""
_SCRATCH_SKIP = (".terraform", "tfplan", "*.tfplan", "*.tfstate", "*.tfstate.*", OVERRIDE_FILE)


class SpeculativeError(ValueError):
    """A plan or configuration that cannot be used for speculative planning; one line."""


@dataclass(frozen=True, kw_only=True)
class Assumption:
    """One producer output that a consumer's speculative plan takes from the producer's plan."""

    stack: str
    """The producer stack."""
    output: str
    change: str
    """added, changed or removed (as the producer's plan has it)."""
    unknown: tuple[str, ...] = ()
    """Paths inside the value known only after apply ("" is the whole value); these are placeholders."""
    sensitive: bool = False

    def describe(self) -> str:
        """Markdown for the review: the output, what the plan does to it, and what is a placeholder."""
        text = f"`{self.output}` ({self.change}"
        if self.unknown == ("",):
            text += f", known after apply: placeholder `{placeholder(self.output)}`"
        elif self.unknown:
            paths = ", ".join(f"`{path}`" for path in self.unknown)
            text += f", known after apply inside: {paths} (placeholders `{PLACEHOLDER}:…`)"
        if self.sensitive:
            text += ", sensitive"
        return text + ")"


@dataclass(frozen=True, kw_only=True)
class PlannedOutputs:
    """A producer's outputs after its planned apply, as a state document, and which of them the plan changes."""

    stack: str
    state: Mapping[str, Any]
    """A Terraform state (version 4) with only outputs, readable by the `local` remote-state backend."""
    changes: Mapping[str, Assumption]
    """Outputs the plan adds, changes or removes, by name (unchanged outputs are not listed)."""


def placeholder(output: str, path: str = "") -> str:
    return f"{PLACEHOLDER}:{output}" + (f".{path}" if path and not path.startswith("[") else path)


def _fill(value: Any, unknown: Any, output: str, path: str, unknown_paths: list[str]) -> Any:
    """`value` with every part that `unknown` (Terraform's after_unknown) marks replaced by a placeholder."""
    if unknown is True:
        unknown_paths.append(path)
        return placeholder(output, path)
    if isinstance(unknown, dict):
        known = value if isinstance(value, dict) else {}
        keys = sorted(set(known) | set(unknown))
        return {
            k: _fill(known.get(k), unknown.get(k, False), output, f"{path}.{k}" if path else k, unknown_paths)
            for k in keys
        }
    if isinstance(unknown, list):
        known_list = value if isinstance(value, list) else []
        length = max(len(known_list), len(unknown))
        return [
            _fill(
                known_list[i] if i < len(known_list) else None,
                unknown[i] if i < len(unknown) else False,
                output,
                f"{path}[{i}]" if path else f"[{i}]",
                unknown_paths,
            )
            for i in range(length)
        ]
    return value


def type_of(value: Any) -> Any:
    """The cty type (JSON form, as in a state file) of a JSON value: tuples and objects for collections."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return ["tuple", [type_of(item) for item in value]]
    if isinstance(value, dict):
        return ["object", {key: type_of(item) for key, item in value.items()}]
    return "dynamic"


_CHANGE = {"create": "added", "update": "changed", "delete": "removed"}


def planned_outputs(plan: Mapping[str, Any], *, stack: str) -> PlannedOutputs:
    """The producer's outputs after the apply that `plan` (`terraform show -json` of a plan) describes."""
    if not isinstance(plan, Mapping) or "planned_values" not in plan:
        raise SpeculativeError(f"the plan of {stack} is not `terraform show -json` of a plan")
    planned: Mapping[str, Any] = (plan.get("planned_values") or {}).get("outputs") or {}
    changes_in: Mapping[str, Any] = plan.get("output_changes") or {}
    outputs: dict[str, dict[str, Any]] = {}
    changes: dict[str, Assumption] = {}
    for name in sorted(set(planned) | set(changes_in)):
        change = changes_in.get(name) or {}
        actions = change.get("actions") or ["no-op"]
        entry = planned.get(name) or {}
        sensitive = bool(entry.get("sensitive")) or change.get("after_sensitive") is True
        kind = "removed" if "delete" in actions and "create" not in actions else _CHANGE.get(actions[-1], "")
        if kind == "removed":
            changes[name] = Assumption(stack=stack, output=name, change=kind, sensitive=sensitive)
            continue
        unknown_paths: list[str] = []
        if "value" in entry and not change.get("after_unknown"):
            value = entry["value"]
            value_type = entry.get("type") or type_of(value)
        else:
            value = _fill(change.get("after"), change.get("after_unknown", True), name, "", unknown_paths)
            value_type = type_of(value)
        outputs[name] = {"value": value, "type": value_type} | ({"sensitive": True} if sensitive else {})
        if kind:
            changes[name] = Assumption(
                stack=stack, output=name, change=kind, unknown=tuple(unknown_paths), sensitive=sensitive
            )
    state = {
        "version": 4,
        "terraform_version": str(plan.get("terraform_version") or "1.11.4"),
        "serial": 0,
        "lineage": f"speculative-{stack}",
        "outputs": outputs,
        "resources": [],
    }
    return PlannedOutputs(stack=stack, state=state, changes=changes)


_REFERENCE = re.compile(r"data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs(?:\.([A-Za-z0-9_-]+))?")


def remote_state_reads(config: Mapping[str, Any]) -> dict[str, frozenset[str] | None]:
    """Per `terraform_remote_state` data source of a synthesized stack, the outputs read (None: all of them)."""
    sources = ((config.get("data") or {}).get("terraform_remote_state") or {}).keys()
    reads: dict[str, set[str] | None] = {name: set() for name in sources}
    text = json.dumps(config)
    for match in _REFERENCE.finditer(text):
        name, output = match.group(1), match.group(2)
        if name not in reads:
            continue
        current = reads[name]
        if output is None:
            reads[name] = None
        elif current is not None:
            current.add(output)
    return {name: (None if outputs is None else frozenset(outputs)) for name, outputs in reads.items()}


def producer_of(source: Mapping[str, Any], producers: Iterable[str]) -> str | None:
    """Which of `producers` (stack ids) a `terraform_remote_state` block reads: its id in the state location."""
    location = json.dumps(source.get("config") or {})
    found = [p for p in producers if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(p)}(?![A-Za-z0-9_-])", location)]
    return found[0] if len(found) == 1 else None


def assumptions_for(
    config: Mapping[str, Any], planned: Mapping[str, PlannedOutputs]
) -> dict[str, tuple[PlannedOutputs, tuple[Assumption, ...]]]:
    """The consumer's remote-state data sources that read an output a producer's plan adds, changes or removes.

    `planned` maps producer stack ids to their planned outputs; the result maps data-source names to the
    producer's outputs and the assumptions the consumer's plan would make (empty dict: plan it as usual).
    """
    sources: Mapping[str, Any] = (config.get("data") or {}).get("terraform_remote_state") or {}
    needed: dict[str, tuple[PlannedOutputs, tuple[Assumption, ...]]] = {}
    for name, outputs in remote_state_reads(config).items():
        producer = producer_of(sources[name], planned)
        if producer is None:
            continue
        changed = planned[producer].changes
        used = [changed[o] for o in sorted(changed) if outputs is None or o in outputs]
        if used:
            needed[name] = (planned[producer], tuple(used))
    return needed


def override_document(states: Mapping[str, str]) -> dict[str, Any]:
    """An override file that points each named remote-state data source at a local state file (path)."""
    return {
        "//": "Speculative plan only: reads the planned outputs of a producer instead of its applied state.",
        "data": {
            "terraform_remote_state": {
                name: {"backend": "local", "config": {"path": path}} for name, path in sorted(states.items())
            }
        },
    }


def prepare_scratch(stack_dir: Path, scratch: Path, planned: Mapping[str, PlannedOutputs]) -> Path:
    """A copy of `stack_dir` at `scratch` whose named remote-state reads come from speculative states.

    `scratch` must sit as deep below the project as `stack_dir` (e.g. cdktf.out/speculative/<stack> beside
    cdktf.out/stacks/<stack>), so the configuration's relative paths (local backend, assets) resolve alike.
    `.terraform` is linked, not copied: the backend and providers are the same, so no second `init`.
    """
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(stack_dir, scratch, ignore=shutil.ignore_patterns(*_SCRATCH_SKIP), symlinks=True)
    if (stack_dir / ".terraform").is_dir():
        os.symlink((stack_dir / ".terraform").resolve(), scratch / ".terraform")
    paths: dict[str, str] = {}
    for name, outputs in planned.items():
        state_file = scratch / f"planned-{outputs.stack}.tfstate.json"
        descriptor = os.open(state_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # may hold sensitive outputs
        with os.fdopen(descriptor, "w") as handle:
            json.dump(outputs.state, handle, indent=2, sort_keys=True)
        paths[name] = str(state_file.resolve())
    (scratch / OVERRIDE_FILE).write_text(json.dumps(override_document(paths), indent=2) + "\n")
    return scratch
