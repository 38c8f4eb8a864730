"""JK-012 ProdAlarmCoverage: prod's monitoring stack alarms on the API, the function, the table and SES."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)

from constructs_lib.policy.rules.prod_alarm_coverage import REQUIRED_NAMESPACES
from tests.constructs_lib.policy.support import ids, messages, violations

TOPIC = "arn:aws:sns:eu-north-1:123456789012:alerts"
MONITORING = "junokit-prod-monitoring"


def _alarms(*namespaces: str, math_namespace: str | None = None):
    """One plain alarm per namespace, plus optionally a metric-math alarm on `math_namespace`."""

    def define(stack: TerraformStack) -> None:
        common = {
            "evaluation_periods": 1,
            "threshold": 1,
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            "alarm_actions": [TOPIC],
        }
        for index, namespace in enumerate(namespaces):
            CloudwatchMetricAlarm(
                stack,
                f"alarm-{index}",
                alarm_name=f"a{index}",
                namespace=namespace,
                metric_name="Errors",
                statistic="Sum",
                period=300,
                **common,
            )
        if math_namespace:
            CloudwatchMetricAlarm(
                stack,
                "math",
                alarm_name="math",
                metric_query=[
                    CloudwatchMetricAlarmMetricQuery(
                        id="m0",
                        metric=CloudwatchMetricAlarmMetricQueryMetric(
                            namespace=math_namespace, metric_name="ThrottledRequests", period=300, stat="Sum"
                        ),
                    ),
                    CloudwatchMetricAlarmMetricQuery(id="total", expression="SUM(METRICS())", return_data=True),
                ],
                **common,
            )

    return define


def test_prod_monitoring_stack_with_every_namespace_passes() -> None:
    assert "JK-012" not in ids(violations(_alarms(*REQUIRED_NAMESPACES), stack_id=MONITORING))


def test_a_metric_math_alarm_counts_for_its_metrics_namespace() -> None:
    define = _alarms("AWS/ApiGateway", "AWS/Lambda", "AWS/SES", math_namespace="AWS/DynamoDB")
    assert "JK-012" not in ids(violations(define, stack_id=MONITORING))


def test_prod_monitoring_stack_without_ses_alarms_is_a_violation() -> None:
    define = _alarms("AWS/ApiGateway", "AWS/Lambda", "AWS/DynamoDB")
    assert messages(violations(define, stack_id=MONITORING), "JK-012") == [
        "prod has no alarm on SES (no aws_cloudwatch_metric_alarm in namespace AWS/SES)"
    ]


def test_prod_monitoring_stack_without_alarms_names_every_missing_part() -> None:
    assert messages(violations(_alarms(), stack_id=MONITORING), "JK-012") == [
        f"prod has no alarm on {what} (no aws_cloudwatch_metric_alarm in namespace {namespace})"
        for namespace, what in REQUIRED_NAMESPACES.items()
    ]


def test_the_violation_is_reported_on_the_stack() -> None:
    [found] = [v for v in violations(_alarms("AWS/Lambda"), stack_id=MONITORING) if v.rule.id == "JK-012"][:1]
    assert (found.path, found.address) == (MONITORING, f"stack {MONITORING}")


def test_rule_applies_to_prod_only() -> None:
    define = _alarms()
    assert "JK-012" not in ids(violations(define, stack_id="junokit-dev-monitoring", environment="dev"))


def test_rule_applies_to_the_monitoring_stack_only() -> None:
    assert "JK-012" not in ids(violations(_alarms(), stack_id="junokit-prod-api"))
