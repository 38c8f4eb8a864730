"""JK-002: prod tables refuse deletion, both in AWS and in Terraform."""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView, block


def check(element: Element, stack: StackView) -> Iterator[str]:
    if not stack.is_prod_table(element):
        return
    if element.config.get("deletion_protection_enabled") is not True:
        yield "deletion protection must be on in prod (deletion_protection_enabled = true)"
    if block(element.config, "lifecycle").get("prevent_destroy") is not True:
        yield "Terraform must refuse to destroy a prod table (lifecycle.prevent_destroy = true)"


RULE = Rule(
    id="JK-002",
    name="DynamoDBDeletionProtection",
    why="a prod table deleted by a console click or a bad plan loses every user's context",
    check=check,
)
