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
