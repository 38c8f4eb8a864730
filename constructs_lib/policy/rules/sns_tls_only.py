"""JK-013: every SNS topic has a policy that denies requests over plain HTTP (cdk-nag AwsSolutions-SNS3).

The topics carry SES bounce and complaint notices (recipient addresses) and operational alarms; encryption at
rest (checkov CKV_AWS_26) does not cover the request itself. checkov has no check for this, so the pack looks
for the topic's `aws_sns_topic_policy` and, in it, a Deny of `SNS:Publish` on the topic for any principal when
`aws:SecureTransport` is false.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _denies_plain_http(statement: Mapping[str, Any], topic_arn: str) -> bool:
    if statement.get("Effect") != "Deny" or statement.get("Principal") not in ("*", {"AWS": "*"}):
        return False
    actions = {str(action).lower() for action in _as_list(statement.get("Action"))}
    if not actions & {"sns:publish", "sns:*", "*"}:
        return False
    if topic_arn not in _as_list(statement.get("Resource")):
        return False
    secure = ((statement.get("Condition") or {}).get("Bool") or {}).get("aws:SecureTransport")
    return str(secure).lower() == "false"


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind != "resource" or element.type != "aws_sns_topic":
        return
    topic_arn = f"${{aws_sns_topic.{element.name}.arn}}"
    for other in stack.elements():
        if other.kind != "resource" or other.type != "aws_sns_topic_policy" or other.config.get("arn") != topic_arn:
            continue
        try:
            document = json.loads(str(other.config.get("policy")))
        except ValueError:
            continue
        if any(_denies_plain_http(statement, topic_arn) for statement in _as_list(document.get("Statement"))):
            return
    yield (
        "the topic needs a policy denying SNS:Publish on it when aws:SecureTransport is false "
        "(an aws_sns_topic_policy with that Deny statement)"
    )


RULE = Rule(
    id="JK-013",
    name="SnsTlsOnly",
    why="a topic that accepts plain HTTP lets bounce notices (recipient addresses) and alarms cross the network "
    "unencrypted",
    check=check,
)
