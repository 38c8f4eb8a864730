"""Bootstrap stack: the state bucket for the s3 backend, on local state."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing

from tests.support import build, document, only_resource, synth

S3 = {"JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-tfstate-test"}


@pytest.fixture(scope="module")
def bootstrap() -> str:
    return synth(build("prod", **S3)["bootstrap"])


def test_only_the_s3_backend_gets_a_bootstrap_stack() -> None:
    assert "bootstrap" not in build("dev")
    assert "bootstrap" in build("dev", **S3)


def test_bootstrap_state_is_local(bootstrap: str) -> None:
    assert document(bootstrap)["terraform"]["backend"] == {
        "local": {"path": "../../../terraform-state/junokit-prod-bootstrap.tfstate"}
    }


def test_bucket_is_named_from_config_and_protected_in_prod(bootstrap: str) -> None:
    assert Testing.to_have_resource_with_properties(
        bootstrap,
        "aws_s3_bucket",
        {"bucket": "junokit-tfstate-test", "force_destroy": False, "lifecycle": {"prevent_destroy": True}},
    )


def test_bucket_is_versioned(bootstrap: str) -> None:
    assert Testing.to_have_resource_with_properties(
        bootstrap, "aws_s3_bucket_versioning", {"versioning_configuration": {"status": "Enabled"}}
    )


def test_bucket_is_encrypted(bootstrap: str) -> None:
    rule = only_resource(bootstrap, "aws_s3_bucket_server_side_encryption_configuration")["rule"]
    assert rule[0]["apply_server_side_encryption_by_default"] == {"sse_algorithm": "aws:kms"}


def test_public_access_is_blocked(bootstrap: str) -> None:
    assert Testing.to_have_resource_with_properties(
        bootstrap,
        "aws_s3_bucket_public_access_block",
        {
            "block_public_acls": True,
            "block_public_policy": True,
            "ignore_public_acls": True,
            "restrict_public_buckets": True,
        },
    )


def test_policy_denies_plain_http(bootstrap: str) -> None:
    policy = json.loads(only_resource(bootstrap, "aws_s3_bucket_policy")["policy"])
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert len(statement["Resource"]) == 2
