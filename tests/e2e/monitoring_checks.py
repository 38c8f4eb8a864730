"""What the end-to-end test verifies of the monitoring stack (and the encrypted feedback topic) on the emulator.

The checks read the deployed alert topic, its key, the subscriptions, every alarm, the dashboard and the
budget back with boto3 and compare them with the config and the other stacks' deployed resources; one check
drives an alarm into ALARM and back to OK and reads the two notifications from an SQS queue it subscribes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from constructs_lib.contract import StackName
from constructs_lib.encrypted_topic import KEY_USE_ACTIONS
from stacks.api.contract import ApiOutputs
from stacks.data.contract import DataOutputs
from stacks.messaging.contract import MessagingOutputs
from stacks.monitoring.alarms import (
    COMPARISON,
    MISSING_DATA,
    MonitoredResources,
    junokit_alarms,
)
from stacks.monitoring.budget import ACTUAL_PERCENT, FORECAST_PERCENT
from stacks.monitoring.contract import MonitoringOutputs
from tests.e2e.checks import Check, Deployed, _tag_map, _tags_include

CLOUDWATCH = "cloudwatch.amazonaws.com"
BUDGETS = "budgets.amazonaws.com"
SES = "ses.amazonaws.com"


def _topic(deployed: Deployed) -> str:
    arn = deployed.output(StackName.MONITORING, MonitoringOutputs.ALERT_TOPIC_ARN)
    assert (
        arn
        == f"arn:aws:sns:{deployed.config.region}:{deployed.account}:{deployed.config.resource_name('junokit-alerts')}"
    )
    return str(arn)


def _allowed_services(policy: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        s["Principal"]["Service"]: s
        for s in policy["Statement"]
        if s["Effect"] == "Allow" and isinstance(s["Principal"], Mapping) and "Service" in s["Principal"]
    }


def _check_encrypted_topic(deployed: Deployed, topic: str, sources: Mapping[str, list[str]]) -> None:
    """The topic is under a customer-managed, rotated key, and both policies name exactly `sources`' services."""
    account = deployed.account
    attributes = deployed.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]
    kms = deployed.client("kms")
    key = kms.describe_key(KeyId=attributes["KmsMasterKeyId"])["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER" and key["Enabled"] is True, key
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    aliases = kms.list_aliases(KeyId=key["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in aliases] == [f"alias/{topic.rsplit(':', 1)[-1]}"]
    key_policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    condition = {
        service: {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": arns}}
        for service, arns in sources.items()
    }
    users = _allowed_services(key_policy)
    assert sorted(users) == sorted(sources)
    for service, statement in users.items():
        assert statement["Action"] == list(KEY_USE_ACTIONS) and statement["Condition"] == condition[service], statement
    [admin] = [s for s in key_policy["Statement"] if "AWS" in s["Principal"]]
    assert admin["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
    topic_policy = json.loads(attributes["Policy"])
    publishers = _allowed_services(topic_policy)
    assert sorted(publishers) == sorted(sources)
    for service, statement in publishers.items():
        assert (statement["Action"], statement["Resource"], statement["Condition"]) == (
            "SNS:Publish",
            topic,
            condition[service],
        )
    [deny] = [s for s in topic_policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Principal"] == "*" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert "SNS:Publish" in deny["Action"] and deny["Resource"] == topic


# --- messaging: the feedback topic under its own key ------------------------------------------------


def feedback_topic_is_encrypted_and_only_ses_may_publish(deployed: Deployed) -> None:
    config = deployed.config
    prefix = f"arn:aws:ses:{config.region}:{deployed.account}"
    sources = {
        SES: [
            f"{prefix}:identity/{config.domain}",
            f"{prefix}:configuration-set/{config.resource_name('junokit-email')}",
        ]
    }
    _check_encrypted_topic(deployed, deployed.output(StackName.MESSAGING, MessagingOutputs.FEEDBACK_TOPIC_ARN), sources)


# --- monitoring ---------------------------------------------------------------------------------------


def alert_topic_is_encrypted_and_only_alarms_and_budgets_may_publish(deployed: Deployed) -> None:
    account, region = deployed.account, deployed.config.region
    sources = {
        CLOUDWATCH: [f"arn:aws:cloudwatch:{region}:{account}:alarm:*"],
        BUDGETS: [f"arn:aws:budgets::{account}:*"],
    }
    _check_encrypted_topic(deployed, _topic(deployed), sources)


def alert_emails_are_subscribed(deployed: Deployed) -> None:
    subscriptions = deployed.client("sns").list_subscriptions_by_topic(TopicArn=_topic(deployed))["Subscriptions"]
    emails = sorted(s["Endpoint"] for s in subscriptions if s["Protocol"] == "email")
    assert emails == sorted(deployed.config.monitoring.alert_emails)
    assert deployed.config.monitoring.alert_emails, "the dev config subscribes at least one address, so this checks one"


def alert_topic_is_tagged(deployed: Deployed) -> None:
    tags = deployed.client("sns").list_tags_for_resource(ResourceArn=_topic(deployed))["Tags"]
    _tags_include(_tag_map(tags), deployed.config, StackName.MONITORING)


def _resources(deployed: Deployed) -> MonitoredResources:
    """What the alarms must watch: the other stacks' deployed names, read from their outputs and the APIs."""
    function_name = deployed.config.resource_name("junokit-profile")
    function = deployed.client("lambda").get_function(FunctionName=function_name)["Configuration"]
    return MonitoredResources(
        api_name=deployed.config.resource_name("junokit-api"),
        stage_name="v1",
        function_name=function["FunctionName"],
        function_timeout_seconds=function["Timeout"],
        table_name=deployed.output(StackName.DATA, DataOutputs.TABLE_NAME),
        configuration_set=deployed.output(StackName.MESSAGING, MessagingOutputs.CONFIGURATION_SET),
        feedback_topic_arn=deployed.output(StackName.MESSAGING, MessagingOutputs.FEEDBACK_TOPIC_ARN),
    )


def _alarm_name(deployed: Deployed, key: str) -> str:
    return f"junokit-{key}" if deployed.config.is_prod else f"junokit-{key}-{deployed.config.name}"


def _deployed_alarms(deployed: Deployed) -> dict[str, dict[str, Any]]:
    return {
        a["AlarmName"]: a
        for a in deployed.client("cloudwatch").describe_alarms(AlarmNamePrefix="junokit-")["MetricAlarms"]
    }


def alarms_match_the_config_and_watch_the_deployed_resources(deployed: Deployed) -> None:
    config, resources = deployed.config, _resources(deployed)
    assert deployed.output(StackName.API, ApiOutputs.REST_API_NAME) == resources.api_name
    assert deployed.output(StackName.API, ApiOutputs.FUNCTION_NAME) == resources.function_name
    assert deployed.output(StackName.API, ApiOutputs.FUNCTION_TIMEOUT) == resources.function_timeout_seconds
    definitions = junokit_alarms(resources, config.monitoring)
    alarms = _deployed_alarms(deployed)
    assert sorted(alarms) == sorted(_alarm_name(deployed, d.key) for d in definitions)
    topic = _topic(deployed)
    for definition in definitions:
        alarm = alarms[_alarm_name(deployed, definition.key)]
        where = definition.key
        assert alarm["AlarmActions"] == [topic] and alarm["OKActions"] == [topic], where
        assert alarm["ActionsEnabled"] is True and alarm["TreatMissingData"] == MISSING_DATA, where
        assert alarm["ComparisonOperator"] == COMPARISON, where
        assert alarm["EvaluationPeriods"] == definition.evaluation_periods, where
        assert alarm["DatapointsToAlarm"] == definition.datapoints_to_alarm, where
        assert "First check" in alarm["AlarmDescription"], where
        if definition.key == "function-duration":
            expected = (
                resources.function_timeout_seconds * 1000 * config.monitoring.function_duration_percent_of_timeout / 100
            )
            assert alarm["Threshold"] == expected, where
        else:
            assert alarm["Threshold"] == definition.threshold, where
        if definition.summed_over:
            # Terraform keeps metric queries as a set: compare them by id (m0, m1, ... in the definition's order).
            queries = sorted((q for q in alarm["Metrics"] if "MetricStat" in q), key=lambda q: int(q["Id"][1:]))
            metrics = [q["MetricStat"] for q in queries]
            assert [{d["Name"]: d["Value"] for d in m["Metric"]["Dimensions"]} for m in metrics] == [
                dict(dimensions) for dimensions in definition.summed_over
            ], where
            assert {(m["Metric"]["Namespace"], m["Metric"]["MetricName"], m["Stat"], m["Period"]) for m in metrics} == {
                (definition.namespace, definition.metric, definition.statistic, definition.period_seconds)
            }, where
            assert [q["Expression"] for q in alarm["Metrics"] if q.get("Expression")] == ["SUM(METRICS())"], where
            continue
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Period"]) == (
            definition.namespace,
            definition.metric,
            definition.period_seconds,
        ), where
        statistic = alarm.get("ExtendedStatistic") or alarm.get("Statistic")
        assert statistic == definition.statistic, where
        assert {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])} == dict(definition.dimensions), where


def alarms_are_tagged(deployed: Deployed) -> None:
    cloudwatch = deployed.client("cloudwatch")
    for alarm in _deployed_alarms(deployed).values():
        tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        _tags_include(_tag_map(tags), deployed.config, StackName.MONITORING)


def an_alarm_in_alarm_state_notifies_the_topic(deployed: Deployed) -> None:
    """SetAlarmState to ALARM, then OK: CloudWatch publishes both to the topic; an SQS queue subscribed for
    the test receives them."""
    sqs, sns, cloudwatch = deployed.client("sqs"), deployed.client("sns"), deployed.client("cloudwatch")
    alarm = _alarm_name(deployed, "function-errors")
    queue = sqs.create_queue(QueueName="junokit-e2e-alert-probe")["QueueUrl"]
    subscription = None
    try:
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        subscription = sns.subscribe(
            TopicArn=_topic(deployed), Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        for state in ("ALARM", "OK"):
            cloudwatch.set_alarm_state(AlarmName=alarm, StateValue=state, StateReason=f"end-to-end test: {state}")
        received: list[dict[str, Any]] = []
        for _ in range(5):
            received += sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                "Messages", []
            )
            if len(received) >= 2:
                break
        envelopes = [json.loads(message["Body"]) for message in received]
        notices = [json.loads(envelope["Message"]) for envelope in envelopes]
        assert [(n["AlarmName"], n["NewStateValue"]) for n in notices] == [(alarm, "ALARM"), (alarm, "OK")], notices
        assert [e["Subject"] for e in envelopes] == [
            f'ALARM: "{alarm}" in EU (Stockholm)',
            f'OK: "{alarm}" in EU (Stockholm)',
        ]
        assert all(e["TopicArn"] == _topic(deployed) for e in envelopes)
    finally:
        if subscription:
            sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=queue)


def dashboard_shows_the_deployed_resources_and_alarms(deployed: Deployed) -> None:
    config = deployed.config
    name = f"{config.project}-{config.name}"
    assert deployed.output(StackName.MONITORING, MonitoringOutputs.DASHBOARD_URL) == (
        f"https://{config.region}.console.aws.amazon.com/cloudwatch/home?region={config.region}#dashboards/dashboard/{name}"
    )
    body = json.loads(deployed.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    resources = _resources(deployed)
    shown = {
        (m[0], m[1], tuple(x for x in m[2:] if isinstance(x, str)))
        for w in body["widgets"]
        if w["type"] == "metric"
        for m in w["properties"]["metrics"]
    }
    api = ("ApiName", resources.api_name, "Stage", resources.stage_name)
    for expected in (
        ("AWS/ApiGateway", "Count", api),
        ("AWS/ApiGateway", "Latency", api),
        ("AWS/ApiGateway", "5XXError", api),
        ("AWS/Lambda", "Duration", ("FunctionName", resources.function_name)),
        ("AWS/Lambda", "Throttles", ("FunctionName", resources.function_name)),
        ("AWS/DynamoDB", "ConsumedReadCapacityUnits", ("TableName", resources.table_name)),
        ("AWS/DynamoDB", "ReadThrottleEvents", ("TableName", resources.table_name)),
        ("AWS/SES", "Complaint", ()),
    ):
        assert expected in shown, expected
    [alarm_widget] = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(
        a["AlarmArn"] for a in _deployed_alarms(deployed).values()
    )


def budget_matches_the_config_and_notifies_the_topic(deployed: Deployed) -> None:
    config, account = deployed.config, deployed.account
    budgets = deployed.client("budgets")
    name = config.stack_id("monthly")
    budget = budgets.describe_budget(AccountId=account, BudgetName=name)["Budget"]
    assert budget["BudgetType"] == "COST" and budget["TimeUnit"] == "MONTHLY"
    assert float(budget["BudgetLimit"]["Amount"]) == config.monitoring.monthly_budget_usd
    assert budget["BudgetLimit"]["Unit"] == "USD"
    assert budget["CostFilters"] == {"TagKeyValue": [f"user:Environment${config.name}"]}
    notifications = budgets.describe_notifications_for_budget(AccountId=account, BudgetName=name)["Notifications"]
    assert sorted(
        (n["NotificationType"], n["ComparisonOperator"], n["Threshold"], n["ThresholdType"]) for n in notifications
    ) == [
        ("ACTUAL", "GREATER_THAN", ACTUAL_PERCENT, "PERCENTAGE"),
        ("FORECASTED", "GREATER_THAN", FORECAST_PERCENT, "PERCENTAGE"),
    ]
    for notification in notifications:
        subscribers = budgets.describe_subscribers_for_notification(
            AccountId=account, BudgetName=name, Notification=notification
        )
        assert subscribers["Subscribers"] == [{"SubscriptionType": "SNS", "Address": _topic(deployed)}]


MONITORING_CHECKS: tuple[Check, ...] = (
    alert_topic_is_encrypted_and_only_alarms_and_budgets_may_publish,
    alert_emails_are_subscribed,
    alert_topic_is_tagged,
    alarms_match_the_config_and_watch_the_deployed_resources,
    alarms_are_tagged,
    an_alarm_in_alarm_state_notifies_the_topic,
    dashboard_shows_the_deployed_resources_and_alarms,
    budget_matches_the_config_and_notifies_the_topic,
)
