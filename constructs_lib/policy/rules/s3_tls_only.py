"""JK-010: every S3 bucket has a policy that denies requests over plain HTTP (cdk-nag AwsSolutions-S10).

The state bucket holds every stack's state (resource ids, ARNs, outputs): it must never travel unencrypted.
checkov has no check for this in Terraform JSON, so the pack looks for the bucket's `aws_s3_bucket_policy` and,
in it, a Deny of `s3:*` on the bucket and its objects when `aws:SecureTransport` is false.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _denies_plain_http(statement: Mapping[str, Any], bucket_arn: str) -> bool:
    if statement.get("Effect") != "Deny" or statement.get("Principal") not in ("*", {"AWS": "*"}):
        return False
    if not {"s3:*"} & set(_as_list(statement.get("Action"))):
        return False
    if not {bucket_arn, f"{bucket_arn}/*"} <= set(_as_list(statement.get("Resource"))):
        return False
    secure = ((statement.get("Condition") or {}).get("Bool") or {}).get("aws:SecureTransport")
    return str(secure).lower() == "false"


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind != "resource" or element.type != "aws_s3_bucket":
        return
    reference = f"${{aws_s3_bucket.{element.name}.id}}"
    bucket_arn = f"${{aws_s3_bucket.{element.name}.arn}}"
    for other in stack.elements():
        if other.kind != "resource" or other.type != "aws_s3_bucket_policy" or other.config.get("bucket") != reference:
            continue
        try:
            document = json.loads(str(other.config.get("policy")))
        except ValueError:
            continue
        if any(_denies_plain_http(statement, bucket_arn) for statement in _as_list(document.get("Statement"))):
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
