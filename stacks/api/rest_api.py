"""A REST API (API Gateway v1) built from a route table: Cognito auth, CORS, one logged and throttled stage.

Every route needs a valid Cognito token unless it says otherwise; every resource answers the CORS preflight
(`OPTIONS`, unauthenticated, mock); gateway errors (4XX/5XX, e.g. a rejected token) carry CORS headers too,
so the browser shows the real status instead of a CORS failure.

API Gateway can only put one static origin in mock and gateway responses, so preflights and gateway errors
name the first (primary) allowed origin; Lambda routes echo the request's origin when it is allowed.

The deployment is replaced (create before destroy) whenever the route table changes: its trigger is a SHA-1
of the route, CORS and gateway-response definitions, computed here at synth time so it is deterministic.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.api_gateway_authorizer import ApiGatewayAuthorizer
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_gateway_response import ApiGatewayGatewayResponse
from cdktf_cdktf_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktf_cdktf_provider_aws.api_gateway_integration_response import ApiGatewayIntegrationResponse
from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktf_cdktf_provider_aws.api_gateway_method_response import ApiGatewayMethodResponse
from cdktf_cdktf_provider_aws.api_gateway_method_settings import (
    ApiGatewayMethodSettings,
    ApiGatewayMethodSettingsSettings,
)
from cdktf_cdktf_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi, ApiGatewayRestApiEndpointConfiguration
from cdktf_cdktf_provider_aws.api_gateway_stage import ApiGatewayStage, ApiGatewayStageAccessLogSettings
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from constructs_lib import validation

HttpMethod = Literal["GET", "PUT", "POST", "PATCH", "DELETE"]
HTTP_METHODS: tuple[str, ...] = ("GET", "PUT", "POST", "PATCH", "DELETE")
LOGGING_LEVELS: tuple[str, ...] = ("OFF", "ERROR", "INFO")
GATEWAY_ERROR_RESPONSES: tuple[str, ...] = ("DEFAULT_4XX", "DEFAULT_5XX")
_PATH_RE = r"(/([A-Za-z0-9._-]+|\{[A-Za-z0-9_]+\}))+"
_MOCK_REQUEST = {"application/json": '{"statusCode": 200}'}

# One JSON object per request. Deliberately no bodies, headers, user agents or token claims beyond `sub`.
ACCESS_LOG_FORMAT: str = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "sourceIp": "$context.identity.sourceIp",
        "user": "$context.authorizer.claims.sub",
        "errorMessage": "$context.error.message",
        "authorizerError": "$context.authorizer.error",
        "xrayTraceId": "$context.xrayTraceId",
    },
    separators=(",", ":"),
)


@dataclass(frozen=True, kw_only=True)
class LambdaProxy:
    """Route target: a Lambda proxy integration (the function sees the whole request)."""

    function_name: str
    """The function's name as a plain string (it identifies the target in the redeployment hash). Required."""
    function_arn: str
    """The function's ARN (usually a token): API Gateway is allowed to invoke it for this route only."""
    invoke_arn: str
    """The function's invoke ARN (usually a token)."""


@dataclass(frozen=True, kw_only=True)
class MockResponse:
    """Route target: a fixed response from API Gateway itself, no backend (e.g. a health check)."""

    body: str = '{"status":"ok"}'
    """JSON body returned with status 200. Default: `{"status":"ok"}`."""


@dataclass(frozen=True, kw_only=True)
class Route:
    method: HttpMethod
    """HTTP method; OPTIONS is reserved for the CORS preflight the construct adds."""
    path: str
    """Resource path such as `/user/profile` (segments of letters, digits, `._-`, or `{param}`)."""
    target: LambdaProxy | MockResponse
    """What answers the route."""
    authorized: bool = True
    """Require a valid Cognito token. Default: on; only public routes (e.g. `GET /health`) opt out."""


