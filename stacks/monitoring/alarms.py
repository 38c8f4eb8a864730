"""CloudWatch alarms on the API, the profile function, the user-context table and SES, sending to one topic.

`junokit_alarms` says which alarms exist, at which thresholds and over which periods, and what each means and
what to check first; `Alarms` creates them. Every alarm notifies the topic when it goes into ALARM and when it
returns to OK, and treats missing data as not breaching: an API without traffic is not broken, and the
SES and DynamoDB error metrics are only published when something happens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from cdktf import Op, Token
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

from constructs_lib import validation
from constructs_lib.config import MonitoringSettings

API_NAMESPACE = "AWS/ApiGateway"
FUNCTION_NAMESPACE = "AWS/Lambda"
TABLE_NAMESPACE = "AWS/DynamoDB"
SES_NAMESPACE = "AWS/SES"
TABLE_OPERATIONS: tuple[str, ...] = ("GetItem", "PutItem", "UpdateItem", "Query")
"""DynamoDB reports throttles and system errors per operation; these are the ones the profile function's role
may call, so the only ones Junokit can be throttled on."""
MISSING_DATA = "notBreaching"
COMPARISON = "GreaterThanOrEqualToThreshold"

Statistic = Literal["Average", "Sum", "Maximum", "p99"]


@dataclass(frozen=True, kw_only=True)
class MonitoredResources:
    """What the alarms watch, by the names CloudWatch uses as metric dimensions (tokens from remote state)."""

    api_name: str
    stage_name: str
    function_name: str
    function_timeout_seconds: float
    table_name: str
    configuration_set: str
    feedback_topic_arn: str


@dataclass(frozen=True, kw_only=True)
class AlarmDefinition:
    """One alarm: a metric (or the sum of one metric over several dimension sets), a threshold and a period."""

    key: str
    """Construct id and name suffix (`api-5xx-rate`)."""
    namespace: str
    metric: str
    statistic: Statistic
    threshold: float
    """In the metric's unit: a fraction for rates, milliseconds for latency and duration, a count otherwise."""
    period_seconds: int
    description: str
    """What it means and the first thing to check."""
    dimensions: Mapping[str, str] = field(default_factory=dict)
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    summed_over: tuple[Mapping[str, str], ...] = ()
    """If set: the alarm is on the sum of the metric over each of these dimension sets (metric math)."""


def _percent(value: float) -> float:
    """A percentage as the fraction CloudWatch reports rates in, without float noise (0.08 % -> 0.0008)."""
    return round(value / 100, 10)


