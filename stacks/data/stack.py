"""Data stack: the user-context table and the API secrets container. Reads nothing; others read it."""

from __future__ import annotations

from constructs import Construct

from constructs_lib.config import EnvironmentConfig
from constructs_lib.stack import JunokitStack
from stacks.data.api_secrets import ApiSecrets, ApiSecretsProps
from stacks.data.contract import CONTRACT, SECRET_BASE_NAME, TABLE_BASE_NAME, DataOutputs
from stacks.data.user_context_table import UserContextTable, UserContextTableProps


class DataStack(JunokitStack):
    def __init__(self, scope: Construct, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, config=config, contract=CONTRACT)
        self.table = UserContextTable(
            self,
            "user-context",
            props=UserContextTableProps(
                table_name=config.resource_name(TABLE_BASE_NAME),
                protect=config.protect_stateful,
            ),
        )
        self.secrets = ApiSecrets(
            self,
            "api-secrets",
            props=ApiSecretsProps(
                secret_name=config.resource_name(SECRET_BASE_NAME),
                recovery_window_days=config.secret_recovery_window_days,
                protect=config.protect_stateful,
            ),
        )
        self.publish(DataOutputs.TABLE_NAME, self.table.table_name, description="User context DynamoDB table name")
        self.publish(DataOutputs.TABLE_ARN, self.table.table_arn, description="User context table ARN")
        self.publish(DataOutputs.TABLE_INDEX_ARN, self.table.index_arn, description="ARN of the contextType GSI")
        self.publish(
            DataOutputs.SECRETS_ARN, self.secrets.secret_arn, description="API secrets ARN (value set out of band)"
        )
