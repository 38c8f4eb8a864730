"""The api stack's contract: publishes the API's URL; reads the table and secret (data) and the pool (identity)."""

from __future__ import annotations

from enum import StrEnum

from constructs_lib.contract import Contract, StackName
from stacks.data.contract import DataOutputs
from stacks.identity.contract import IdentityOutputs


class ApiOutputs(StrEnum):
    """Published by the api stack."""

    API_URL = "JunokitApiUrl"


CONTRACT = Contract(
    stack=StackName.API,
    publishes=tuple(ApiOutputs),
    reads={
        StackName.DATA: (
            DataOutputs.TABLE_NAME,
            DataOutputs.TABLE_ARN,
            DataOutputs.TABLE_INDEX_ARN,
            DataOutputs.SECRETS_ARN,
        ),
        StackName.IDENTITY: (IdentityOutputs.USER_POOL_ARN,),
    },
)
