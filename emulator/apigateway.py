"""The deployed REST APIs, served by the emulator as API Gateway serves them (`<api-id>.execute-api.<region>...`).

moto stores REST APIs but does not serve them in server mode: its dispatcher ignores the Host header,
MOCK and AWS_PROXY integrations are unimplemented, integration and gateway responses are never applied,
and authorizers are never enforced. `ExecuteApi` sits in front of moto's WSGI app: a request whose Host
is `<api-id>.execute-api.<region>.amazonaws.com[:port]` is answered from the stage's deployment, every
other request goes to moto unchanged.

- **Deployments are snapshots**, as on AWS: `CreateDeployment` records the API's resources, methods,
  integrations, authorizers and gateway responses; a stage serves its deployment's snapshot, so a change
  reaches clients only through a new deployment.
- **Routing**: `/<stage>/<path>` is matched against the resources (literal segments before `{param}`,
  `{proxy+}` last); no such stage, resource or method is `MISSING_AUTHENTICATION_TOKEN` (403).
- **COGNITO_USER_POOLS authorizers**: the token in the identity source header is verified as API Gateway
  does: RS256 signature against the JWKS of the pool that issued it (the document moto serves at
  `/<pool-id>/.well-known/jwks.json`), issuer one of the authorizer's provider pools, not expired, an ID
  token (an access token carrying a scope when the method lists OAuth scopes); the claims reach the
  function as `requestContext.authorizer.claims` (strings, as API Gateway passes them).
- **MOCK**: the request template's `statusCode` selects the integration response, whose response
  parameters (static values) set the method response's declared headers and whose template is the body.
- **AWS_PROXY to Lambda**: the v1 proxy event; API Gateway must be allowed to invoke the function (its
  resource policy, by source ARN); the function runs in `emulator.lambda_invoke`; a function error, a
  timeout or a malformed result is a 502.
- **Custom domain names**: a request whose Host is a custom domain name the emulator holds is routed by
  its base path mappings to an API's stage (longest base path first; `(none)` maps the root), as the
  regional domain would after DNS.
- **Gateway responses**: errors are rendered from the API's gateway responses (the specific type, else
  DEFAULT_4XX / DEFAULT_5XX) with their headers, status code and template, as AWS does.

Not emulated: throttling and usage plans, API keys, request validation, VTL beyond static templates,
caching, custom authorizers (Lambda), binary media types, resource policies of the API itself.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

HOST_PATTERN = re.compile(r"^(?P<api>[a-z0-9]{1,32})\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(:\d+)?$")
_SNAPSHOTS: dict[tuple[str, str, str], dict[str, Any]] = {}
"""(account, region, deployment id) -> what that deployment froze."""
_SNAPSHOTS_LOCK = threading.Lock()
_DEFAULT_ERROR_TEMPLATE = '{"message":$context.error.messageString}'
# Gateway response types this emulator raises, with AWS's default status codes.
RESPONSE_STATUS: dict[str, int] = {
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "UNAUTHORIZED": 401,
    "ACCESS_DENIED": 403,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "API_CONFIGURATION_ERROR": 500,
    "DEFAULT_4XX": 400,
    "DEFAULT_5XX": 500,
}
_ERROR_TYPES = {
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
    "UNAUTHORIZED": "UnauthorizedException",
    "ACCESS_DENIED": "AccessDeniedException",
    "EXPIRED_TOKEN": "ExpiredTokenException",
    "INTEGRATION_FAILURE": "InternalServerErrorException",
    "API_CONFIGURATION_ERROR": "InternalServerErrorException",
    "AUTHORIZER_CONFIGURATION_ERROR": "AuthorizerConfigurationException",
}
_TIME_CLAIMS = ("exp", "iat", "auth_time")


class GatewayError(Exception):
    """An error API Gateway answers itself, with a gateway response of `response_type`."""

    def __init__(self, response_type: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.response_type = response_type
        self.message = message
        self.status = status


@dataclass(kw_only=True)
class Request:
    """An execute-api request, as read from the WSGI environ."""

    api_id: str
    region: str
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    host: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


@dataclass(kw_only=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


# --- deployment snapshots ----------------------------------------------------------------------------


def snapshot(api: Any) -> dict[str, Any]:
    """Plain data of everything a deployment freezes (moto keeps only the deployment's id)."""
    resources: dict[str, dict[str, Any]] = {}
    for resource in list(api.resources.values()):
        methods: dict[str, Any] = {}
        for verb, method in list(resource.resource_methods.items()):
            integration = method.method_integration
            methods[verb] = {
                "authorization": method.authorization_type or "NONE",
                "authorizer_id": method.authorizer_id,
                "scopes": list(method.authorization_scopes or []),
                "method_responses": {
                    str(code): dict(response.response_parameters or {})
                    for code, response in method.method_responses.items()
                },
                "integration": None
                if integration is None
                else {
                    "type": integration.integration_type,
                    "uri": integration.uri,
                    "request_templates": dict(integration.request_templates or {}),
                    "responses": {
                        str(code): {
                            "selection_pattern": response.selection_pattern,
                            "templates": dict(response.response_templates or {}),
                            "parameters": dict(response.response_parameters or {}),
                        }
                        for code, response in (integration.integration_responses or {}).items()
                    },
                },
            }
        resources[resource.get_path()] = {"id": resource.id, "methods": methods}
    return {
        "account": api.account_id,
        "resources": resources,
        "authorizers": {
            authorizer.id: {
                "type": authorizer.type,
                "provider_arns": list(authorizer.provider_arns or []),
                "identity_source": authorizer.identity_source or "method.request.header.Authorization",
            }
            for authorizer in list(api.authorizers.values())
        },
        "gateway_responses": {
            kind: {
                "status": response.status_code,
                "parameters": dict(response.response_parameters or {}),
                "templates": dict(response.response_templates or {}),
            }
            for kind, response in list(api.gateway_responses.items())
        },
    }


def _snapshotting(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_deployment(self: Any, *args: Any, **kwargs: Any) -> Any:
        deployment = original(self, *args, **kwargs)
        frozen = copy.deepcopy(snapshot(self))
        with _SNAPSHOTS_LOCK:
            _SNAPSHOTS[(self.account_id, self.region_name, deployment.id)] = frozen
        return deployment

    return create_deployment


def _find_api(api_id: str, region: str) -> Any:
    from moto.apigateway.models import apigateway_backends

    for account in list(apigateway_backends.keys()):
        backend = apigateway_backends[account][region]
        if api_id in backend.apis:
            return backend.apis[api_id]
    return None


# --- routing -----------------------------------------------------------------------------------------


def match_resource(resources: dict[str, Any], path: str) -> tuple[str, dict[str, str]] | None:
    """The resource path serving `path`, and its path parameters; literal segments win over parameters."""
    wanted = [part for part in path.split("/") if part]
    best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
    for candidate in resources:
        parts = [part for part in candidate.split("/") if part]
        params: dict[str, str] = {}
        score: list[int] = []
        for index, part in enumerate(parts):
            if index >= len(wanted):
                break
            if part.startswith("{") and part.endswith("+}"):
                params[part[1:-2]] = "/".join(wanted[index:])
                score.append(0)
                break
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]] = wanted[index]
                score.append(1)
            elif part == wanted[index]:
                score.append(2)
            else:
                break
        else:
            if len(parts) != len(wanted):
                continue
            if best is None or tuple(score) > best[0]:
                best = (tuple(score), candidate, params)
            continue
        if score and score[-1] == 0 and len(score) == len(parts) and (best is None or tuple(score) > best[0]):
            best = (tuple(score), candidate, params)  # a greedy {proxy+} took the rest
    return (best[1], best[2]) if best else None