@dataclass(frozen=True, kw_only=True)
class RestApiProps:
    api_name: str
    """API name (`junokit-api` in prod). Required."""
    routes: tuple[Route, ...]
    """The API's routes. Required, at least one."""
    user_pool_arn: str
    """Cognito user pool whose tokens the authorizer accepts. Required."""
    cors_allow_origins: tuple[str, ...]
    """Web origins allowed by CORS; the first is the one mock and gateway responses name. Required."""
    stage_name: str = "v1"
    """Stage (and first URL path segment). Default: v1."""
    throttle_rate_limit: int = 1000
    """Stage-wide steady-state requests per second. Default: 1000."""
    throttle_burst_limit: int = 2000
    """Stage-wide burst, at least the rate limit. Default: 2000."""
    logging_level: Literal["OFF", "ERROR", "INFO"] = "INFO"
    """Execution logging level. Default: INFO."""
    data_trace: bool = False
    """Log full request/response bodies in execution logs. Default: off (GDPR: never in prod)."""
    metrics_enabled: bool = True
    """Per-method CloudWatch metrics. Default: on."""
    xray_tracing: bool = True
    """X-Ray tracing on the stage. Default: on."""
    log_retention_days: int = 14
    """Retention of the access and execution log groups. Default: 14 days."""
    cors_allow_headers: tuple[str, ...] = ("Authorization", "Content-Type")
    """Request headers the browser may send. Default: Authorization, Content-Type."""
    cors_max_age_seconds: int = 600
    """How long browsers may cache a preflight. Default: 600 s."""
    stage_depends_on: tuple[ITerraformDependable, ...] = ()
    """Resources the stage must wait for (e.g. the account's CloudWatch role). Default: none."""


def _slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "root"


class _MethodKeys(TypedDict):
    """What identifies a method to its integration and responses."""

    rest_api_id: str
    resource_id: str
    http_method: str


