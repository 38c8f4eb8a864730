"""The operations dashboard: one CloudWatch dashboard per environment with what the alarms watch, and more.

Rows: the API (requests, latency percentiles, error rates), the profile function (invocations, errors,
duration, throttles), the user-context table (consumed capacity, throttles), SES (sends, bounces, complaints,
reputation) and the state of every alarm. The body is JSON built here; names read from other stacks' state
are Terraform references inside it, resolved at apply time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from constructs import Construct

from constructs_lib import validation
from stacks.monitoring.alarms import (
    API_NAMESPACE,
    FUNCTION_NAMESPACE,
    SES_NAMESPACE,
    TABLE_NAMESPACE,
    MonitoredResources,
)

WIDTH = 24
"""A dashboard's grid is 24 units wide; each row holds the widgets of one service."""
HEIGHT = 6


@dataclass(frozen=True, kw_only=True)
class DashboardProps:
    dashboard_name: str
    """Dashboard name (`junokit-<env>`). Required."""
    region: str
    """Region of the metrics and of the console URL. Required."""
    resources: MonitoredResources
    """What the graphs show. Required."""
    alarm_arns: tuple[str, ...]
    """Alarms whose state the last row shows. Required, at least one."""
    period_seconds: int = 300
    """Period of every graph's data points. Default: 5 minutes."""


def _graph(
    title: str, metrics: list[list[Any]], region: str, period: int, *, stat: str = "Sum", **extra: Any
) -> dict[str, Any]:
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "metrics": metrics,
            "region": region,
            "period": period,
            "stat": stat,
            "view": "timeSeries",
            **extra,
        },
    }


def dashboard_widgets(props: DashboardProps) -> list[dict[str, Any]]:
    """The widgets in rows, each row one service, placed left to right."""
    r, region, period = props.resources, props.region, props.period_seconds
    api = ["ApiName", r.api_name, "Stage", r.stage_name]
    fn = ["FunctionName", r.function_name]
    table = ["TableName", r.table_name]
    rate = {"yAxis": {"left": {"min": 0, "max": 1, "label": "share of requests"}}}
    rows: list[list[dict[str, Any]]] = [
        [
            _graph("API requests", [[API_NAMESPACE, "Count", *api]], region, period),
            _graph(
                "API latency (ms)",
                [[API_NAMESPACE, "Latency", *api, {"stat": stat, "label": stat}] for stat in ("p50", "p90", "p99")],
                region,
                period,
                stat="p99",
            ),
            _graph(
                "API error rates",
                [
                    [API_NAMESPACE, "5XXError", *api, {"label": "5XX"}],
                    [API_NAMESPACE, "4XXError", *api, {"label": "4XX"}],
                ],
                region,
                period,
                stat="Average",
                **rate,
            ),
        ],
        [
            _graph("Function invocations", [[FUNCTION_NAMESPACE, "Invocations", *fn]], region, period),
            _graph("Function errors", [[FUNCTION_NAMESPACE, "Errors", *fn]], region, period),
            _graph(
                "Function duration (ms)",
                [
                    [FUNCTION_NAMESPACE, "Duration", *fn, {"stat": stat, "label": stat}]
                    for stat in ("p50", "p99", "Maximum")
                ],
                region,
                period,
                stat="p99",
            ),
            _graph("Function throttles", [[FUNCTION_NAMESPACE, "Throttles", *fn]], region, period),
        ],
        [
            _graph(
                "Table consumed capacity",
                [
                    [TABLE_NAMESPACE, "ConsumedReadCapacityUnits", *table],
                    [TABLE_NAMESPACE, "ConsumedWriteCapacityUnits", *table],
                ],
                region,
                period,
            ),
            _graph(
                "Table throttles",
                [[TABLE_NAMESPACE, "ReadThrottleEvents", *table], [TABLE_NAMESPACE, "WriteThrottleEvents", *table]],
                region,
                period,
            ),
        ],
        [
            _graph(
                "SES sends, bounces, complaints",
                [[SES_NAMESPACE, name] for name in ("Send", "Bounce", "Complaint")],
                region,
                period,
            ),
            _graph(
                "SES reputation",
                [[SES_NAMESPACE, "Reputation.BounceRate"], [SES_NAMESPACE, "Reputation.ComplaintRate"]],
                region,
                3600,
                stat="Maximum",
            ),
        ],
        [
            {
                "type": "alarm",
                "properties": {"title": "Alarms", "alarms": list(props.alarm_arns), "sortBy": "stateUpdatedTimestamp"},
            }
        ],
    ]
    widgets: list[dict[str, Any]] = []
    for y, row in enumerate(rows):
        width = WIDTH // len(row)
        for x, widget in enumerate(row):
            widgets.append({**widget, "x": x * width, "y": y * HEIGHT, "width": width, "height": HEIGHT})
    return widgets


class OperationsDashboard(Construct):
    """The environment's CloudWatch dashboard; `url` opens it in the console."""

    def __init__(self, scope: Construct, id_: str, *, props: DashboardProps) -> None:
        super().__init__(scope, id_)
        validation.matches(
            "dashboard_name", props.dashboard_name, r"[A-Za-z0-9_-]{1,255}", "letters, digits, '-' or '_'"
        )
        if not props.alarm_arns:
            raise ValueError("alarm_arns () is not allowed (allowed: the ARNs of the alarms to show)")
        self.body: dict[str, Any] = {"widgets": dashboard_widgets(props)}
        self.dashboard = CloudwatchDashboard(
            self, "dashboard", dashboard_name=props.dashboard_name, dashboard_body=json.dumps(self.body)
        )
        self.url: str = (
            f"https://{props.region}.console.aws.amazon.com/cloudwatch/home?region={props.region}"
            f"#dashboards/dashboard/{self.dashboard.dashboard_name}"
        )