def junokit_alarms(resources: MonitoredResources, settings: MonitoringSettings) -> tuple[AlarmDefinition, ...]:
    """Every alarm of an environment, with the thresholds of `settings`."""
    api = {"ApiName": resources.api_name, "Stage": resources.stage_name}
    function = {"FunctionName": resources.function_name}
    per_operation = tuple({"TableName": resources.table_name, "Operation": op} for op in TABLE_OPERATIONS)
    duration_ms = Token.as_number(
        Op.mul(resources.function_timeout_seconds, 10 * settings.function_duration_percent_of_timeout)
    )
    logs = f"/aws/lambda/{resources.function_name}"
    return (
        AlarmDefinition(
            key="api-5xx-rate",
            namespace=API_NAMESPACE,
            metric="5XXError",
            statistic="Average",
            threshold=_percent(settings.api_5xx_rate_percent),
            period_seconds=300,
            dimensions=api,
            description=(
                f"API {resources.api_name}: at least {settings.api_5xx_rate_percent:g} % of requests failed with a 5XX "
                f"over 5 minutes; users see errors. First check the profile function's errors and its log group {logs}."
            ),
        ),
        AlarmDefinition(
            key="api-p99-latency",
            namespace=API_NAMESPACE,
            metric="Latency",
            statistic="p99",
            threshold=settings.api_p99_latency_ms,
            period_seconds=60,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            dimensions=api,
            description=(
                f"API {resources.api_name}: the slowest 1 % of requests took {settings.api_p99_latency_ms} ms or more "
                "in 3 of the last 5 minutes. First check the profile function's duration and the table's throttles."
            ),
        ),
        AlarmDefinition(
            key="api-4xx-rate",
            namespace=API_NAMESPACE,
            metric="4XXError",
            statistic="Average",
            threshold=_percent(settings.api_4xx_rate_percent),
            period_seconds=900,
            dimensions=api,
            description=(
                f"API {resources.api_name}: at least {settings.api_4xx_rate_percent:g} % of requests were refused (4XX) "
                "over 15 minutes: credential stuffing or a broken frontend. First check the status codes and source IPs "
                "in the stage's access log."
            ),
        ),
        AlarmDefinition(
            key="function-errors",
            namespace=FUNCTION_NAMESPACE,
            metric="Errors",
            statistic="Sum",
            threshold=settings.function_errors,
            period_seconds=300,
            dimensions=function,
            description=(
                f"Profile function {resources.function_name}: {settings.function_errors} or more invocations failed "
                f"in 5 minutes (unhandled errors, timeouts). First check the errors in its log group {logs}."
            ),
        ),
        AlarmDefinition(
            key="function-throttles",
            namespace=FUNCTION_NAMESPACE,
            metric="Throttles",
            statistic="Sum",
            threshold=settings.function_throttles,
            period_seconds=300,
            dimensions=function,
            description=(
                f"Profile function {resources.function_name}: {settings.function_throttles} or more invocations were "
                "throttled in 5 minutes: its reserved concurrency is used up. First check its ConcurrentExecutions "
                "against api.lambda_reserved_concurrency."
            ),
        ),
        AlarmDefinition(
            key="function-duration",
            namespace=FUNCTION_NAMESPACE,
            metric="Duration",
            statistic="p99",
            threshold=duration_ms,
            period_seconds=300,
            dimensions=function,
            description=(
                f"Profile function {resources.function_name}: the slowest 1 % of invocations ran "
                f"{settings.function_duration_percent_of_timeout} % of its timeout or longer over 5 minutes; timeouts "
                "come next. First check the table's latency and throttles, then its memory size."
            ),
        ),
        AlarmDefinition(
            key="table-throttled-requests",
            namespace=TABLE_NAMESPACE,
            metric="ThrottledRequests",
            statistic="Sum",
            threshold=settings.table_throttled_requests,
            period_seconds=300,
            summed_over=per_operation,
            description=(
                f"Table {resources.table_name}: {settings.table_throttled_requests} or more requests were throttled in "
                "5 minutes, although it is on demand: a hot partition key or the account's table quota. First check "
                "which operation throttles (the Operation dimension) and the profile function's errors."
            ),
        ),
        AlarmDefinition(
            key="table-system-errors",
            namespace=TABLE_NAMESPACE,
            metric="SystemErrors",
            statistic="Sum",
            threshold=settings.table_system_errors,
            period_seconds=300,
            summed_over=per_operation,
            description=(
                f"Table {resources.table_name}: DynamoDB answered {settings.table_system_errors} or more requests with "
                "a 500 error in 5 minutes; the cause is on AWS's side. First check the AWS Health Dashboard for "
                "DynamoDB in this region."
            ),
        ),
        AlarmDefinition(
            key="ses-bounce-rate",
            namespace=SES_NAMESPACE,
            metric="Reputation.BounceRate",
            statistic="Maximum",
            threshold=_percent(settings.ses_bounce_rate_percent),
            period_seconds=3600,
            description=(
                f"SES bounce rate of the account reached {settings.ses_bounce_rate_percent:g} %; AWS reviews the "
                "account at 5 % and pauses sending at 10 %. First check the bounced addresses on the feedback topic "
                f"{resources.feedback_topic_arn} (configuration set {resources.configuration_set})."
            ),
        ),
        AlarmDefinition(
            key="ses-complaint-rate",
            namespace=SES_NAMESPACE,
            metric="Reputation.ComplaintRate",
            statistic="Maximum",
            threshold=_percent(settings.ses_complaint_rate_percent),
            period_seconds=3600,
            description=(
                f"SES complaint rate of the account reached {settings.ses_complaint_rate_percent:g} %; AWS reviews "
                "the account at 0.1 % and pauses sending at 0.5 %. First check which mails were marked as spam on "
                f"the feedback topic {resources.feedback_topic_arn} (configuration set {resources.configuration_set})."
            ),
        ),
    )


