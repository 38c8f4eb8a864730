"""Data stack: the user-context table and the API secrets container, per the seed."""

from __future__ import annotations

import pytest
from cdktf import Testing

from stacks.data.contract import DataOutputs
from tests.support import build, document, only_resource, synth

TABLE = "aws_dynamodb_table"
SECRET = "aws_secretsmanager_secret"


@pytest.fixture(scope="module")
def dev() -> str:
    return synth(build("dev")["data"])


@pytest.fixture(scope="module")
def prod() -> str:
    return synth(build("prod")["data"])


def test_prod_table_uses_the_seed_name(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(prod, TABLE, {"name": "junokit-user-context"})


def test_dev_table_name_carries_the_environment(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, TABLE, {"name": "junokit-user-context-dev"})


def test_table_keys_are_user_id_and_context_type(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev,
        TABLE,
        {
            "hash_key": "userId",
            "range_key": "contextType",
            "attribute": [{"name": "userId", "type": "S"}, {"name": "contextType", "type": "S"}],
        },
    )


def test_table_attributes_are_exactly_the_keys(dev: str) -> None:
    assert only_resource(dev, TABLE)["attribute"] == [
        {"name": "userId", "type": "S"},
        {"name": "contextType", "type": "S"},
    ]


def test_table_is_pay_per_request(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, TABLE, {"billing_mode": "PAY_PER_REQUEST"})


def test_point_in_time_recovery_is_on(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, TABLE, {"point_in_time_recovery": {"enabled": True}})


def test_encryption_uses_the_aws_managed_key(dev: str) -> None:
    encryption = only_resource(dev, TABLE)["server_side_encryption"]
    assert encryption == {"enabled": True}, "enabled without kms_key_arn selects the AWS-managed key"


def test_ttl_is_on_the_expiry_attribute(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev, TABLE, {"ttl": {"attribute_name": "expiresAt", "enabled": True}}
    )


def test_global_secondary_index_is_keyed_on_context_type(dev: str) -> None:
    assert only_resource(dev, TABLE)["global_secondary_index"] == [
        {"name": "contextType-index", "hash_key": "contextType", "range_key": "userId", "projection_type": "ALL"}
    ]


def test_prod_table_has_deletion_protection_and_prevent_destroy(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(
        prod, TABLE, {"deletion_protection_enabled": True, "lifecycle": {"prevent_destroy": True}}
    )


def test_dev_table_can_be_destroyed(dev: str) -> None:
    table = only_resource(dev, TABLE)
    assert table["deletion_protection_enabled"] is False
    assert table["lifecycle"] == {"prevent_destroy": False}


def test_prod_secret_uses_the_seed_name_and_a_recovery_window(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(
        prod,
        SECRET,
        {"name": "junokit-api-secrets", "recovery_window_in_days": 30, "lifecycle": {"prevent_destroy": True}},
    )


def test_dev_secret_is_deleted_at_once(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev, SECRET, {"name": "junokit-api-secrets-dev", "recovery_window_in_days": 0}
    )


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_no_secret_value_is_managed_by_terraform(environment: str) -> None:
    synthesized = synth(build(environment)["data"])
    assert not Testing.to_have_resource(synthesized, "aws_secretsmanager_secret_version")
    assert "secret_string" not in synthesized


def test_secret_documents_its_expected_keys(dev: str) -> None:
    description = only_resource(dev, SECRET)["description"]
    for key in ("OPENROUTER_API_KEY", "SLACK_BOT_TOKEN", "GITHUB_TOKEN", "GOOGLE_OAUTH_CLIENT_ID"):
        assert key in description


def test_outputs_follow_the_contract(dev: str) -> None:
    outputs = document(dev)["output"]
    assert set(outputs) == {str(name) for name in DataOutputs}
    assert outputs["JunokitUserContextTable"]["value"].endswith(".name}")
    assert outputs["JunokitApiSecretsArn"]["value"].startswith("${aws_secretsmanager_secret.")


def test_provider_is_in_the_configured_region_with_cost_tags(dev: str) -> None:
    assert Testing.to_have_provider_with_properties(
        dev,
        "aws",
        {
            "region": "eu-north-1",
            "default_tags": [
                {
                    "tags": {
                        "Project": "junokit",
                        "Environment": "dev",
                        "Stack": "data",
                        "CostCenter": "junokit-platform",
                        "ManagedBy": "cdktf",
                    }
                }
            ],
        },
    )


def test_region_override_reaches_the_provider() -> None:
    synthesized = synth(build("dev", JUNOKIT_REGION="eu-central-1")["data"])
    assert Testing.to_have_provider_with_properties(synthesized, "aws", {"region": "eu-central-1"})
