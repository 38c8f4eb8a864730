"""JK-011 AlarmHasAction: every alarm notifies someone."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_composite_alarm import CloudwatchCompositeAlarm
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm

from tests.constructs_lib.policy.support import ids, messages, violations

TOPIC = "arn:aws:sns:eu-north-1:123456789012:alerts"


def _alarm(**settings: object):
    def define(stack: TerraformStack) -> None:
        CloudwatchMetricAlarm(
            stack,
            "alarm",
            alarm_name="errors",
            namespace="AWS/Lambda",
            metric_name="Errors",
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            **settings,
        )

    return define


def test_compliant_alarm_with_an_action_passes() -> None:
    assert "JK-011" not in ids(violations(_alarm(alarm_actions=[TOPIC], ok_actions=[TOPIC]), environment="dev"))


def test_alarm_without_actions_is_a_violation() -> None:
    assert messages(violations(_alarm(), environment="dev"), "JK-011") == [
        "alarm has no alarm_actions; send it to the alert topic"
    ]


def test_alarm_with_only_an_ok_action_is_a_violation() -> None:
    assert "JK-011" in ids(violations(_alarm(ok_actions=[TOPIC]), environment="dev"))


def test_alarm_with_actions_disabled_is_a_violation() -> None:
    assert messages(violations(_alarm(alarm_actions=[TOPIC], actions_enabled=False), environment="dev"), "JK-011") == [
        "alarm actions are disabled (actions_enabled = false); enable them"
    ]


def test_composite_alarm_without_actions_is_a_violation() -> None:
    def define(stack: TerraformStack) -> None:
        CloudwatchCompositeAlarm(stack, "composite", alarm_name="any", alarm_rule='ALARM("errors")')

    assert "JK-011" in ids(violations(define, environment="dev"))