# --- the Cognito authorizer --------------------------------------------------------------------------


def _jwks_of_pool(pool_id: str) -> dict[str, Any]:
    """The JWKS moto serves for `pool_id` at /<pool-id>/.well-known/jwks.json (one key shared by all pools)."""
    from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse

    del pool_id  # moto signs every pool's tokens with the same key and serves the same document
    document: dict[str, Any] = json.loads(CognitoIdpJsonWebKeyResponse.json_web_key)
    return document


def _pool_exists(pool_arn: str) -> bool:
    from moto.cognitoidp.models import cognitoidp_backends

    parts = pool_arn.split(":")
    if len(parts) != 6 or not parts[5].startswith("userpool/"):
        return False
    region, account, pool_id = parts[3], parts[4], parts[5].removeprefix("userpool/")
    return pool_id in cognitoidp_backends[account][region].user_pools


def _claim_string(name: str, value: object) -> str:
    """API Gateway hands claims to the integration as strings; times in its `EEE MMM dd HH:mm:ss UTC yyyy` form."""
    if name in _TIME_CLAIMS and isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    return str(value)


def verify_cognito_token(token: str | None, authorizer: dict[str, Any], scopes: list[str]) -> dict[str, str]:
    """The token's claims if it passes what a COGNITO_USER_POOLS authorizer checks; else a GatewayError."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    if not token:
        raise GatewayError("UNAUTHORIZED", "Unauthorized")
    try:
        header_b64, payload_b64, _ = token.split(".")
        header = json.loads(base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)))
        payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))
    except (ValueError, TypeError):
        raise GatewayError("UNAUTHORIZED", "Unauthorized") from None
    if not isinstance(header, dict) or not isinstance(payload, dict) or header.get("alg") != "RS256":
        raise GatewayError("UNAUTHORIZED", "Unauthorized")
    issuer = str(payload.get("iss", ""))
    pools = {
        f"https://cognito-idp.{arn.split(':')[3]}.amazonaws.com/{arn.split(':')[5].removeprefix('userpool/')}": arn
        for arn in authorizer["provider_arns"]
        if arn.count(":") == 5
    }
    if issuer not in pools or not _pool_exists(pools[issuer]):
        raise GatewayError("UNAUTHORIZED", "Unauthorized")
    pool_id = issuer.rsplit("/", 1)[1]
    keys = KeySet.import_key_set(_jwks_of_pool(pool_id))  # type: ignore[arg-type]
    try:
        verified = jwt.decode(token, keys, algorithms=["RS256"])
    except (JoseError, ValueError):
        raise GatewayError("UNAUTHORIZED", "Unauthorized") from None
    claims = dict(verified.claims)
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp <= time.time():
        raise GatewayError("UNAUTHORIZED", "The incoming token has expired")
    if scopes:
        granted = str(claims.get("scope", "")).split()
        if claims.get("token_use") != "access" or not set(granted) & set(scopes):
            raise GatewayError("UNAUTHORIZED", "Unauthorized")
    elif claims.get("token_use") != "id":
        raise GatewayError("UNAUTHORIZED", "Unauthorized")
    return {name: _claim_string(name, value) for name, value in claims.items()}


# --- integrations ------------------------------------------------------------------------------------


def _static(value: str) -> str | None:
    """A mapping value in single quotes is a literal; anything else (a request mapping) is not."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else None


