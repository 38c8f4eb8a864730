"""The emulator's monitoring shims: alarm actions reach a topic exactly when AWS's policies would let them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from emulator import monitoring_shims
from emulator.monitoring_shims import service_allowed

REGION = "eu-north-1"
ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
ALARM = "errors"
ALARM_ARN = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{ALARM}"
CONTEXT = {"aws:SourceArn": ALARM_ARN, "aws:SourceAccount": ACCOUNT, "aws:SecureTransport": "true"}
CONDITION = {
    "StringEquals": {"aws:SourceAccount": ACCOUNT},
    "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"},
}


def _topic_policy(service: str = "cloudwatch.amazonaws.com", condition: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "SNS:Publish", "Resource": TOPIC,
             "Condition": condition if condition is not None else CONDITION},
            {"Effect": "Deny", "Principal": "*", "Action": ["SNS:Publish"], "Resource": TOPIC,
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    }  # fmt: skip


def _key_policy(
    service: str = "cloudwatch.amazonaws.com", actions: tuple[str, ...] = ("kms:GenerateDataKey", "kms:Decrypt")
) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": ["kms:PutKeyPolicy"], "Resource": "*"},
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions), "Resource": "*", "Condition": CONDITION},
            ],
        }
    )  # fmt: skip


# --- the evaluator ---------------------------------------------------------------------------------


def _publish_allowed(policy: dict[str, Any], context: dict[str, str] = CONTEXT) -> bool:
    return service_allowed(
        policy, service="cloudwatch.amazonaws.com", actions=["SNS:Publish"], resource=TOPIC, context=context
    )


def test_the_named_service_may_publish_for_its_own_resources() -> None:
    assert _publish_allowed(_topic_policy())


def test_another_service_is_not_allowed() -> None:
    assert not _publish_allowed(_topic_policy(service="budgets.amazonaws.com"))


def test_another_accounts_alarm_is_not_allowed() -> None:
    other = {
        **CONTEXT,
        "aws:SourceAccount": "210987654321",
        "aws:SourceArn": ALARM_ARN.replace(ACCOUNT, "210987654321"),
    }
    assert not _publish_allowed(_topic_policy(), other)


def test_the_tls_deny_applies_without_tls() -> None:
    assert not _publish_allowed(_topic_policy(), {**CONTEXT, "aws:SecureTransport": "false"})


def test_every_action_must_be_allowed() -> None:
    policy = json.loads(_key_policy(actions=("kms:Decrypt",)))
    arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/x"
    assert not service_allowed(
        policy,
        service="cloudwatch.amazonaws.com",
        actions=["kms:GenerateDataKey", "kms:Decrypt"],
        resource=arn,
        context=CONTEXT,
    )


def test_an_unknown_condition_operator_is_refused_loudly() -> None:
    with pytest.raises(NotImplementedError):
        _publish_allowed(_topic_policy(condition={"NumericLessThan": {"aws:EpochTime": "1"}}))


# --- alarm actions in moto ---------------------------------------------------------------------------


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monitoring_shims.apply()
    with mock_aws():
        yield


def _notifications(topic_policy: dict[str, Any], key_policy: str) -> list[dict[str, Any]]:
    """Deploy a key, an encrypted topic, an alarm on it and an SQS subscriber; set ALARM; what arrived."""
    kms, sns, sqs, cloudwatch = (boto3.client(s, region_name=REGION) for s in ("kms", "sns", "sqs", "cloudwatch"))
    key = kms.create_key(Policy=key_policy)["KeyMetadata"]["Arn"]
    topic = sns.create_topic(Name="alerts", Attributes={"KmsMasterKeyId": key, "Policy": json.dumps(topic_policy)})[
        "TopicArn"
    ]
    queue = sqs.create_queue(QueueName="probe")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    cloudwatch.put_metric_alarm(
        AlarmName=ALARM, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=300, EvaluationPeriods=1,
        Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic], OKActions=[topic],
    )  # fmt: skip
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="test")
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="unchanged: no second notification")
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]


@pytest.mark.usefixtures("aws")
def test_a_state_change_notifies_an_allowed_topic_once() -> None:
    [notice] = _notifications(_topic_policy(), _key_policy())
    assert (notice["AlarmName"], notice["NewStateValue"], notice["AlarmArn"]) == (ALARM, "ALARM", ALARM_ARN)


@pytest.mark.usefixtures("aws")
def test_a_topic_policy_without_cloudwatch_drops_the_notification() -> None:
    assert _notifications(_topic_policy(service="budgets.amazonaws.com"), _key_policy()) == []


@pytest.mark.usefixtures("aws")
def test_a_key_policy_without_cloudwatch_drops_the_notification() -> None:
    assert _notifications(_topic_policy(), _key_policy(service="ses.amazonaws.com")) == []
