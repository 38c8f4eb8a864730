"""JK-001: prod tables have point-in-time recovery, the only way back from a bad write or a bad deploy."""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView, block


def check(element: Element, stack: StackView) -> Iterator[str]:
    if not stack.is_prod_table(element):
        return
    if block(element.config, "point_in_time_recovery").get("enabled") is not True:
        yield "point-in-time recovery must be enabled in prod (point_in_time_recovery.enabled = true)"


RULE = Rule(
    id="JK-001",
    name="DynamoDBPointInTimeRecovery",
    why="without PITR a prod table cannot be restored to the second before a bad write",
    check=check,
)
