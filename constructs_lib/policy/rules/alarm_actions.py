"""JK-011: every alarm has an action; an alarm that notifies no one only changes colour on a dashboard."""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView

ALARM_TYPES: tuple[str, ...] = ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind != "resource" or element.type not in ALARM_TYPES:
        return
    if element.config.get("actions_enabled") is False:
        yield "alarm actions are disabled (actions_enabled = false); enable them"
    if not element.config.get("alarm_actions"):
        yield "alarm has no alarm_actions; send it to the alert topic"


RULE = Rule(
    id="JK-011",
    name="AlarmHasAction",
    why="an alarm without an action fires without anyone being told",
    check=check,
)
