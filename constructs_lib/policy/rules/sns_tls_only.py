"""JK-013: every SNS topic has a policy that denies requests over plain HTTP (cdk-nag AwsSolutions-SNS3).

The topics carry SES bounce and complaint notices (recipient addresses) and operational alarms; encryption at
rest (checkov CKV_AWS_26) does not cover the request itself. checkov has no check for this, so the pack looks
for the topic's `aws_sns_topic_policy` and, in it, a Deny of `SNS:Publish` on the topic for any principal when
`aws:SecureTransport` is false.
"""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.documents import attached_statements, denies_without_tls
from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView

_PUBLISHING = {"SNS:Publish", "sns:*", "*"}


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind != "resource" or element.type != "aws_sns_topic":
        return
    topic_arn = f"${{aws_sns_topic.{element.name}.arn}}"
    statements = attached_statements(stack, policy_type="aws_sns_topic_policy", link="arn", target=topic_arn)
    if any(denies_without_tls(statement, actions=_PUBLISHING, resources={topic_arn}) for statement in statements):
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
