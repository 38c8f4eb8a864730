"""JK-012: prod's monitoring stack has alarms on each of the API, the function, the table and SES.

Checked once per stack (its `stack` element), on the monitoring stack of prod: the alarms are in that stack,
so a namespace without any alarm there means a part of prod nobody is told about when it breaks.
"""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.contract import StackName
from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView, block, blocks

REQUIRED_NAMESPACES: dict[str, str] = {
    "AWS/ApiGateway": "the API",
    "AWS/Lambda": "the profile function",
    "AWS/DynamoDB": "the user-context table",
    "AWS/SES": "SES",
}
"""CloudWatch namespace -> what breaks unnoticed without an alarm on it."""


def alarmed_namespaces(stack: StackView) -> set[str]:
    """Namespaces of every metric alarm of the stack, including the metrics inside metric-math alarms."""
    found: set[str] = set()
    for alarm in stack.resources_of("aws_cloudwatch_metric_alarm"):
        if alarm.config.get("namespace"):
            found.add(str(alarm.config["namespace"]))
        for query in blocks(alarm.config, "metric_query"):
            namespace = block(query, "metric").get("namespace")
            if namespace:
                found.add(str(namespace))
    return found


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind != "stack" or not stack.is_prod or not stack.stack_id.endswith(f"-{StackName.MONITORING}"):
        return
    covered = alarmed_namespaces(stack)
    for namespace, what in REQUIRED_NAMESPACES.items():
        if namespace not in covered:
            yield f"prod has no alarm on {what} (no aws_cloudwatch_metric_alarm in namespace {namespace})"


RULE = Rule(
    id="JK-012",
    name="ProdAlarmCoverage",
    why="a prod component without an alarm fails silently until a user reports it",
    check=check,
)
