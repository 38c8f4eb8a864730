"""Monitoring stack: the alert topic, the alarms, the dashboard and the monthly budget of one environment.

Deployed last. Reads the table from the data stack, the configuration set and feedback topic from the
messaging stack, and the REST API, stage and profile function from the api stack, through their remote state;
publishes the alert topic and the dashboard's console URL.
"""

from __future__ import annotations

import re

from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from constructs_lib.config import EnvironmentConfig
from constructs_lib.contract import StackName
from constructs_lib.encrypted_topic import (
    EncryptedTopic,
    EncryptedTopicProps,
    TopicPublisher,
    key_deletion_window_days,
)
from constructs_lib.iam import account_id, partition
from constructs_lib.stack import JunokitStack
from stacks.api.contract import ApiOutputs
from stacks.data.contract import DataOutputs
from stacks.messaging.contract import MessagingOutputs
from stacks.monitoring.alarms import (
    Alarms,
    AlarmsProps,
    MonitoredResources,
    junokit_alarms,
)
from stacks.monitoring.budget import MonthlyBudget, MonthlyBudgetProps
from stacks.monitoring.contract import CONTRACT, MonitoringOutputs
from stacks.monitoring.dashboard import DashboardProps, OperationsDashboard

CLOUDWATCH = "cloudwatch.amazonaws.com"
BUDGETS = "budgets.amazonaws.com"


def _subscription_id(address: str) -> str:
    """A construct id per address, so reordering the list replaces nothing."""
    return "alert-email-" + re.sub(r"[^a-z0-9]+", "-", address.lower())


class MonitoringStack(JunokitStack):
    def __init__(self, scope: Construct, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, config=config, contract=CONTRACT)
        data = self.read_outputs_of(StackName.DATA)
        messaging = self.read_outputs_of(StackName.MESSAGING)
        api = self.read_outputs_of(StackName.API)
        settings = config.monitoring

        self.alerts = self._alert_topic(config)
        self.subscriptions = [
            SnsTopicSubscription(
                self, _subscription_id(address), topic_arn=self.alerts.topic_arn, protocol="email", endpoint=address
            )
            for address in settings.alert_emails
        ]

        self.resources = MonitoredResources(
            api_name=api.get_string(ApiOutputs.REST_API_NAME),
            stage_name=api.get_string(ApiOutputs.STAGE_NAME),
            function_name=api.get_string(ApiOutputs.FUNCTION_NAME),
            function_timeout_seconds=api.get_number(ApiOutputs.FUNCTION_TIMEOUT),
            table_name=data.get_string(DataOutputs.TABLE_NAME),
            configuration_set=messaging.get_string(MessagingOutputs.CONFIGURATION_SET),
            feedback_topic_arn=messaging.get_string(MessagingOutputs.FEEDBACK_TOPIC_ARN),
        )
        self.alarms = Alarms(
            self,
            "alarms",
            props=AlarmsProps(
                topic_arn=self.alerts.topic_arn,
                alarms=junokit_alarms(self.resources, settings),
                name_prefix=f"{config.project}-",
                name_suffix="" if config.is_prod else f"-{config.name}",
            ),
        )
        self.dashboard = OperationsDashboard(
            self,
            "dashboard",
            props=DashboardProps(
                dashboard_name=config.stack_id("").removesuffix("-"),
                region=config.region,
                resources=self.resources,
                alarm_arns=tuple(self.alarms.arns),
            ),
        )
        self.budget = MonthlyBudget(
            self,
            "budget",
            props=MonthlyBudgetProps(
                budget_name=config.stack_id("monthly"),
                limit_usd=settings.monthly_budget_usd,
                tag_key="Environment",
                tag_value=config.name,
                topic_arn=self.alerts.topic_arn,
            ),
        )
        self.publish(
            MonitoringOutputs.ALERT_TOPIC_ARN,
            self.alerts.topic_arn,
            description="SNS topic of every alarm and budget notification (subscribe more receivers here)",
        )
        self.publish(MonitoringOutputs.DASHBOARD_URL, self.dashboard.url, description="Console URL of the dashboard")

    def _alert_topic(self, config: EnvironmentConfig) -> EncryptedTopic:
        """The alert topic: only this account's CloudWatch alarms and budgets may publish and use its key."""
        account, aws = account_id(self), partition(self)
        return EncryptedTopic(
            self,
            "alerts",
            props=EncryptedTopicProps(
                topic_name=config.resource_name("junokit-alerts"),
                description="Junokit alarms and budget notifications",
                publishers=(
                    TopicPublisher(
                        service=CLOUDWATCH, source_arns=(f"arn:{aws}:cloudwatch:{config.region}:{account}:alarm:*",)
                    ),
                    # Budgets is a global service: its ARNs have no region.
                    TopicPublisher(service=BUDGETS, source_arns=(f"arn:{aws}:budgets::{account}:*",)),
                ),
                key_deletion_window_days=key_deletion_window_days(protected=config.protect_stateful),
            ),
        )
