"""What the end-to-end test verifies on the emulator after the apply, per stack and feature by feature.

Each check reads the deployed resources back with boto3 and compares them with what the config and the
constructs ask for, so a stack that synthesizes but deploys something else fails here. To cover a new
stack, add its checks to `CHECKS` under its name; the test refuses a deployed stack without checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from constructs_lib.stack import stack_tags
from constructs_lib.state import state_location
from constructs_lib.user_context_table import PARTITION_KEY, SORT_KEY, UserContextTableProps
from junokit.config import EnvironmentConfig
from junokit.contract import BOOTSTRAP_STACK, BootstrapOutputs, DataOutputs, StackName
from junokit.emulator import Emulator


@dataclass(frozen=True, kw_only=True)
class Deployed:
    """What a check sees: the environment's config, each applied stack's outputs and the emulator."""

    config: EnvironmentConfig
    outputs: Mapping[str, Mapping[str, Any]]
    """Outputs by stack name (`data`, `bootstrap`, ...) as read from each stack's state."""
    emulator: Emulator

    def client(self, service: str) -> Any:
        return self.emulator.client(service)

    def output(self, stack: str, name: str) -> Any:
        assert name in self.outputs[stack], f"stack {stack} has no output {name} (has: {sorted(self.outputs[stack])})"
        return self.outputs[stack][name]


Check = Callable[[Deployed], None]


def _tags_include(actual: Mapping[str, str], config: EnvironmentConfig, stack: str) -> None:
    expected = stack_tags(config, stack)
    missing = {key: value for key, value in expected.items() if actual.get(key) != value}
    assert not missing, f"{stack}: tags {missing} missing or different (have {dict(actual)})"


# --- bootstrap: the state bucket -------------------------------------------------------------------


def _state_bucket(deployed: Deployed) -> str:
    bucket = deployed.output(BOOTSTRAP_STACK, BootstrapOutputs.STATE_BUCKET)
    assert bucket == deployed.config.backend.state_bucket
    return bucket


def bucket_is_versioned(deployed: Deployed) -> None:
    status = deployed.client("s3").get_bucket_versioning(Bucket=_state_bucket(deployed)).get("Status")
    assert status == "Enabled"


def bucket_is_kms_encrypted(deployed: Deployed) -> None:
    rules = deployed.client("s3").get_bucket_encryption(Bucket=_state_bucket(deployed))[
        "ServerSideEncryptionConfiguration"
    ]["Rules"]
    assert [rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for rule in rules] == ["aws:kms"]
    assert rules[0].get("BucketKeyEnabled") is True


