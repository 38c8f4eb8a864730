"""JK-010 S3TlsOnly: every bucket has a policy denying plain-HTTP requests."""

from __future__ import annotations

import json
from collections.abc import Callable

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy

from tests.constructs_lib.policy.support import ids, messages, violations


def _bucket(*, secure_transport: str | None, objects: bool = True) -> Callable[[TerraformStack], object]:
    def define(stack: TerraformStack) -> None:
        bucket = S3Bucket(stack, "bucket", bucket="b")
        if secure_transport is None:
            return
        resources = [bucket.arn, f"{bucket.arn}/*"] if objects else [bucket.arn]
        statement = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {"Bool": {"aws:SecureTransport": secure_transport}},
        }
        S3BucketPolicy(
            stack, "policy", bucket=bucket.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        )

    return define


def test_compliant_tls_only_bucket_passes() -> None:
    assert "JK-010" not in ids(violations(_bucket(secure_transport="false"), environment="dev"))


def test_a_bucket_without_a_policy_is_a_violation() -> None:
    assert messages(violations(_bucket(secure_transport=None), environment="dev"), "JK-010") == [
        "the bucket needs a policy denying s3:* on it and its objects when aws:SecureTransport is false "
        "(an aws_s3_bucket_policy with that Deny statement)"
    ]


def test_a_policy_that_denies_tls_instead_is_a_violation() -> None:
    assert "JK-010" in ids(violations(_bucket(secure_transport="true"), environment="dev"))


def test_a_policy_that_leaves_the_objects_out_is_a_violation() -> None:
    assert "JK-010" in ids(violations(_bucket(secure_transport="false", objects=False), environment="dev"))
