"""The cross-stack contract: stack names and the output names each stack publishes.

A producer publishes with these constants and a consumer reads with the same constants, so an output
can only be renamed in one place. Outputs carry a static id, so their names never depend on construct paths.
"""

from __future__ import annotations

from enum import StrEnum


class StackName(StrEnum):
    """Stacks of one environment, in deploy order."""

    DATA = "data"
    MESSAGING = "messaging"
    IDENTITY = "identity"
    API = "api"
    MONITORING = "monitoring"


DEPLOY_ORDER: tuple[StackName, ...] = (
    StackName.DATA,
    StackName.MESSAGING,
    StackName.IDENTITY,
    StackName.API,
    StackName.MONITORING,
)
BOOTSTRAP_STACK = "bootstrap"


class DataOutputs(StrEnum):
    """Published by the data stack."""

    TABLE_NAME = "JunokitUserContextTable"
    TABLE_ARN = "JunokitUserContextTableArn"
    TABLE_INDEX_ARN = "JunokitUserContextTableIndexArn"
    SECRETS_ARN = "JunokitApiSecretsArn"


class MessagingOutputs(StrEnum):
    """Published by the messaging stack."""

    IDENTITY_ARN = "JunokitEmailIdentityArn"
    SENDER_ADDRESS = "JunokitSenderAddress"
    CONFIGURATION_SET = "JunokitEmailConfigurationSet"
    DNS_RECORDS = "JunokitEmailDnsRecords"
    FEEDBACK_TOPIC_ARN = "JunokitEmailFeedbackTopicArn"


class IdentityOutputs(StrEnum):
    """Published by the identity stack."""

    USER_POOL_ID = "JunokitUserPoolId"
    USER_POOL_CLIENT_ID = "JunokitUserPoolClientId"
    USER_POOL_ARN = "JunokitUserPoolArn"
    USER_POOL_DOMAIN = "JunokitUserPoolDomain"
    USER_POOL_DOMAIN_ALIAS_TARGET = "JunokitUserPoolDomainAliasTarget"


class UserAttributes(StrEnum):
    """Custom attributes of the user pool, as ID tokens and the Cognito API name them."""

    INVITE_CODE = "custom:inviteCode"
    USER_ROLE = "custom:userRole"
    THEME = "custom:theme"


# Allowed values of the free-text attributes above. Cognito cannot restrict a string attribute to a list, so
# whoever writes them (server-side code with admin rights; the web client may not) must check against these.
USER_ROLES: tuple[str, ...] = ("admin", "user")
USER_THEMES: tuple[str, ...] = ("Dev", "Ops", "QA", "Sales", "Media")


class ApiOutputs(StrEnum):
    """Published by the api stack."""

    API_URL = "JunokitApiUrl"
    REST_API_NAME = "JunokitRestApiName"
    STAGE_NAME = "JunokitApiStageName"
    FUNCTION_NAME = "JunokitProfileFunctionName"
    FUNCTION_TIMEOUT = "JunokitProfileFunctionTimeoutSeconds"


class MonitoringOutputs(StrEnum):
    """Published by the monitoring stack."""

    ALERT_TOPIC_ARN = "JunokitAlertTopicArn"
    DASHBOARD_URL = "JunokitDashboardUrl"


class BootstrapOutputs(StrEnum):
    """Published by the bootstrap stack."""

    STATE_BUCKET = "JunokitStateBucket"