@dataclass(frozen=True, kw_only=True)
class AlarmsProps:
    topic_arn: str
    """Where every alarm sends its ALARM and OK notifications. Required."""
    alarms: tuple[AlarmDefinition, ...]
    """The alarms. Required, at least one."""
    name_prefix: str = "junokit-"
    """Alarm names are `<prefix><key><suffix>`. Default: junokit-."""
    name_suffix: str = ""
    """E.g. `-dev`, so every environment's alarms fit in one account. Default: none."""


class Alarms(Construct):
    """One CloudWatch alarm per definition, each notifying the topic on ALARM and on OK."""

    def __init__(self, scope: Construct, id_: str, *, props: AlarmsProps) -> None:
        super().__init__(scope, id_)
        _check(props)
        self.by_key: dict[str, CloudwatchMetricAlarm] = {}
        for definition in props.alarms:
            self.by_key[definition.key] = self._alarm(definition, props)
        self.arns: list[str] = [alarm.arn for alarm in self.by_key.values()]

    def _alarm(self, definition: AlarmDefinition, props: AlarmsProps) -> CloudwatchMetricAlarm:
        common: dict[str, object] = {
            "alarm_name": f"{props.name_prefix}{definition.key}{props.name_suffix}",
            "alarm_description": definition.description,
            "comparison_operator": COMPARISON,
            "threshold": definition.threshold,
            "evaluation_periods": definition.evaluation_periods,
            "datapoints_to_alarm": definition.datapoints_to_alarm,
            "treat_missing_data": MISSING_DATA,
            "actions_enabled": True,
            "alarm_actions": [props.topic_arn],
            "ok_actions": [props.topic_arn],
        }
        if definition.summed_over:
            queries = [
                CloudwatchMetricAlarmMetricQuery(
                    id=f"m{index}",
                    return_data=False,
                    metric=CloudwatchMetricAlarmMetricQueryMetric(
                        namespace=definition.namespace,
                        metric_name=definition.metric,
                        dimensions=dict(dimensions),
                        period=definition.period_seconds,
                        stat=definition.statistic,
                    ),
                )
                for index, dimensions in enumerate(definition.summed_over)
            ]
            queries.append(
                CloudwatchMetricAlarmMetricQuery(
                    id="total",
                    expression="SUM(METRICS())",
                    label=f"{definition.metric} (all operations)",
                    return_data=True,
                )
            )
            return CloudwatchMetricAlarm(self, definition.key, metric_query=queries, **common)
        statistic: dict[str, object] = (
            {"extended_statistic": definition.statistic}
            if definition.statistic.startswith("p")
            else {"statistic": definition.statistic}
        )
        return CloudwatchMetricAlarm(
            self,
            definition.key,
            namespace=definition.namespace,
            metric_name=definition.metric,
            dimensions=dict(definition.dimensions) or None,
            period=definition.period_seconds,
            **statistic,
            **common,
        )


def _check(props: AlarmsProps) -> None:
    if not props.alarms:
        raise ValueError("alarms () is not allowed (allowed: at least one alarm definition)")
    validation.arn("topic_arn", props.topic_arn, "sns")
    keys = [definition.key for definition in props.alarms]
    for definition in props.alarms:
        validation.matches("alarm key", definition.key, r"[a-z0-9-]{1,64}", "lower-case letters, digits and '-'")
        if keys.count(definition.key) > 1:
            raise ValueError(f"alarm key {definition.key!r} is used twice (allowed: each key once)")
        if not definition.description.strip():
            raise ValueError(f"alarm {definition.key!r} has no description (allowed: what it means and what to check)")
        validation.one_of("period_seconds", definition.period_seconds, (10, 30, 60, 300, 900, 3600, 21600, 86400))
        if not 1 <= definition.datapoints_to_alarm <= definition.evaluation_periods:
            raise ValueError(
                f"alarm {definition.key!r} datapoints_to_alarm {definition.datapoints_to_alarm} is not allowed "
                f"(allowed: 1-{definition.evaluation_periods}, its evaluation periods)"
            )
        if len(definition.summed_over) > 9:
            raise ValueError(f"alarm {definition.key!r} sums over {len(definition.summed_over)} metrics (allowed: 1-9)")
    if re.search(r"\s", props.name_prefix + props.name_suffix):
        raise ValueError(f"alarm name prefix/suffix {props.name_prefix!r}/{props.name_suffix!r} may not contain spaces")