def _mapped(value: str, request: Request) -> str | None:
    literal = _static(value)
    if literal is not None:
        return literal
    if value.startswith("method.request.header."):
        return request.header(value.removeprefix("method.request.header."))
    return None


def _mock(method: dict[str, Any], request: Request) -> Response:
    integration = method["integration"]
    template = integration["request_templates"].get("application/json") or '{"statusCode": 200}'
    try:
        status = str(int(json.loads(template)["statusCode"]))
    except (ValueError, KeyError, TypeError):
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error") from None
    responses = integration["responses"]
    chosen = responses.get(status) or next((r for r in responses.values() if not r["selection_pattern"]), None)
    if chosen is None:
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
    code = next((c for c, r in responses.items() if r is chosen), status)
    declared = method["method_responses"].get(code, {})
    headers = {"Content-Type": "application/json"}
    for target, source in chosen["parameters"].items():
        if not target.startswith("method.response.header.") or target not in declared:
            continue  # API Gateway drops mappings to headers the method response does not declare
        value = _mapped(source, request)
        if value is not None:
            headers[target.removeprefix("method.response.header.")] = value
    body = chosen["templates"].get("application/json") or ""
    if "$" in body:
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")  # VTL is not emulated
    return Response(status=int(code), headers=headers, body=body.encode())


def proxy_event(
    request: Request,
    *,
    stage: str,
    resource_path: str,
    resource_id: str,
    params: dict[str, str],
    account: str,
    claims: dict[str, str] | None,
) -> dict[str, Any]:
    """The Lambda proxy integration's v1 event (payload format 1.0), as API Gateway builds it."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in request.query:
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    try:
        body: str | None = request.body.decode("utf-8") if request.body else None
        encoded = False
    except UnicodeDecodeError:
        body, encoded = base64.b64encode(request.body).decode(), True
    now = datetime.fromtimestamp(request.started, UTC)
    context: dict[str, Any] = {
        "resourceId": resource_id,
        "resourcePath": resource_path,
        "httpMethod": request.method,
        "extendedRequestId": request.request_id[:16],
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "path": f"/{stage}{request.path}",
        "accountId": account,
        "protocol": "HTTP/1.1",
        "stage": stage,
        "domainPrefix": request.api_id,
        "requestTimeEpoch": int(request.started * 1000),
        "requestId": request.request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.header("User-Agent"),
            "user": None,
        },
        "domainName": request.host.split(":")[0],
        "apiId": request.api_id,
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": resource_path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": encoded,
    }


def _function_arn(uri: str) -> str:
    match = re.search(r":lambda:path/[^/]+/functions/(?P<arn>.+)/invocations$", uri)
    if not match:
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
    return match.group("arn")


def _may_invoke(function: Any, source_arn: str) -> bool:
    """The function's resource policy lets API Gateway invoke it from `source_arn`."""
    for statement in list(function.policy.statements):
        principal = statement.get("Principal") or {}
        service = principal.get("Service") if isinstance(principal, dict) else principal
        services = service if isinstance(service, list) else [service]
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if statement.get("Effect") != "Allow" or "apigateway.amazonaws.com" not in services:
            continue
        if not any(action in ("lambda:InvokeFunction", "lambda:*", "*") for action in actions):
            continue
        conditions = statement.get("Condition") or {}
        patterns = [
            value
            for operator in ("ArnLike", "ArnEquals", "StringLike", "StringEquals")
            for key, value in (conditions.get(operator) or {}).items()
            if key.lower() == "aws:sourcearn"
        ]
        if not patterns or any(fnmatchcase(source_arn, pattern) for pattern in patterns):
            return True
    return False


