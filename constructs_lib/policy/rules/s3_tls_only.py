"""JK-010: every S3 bucket has a policy that denies requests over plain HTTP (cdk-nag AwsSolutions-S10).

The state bucket holds every stack's state (resource ids, ARNs, outputs): it must never travel unencrypted.
checkov has no check for this in Terraform JSON, so the pack looks for the bucket's `aws_s3_bucket_policy` and,
in it, a Deny of `s3:*` on the bucket and its objects when `aws:SecureTransport` is false.
"""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.documents import attached_statements, denies_without_tls
from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind != "resource" or element.type != "aws_s3_bucket":
        return
    bucket_arn = f"${{aws_s3_bucket.{element.name}.arn}}"
    statements = attached_statements(
        stack, policy_type="aws_s3_bucket_policy", link="bucket", target=f"${{aws_s3_bucket.{element.name}.id}}"
    )
    if any(
        denies_without_tls(statement, actions={"s3:*"}, resources={bucket_arn, f"{bucket_arn}/*"})
        for statement in statements
    ):
        return
    yield (
        "the bucket needs a policy denying s3:* on it and its objects when aws:SecureTransport is false "
        "(an aws_s3_bucket_policy with that Deny statement)"
    )


RULE = Rule(
    id="JK-010",
    name="S3TlsOnly",
    why="a bucket that accepts plain HTTP lets Terraform state (ids, ARNs, outputs) cross the network unencrypted",
    check=check,
)