def _resource_paths(routes: tuple[Route, ...]) -> list[str]:
    """Every path prefix of every route (`/user`, `/user/profile`), parents first."""
    prefixes: set[str] = set()
    for route in routes:
        parts = route.path.split("/")[1:]
        prefixes.update("/" + "/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return sorted(prefixes, key=lambda path: (path.count("/"), path))


def _quoted(value: str) -> str:
    """A static value in an API Gateway response-parameter mapping is written in single quotes."""
    return f"'{value}'"


class RestApi(Construct):
    """REST API with a Cognito authorizer, CORS everywhere, access/execution logs and a throttled stage."""

    def __init__(self, scope: Construct, id_: str, *, props: RestApiProps) -> None:
        super().__init__(scope, id_)
        _check(props)
        self.props = props
        primary_origin = props.cors_allow_origins[0]

        self.api = ApiGatewayRestApi(
            self,
            "api",
            name=props.api_name,
            description=f"{props.api_name}: the Junokit web app's backend",
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
        )
        # Attribute references, read once: each read is a call into the jsii kernel, and they are used dozens of times.
        self.rest_api_id: str = self.api.id
        self.execution_arn: str = self.api.execution_arn
        self.authorizer = ApiGatewayAuthorizer(
            self,
            "authorizer",
            name="cognito-user-pool",
            rest_api_id=self.rest_api_id,
            type="COGNITO_USER_POOLS",
            provider_arns=[props.user_pool_arn],
            identity_source="method.request.header.Authorization",
        )

        self.resources: dict[str, ApiGatewayResource] = {}
        resource_ids: dict[str, str] = {"": self.api.root_resource_id}
        paths = _resource_paths(props.routes)
        for path in paths:
            parent, _, part = path.rpartition("/")
            self.resources[path] = ApiGatewayResource(
                self,
                f"resource-{_slug(path)}",
                rest_api_id=self.rest_api_id,
                parent_id=resource_ids[parent],
                path_part=part,
            )
            resource_ids[path] = self.resources[path].id
        self._resource_ids = resource_ids

        deployed: list[ITerraformDependable] = []
        self.methods: dict[tuple[str, str], ApiGatewayMethod] = {}
        for route in props.routes:
            deployed += self._route(route, primary_origin)

        allow_headers = ",".join(props.cors_allow_headers)
        self.cors = {
            path: ",".join([*sorted(route.method for route in props.routes if route.path == path), "OPTIONS"])
            for path in paths
        }
        for path, allow_methods in self.cors.items():
            deployed += self._preflight(path, allow_methods, allow_headers, primary_origin)

        self.gateway_response_parameters = {
            "gatewayresponse.header.Access-Control-Allow-Origin": _quoted(primary_origin),
            "gatewayresponse.header.Access-Control-Allow-Headers": _quoted(allow_headers),
            "gatewayresponse.header.Vary": _quoted("Origin"),
        }
        for response_type in GATEWAY_ERROR_RESPONSES:
            deployed.append(
                ApiGatewayGatewayResponse(
                    self,
                    f"gateway-response-{response_type.lower()}",
                    rest_api_id=self.rest_api_id,
                    response_type=response_type,
                    response_parameters=self.gateway_response_parameters,
                )
            )

        self.redeployment_hash = hashlib.sha1(
            json.dumps(self._definitions(primary_origin, allow_headers), sort_keys=True).encode()
        ).hexdigest()
        self.deployment = ApiGatewayDeployment(
            self,
            "deployment",
            rest_api_id=self.rest_api_id,
            description="Managed by Terraform; replaced when the route table changes",
            triggers={"redeployment": self.redeployment_hash},
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=deployed,
        )

        self.access_log_group = CloudwatchLogGroup(
            self,
            "access-logs",
            name=f"/aws/apigateway/{props.api_name}/{props.stage_name}/access",
            retention_in_days=props.log_retention_days,
        )
        # API Gateway writes execution logs here; created first so it has a retention (AWS would keep them forever).
        self.execution_log_group = CloudwatchLogGroup(
            self,
            "execution-logs",
            name=f"API-Gateway-Execution-Logs_{self.rest_api_id}/{props.stage_name}",
            retention_in_days=props.log_retention_days,
        )
        self.stage = ApiGatewayStage(
            self,
            "stage",
            rest_api_id=self.rest_api_id,
            stage_name=props.stage_name,
            deployment_id=self.deployment.id,
            xray_tracing_enabled=props.xray_tracing,
            access_log_settings=ApiGatewayStageAccessLogSettings(
                destination_arn=self.access_log_group.arn, format=ACCESS_LOG_FORMAT
            ),
            depends_on=[self.execution_log_group, *props.stage_depends_on],
        )
        self.method_settings = ApiGatewayMethodSettings(
            self,
            "stage-settings",
            rest_api_id=self.rest_api_id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=ApiGatewayMethodSettingsSettings(
                metrics_enabled=props.metrics_enabled,
                logging_level=props.logging_level,
                data_trace_enabled=props.data_trace,
                throttling_rate_limit=props.throttle_rate_limit,
                throttling_burst_limit=props.throttle_burst_limit,
            ),
        )

        self.invoke_url: str = self.stage.invoke_url
        self.stage_name: str = props.stage_name

    def _method(self, path: str, method: str, *, authorized: bool) -> ApiGatewayMethod:
        created = ApiGatewayMethod(
            self,
            f"method-{_slug(path)}-{method.lower()}",
            rest_api_id=self.rest_api_id,
            resource_id=self._resource_ids[path],
            http_method=method,
            authorization="COGNITO_USER_POOLS" if authorized else "NONE",
            authorizer_id=self.authorizer.id if authorized else None,
        )
        self.methods[(path, method)] = created
        return created

    def _mock(
        self,
        path: str,
        verb: str,
        method: ApiGatewayMethod,
        *,
        headers: dict[str, str],
        templates: dict[str, str] | None,
    ) -> list[ITerraformDependable]:
        """MOCK integration answering 200 with static headers (and optionally a body)."""
        slug = f"{_slug(path)}-{verb.lower()}"
        on = self._keys_of(method)
        integration = self._integration(slug, on, type="MOCK", request_templates=_MOCK_REQUEST)
        method_response = ApiGatewayMethodResponse(
            self,
            f"method-response-{slug}",
            **on,
            status_code="200",
            response_parameters={f"method.response.header.{name}": True for name in headers},
        )
        integration_response = ApiGatewayIntegrationResponse(
            self,
            f"integration-response-{slug}",
            **on,
            status_code=method_response.status_code,
            response_parameters={f"method.response.header.{name}": _quoted(value) for name, value in headers.items()},
            response_templates=templates,
            depends_on=[integration],
        )
        return [integration, method_response, integration_response]

    def _keys_of(self, method: ApiGatewayMethod) -> _MethodKeys:
        """What identifies `method` to its integration and responses: references to it, so they depend on it."""
        return {"rest_api_id": self.rest_api_id, "resource_id": method.resource_id, "http_method": method.http_method}

    def _integration(self, slug: str, on: _MethodKeys, **kind: Any) -> ApiGatewayIntegration:
        return ApiGatewayIntegration(self, f"integration-{slug}", **on, **kind)

    def _route(self, route: Route, primary_origin: str) -> list[ITerraformDependable]:
        method = self._method(route.path, route.method, authorized=route.authorized)
        target = route.target
        if isinstance(target, MockResponse):
            headers = {"Access-Control-Allow-Origin": primary_origin, "Vary": "Origin"}
            body = {"application/json": target.body}
            return [method, *self._mock(route.path, route.method, method, headers=headers, templates=body)]
        slug = f"{_slug(route.path)}-{route.method.lower()}"
        integration = self._integration(
            slug, self._keys_of(method), type="AWS_PROXY", integration_http_method="POST", uri=target.invoke_arn
        )
        LambdaPermission(
            self,
            f"permission-{slug}",
            statement_id=f"apigateway-{slug}",
            action="lambda:InvokeFunction",
            function_name=target.function_arn,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.execution_arn}/{self.props.stage_name}/{route.method}{route.path}",
        )
        return [method, integration]

    def _preflight(
        self, path: str, allow_methods: str, allow_headers: str, primary_origin: str
    ) -> list[ITerraformDependable]:
        method = self._method(path, "OPTIONS", authorized=False)
        headers = {
            "Access-Control-Allow-Origin": primary_origin,
            "Access-Control-Allow-Methods": allow_methods,
            "Access-Control-Allow-Headers": allow_headers,
            "Access-Control-Max-Age": str(self.props.cors_max_age_seconds),
            "Vary": "Origin",
        }
        return [method, *self._mock(path, "OPTIONS", method, headers=headers, templates=None)]

    def _definitions(self, primary_origin: str, allow_headers: str) -> dict[str, object]:
        """Everything a deployment snapshots, as plain data (no tokens, so the hash is stable)."""
        routes = []
        for route in sorted(self.props.routes, key=lambda r: (r.path, r.method)):
            target: dict[str, object]
            if isinstance(route.target, MockResponse):
                target = {"mock": route.target.body}
            else:
                target = {"lambda": route.target.function_name}
            routes.append(
                {"method": route.method, "path": route.path, "authorized": route.authorized, "target": target}
            )
        return {
            "routes": routes,
            "cors": {
                "origin": primary_origin,
                "headers": allow_headers,
                "max_age": self.props.cors_max_age_seconds,
                "methods": self.cors,
            },
            "gateway_responses": {kind: self.gateway_response_parameters for kind in GATEWAY_ERROR_RESPONSES},
        }