def _lambda_proxy(method: dict[str, Any], request: Request, event: dict[str, Any], source_arn: str) -> Response:
    from moto.awslambda.models import lambda_backends

    from emulator import lambda_invoke

    arn = _function_arn(method["integration"]["uri"])
    parts = arn.split(":")
    try:
        function = lambda_backends[parts[4]][parts[3]].get_function(arn)
    except Exception:  # moto raises its own not-found types
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error") from None
    if not _may_invoke(function, source_arn):
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
    function.logs_backend.ensure_log_group(function.logs_group_name)
    invocation = lambda_invoke.invoke(function, event, request_id=request.request_id)
    function.save_logs(invocation.logs or "-")
    if invocation.errored:
        raise GatewayError("DEFAULT_5XX", "Internal server error", status=502)
    try:
        result = json.loads(invocation.payload)
        status = int(result["statusCode"])
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[str(name)] = ", ".join(str(v) for v in values)
        body = result.get("body")
        data = b"" if body is None else str(body).encode()
        if result.get("isBase64Encoded"):
            data = base64.b64decode(data)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise GatewayError("DEFAULT_5XX", "Internal server error", status=502) from None
    headers.setdefault("Content-Type", "application/json")
    return Response(status=status, headers=headers, body=data)


# --- gateway responses -------------------------------------------------------------------------------


def gateway_response(frozen: dict[str, Any] | None, error: GatewayError, request: Request) -> Response:
    """`error` rendered from the API's gateway responses: its own type, else DEFAULT_4XX/5XX, else AWS's default."""
    status = error.status or RESPONSE_STATUS.get(error.response_type, 500)
    default_kind = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
    configured = (frozen or {}).get("gateway_responses", {})
    chosen = configured.get(error.response_type) or configured.get(default_kind) or {}
    if chosen.get("status"):
        status = int(chosen["status"])
    headers = {"Content-Type": "application/json"}
    if error.response_type in _ERROR_TYPES:
        headers["x-amzn-ErrorType"] = _ERROR_TYPES[error.response_type]
    for target, source in (chosen.get("parameters") or {}).items():
        if target.startswith("gatewayresponse.header."):
            value = _mapped(source, request)
            if value is not None:
                headers[target.removeprefix("gatewayresponse.header.")] = value
    template = (chosen.get("templates") or {}).get("application/json") or _DEFAULT_ERROR_TEMPLATE
    body = template.replace("$context.error.messageString", json.dumps(error.message))
    body = body.replace("$context.error.message", error.message).replace("$context.requestId", request.request_id)
    return Response(status=status, headers=headers, body=body.encode())


# --- the WSGI front --------------------------------------------------------------------------------


