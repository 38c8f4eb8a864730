"""JK-006 EURegionOnly: AWS providers and state backends stay in the EU."""

from __future__ import annotations

from cdktf import DataTerraformRemoteStateS3, S3Backend, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

from tests.constructs_lib.policy.support import ids, messages, violations


def test_compliant_eu_provider_passes() -> None:
    assert "JK-006" not in ids(violations(lambda stack: None, region="eu-central-1"))


def test_provider_outside_the_eu_is_a_violation() -> None:
    found = violations(lambda stack: None, region="us-east-1")
    assert [(v.address, v.message.split(" (")[0]) for v in found if v.rule.id == "JK-006"] == [
        ("provider.aws", "AWS provider region 'us-east-1' is outside the EU")
    ]


def test_provider_alias_outside_the_eu_is_a_violation() -> None:
    def define(stack: TerraformStack) -> None:
        AwsProvider(stack, "london", region="eu-west-2", alias="london")

    assert [v.address for v in violations(define) if v.rule.id == "JK-006"] == ["provider.aws.london"]


def test_state_outside_the_eu_is_a_violation() -> None:
    def define(stack: TerraformStack) -> None:
        stack.node.try_remove_child("backend")
        S3Backend(stack, bucket="b", key="k", region="us-west-2")
        DataTerraformRemoteStateS3(stack, "producer", bucket="b", key="p", region="eu-north-1")

    assert messages(violations(define), "JK-006") == [
        "S3 state backend region 'us-west-2' is outside the EU "
        "(allowed: eu-north-1, eu-west-1, eu-west-3, eu-central-1, eu-south-1, eu-south-2)"
    ]


def test_remote_state_bucket_outside_the_eu_is_a_violation() -> None:
    def define(stack: TerraformStack) -> None:
        DataTerraformRemoteStateS3(stack, "producer", bucket="b", key="p", region="us-east-1")

    assert [v.address for v in violations(define) if v.rule.id == "JK-006"] == ["data.terraform_remote_state.producer"]
