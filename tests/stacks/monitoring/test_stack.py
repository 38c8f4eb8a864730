"""Monitoring stack: alert topic under its own key, every alarm, the dashboard and the budget."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from cdktf import Testing

from constructs_lib.contract import StackName
from constructs_lib.encrypted_topic import KEY_USE_ACTIONS
from stacks.api.contract import ApiOutputs
from stacks.app import STACK_TYPES
from stacks.data.contract import DataOutputs
from stacks.messaging.contract import MessagingOutputs
from stacks.monitoring.alarms import COMPARISON, MISSING_DATA, TABLE_OPERATIONS
from stacks.monitoring.budget import ACTUAL_PERCENT, FORECAST_PERCENT
from stacks.monitoring.contract import MonitoringOutputs
from stacks.monitoring.stack import MonitoringStack
from tests.support import build, config_for, document, only_resource, resources, synth

ALARM = "aws_cloudwatch_metric_alarm"
TOPIC = "aws_sns_topic"
KEY = "aws_kms_key"
SUBSCRIPTION = "aws_sns_topic_subscription"
DASHBOARD = "aws_cloudwatch_dashboard"
BUDGET = "aws_budgets_budget"
ACCOUNT = "${data.aws_caller_identity.aws-caller.account_id}"
PARTITION = "${data.aws_partition.aws-partition.partition}"


@pytest.fixture(scope="module")
def stacks() -> dict[str, Any]:
    return build("dev")


@pytest.fixture(scope="module")
def dev(stacks: dict[str, Any]) -> str:
    return synth(stacks[StackName.MONITORING])


@pytest.fixture(scope="module")
def prod() -> str:
    return synth(build("prod")[StackName.MONITORING])


def _remote(synthesized: str, stack: str, output: str) -> str:
    """The reference to another stack's output through its remote state."""
    [logical_id] = [
        i for i in document(synthesized)["data"]["terraform_remote_state"] if i.startswith(f"remote-{stack}_")
    ]
    return f"${{data.terraform_remote_state.{logical_id}.outputs.{output}}}"


def _ref(synthesized: str, resource_type: str, attribute: str) -> str:
    (logical_id,) = resources(synthesized, resource_type)
    return f"${{{resource_type}.{logical_id}.{attribute}}}"


def _alarms(synthesized: str) -> dict[str, dict[str, Any]]:
    """Alarms by name."""
    return {alarm["alarm_name"]: alarm for alarm in resources(synthesized, ALARM).values()}


# --- the stack in the app ------------------------------------------------------------------------------


def test_monitoring_is_deployed_last() -> None:
    assert list(STACK_TYPES)[-1] == StackName.MONITORING


def test_monitoring_reads_data_messaging_and_api_through_remote_state(stacks: dict[str, Any]) -> None:
    monitoring = stacks[StackName.MONITORING]
    assert sorted(monitoring.producers) == sorted([StackName.DATA, StackName.MESSAGING, StackName.API])
    for producer in (StackName.DATA, StackName.MESSAGING, StackName.API):
        assert stacks[producer] in monitoring.dependencies


def test_outputs_are_the_topic_and_the_dashboard_url(dev: str) -> None:
    outputs = document(dev)["output"]
    assert set(outputs) == {str(name) for name in MonitoringOutputs}
    assert outputs[MonitoringOutputs.ALERT_TOPIC_ARN]["value"] == _ref(dev, TOPIC, "arn")
    assert outputs[MonitoringOutputs.DASHBOARD_URL]["value"] == (
        "https://eu-north-1.console.aws.amazon.com/cloudwatch/home?region=eu-north-1"
        f"#dashboards/dashboard/{_ref(dev, DASHBOARD, 'dashboard_name')}"
    )


def test_api_stack_publishes_what_monitoring_reads() -> None:
    outputs = document(synth(build("dev")[StackName.API]))["output"]
    for name in (
        ApiOutputs.REST_API_NAME,
        ApiOutputs.STAGE_NAME,
        ApiOutputs.FUNCTION_NAME,
        ApiOutputs.FUNCTION_TIMEOUT,
    ):
        assert name in outputs, name
    assert outputs[ApiOutputs.STAGE_NAME]["value"].endswith(".stage_name}")
    assert outputs[ApiOutputs.FUNCTION_TIMEOUT]["value"].endswith(".timeout}")


# --- alert topic ---------------------------------------------------------------------------------------


def test_alert_topic_is_named_per_environment(dev: str, prod: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, TOPIC, {"name": "junokit-alerts-dev"})
    assert Testing.to_have_resource_with_properties(prod, TOPIC, {"name": "junokit-alerts"})


