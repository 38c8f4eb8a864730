"""What a policy rule is: an id, a name, what it protects, and a pure check over one element."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from constructs_lib.policy.view import Element, StackView

Check = Callable[[Element, StackView], Iterable[str]]
"""Yields one message per problem with `element`; yields nothing when it complies or does not apply."""


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    """Stable id (`JK-001`) to search for in code, docs and CI logs."""
    name: str
    """Short name in PascalCase, after cdk-nag (`DynamoDBPointInTimeRecovery`)."""
    why: str
    """One line on what breaking the rule would cost."""
    check: Check


@dataclass(frozen=True, kw_only=True)
class Violation:
    rule: Rule
    path: str
    """Construct path of the offending element."""
    address: str
    """Its Terraform address."""
    message: str

    def __str__(self) -> str:
        return f"[{self.rule.id}] {self.rule.name}: {self.path} ({self.address}): {self.message}"
