"""JK-005 APIGWMethodAuthorization: no unauthenticated method except OPTIONS and GET/HEAD /health."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktf_cdktf_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi

from tests.constructs_lib.policy.support import ids, messages, violations


def _api(*methods: tuple[str, str, str]):
    """A REST API with /health and /profile/settings, and `methods` as (path, verb, authorization)."""

    def define(stack: TerraformStack) -> None:
        api = ApiGatewayRestApi(stack, "api", name="api")
        health = ApiGatewayResource(
            stack, "health", rest_api_id=api.id, parent_id=api.root_resource_id, path_part="health"
        )
        profile = ApiGatewayResource(
            stack, "profile", rest_api_id=api.id, parent_id=api.root_resource_id, path_part="profile"
        )
        settings = ApiGatewayResource(stack, "settings", rest_api_id=api.id, parent_id=profile.id, path_part="settings")
        resources = {
            "/": api.root_resource_id,
            "/health": health.id,
            "/profile": profile.id,
            "/profile/settings": settings.id,
        }
        for path, verb, authorization in methods:
            ApiGatewayMethod(
                stack,
                f"method{path.replace('/', '-')}-{verb.lower()}",
                rest_api_id=api.id,
                resource_id=resources[path],
                http_method=verb,
                authorization=authorization,
                authorizer_id="abc123" if authorization == "COGNITO_USER_POOLS" else None,
            )

    return define


def test_compliant_api_passes() -> None:
    found = violations(
        _api(
            ("/health", "GET", "NONE"),
            ("/profile", "GET", "COGNITO_USER_POOLS"),
            ("/profile", "OPTIONS", "NONE"),
            ("/profile/settings", "OPTIONS", "NONE"),
        ),
        environment="dev",
    )
    assert "JK-005" not in ids(found)


def test_unauthenticated_get_is_a_violation_naming_the_path() -> None:
    assert messages(violations(_api(("/profile/settings", "GET", "NONE")), environment="dev"), "JK-005") == [
        "GET /profile/settings has authorization NONE (allowed only for OPTIONS and GET/HEAD /health); "
        "use the Cognito authorizer"
    ]


def test_unauthenticated_post_to_health_is_a_violation() -> None:
    assert "JK-005" in ids(violations(_api(("/health", "POST", "NONE")), environment="dev"))


def test_unauthenticated_root_method_is_a_violation() -> None:
    assert messages(violations(_api(("/", "GET", "NONE")), environment="dev"), "JK-005")[0].startswith("GET / has")
