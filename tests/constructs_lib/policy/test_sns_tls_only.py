"""JK-013 SnsTlsOnly: every topic has a policy denying plain-HTTP requests."""

from __future__ import annotations

import json
from collections.abc import Callable

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy

from tests.constructs_lib.policy.support import ids, messages, violations


def _topic(
    *, secure_transport: str | None, action: str | list[str] = "SNS:Publish", on_topic: bool = True
) -> Callable[[TerraformStack], object]:
    def define(stack: TerraformStack) -> None:
        topic = SnsTopic(stack, "topic", name="t")
        if secure_transport is None:
            return
        statement = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": action,
            "Resource": topic.arn if on_topic else "arn:aws:sns:eu-north-1:123456789012:other",
            "Condition": {"Bool": {"aws:SecureTransport": secure_transport}},
        }
        SnsTopicPolicy(
            stack, "policy", arn=topic.arn, policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        )

    return define


def test_compliant_tls_only_topic_passes() -> None:
    assert "JK-013" not in ids(violations(_topic(secure_transport="false"), environment="dev"))
    everything = _topic(secure_transport="false", action=["SNS:Subscribe", "sns:*"])
    assert "JK-013" not in ids(violations(everything, environment="dev"))


def test_a_topic_without_a_policy_is_a_violation() -> None:
    assert messages(violations(_topic(secure_transport=None), environment="dev"), "JK-013") == [
        "the topic needs a policy denying SNS:Publish on it when aws:SecureTransport is false "
        "(an aws_sns_topic_policy with that Deny statement)"
    ]


def test_a_policy_that_denies_tls_instead_is_a_violation() -> None:
    assert "JK-013" in ids(violations(_topic(secure_transport="true"), environment="dev"))


def test_a_deny_that_leaves_publishing_out_is_a_violation() -> None:
    assert "JK-013" in ids(violations(_topic(secure_transport="false", action="SNS:Subscribe"), environment="dev"))


def test_a_deny_on_another_topic_is_a_violation() -> None:
    assert "JK-013" in ids(violations(_topic(secure_transport="false", on_topic=False), environment="dev"))