def serve(request: Request) -> Response:
    """Answer one execute-api request from the deployed stage."""
    frozen: dict[str, Any] | None = None
    try:
        api = _find_api(request.api_id, request.region)
        stage_name, _, rest = request.path.lstrip("/").partition("/")
        stage = api.stages.get(stage_name) if api is not None and stage_name else None
        if stage is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        with _SNAPSHOTS_LOCK:
            frozen = _SNAPSHOTS.get((api.account_id, request.region, stage.deployment_id))
        if frozen is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        path = "/" + rest
        request.path = path
        matched = match_resource(frozen["resources"], path)
        if matched is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        resource_path, params = matched
        resource = frozen["resources"][resource_path]
        method = resource["methods"].get(request.method) or resource["methods"].get("ANY")
        if method is None or method["integration"] is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        claims: dict[str, str] | None = None
        if method["authorization"] == "COGNITO_USER_POOLS":
            authorizer = frozen["authorizers"].get(method["authorizer_id"])
            if authorizer is None or authorizer["type"] != "COGNITO_USER_POOLS":
                raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR", "Internal server error")
            header = authorizer["identity_source"].removeprefix("method.request.header.")
            claims = verify_cognito_token(request.header(header), authorizer, method["scopes"])
        elif method["authorization"] != "NONE":
            raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")  # IAM/CUSTOM: not emulated
        kind = method["integration"]["type"]
        if kind == "MOCK":
            response = _mock(method, request)
        elif kind == "AWS_PROXY":
            event = proxy_event(
                request,
                stage=stage_name,
                resource_path=resource_path,
                resource_id=resource["id"],
                params=params,
                account=frozen["account"],
                claims=claims,
            )
            source_arn = f"arn:aws:execute-api:{request.region}:{frozen['account']}:{request.api_id}/{stage_name}/{request.method}{resource_path}"
            response = _lambda_proxy(method, request, event, source_arn)
        else:
            raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
    except GatewayError as error:
        response = gateway_response(frozen, error, request)
    response.headers["x-amzn-RequestId"] = request.request_id
    response.headers["x-amz-apigw-id"] = base64.b64encode(request.request_id.encode()[:12]).decode()
    return response


def _raw_path(environ: dict[str, Any]) -> tuple[str, str]:
    """The request's path (percent-decoded) and query string."""
    from urllib.parse import unquote

    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    path, _, query = raw.partition("?")
    return unquote(path) or "/", query or environ.get("QUERY_STRING", "")


def _request_from(environ: dict[str, Any], api_id: str, region: str) -> Request:
    from urllib.parse import parse_qsl

    path, query = _raw_path(environ)
    headers: list[tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append(("-".join(part.capitalize() for part in key[5:].split("_")), value))
    if environ.get("CONTENT_TYPE"):
        headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    if environ.get("CONTENT_LENGTH"):
        headers.append(("Content-Length", environ["CONTENT_LENGTH"]))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    return Request(
        api_id=api_id,
        region=region,
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        path=path,
        query=parse_qsl(query, keep_blank_values=True),
        headers=headers,
        body=body,
        source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
        host=environ.get("HTTP_HOST", ""),
    )


def custom_domain_route(host: str, path: str) -> tuple[str, str, str] | None:
    """(api id, region, path as `/<stage>/...`) for a request to a custom domain name, by its base paths."""
    from moto.apigateway.models import apigateway_backends

    name = host.split(":")[0].lower()
    for account in list(apigateway_backends.keys()):
        for region in list(apigateway_backends[account].keys()):
            backend = apigateway_backends[account][region]
            if name not in backend.domain_names:
                continue
            mappings = list((backend.base_path_mappings.get(name) or {}).values())
            segments = [part for part in path.split("/") if part]
            for mapping in sorted(mappings, key=lambda m: m.base_path == "(none)"):
                base = [] if mapping.base_path == "(none)" else mapping.base_path.split("/")
                if segments[: len(base)] == base and mapping.stage:
                    rest = "/".join(segments[len(base) :])
                    return mapping.rest_api_id, region, f"/{mapping.stage}/{rest}"
            return "", region, ""  # the domain exists, no base path matches: API Gateway's 403 Forbidden
    return None


class ExecuteApi:
    """WSGI middleware: execute-api hosts are served here, everything else by moto's app."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST", "").lower()
        match = HOST_PATTERN.match(host)
        if match is not None:
            request = _request_from(environ, match.group("api"), match.group("region"))
        elif "." in host and not host.split(":")[0].replace(".", "").isdigit():
            route = custom_domain_route(host, _raw_path(environ)[0])
            if route is None:
                return self.app(environ, start_response)  # not ours: moto's, with its body unread
            request = _request_from(environ, route[0], route[1])
            request.path = route[2]
            if not request.api_id:
                return _send(
                    Response(status=403, headers={"Content-Type": "application/json"}, body=b'{"message":"Forbidden"}'),
                    start_response,
                )
        else:
            return self.app(environ, start_response)
        return _send(serve(request), start_response)


def _send(response: Response, start_response: Callable[..., Any]) -> Iterable[bytes]:
    from http import HTTPStatus

    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Status"
    headers = [*response.headers.items(), ("Content-Length", str(len(response.body)))]
    start_response(f"{response.status} {reason}", headers)
    return [response.body]


def apply() -> None:
    """Record a snapshot at every deployment (the WSGI front is installed by `emulator.server.serve`)."""
    from moto.apigateway.models import RestAPI

    RestAPI.create_deployment = _snapshotting(RestAPI.create_deployment)  # type: ignore[method-assign]
