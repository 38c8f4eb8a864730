"""DynamoDB table for per-user context and memory (conversation history, AI memory, preferences, sessions)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTableGlobalSecondaryIndex,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
    DynamodbTableTtl,
)
from constructs import Construct

PARTITION_KEY = "userId"
SORT_KEY = "contextType"


@dataclass(frozen=True, kw_only=True)
class UserContextTableProps:
    table_name: str
    """Physical table name (`junokit-user-context` in prod)."""
    protect: bool = True
    """Deletion protection plus Terraform `prevent_destroy`. Default: on; only non-prod opts out."""
    ttl_attribute: str = "expiresAt"
    """Epoch-seconds attribute after which DynamoDB deletes an item (ephemeral session data)."""
    context_type_index_name: str = "contextType-index"
    """GSI keyed on contextType (range key userId), for reading one kind of context across users."""


class UserContextTable(Construct):
    """Pay-per-request table keyed userId/contextType with PITR, AWS-managed KMS encryption, TTL and a GSI."""

    def __init__(self, scope: Construct, id_: str, *, props: UserContextTableProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.table = DynamodbTable(
            self,
            "table",
            name=props.table_name,
            billing_mode="PAY_PER_REQUEST",
            hash_key=PARTITION_KEY,
            range_key=SORT_KEY,
            attribute=[
                DynamodbTableAttribute(name=PARTITION_KEY, type="S"),
                DynamodbTableAttribute(name=SORT_KEY, type="S"),
            ],
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            # enabled without a key ARN = the AWS-managed key (aws/dynamodb), not the AWS-owned default.
            server_side_encryption=DynamodbTableServerSideEncryption(enabled=True),
            ttl=DynamodbTableTtl(attribute_name=props.ttl_attribute, enabled=True),
            global_secondary_index=[
                DynamodbTableGlobalSecondaryIndex(
                    name=props.context_type_index_name,
                    hash_key=SORT_KEY,
                    range_key=PARTITION_KEY,
                    projection_type="ALL",
                )
            ],
            deletion_protection_enabled=props.protect,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=props.protect),
        )
        self.table_name: str = self.table.name
        self.table_arn: str = self.table.arn
        self.index_arn: str = f"{self.table.arn}/index/{props.context_type_index_name}"
