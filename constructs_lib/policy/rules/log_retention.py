"""JK-003: every log group has a retention period; CloudWatch keeps logs forever (and bills them) otherwise."""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind != "resource" or element.type != "aws_cloudwatch_log_group":
        return
    days = element.config.get("retention_in_days")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        yield f"log retention must be set to a number of days (retention_in_days is {days!r})"


RULE = Rule(
    id="JK-003",
    name="LogGroupRetention",
    why="logs without retention grow without bound and keep personal data longer than GDPR allows",
    check=check,
)
