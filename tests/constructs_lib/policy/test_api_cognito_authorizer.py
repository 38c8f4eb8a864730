"""JK-009 APIGWCognitoAuthorizer: methods that require authorization use the user pool's authorizer."""

from __future__ import annotations

from collections.abc import Callable

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi

from tests.constructs_lib.policy.support import ids, messages, violations


def _method(authorization: str, authorizer_id: str | None) -> Callable[[TerraformStack], object]:
    def define(stack: TerraformStack) -> ApiGatewayMethod:
        api = ApiGatewayRestApi(stack, "api", name="api")
        return ApiGatewayMethod(
            stack,
            "method",
            rest_api_id=api.id,
            resource_id=api.root_resource_id,
            http_method="GET",
            authorization=authorization,
            authorizer_id=authorizer_id,
        )

    return define


def test_compliant_cognito_method_passes() -> None:
    assert "JK-009" not in ids(violations(_method("COGNITO_USER_POOLS", "abc123")))


def test_an_iam_method_is_a_violation() -> None:
    assert messages(violations(_method("AWS_IAM", None)), "JK-009") == [
        "authorization must be COGNITO_USER_POOLS (a user-pool authorizer), got 'AWS_IAM'"
    ]


def test_a_custom_authorizer_is_a_violation() -> None:
    assert "JK-009" in ids(violations(_method("CUSTOM", "abc123")))


def test_cognito_without_an_authorizer_is_a_violation() -> None:
    assert messages(violations(_method("COGNITO_USER_POOLS", None)), "JK-009") == [
        "a COGNITO_USER_POOLS method needs its authorizer (authorizer_id is not set)"
    ]


def test_public_methods_are_left_to_jk_005() -> None:
    found = violations(_method("NONE", None))
    assert "JK-009" not in ids(found) and "JK-005" in ids(found)
