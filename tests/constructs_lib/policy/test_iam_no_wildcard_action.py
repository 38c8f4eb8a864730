"""JK-004 IAMNoWildcardAction: no Allow statement grants a wildcard action, wherever the policy is written."""

from __future__ import annotations

from cdktf import Fn, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole, IamRoleInlinePolicy
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy

from tests.constructs_lib.policy.support import ids, messages, policy, violations

TRUST = policy({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
READ_ITEM = {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "arn:aws:dynamodb:eu-north-1:1:table/t"}


def _role_with_policy(document: object):
    def define(stack: TerraformStack) -> None:
        role = IamRole(stack, "role", name="r", assume_role_policy=TRUST)
        IamRolePolicy(stack, "policy", role=role.name, policy=document)

    return define


def test_compliant_role_naming_each_action_passes() -> None:
    assert "JK-004" not in ids(violations(_role_with_policy(policy(READ_ITEM)), environment="dev"))


def test_service_wildcard_in_a_role_policy_is_a_violation() -> None:
    wildcard = {"Sid": "All", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:*"], "Resource": "*"}
    assert messages(violations(_role_with_policy(policy(wildcard)), environment="dev"), "JK-004") == [
        "policy statement All allows wildcard action 'dynamodb:*'; name each action"
    ]


def test_prefix_wildcard_and_star_are_violations() -> None:
    found = violations(
        _role_with_policy(
            policy(
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
            )
        ),
        environment="dev",
    )
    assert messages(found, "JK-004") == [
        "policy statement 0 allows wildcard action '*'; name each action",
        "policy statement 1 allows wildcard action 's3:Get*'; name each action",
    ]


def test_not_action_in_an_allow_is_a_violation() -> None:
    found = violations(
        _role_with_policy(policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})), environment="dev"
    )
    assert messages(found, "JK-004") == [
        "policy statement 0 allows everything except NotAction; name each allowed action instead"
    ]


def test_wildcard_in_a_deny_statement_passes() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "sns:*", "Resource": "*"}

    def define(stack: TerraformStack) -> None:
        SnsTopicPolicy(stack, "topic-policy", arn="arn:aws:sns:eu-north-1:1:t", policy=policy(deny))

    assert "JK-004" not in ids(violations(define, environment="dev"))


def test_wildcard_in_an_inline_role_policy_is_a_violation() -> None:
    def define(stack: TerraformStack) -> None:
        IamRole(
            stack,
            "role",
            name="r",
            assume_role_policy=TRUST,
            inline_policy=[
                IamRoleInlinePolicy(
                    name="logs", policy=policy({"Effect": "Allow", "Action": "logs:*", "Resource": "*"})
                )
            ],
        )

    assert messages(violations(define, environment="dev"), "JK-004") == [
        "inline_policy logs statement 0 allows wildcard action 'logs:*'; name each action"
    ]


def test_wildcard_in_a_policy_document_data_source_is_a_violation() -> None:
    def define(stack: TerraformStack) -> None:
        document = DataAwsIamPolicyDocument(
            stack, "doc", statement=[DataAwsIamPolicyDocumentStatement(actions=["s3:*"], resources=["*"])]
        )
        role = IamRole(stack, "role", name="r", assume_role_policy=TRUST)
        IamRolePolicy(stack, "policy", role=role.name, policy=document.json)

    found = violations(define, environment="dev")
    assert [(v.address, v.message) for v in found if v.rule.id == "JK-004"] == [
        ("data.aws_iam_policy_document.doc", "statement 0 allows wildcard action 's3:*'; name each action")
    ]


def test_policy_that_is_not_literal_json_is_a_violation() -> None:
    found = violations(_role_with_policy(Fn.jsonencode({"Statement": []})), environment="dev")
    assert messages(found, "JK-004") == [
        "policy is not a literal JSON policy, so its actions cannot be checked (write it with json.dumps)"
    ]


def test_wildcard_lambda_permission_is_a_violation() -> None:
    def define(stack: TerraformStack) -> None:
        LambdaPermission(
            stack, "permission", action="lambda:*", function_name="f", principal="apigateway.amazonaws.com"
        )

    assert messages(violations(define, environment="dev"), "JK-004") == [
        "action 'lambda:*' is a wildcard; grant lambda:InvokeFunction"
    ]
