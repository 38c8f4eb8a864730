"""The monitoring stack's contract: publishes the alert topic and the dashboard's URL; reads the table (data),
the configuration set and feedback topic (messaging), and the REST API, stage and profile function (api)."""

from __future__ import annotations

from enum import StrEnum

from constructs_lib.contract import Contract, StackName
from stacks.api.contract import ApiOutputs
from stacks.data.contract import DataOutputs
from stacks.messaging.contract import MessagingOutputs


class MonitoringOutputs(StrEnum):
    """Published by the monitoring stack."""

    ALERT_TOPIC_ARN = "JunokitAlertTopicArn"
    DASHBOARD_URL = "JunokitDashboardUrl"


CONTRACT = Contract(
    stack=StackName.MONITORING,
    publishes=tuple(MonitoringOutputs),
    reads={
        StackName.DATA: (DataOutputs.TABLE_NAME,),
        StackName.MESSAGING: (MessagingOutputs.CONFIGURATION_SET, MessagingOutputs.FEEDBACK_TOPIC_ARN),
        StackName.API: (
            ApiOutputs.REST_API_NAME,
            ApiOutputs.STAGE_NAME,
            ApiOutputs.FUNCTION_NAME,
            ApiOutputs.FUNCTION_TIMEOUT,
        ),
    },
)
