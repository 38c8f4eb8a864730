"""The policy pack: an aspect that applies every rule to every element of a stack, in the style of cdk-nag.

cdktf invokes aspects at synth time, top-down: the pack sees the stack first and takes its resolved
configuration once, then sees each resource, data source, provider and backend, runs the rules on
its resolved block, and reports each violation as an error annotation on that construct. cdktf
refuses to synthesize a stack with error annotations; `main.py` prints them one per line.
"""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from cdktf import Annotations, IAspect, TerraformBackend, TerraformElement, TerraformProvider, TerraformStack
from constructs import IConstruct

from constructs_lib.policy.rule import Rule, Violation
from constructs_lib.policy.rules import ALL_RULES
from constructs_lib.policy.view import Element, StackView

ERROR_ANNOTATION = "@cdktf/error"


@jsii.implements(IAspect)
class PolicyPack:
    """Apply `rules` (default: all Junokit rules) to every element of the stacks it is added to."""

    def __init__(self, *, environment: str, rules: Sequence[Rule] = ALL_RULES) -> None:
        self.environment = environment
        self.rules = tuple(rules)
        self.violations: list[Violation] = []
        """Every violation found so far, each once even when the stack is synthesized again."""
        self._views: dict[str, StackView] = {}

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, TerraformStack):
            # Visited before its children: take the resolved configuration afresh for this synth.
            self._views[node.node.path] = self._view(node)
            return
        if not isinstance(node, TerraformElement):
            return
        stack = TerraformStack.of(node)
        view = self._views.get(stack.node.path) or self._views.setdefault(stack.node.path, self._view(stack))
        element = _element_of(node, view)
        if element is None:
            return
        for rule in self.rules:
            for message in rule.check(element, view):
                violation = Violation(rule=rule, path=node.node.path, address=element.address, message=message)
                if violation not in self.violations:
                    self.violations.append(violation)
                    Annotations.of(node).add_error(str(violation))

    def _view(self, stack: TerraformStack) -> StackView:
        return StackView(stack_id=stack.node.id, environment=self.environment, document=stack.to_terraform())


def _element_of(node: TerraformElement, view: StackView) -> Element | None:
    """The resolved block of `node` in its stack's configuration."""
    if isinstance(node, TerraformProvider):
        return view.find(kind="provider", type_=node.terraform_resource_type, name=node.alias or "")
    if isinstance(node, TerraformBackend):
        return view.backend()
    return view.at_path(node.node.path)


def policy_errors(root: IConstruct) -> list[str]:
    """Every error annotation under `root`, one line each (what `main.py` prints when synth is refused)."""
    return [
        str(entry.data)
        for construct in root.node.find_all()
        for entry in construct.node.metadata
        if entry.type == ERROR_ANNOTATION
    ]