def _check(props: RestApiProps) -> None:
    validation.matches("api_name", props.api_name, r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}", "letters, digits, '-' or '_'")
    validation.matches("stage_name", props.stage_name, r"[A-Za-z0-9_]{1,128}", "letters, digits or '_'")
    validation.arn("user_pool_arn", props.user_pool_arn, "cognito-idp")
    if not props.routes:
        raise ValueError("routes () is not allowed (allowed: at least one route)")
    seen: set[tuple[str, str]] = set()
    for route in props.routes:
        validation.one_of("route method", route.method, HTTP_METHODS)
        validation.matches("route path", route.path, _PATH_RE, "/segment/... of letters, digits, '._-' or {param}")
        if (route.path, route.method) in seen:
            raise ValueError(f"route {route.method} {route.path} is defined twice (allowed: one target per route)")
        seen.add((route.path, route.method))
        if isinstance(route.target, LambdaProxy):
            validation.matches(
                "route target function_name",
                route.target.function_name,
                r"[A-Za-z0-9_-]{1,64}",
                "a Lambda function name",
            )
    if not props.cors_allow_origins:
        raise ValueError("cors_allow_origins () is not allowed (allowed: at least one web origin)")
    for origin in props.cors_allow_origins:
        if origin != "*":
            validation.ORIGIN.check("cors_allow_origins entry", origin)
    validation.in_range("throttle_rate_limit", props.throttle_rate_limit, 1, 10000)
    validation.in_range("throttle_burst_limit", props.throttle_burst_limit, props.throttle_rate_limit, 10000)
    validation.one_of("logging_level", props.logging_level, LOGGING_LEVELS)
    validation.one_of("log_retention_days", props.log_retention_days, validation.LOG_RETENTION_DAYS)
    validation.in_range("cors_max_age_seconds", props.cors_max_age_seconds, 0, 7200)
    for header in props.cors_allow_headers:
        validation.matches("cors_allow_headers entry", header, r"[A-Za-z0-9-]+", "an HTTP header name")
