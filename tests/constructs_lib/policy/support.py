"""Fixture stacks for the policy rules: a small hand-built stack, the pack, and what it reported."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from cdktf import Aspects, LocalBackend, TerraformStack, Testing
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from cdktf_cdktf_provider_aws.provider import AwsProvider

from constructs_lib.policy import PolicyPack, Violation


def violations(
    define: Callable[[TerraformStack], object], *, environment: str = "prod", region: str = "eu-north-1"
) -> list[Violation]:
    """Build a stack with `define`, synthesize it with the policy pack, return what the pack reported."""
    stack = TerraformStack(Testing.app(), "fixture")
    LocalBackend(stack, path="fixture.tfstate")
    AwsProvider(stack, "aws", region=region)
    define(stack)
    pack = PolicyPack(environment=environment)
    Aspects.of(stack).add(pack)
    Testing.synth(stack)
    return pack.violations


def table(**settings: object) -> Callable[[TerraformStack], object]:
    """A fixture definition: one minimal on-demand table named `t`, plus `settings` (the props under test)."""

    def define(stack: TerraformStack) -> DynamodbTable:
        return DynamodbTable(
            stack,
            "table",
            name="t",
            hash_key="k",
            attribute=[DynamodbTableAttribute(name="k", type="S")],
            billing_mode="PAY_PER_REQUEST",
            **settings,
        )

    return define


def ids(found: list[Violation]) -> list[str]:
    return [violation.rule.id for violation in found]


def messages(found: list[Violation], rule_id: str) -> list[str]:
    return [violation.message for violation in found if violation.rule.id == rule_id]


def policy(*statements: Mapping[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
