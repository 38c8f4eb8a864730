"""The identity stack's contract: the user pool and its web client; reads the messaging stack's SES sender.

Also the user pool's custom attributes and their allowed values, which every writer of them must check.
"""

from __future__ import annotations

from enum import StrEnum

from constructs_lib.contract import Contract, StackName
from stacks.messaging.contract import MessagingOutputs


class IdentityOutputs(StrEnum):
    """Published by the identity stack."""

    USER_POOL_ID = "JunokitUserPoolId"
    USER_POOL_CLIENT_ID = "JunokitUserPoolClientId"
    USER_POOL_ARN = "JunokitUserPoolArn"
    USER_POOL_DOMAIN = "JunokitUserPoolDomain"
    USER_POOL_DOMAIN_ALIAS_TARGET = "JunokitUserPoolDomainAliasTarget"


CONTRACT = Contract(
    stack=StackName.IDENTITY,
    publishes=tuple(IdentityOutputs),
    conditional={IdentityOutputs.USER_POOL_DOMAIN_ALIAS_TARGET: "only with `identity.custom_domain`"},
    reads={
        StackName.MESSAGING: (
            MessagingOutputs.IDENTITY_ARN,
            MessagingOutputs.SENDER_ADDRESS,
            MessagingOutputs.CONFIGURATION_SET,
        )
    },
)


class UserAttributes(StrEnum):
    """Custom attributes of the user pool, as ID tokens and the Cognito API name them."""

    INVITE_CODE = "custom:inviteCode"
    USER_ROLE = "custom:userRole"
    THEME = "custom:theme"


# Allowed values of the free-text attributes above. Cognito cannot restrict a string attribute to a list, so
# whoever writes them (server-side code with admin rights; the web client may not) must check against these.
USER_ROLES: tuple[str, ...] = ("admin", "user")
USER_THEMES: tuple[str, ...] = ("Dev", "Ops", "QA", "Sales", "Media")
