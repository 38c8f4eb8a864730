"""The data stack's contract: it publishes the table and the secret, and reads nothing."""

from __future__ import annotations

from enum import StrEnum

from constructs_lib.contract import Contract, StackName


class DataOutputs(StrEnum):
    """Published by the data stack."""

    TABLE_NAME = "JunokitUserContextTable"
    TABLE_ARN = "JunokitUserContextTableArn"
    TABLE_INDEX_ARN = "JunokitUserContextTableIndexArn"
    SECRETS_ARN = "JunokitApiSecretsArn"


CONTRACT = Contract(stack=StackName.DATA, publishes=tuple(DataOutputs))

# Names of the data stack's resources before the environment's suffix (prod uses them as they are).
TABLE_BASE_NAME = "junokit-user-context"
SECRET_BASE_NAME = "junokit-api-secrets"
# The JSON keys the secret's value is expected to hold (documented in README.md, checked by `make set-secrets`).
SECRET_KEYS: tuple[str, ...] = (
    "OPENROUTER_API_KEY",
    "SLACK_BOT_TOKEN",
    "GITHUB_TOKEN",
    "GOOGLE_OAUTH_CLIENT_ID",
    "GOOGLE_OAUTH_CLIENT_SECRET",
)