def bucket_blocks_public_access(deployed: Deployed) -> None:
    block = deployed.client("s3").get_public_access_block(Bucket=_state_bucket(deployed))["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }


def bucket_owner_is_enforced(deployed: Deployed) -> None:
    rules = deployed.client("s3").get_bucket_ownership_controls(Bucket=_state_bucket(deployed))["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def bucket_refuses_plain_http(deployed: Deployed) -> None:
    policy = json.loads(deployed.client("s3").get_bucket_policy(Bucket=_state_bucket(deployed))["Policy"])
    denials = [
        statement
        for statement in policy["Statement"]
        if statement["Effect"] == "Deny"
        and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert denials, f"no Deny on aws:SecureTransport=false in {policy}"


def bucket_is_tagged(deployed: Deployed) -> None:
    tags = deployed.client("s3").get_bucket_tagging(Bucket=_state_bucket(deployed))["TagSet"]
    _tags_include({tag["Key"]: tag["Value"] for tag in tags}, deployed.config, BOOTSTRAP_STACK)


def bucket_holds_each_stacks_state(deployed: Deployed) -> None:
    """Every other stack keeps its state in the bucket, under its own key (the s3 backend is really used)."""
    s3 = deployed.client("s3")
    bucket = _state_bucket(deployed)
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    for stack in deployed.outputs:
        if stack == BOOTSTRAP_STACK:
            continue
        key = state_location(deployed.config, deployed.config.stack_id(stack)).s3_key
        assert key in keys, f"no state for {stack} at s3://{bucket}/{key} (keys: {sorted(keys)})"
        state = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        assert state["outputs"], f"state of {stack} has no outputs"


# --- data: the user-context table and the API secrets -----------------------------------------------


def _table_props(config: EnvironmentConfig) -> UserContextTableProps:
    """The props the data stack gives the table (the construct's defaults for everything else)."""
    return UserContextTableProps(table_name=config.resource_name("junokit-user-context"), protect=config.protect_stateful)


def _table(deployed: Deployed) -> dict[str, Any]:
    name = deployed.output(StackName.DATA, DataOutputs.TABLE_NAME)
    assert name == _table_props(deployed.config).table_name
    return deployed.client("dynamodb").describe_table(TableName=name)["Table"]


def table_keys_are_user_id_and_context_type(deployed: Deployed) -> None:
    table = _table(deployed)
    assert table["KeySchema"] == [
        {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
    ]
    assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": SORT_KEY, "AttributeType": "S"},
        {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
    ]


def table_is_pay_per_request(deployed: Deployed) -> None:
    assert _table(deployed)["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def table_has_point_in_time_recovery(deployed: Deployed) -> None:
    name = _table(deployed)["TableName"]
    backups = deployed.client("dynamodb").describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def table_expires_items_by_ttl(deployed: Deployed) -> None:
    name = _table(deployed)["TableName"]
    ttl = deployed.client("dynamodb").describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl.get("TimeToLiveStatus") == "ENABLED", ttl
    assert ttl.get("AttributeName") == _table_props(deployed.config).ttl_attribute


def table_has_the_context_type_index(deployed: Deployed) -> None:
    props = _table_props(deployed.config)
    table = _table(deployed)
    indexes = table.get("GlobalSecondaryIndexes", [])
    assert [index["IndexName"] for index in indexes] == [props.context_type_index_name]
    assert indexes[0]["KeySchema"] == [
        {"AttributeName": SORT_KEY, "KeyType": "HASH"},
        {"AttributeName": PARTITION_KEY, "KeyType": "RANGE"},
    ]
    assert indexes[0]["Projection"]["ProjectionType"] == "ALL"
    # moto leaves out IndexArn; AWS documents it as the table ARN + /index/<name>.
    index_arn = indexes[0].get("IndexArn", f"{table['TableArn']}/index/{props.context_type_index_name}")
    assert deployed.output(StackName.DATA, DataOutputs.TABLE_INDEX_ARN) == index_arn


def table_is_encrypted_with_the_aws_managed_key(deployed: Deployed) -> None:
    sse = _table(deployed).get("SSEDescription", {})
    assert sse.get("Status") == "ENABLED" and sse.get("SSEType") == "KMS", sse


def table_deletion_protection_follows_the_config(deployed: Deployed) -> None:
    assert _table(deployed)["DeletionProtectionEnabled"] is deployed.config.protect_stateful


def table_is_tagged_and_published(deployed: Deployed) -> None:
    table = _table(deployed)
    assert deployed.output(StackName.DATA, DataOutputs.TABLE_ARN) == table["TableArn"]
    tags = deployed.client("dynamodb").list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
    _tags_include({tag["Key"]: tag["Value"] for tag in tags}, deployed.config, StackName.DATA)


def _secret(deployed: Deployed) -> dict[str, Any]:
    arn = deployed.output(StackName.DATA, DataOutputs.SECRETS_ARN)
    secret = deployed.client("secretsmanager").describe_secret(SecretId=arn)
    assert secret["ARN"] == arn
    return secret


def secret_exists_without_a_value(deployed: Deployed) -> None:
    """Terraform creates the container only; the value is set out of band, so no version exists."""
    secret = _secret(deployed)
    assert secret["Name"] == deployed.config.resource_name("junokit-api-secrets")
    manager = deployed.client("secretsmanager")
    assert manager.list_secret_version_ids(SecretId=secret["ARN"])["Versions"] == []
    try:
        manager.get_secret_value(SecretId=secret["ARN"])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    else:
        raise AssertionError("the secret has a value, but Terraform must never write one")


def secret_is_tagged(deployed: Deployed) -> None:
    tags = _secret(deployed).get("Tags", [])
    _tags_include({tag["Key"]: tag["Value"] for tag in tags}, deployed.config, StackName.DATA)


CHECKS: dict[str, tuple[Check, ...]] = {
    BOOTSTRAP_STACK: (
        bucket_is_versioned,
        bucket_is_kms_encrypted,
        bucket_blocks_public_access,
        bucket_owner_is_enforced,
        bucket_refuses_plain_http,
        bucket_is_tagged,
        bucket_holds_each_stacks_state,
    ),
    StackName.DATA: (
        table_keys_are_user_id_and_context_type,
        table_is_pay_per_request,
        table_has_point_in_time_recovery,
        table_expires_items_by_ttl,
        table_has_the_context_type_index,
        table_is_encrypted_with_the_aws_managed_key,
        table_deletion_protection_follows_the_config,
        table_is_tagged_and_published,
        secret_exists_without_a_value,
        secret_is_tagged,
    ),
}


def inventory(emulator: Emulator) -> dict[str, set[str]]:
    """Every resource of the kinds the stacks create, by kind: to show a destroy left nothing behind."""
    c = emulator.client
    pools = c("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    return {
        "dynamodb tables": set(c("dynamodb").list_tables()["TableNames"]),
        "secrets": {s["Name"] for s in c("secretsmanager").list_secrets()["SecretList"]},
        "user pools": {p["Name"] for p in pools},
        "rest apis": {a["name"] for a in c("apigateway").get_rest_apis()["items"]},
        "ses identities": set(c("ses").list_identities()["Identities"]),
        "log groups": {g["logGroupName"] for g in c("logs").describe_log_groups()["logGroups"]},
        "iam roles": {r["RoleName"] for r in c("iam").list_roles()["Roles"]},
        "iam policies": {p["PolicyName"] for p in c("iam").list_policies(Scope="Local")["Policies"]},
        "lambda functions": {f["FunctionName"] for f in c("lambda").list_functions()["Functions"]},
        "sns topics": {t["TopicArn"] for t in c("sns").list_topics()["Topics"]},
        "alarms": {a["AlarmName"] for a in c("cloudwatch").describe_alarms()["MetricAlarms"]},
        "s3 buckets": {b["Name"] for b in c("s3").list_buckets()["Buckets"]},
    }
