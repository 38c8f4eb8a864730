"""The policy pack: an aspect that applies every rule to every element of a stack, in the style of cdk-nag.

cdktf invokes aspects at synth time. The pack takes a stack's resolved configuration once, runs every rule
over every resource, data source, provider and backend in plain Python, and reports each violation as an
error annotation on the offending construct; cdktf refuses to synthesize a stack with error annotations
and `main.py` prints them one per line.

`enforce(stack, ...)` is how the app applies it: the pack rides on a leaf construct added after everything
else, so cdktf calls it once per stack, after any other aspect has run. Added the cdk-nag way,
`Aspects.of(stack).add(pack)`, it works the same but is called back for every construct of the stack,
and each such call from the jsii kernel into Python costs about a millisecond. `main.py` synthesizes inside
`checked_after_synth()`: the same rules then read the files cdktf wrote, so each stack is resolved once, not twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsii
from cdktf import Annotations, Aspects, IAspect, TerraformBackend, TerraformProvider, TerraformStack
from constructs import Construct, IConstruct

from constructs_lib.policy.rule import Rule, Violation
from constructs_lib.policy.rules import ALL_RULES
from constructs_lib.policy.view import Element, StackView

ERROR_ANNOTATION = "@cdktf/error"
CONTINUE_ON_ERRORS = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"
"""Set by the cdktf CLI: cdktf then writes stacks despite error annotations and leaves reporting to the CLI."""


@jsii.implements(IAspect)
class PolicyPack:
    """Apply `rules` (default: all Junokit rules) to every element of the stacks it is added to."""

    def __init__(self, *, environment: str, rules: Sequence[Rule] = ALL_RULES) -> None:
        self.environment = environment
        self.rules = tuple(rules)
        self.violations: list[Violation] = []
        """Every violation found so far, each once even when the stack is synthesized again."""

    def visit(self, node: IConstruct) -> None:
        """Check a whole stack when visiting it or its checkpoint; other constructs are covered by their stack.

        Inside `checked_after_synth()` the stack is only noted, and checked in the file cdktf writes for it."""
        stack = node.stack if isinstance(node, PolicyCheckpoint) else node
        if not isinstance(stack, TerraformStack):
            return
        if _after_synth is not None:
            _after_synth.pending.append((self, stack))
        else:
            self.check(stack)

    def check(self, stack: TerraformStack, document: Mapping[str, Any] | None = None) -> int:
        """Check `stack`'s configuration: `document` if given (what cdktf wrote), else resolved now; returns how
        many violations were new."""
        if document is None:
            document = stack.to_terraform()
        view = StackView(stack_id=stack.node.id, environment=self.environment, document=document)
        before = len(self.violations)
        for element in view.elements():
            for rule in self.rules:
                for message in rule.check(element, view):
                    self._report(stack, element, rule, message)
        return len(self.violations) - before

    def _report(self, stack: TerraformStack, element: Element, rule: Rule, message: str) -> None:
        construct = _construct_of(stack, element)
        violation = Violation(rule=rule, path=construct.node.path, address=element.address, message=message)
        if violation not in self.violations:
            self.violations.append(violation)
            Annotations.of(construct).add_error(str(violation))


class PolicyCheckpoint(Construct):
    """A leaf construct (synthesizes nothing) that carries a pack for its stack; see `enforce`."""

    def __init__(self, stack: TerraformStack, *, pack: PolicyPack) -> None:
        super().__init__(stack, "policy")
        self.stack = stack
        Aspects.of(self).add(pack)


def enforce(stack: TerraformStack, *, environment: str, rules: Sequence[Rule] = ALL_RULES) -> PolicyPack:
    """Check `stack` against `rules` when it is synthesized. Call it after the stack's last construct."""
    pack = PolicyPack(environment=environment, rules=rules)
    PolicyCheckpoint(stack, pack=pack)
    return pack


def _construct_of(stack: TerraformStack, element: Element) -> IConstruct:
    """The construct that synthesized `element` (the stack itself if none can be told apart)."""
    if element.kind == "provider":
        for child in stack.node.children:
            if isinstance(child, TerraformProvider) and child.terraform_resource_type == element.type:
                if (child.alias or "") == element.name:
                    return child
        return stack
    if element.kind == "backend":
        return next((child for child in stack.node.children if isinstance(child, TerraformBackend)), stack)
    found: IConstruct = stack
    for child_id in element.path.split("/")[1:]:
        next_child = found.node.try_find_child(child_id)
        if next_child is None:
            return stack
        found = next_child
    return found


@dataclass
class AfterSynth:
    """The stacks packs noted during a synth inside `checked_after_synth()`, each with its pack."""

    pending: list[tuple[PolicyPack, TerraformStack]] = field(default_factory=list)

    def check(self, outdir: Path) -> bool:
        """Check each noted stack in the file cdktf wrote for it under `outdir`; True if any rule is broken."""
        stacks = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))["stacks"]
        found = 0
        for pack, stack in self.pending:
            path = outdir / stacks[stack.node.id]["synthesizedStackPath"]
            found += pack.check(stack, json.loads(path.read_text(encoding="utf-8")))
        return found > 0


_after_synth: AfterSynth | None = None


@contextmanager
def checked_after_synth() -> Iterator[AfterSynth]:
    """While active, packs check nothing at synth time and note their stacks instead, for `AfterSynth.check`.

    A pack that checks at synth resolves the whole stack (`to_terraform()`), which cdktf then does again to write
    it: ~40 ms a stack. The file cdktf writes is that same resolved configuration. `main.py` uses this where it
    owns the output (written to a staging folder, dropped on a violation); cdktf then cannot refuse the synth
    itself, and annotations added afterwards are read by `policy_errors` as before.
    """
    global _after_synth
    if _after_synth is not None:
        raise RuntimeError("checked_after_synth() is already active")
    _after_synth = AfterSynth()
    try:
        yield _after_synth
    finally:
        _after_synth = None


def policy_errors(root: IConstruct) -> list[str]:
    """Every error annotation under `root`, one line each (what `main.py` prints when synth is refused).

    Walks the whole tree (a few kernel calls per construct), so call it only when synth failed or cdktf was
    told to continue despite errors (`CONTINUE_ON_ERRORS`); otherwise a finished synth already means none.
    """
    return [
        str(entry.data)
        for construct in root.node.find_all()
        for entry in construct.node.metadata
        if entry.type == ERROR_ANNOTATION
    ]


def errors_may_be_ignored() -> bool:
    """Whether cdktf would synthesize despite error annotations (read by its runtime from this process's env)."""
    return bool(os.environ.get(CONTINUE_ON_ERRORS))