def test_alert_topic_is_encrypted_with_its_own_rotated_key(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, TOPIC, {"kms_master_key_id": _ref(dev, KEY, "arn")})
    assert Testing.to_have_resource_with_properties(dev, KEY, {"enable_key_rotation": True, "is_enabled": True})
    assert Testing.to_have_resource_with_properties(dev, "aws_kms_alias", {"name": "alias/junokit-alerts-dev"})


def _publishers(policy: str) -> dict[str, dict[str, Any]]:
    return {
        s["Principal"]["Service"]: s
        for s in json.loads(policy)["Statement"]
        if s["Effect"] == "Allow" and "Service" in s["Principal"]
    }


EXPECTED_SOURCES = {
    "cloudwatch.amazonaws.com": [f"arn:{PARTITION}:cloudwatch:eu-north-1:{ACCOUNT}:alarm:*"],
    "budgets.amazonaws.com": [f"arn:{PARTITION}:budgets::{ACCOUNT}:*"],
}


def test_key_policy_lets_exactly_cloudwatch_and_budgets_use_the_key(dev: str) -> None:
    policy = only_resource(dev, KEY)["policy"]
    publishers = _publishers(policy)
    assert sorted(publishers) == sorted(EXPECTED_SOURCES)
    for service, statement in publishers.items():
        assert statement["Action"] == list(KEY_USE_ACTIONS)
        assert statement["Condition"] == {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": EXPECTED_SOURCES[service]},
        }
    [admin] = [s for s in json.loads(policy)["Statement"] if "AWS" in s["Principal"]]
    assert admin["Principal"] == {"AWS": f"arn:{PARTITION}:iam::{ACCOUNT}:root"}
    assert not set(admin["Action"]) & {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"}


def test_topic_policy_lets_exactly_cloudwatch_and_budgets_publish_and_refuses_plain_http(dev: str) -> None:
    policy = only_resource(dev, "aws_sns_topic_policy")
    assert policy["arn"] == _ref(dev, TOPIC, "arn")
    publishers = _publishers(policy["policy"])
    assert sorted(publishers) == sorted(EXPECTED_SOURCES)
    for service, statement in publishers.items():
        assert statement["Action"] == "SNS:Publish"
        assert statement["Resource"] == _ref(dev, TOPIC, "arn")
        assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": EXPECTED_SOURCES[service]}
    [deny] = [s for s in json.loads(policy["policy"])["Statement"] if s["Effect"] == "Deny"]
    assert deny["Principal"] == "*" and "SNS:Publish" in deny["Action"] and "SNS:Subscribe" in deny["Action"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_alert_emails_are_subscribed(dev: str) -> None:
    subscription = only_resource(dev, SUBSCRIPTION)
    assert subscription == {"endpoint": "ops@junokit.com", "protocol": "email", "topic_arn": _ref(dev, TOPIC, "arn")}


def test_no_alert_emails_means_no_subscriptions_outside_prod() -> None:
    config = config_for("dev")
    config = replace(config, monitoring=replace(config.monitoring, alert_emails=()))
    assert resources(synth(MonitoringStack(Testing.app(), config=config)), SUBSCRIPTION) == {}


# --- alarms --------------------------------------------------------------------------------------------


ALARM_NAMES = (
    "api-5xx-rate",
    "api-p99-latency",
    "api-4xx-rate",
    "function-errors",
    "function-throttles",
    "function-duration",
    "table-throttled-requests",
    "table-system-errors",
    "ses-bounce-rate",
    "ses-complaint-rate",
)


def test_exactly_the_expected_alarms_exist(dev: str, prod: str) -> None:
    assert sorted(_alarms(dev)) == sorted(f"junokit-{name}-dev" for name in ALARM_NAMES)
    assert sorted(_alarms(prod)) == sorted(f"junokit-{name}" for name in ALARM_NAMES)


def test_every_alarm_notifies_the_topic_on_alarm_and_ok_and_ignores_missing_data(dev: str) -> None:
    topic = _ref(dev, TOPIC, "arn")
    for name, alarm in _alarms(dev).items():
        assert alarm["alarm_actions"] == [topic], name
        assert alarm["ok_actions"] == [topic], name
        assert alarm["actions_enabled"] is True, name
        assert alarm["treat_missing_data"] == MISSING_DATA, name
        assert alarm["comparison_operator"] == COMPARISON, name


def test_every_alarm_says_what_it_means_and_what_to_check_first(dev: str) -> None:
    for name, alarm in _alarms(dev).items():
        assert "First check" in alarm["alarm_description"], name
        assert len(alarm["alarm_description"]) <= 1024, name


def _expect(synthesized: str, key: str, **expected: object) -> None:
    alarm = _alarms(synthesized)[f"junokit-{key}-dev"]
    assert {field: alarm.get(field) for field in expected} == expected


def test_api_5xx_rate_alarm(dev: str) -> None:
    api = {
        "ApiName": _remote(dev, "api", ApiOutputs.REST_API_NAME),
        "Stage": _remote(dev, "api", ApiOutputs.STAGE_NAME),
    }
    _expect(dev, "api-5xx-rate", namespace="AWS/ApiGateway", metric_name="5XXError", statistic="Average",
            threshold=0.05, period=300, evaluation_periods=1, dimensions=api)  # fmt: skip


def test_api_p99_latency_alarm_is_3_of_5_minutes(dev: str) -> None:
    _expect(dev, "api-p99-latency", metric_name="Latency", extended_statistic="p99", threshold=3000, period=60,
            evaluation_periods=5, datapoints_to_alarm=3)  # fmt: skip


def test_api_4xx_rate_alarm_is_over_15_minutes(dev: str) -> None:
    _expect(
        dev,
        "api-4xx-rate",
        metric_name="4XXError",
        statistic="Average",
        threshold=0.25,
        period=900,
        evaluation_periods=1,
    )


def test_function_errors_and_throttles_alarms(dev: str) -> None:
    function = {"FunctionName": _remote(dev, "api", ApiOutputs.FUNCTION_NAME)}
    _expect(dev, "function-errors", namespace="AWS/Lambda", metric_name="Errors", statistic="Sum", threshold=1,
            period=300, dimensions=function)  # fmt: skip
    _expect(dev, "function-throttles", namespace="AWS/Lambda", metric_name="Throttles", statistic="Sum", threshold=1,
            period=300, dimensions=function)  # fmt: skip


def test_function_duration_alarm_is_80_percent_of_its_timeout_in_ms(dev: str) -> None:
    timeout = _remote(dev, "api", ApiOutputs.FUNCTION_TIMEOUT).removeprefix("${").removesuffix("}")
    _expect(
        dev, "function-duration", metric_name="Duration", extended_statistic="p99", threshold=f"${{({timeout} * 800)}}"
    )


@pytest.mark.parametrize(
    ("key", "metric"), [("table-throttled-requests", "ThrottledRequests"), ("table-system-errors", "SystemErrors")]
)
def test_table_alarms_sum_the_metric_over_the_functions_operations(dev: str, key: str, metric: str) -> None:
    alarm = _alarms(dev)[f"junokit-{key}-dev"]
    assert alarm["threshold"] == 1
    queries = alarm["metric_query"]
    [total] = [q for q in queries if q.get("expression")]
    assert total["expression"] == "SUM(METRICS())" and total["return_data"] is True
    metrics = [q["metric"] for q in queries if "metric" in q]
    table = _remote(dev, "data", DataOutputs.TABLE_NAME)
    assert [m["dimensions"] for m in metrics] == [{"TableName": table, "Operation": op} for op in TABLE_OPERATIONS]
    assert {(m["namespace"], m["metric_name"], m["stat"], m["period"]) for m in metrics} == {
        ("AWS/DynamoDB", metric, "Sum", 300)
    }


def test_table_operations_are_those_the_function_may_call(stacks: dict[str, Any]) -> None:
    """The table alarms cover every operation the profile function's role allows on the table, and no other."""
    statements = stacks[StackName.API].profile.policy_document["Statement"]
    [items] = [s for s in statements if s["Sid"] == "ProfileItems"]
    assert sorted(action.removeprefix("dynamodb:") for action in items["Action"]) == sorted(TABLE_OPERATIONS)


def test_ses_reputation_alarms(dev: str) -> None:
    _expect(dev, "ses-bounce-rate", namespace="AWS/SES", metric_name="Reputation.BounceRate", statistic="Maximum",
            threshold=0.04, period=3600, dimensions=None)  # fmt: skip
    _expect(dev, "ses-complaint-rate", namespace="AWS/SES", metric_name="Reputation.ComplaintRate", statistic="Maximum",
            threshold=0.0008, period=3600, dimensions=None)  # fmt: skip


def test_ses_alarms_point_at_the_messaging_stacks_feedback_topic(dev: str) -> None:
    feedback = _remote(dev, "messaging", MessagingOutputs.FEEDBACK_TOPIC_ARN)
    assert feedback in _alarms(dev)["junokit-ses-bounce-rate-dev"]["alarm_description"]


def test_thresholds_come_from_the_config() -> None:
    config = config_for("dev")
    monitoring = replace(config.monitoring, api_5xx_rate_percent=2.5, api_p99_latency_ms=1500, table_system_errors=3)
    synthesized = synth(MonitoringStack(Testing.app(), config=replace(config, monitoring=monitoring)))
    _expect(synthesized, "api-5xx-rate", threshold=0.025)
    _expect(synthesized, "api-p99-latency", threshold=1500)
    _expect(synthesized, "table-system-errors", threshold=3)


# --- dashboard -----------------------------------------------------------------------------------------


def _widgets(synthesized: str) -> list[dict[str, Any]]:
    return json.loads(only_resource(synthesized, DASHBOARD)["dashboard_body"])["widgets"]


def test_dashboard_is_named_after_the_environment(dev: str, prod: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, DASHBOARD, {"dashboard_name": "junokit-dev"})
    assert Testing.to_have_resource_with_properties(prod, DASHBOARD, {"dashboard_name": "junokit-prod"})


def test_dashboard_graphs_every_service(dev: str) -> None:
    shown = {(m[0], m[1]) for w in _widgets(dev) if w["type"] == "metric" for m in w["properties"]["metrics"]}
    for metric in (
        ("AWS/ApiGateway", "Count"), ("AWS/ApiGateway", "Latency"), ("AWS/ApiGateway", "5XXError"), ("AWS/ApiGateway", "4XXError"),
        ("AWS/Lambda", "Invocations"), ("AWS/Lambda", "Errors"), ("AWS/Lambda", "Duration"), ("AWS/Lambda", "Throttles"),
        ("AWS/DynamoDB", "ConsumedReadCapacityUnits"), ("AWS/DynamoDB", "ConsumedWriteCapacityUnits"),
        ("AWS/DynamoDB", "ReadThrottleEvents"), ("AWS/DynamoDB", "WriteThrottleEvents"),
        ("AWS/SES", "Send"), ("AWS/SES", "Bounce"), ("AWS/SES", "Complaint"),
    ):  # fmt: skip
        assert metric in shown, metric


def test_dashboard_shows_latency_percentiles(dev: str) -> None:
    [latency] = [w for w in _widgets(dev) if w["properties"].get("title") == "API latency (ms)"]
    assert [m[-1]["stat"] for m in latency["properties"]["metrics"]] == ["p50", "p90", "p99"]


def test_dashboard_shows_the_state_of_every_alarm(dev: str) -> None:
    [alarms] = [w for w in _widgets(dev) if w["type"] == "alarm"]
    expected = {f"${{{ALARM}.{logical_id}.arn}}" for logical_id in resources(dev, ALARM)}
    assert set(alarms["properties"]["alarms"]) == expected


def test_dashboard_widgets_fit_the_grid_without_overlap(dev: str) -> None:
    cells: set[tuple[int, int]] = set()
    for widget in _widgets(dev):
        assert widget["x"] + widget["width"] <= 24
        for x in range(widget["x"], widget["x"] + widget["width"]):
            for y in range(widget["y"], widget["y"] + widget["height"]):
                assert (x, y) not in cells, widget
                cells.add((x, y))


# --- budget --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("environment", "limit"), [("dev", "20"), ("staging", "20"), ("prod", "100")])
def test_monthly_budget_per_environment(environment: str, limit: str) -> None:
    synthesized = synth(build(environment)[StackName.MONITORING])
    assert Testing.to_have_resource_with_properties(
        synthesized,
        BUDGET,
        {
            "name": f"junokit-{environment}-monthly",
            "budget_type": "COST",
            "time_unit": "MONTHLY",
            "limit_amount": limit,
            "limit_unit": "USD",
            "cost_filter": [{"name": "TagKeyValue", "values": [f"user:Environment${environment}"]}],
        },
    )


def test_budget_notifies_the_topic_at_80_percent_actual_and_100_percent_forecast(dev: str) -> None:
    notifications = only_resource(dev, BUDGET)["notification"]
    topic = _ref(dev, TOPIC, "arn")
    assert sorted(notifications, key=lambda n: n["notification_type"]) == [
        {"notification_type": "ACTUAL", "comparison_operator": "GREATER_THAN", "threshold": ACTUAL_PERCENT,
         "threshold_type": "PERCENTAGE", "subscriber_sns_topic_arns": [topic]},
        {"notification_type": "FORECASTED", "comparison_operator": "GREATER_THAN", "threshold": FORECAST_PERCENT,
         "threshold_type": "PERCENTAGE", "subscriber_sns_topic_arns": [topic]},
    ]  # fmt: skip
    assert (ACTUAL_PERCENT, FORECAST_PERCENT) == (80, 100)
