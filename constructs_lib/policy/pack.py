"""The policy pack: an aspect that applies every rule to every element of a stack, in the style of cdk-nag.

cdktf invokes aspects at synth time, top-down, so the pack sees each stack before its children. It takes
the stack's resolved configuration once, runs every rule over every resource, data source, provider and
backend in plain Python, and reports each violation as an error annotation on the offending construct;
cdktf refuses to synthesize a stack with error annotations and `main.py` prints them one per line.
The visits to the children return at once: every call into the jsii kernel costs about a millisecond,
and asking each construct for its path and stack would cost more than the whole check.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import jsii
from cdktf import Annotations, IAspect, TerraformBackend, TerraformProvider, TerraformStack
from constructs import IConstruct

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
        if not isinstance(node, TerraformStack):
            return
        view = StackView(stack_id=node.node.id, environment=self.environment, document=node.to_terraform())
        for element in view.elements():
            for rule in self.rules:
                for message in rule.check(element, view):
                    self._report(node, element, rule, message)

    def _report(self, stack: TerraformStack, element: Element, rule: Rule, message: str) -> None:
        construct = _construct_of(stack, element)
        violation = Violation(rule=rule, path=construct.node.path, address=element.address, message=message)
        if violation not in self.violations:
            self.violations.append(violation)
            Annotations.of(construct).add_error(str(violation))


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
        child = found.node.try_find_child(child_id)
        if child is None:
            return stack
        found = child
    return found


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
