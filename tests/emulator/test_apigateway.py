"""The emulator serves deployed REST APIs: routing, MOCK, AWS_PROXY to Lambda, the Cognito authorizer, gateway
responses, and IAM on the function's own calls. One moto server; a small API made through the AWS API (boto3),
so these tests need no Terraform; the deployed stacks go through the same code in the e2e run.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.server import Emulator
from tools.smoke import HttpClient, foreign_token

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

ORIGIN = "http://localhost:3000"
REGION = "eu-north-1"
HANDLER = """
import json, os, time, boto3

INVOCATIONS = 0

def handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "crash":
        raise RuntimeError("boom")
    if mode == "sleep":
        time.sleep(5)
    if mode == "exit":
        os._exit(3)
    if mode == "garbage":
        return "not a proxy response"
    result = {"event": event, "remaining": context.get_remaining_time_in_millis(), "table": os.environ["TABLE_NAME"],
              "invocations": INVOCATIONS, "pid": os.getpid()}
    if mode == "table":
        try:
            boto3.client("dynamodb").get_item(TableName=os.environ["TABLE_NAME"], Key={"id": {"S": "x"}})
            result["table_access"] = "allowed"
        except Exception as error:
            result["table_access"] = type(error).__name__ + ": " + str(error)[:200]
    return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "ORIGIN"}, "body": json.dumps(result)}
""".replace("ORIGIN", ORIGIN)


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def _moto_signing_key() -> object:
    """The private key moto signs every pool's tokens with (it ships in moto): a validly signed expired token."""
    from joserfc.jwk import RSAKey
    from moto.utilities.utils import load_resource

    return RSAKey.import_key(load_resource("moto.cognitoidp.models", "resources/jwks-private.json")).private_key


class Api:
    """The API made for these tests and what is needed to call it."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        cognito = emulator.client("cognito-idp")
        self.pool = cognito.create_user_pool(PoolName="pool", UsernameAttributes=["email"])["UserPool"]
        self.other_pool = cognito.create_user_pool(PoolName="other")["UserPool"]
        self.client_id = cognito.create_user_pool_client(UserPoolId=self.pool["Id"], ClientName="web")[
            "UserPoolClient"
        ]["ClientId"]
        other_client = cognito.create_user_pool_client(UserPoolId=self.other_pool["Id"], ClientName="web")
        self.other_client_id = other_client["UserPoolClient"]["ClientId"]
        dynamodb = emulator.client("dynamodb")
        dynamodb.create_table(
            TableName="items",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.table_arn = dynamodb.describe_table(TableName="items")["Table"]["TableArn"]
        iam = emulator.client("iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        self.role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        self.allow_table()
        awslambda = emulator.client("lambda")
        self.function = awslambda.create_function(
            FunctionName="echo",
            Runtime="python3.12",
            Role=self.role["Arn"],
            Handler="app.handler",
            Code={"ZipFile": _zip(HANDLER)},
            Timeout=2,
            Environment={"Variables": {"TABLE_NAME": "items"}},
        )
        apigw = emulator.client("apigateway")
        api = apigw.create_rest_api(name="api", endpointConfiguration={"types": ["REGIONAL"]})
        self.api_id = api["id"]
        root = api["rootResourceId"]
        authorizer = apigw.create_authorizer(
            restApiId=self.api_id,
            name="cognito",
            type="COGNITO_USER_POOLS",
            providerARNs=[self.pool["Arn"]],
            identitySource="method.request.header.Authorization",
        )["id"]
        health = apigw.create_resource(restApiId=self.api_id, parentId=root, pathPart="health")["id"]
        self.mock(health, "GET", {"Access-Control-Allow-Origin": ORIGIN}, body='{"status":"ok"}')
        self.mock(
            health, "OPTIONS", {"Access-Control-Allow-Origin": ORIGIN, "Access-Control-Allow-Methods": "GET,OPTIONS"}
        )
        items = apigw.create_resource(restApiId=self.api_id, parentId=root, pathPart="items")["id"]
        item = apigw.create_resource(restApiId=self.api_id, parentId=items, pathPart="{itemId}")["id"]
        for resource in (items, item):
            apigw.put_method(
                restApiId=self.api_id,
                resourceId=resource,
                httpMethod="GET",
                authorizationType="COGNITO_USER_POOLS",
                authorizerId=authorizer,
            )
            apigw.put_integration(
                restApiId=self.api_id,
                resourceId=resource,
                httpMethod="GET",
                type="AWS_PROXY",
                integrationHttpMethod="POST",
                uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{self.function['FunctionArn']}/invocations",
            )
        open_ = apigw.create_resource(restApiId=self.api_id, parentId=root, pathPart="open")["id"]
        apigw.put_method(restApiId=self.api_id, resourceId=open_, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(
            restApiId=self.api_id,
            resourceId=open_,
            httpMethod="GET",
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{self.function['FunctionArn']}/invocations",
        )
        account = self.function["FunctionArn"].split(":")[4]
        awslambda.add_permission(
            FunctionName="echo",
            StatementId="apigw",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{REGION}:{account}:{self.api_id}/v1/GET/items*",
        )
        for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
            apigw.put_gateway_response(
                restApiId=self.api_id,
                responseType=kind,
                responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": f"'{ORIGIN}'"},
            )
        apigw.create_deployment(restApiId=self.api_id, stageName="v1")
        self.host = f"{self.api_id}.execute-api.{REGION}.amazonaws.com"
        self.http = HttpClient(resolve={self.host: ("127.0.0.1", emulator.port)}, ca_bundle=emulator.ca_bundle)

    def mock(self, resource: str, verb: str, headers: dict[str, str], body: str | None = None) -> None:
        apigw = self.emulator.client("apigateway")
        on = {"restApiId": self.api_id, "resourceId": resource, "httpMethod": verb}
        apigw.put_method(**on, authorizationType="NONE")
        apigw.put_integration(**on, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_method_response(
            **on, statusCode="200", responseParameters={f"method.response.header.{h}": True for h in headers}
        )
        apigw.put_integration_response(
            **on,
            statusCode="200",
            responseParameters={f"method.response.header.{h}": f"'{v}'" for h, v in headers.items()},
            responseTemplates={"application/json": body} if body else {},
        )

    def allow_table(self, *, allowed: bool = True) -> None:
        actions = ["dynamodb:GetItem"] if allowed else ["dynamodb:PutItem"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": [self.table_arn]}],
        }
        self.emulator.client("iam").put_role_policy(
            RoleName="fn", PolicyName="table", PolicyDocument=json.dumps(policy)
        )

    def token(self, *, pool: str | None = None, client: str | None = None, kind: str = "IdToken") -> str:
        cognito = self.emulator.client("cognito-idp")
        pool = pool or self.pool["Id"]
        client = client or self.client_id
        name = f"user-{time.monotonic_ns()}@example.com"
        cognito.admin_create_user(
            UserPoolId=pool, Username=name, TemporaryPassword="Temp-Passw0rd!!", MessageAction="SUPPRESS"
        )
        cognito.admin_set_user_password(UserPoolId=pool, Username=name, Password="Final-Passw0rd!!", Permanent=True)
        tokens = cognito.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": "Final-Passw0rd!!"},
        )["AuthenticationResult"]
        return str(tokens[kind])

    def get(self, path: str, **headers: str) -> Any:
        return self.http.request("GET", f"https://{self.host}{path}", headers=headers)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with Emulator(managed_policies=False) as emulator:
        yield Api(emulator)


def test_mock_integration_answers_with_its_template_and_declared_headers(api: Api) -> None:
    response = api.get("/v1/health")
    assert (response.status, response.json()) == (200, {"status": "ok"})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "x-amzn-requestid" in response.headers


def test_preflight_mock_carries_the_cors_headers_and_no_body(api: Api) -> None:
    response = api.http.request("OPTIONS", f"https://{api.host}/v1/health", headers={"Origin": ORIGIN})
    assert response.status == 200
    assert response.headers["access-control-allow-methods"] == "GET,OPTIONS"
    assert response.body == b""


def test_moto_adds_no_cors_headers_of_its_own(api: Api) -> None:
    response = api.http.request("GET", f"{api.emulator.url}/moto-api/", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("path", ["/v1/nowhere", "/v1/health/extra", "/v1"])
def test_unknown_routes_are_missing_authentication_token_with_gateway_headers(api: Api, path: str) -> None:
    response = api.get(path)
    assert (response.status, response.json()) == (403, {"message": "Missing Authentication Token"})
    assert response.headers["access-control-allow-origin"] == ORIGIN  # DEFAULT_4XX's header


def test_an_unknown_stage_is_missing_authentication_token(api: Api) -> None:
    response = api.get("/v2/health")
    assert (response.status, response.json()) == (403, {"message": "Missing Authentication Token"})


def test_an_undefined_method_is_missing_authentication_token(api: Api) -> None:
    response = api.http.request("DELETE", f"https://{api.host}/v1/health")
    assert response.status == 403


def test_the_id_token_reaches_the_function_as_claims_in_a_v1_proxy_event(api: Api) -> None:
    token = api.token()
    response = api.get("/v1/items/abc?x=1&x=2", Authorization=token, Origin=ORIGIN)
    assert response.status == 200, response.body
    event = response.json()["event"]
    assert event["resource"] == "/items/{itemId}"
    assert event["path"] == "/items/abc"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"itemId": "abc"}
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["headers"]["Origin"] == ORIGIN
    assert event["requestContext"]["stage"] == "v1"
    assert event["requestContext"]["path"] == "/v1/items/abc"
    assert event["requestContext"]["apiId"] == api.api_id
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["token_use"] == "id"
    assert claims["aud"] == api.client_id
    assert claims["iss"].endswith(api.pool["Id"])
    assert all(isinstance(value, str) for value in claims.values())
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert 0 < response.json()["remaining"] <= 2000


@pytest.fixture(scope="module")
def bad_tokens(api: Api) -> dict[str, str | None]:
    good = api.token()
    return {
        "none": None,
        "malformed": "not-a-jwt",
        "foreign key": foreign_token(good),
        "expired": foreign_token(good, expired=True, key=_moto_signing_key()),
        "other pool": api.token(pool=api.other_pool["Id"], client=api.other_client_id),
        "access token": api.token(kind="AccessToken"),
        "tampered": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
    }


@pytest.mark.parametrize(
    "case", ["none", "malformed", "foreign key", "expired", "other pool", "access token", "tampered"]
)
def test_the_authorizer_refuses_bad_tokens_with_401_and_gateway_headers(
    api: Api, bad_tokens: dict[str, str | None], case: str
) -> None:
    token = bad_tokens[case]
    headers = {"Authorization": token} if token else {}
    response = api.get("/v1/items", **headers)
    assert response.status == 401, response.body
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["x-amzn-errortype"] == "UnauthorizedException"


def test_a_method_without_authorizer_passes_no_claims(api: Api) -> None:
    account = api.function["FunctionArn"].split(":")[4]
    api.emulator.client("lambda").add_permission(
        FunctionName="echo",
        StatementId="open",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{account}:{api.api_id}/v1/GET/open",
    )
    response = api.get("/v1/open")
    assert response.status == 200, response.body
    assert "authorizer" not in response.json()["event"]["requestContext"]


def test_api_gateway_needs_the_functions_permission(api: Api) -> None:
    api.emulator.client("lambda").remove_permission(FunctionName="echo", StatementId="open")
    response = api.get("/v1/open")
    assert response.status == 500
    assert response.json() == {"message": "Internal server error"}


@pytest.mark.parametrize("mode", ["crash", "sleep", "exit", "garbage"])
def test_a_function_error_timeout_or_bad_result_is_a_502_with_gateway_headers(api: Api, mode: str) -> None:
    started = time.monotonic()
    response = api.get(f"/v1/items?mode={mode}", Authorization=api.token())
    assert response.status == 502, response.body
    assert response.json() == {"message": "Internal server error"}
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert time.monotonic() - started < 8  # the 2 s timeout, not the 5 s sleep, ended it


def test_the_function_calls_the_emulator_with_its_roles_permissions(api: Api) -> None:
    token = api.token()
    allowed = api.get("/v1/items?mode=table", Authorization=token).json()
    assert allowed["table_access"] == "allowed"
    api.allow_table(allowed=False)
    try:
        denied = api.get("/v1/items?mode=table", Authorization=token).json()
    finally:
        api.allow_table()
    assert "AccessDenied" in denied["table_access"], denied["table_access"]


def test_a_stage_serves_its_deployment_not_later_changes(api: Api) -> None:
    apigw = api.emulator.client("apigateway")
    health = next(r["id"] for r in apigw.get_resources(restApiId=api.api_id)["items"] if r["path"] == "/health")
    apigw.delete_method(restApiId=api.api_id, resourceId=health, httpMethod="GET")
    try:
        assert api.get("/v1/health").status == 200  # not deployed yet
        apigw.create_deployment(restApiId=api.api_id, stageName="v1")
        assert api.get("/v1/health").status == 403
    finally:
        api.mock(health, "GET", {"Access-Control-Allow-Origin": ORIGIN}, body='{"status":"ok"}')
        apigw.create_deployment(restApiId=api.api_id, stageName="v1")
    assert api.get("/v1/health").status == 200


def test_a_warm_execution_environment_is_reused_and_a_new_one_follows_a_code_change(api: Api) -> None:
    token = api.token()
    first, second = (api.get("/v1/items", Authorization=token).json() for _ in range(2))
    assert second["pid"] == first["pid"] and second["invocations"] == first["invocations"] + 1
    awslambda = api.emulator.client("lambda")
    awslambda.update_function_code(FunctionName="echo", ZipFile=_zip(HANDLER + "\n# changed\n"))
    third = api.get("/v1/items", Authorization=token).json()
    assert third["pid"] != first["pid"] and third["invocations"] == 1


def test_the_invoke_api_runs_the_handler_too(api: Api) -> None:
    payload = {"queryStringParameters": None, "httpMethod": "GET"}
    result = api.emulator.client("lambda").invoke(FunctionName="echo", Payload=json.dumps(payload))
    assert json.loads(json.loads(result["Payload"].read())["body"])["event"] == payload


def test_a_custom_domain_reaches_the_stage_through_its_base_path_mapping(api: Api) -> None:
    apigw = api.emulator.client("apigateway")
    certificate = "arn:aws:acm:eu-north-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    apigw.create_domain_name(
        domainName="api.junokit.test", regionalCertificateArn=certificate, endpointConfiguration={"types": ["REGIONAL"]}
    )
    apigw.create_base_path_mapping(domainName="api.junokit.test", restApiId=api.api_id, basePath="v1", stage="v1")
    http = HttpClient(resolve={"api.junokit.test": ("127.0.0.1", api.emulator.port)}, ca_bundle=api.emulator.ca_bundle)
    response = http.request("GET", "https://api.junokit.test/v1/health")
    assert (response.status, response.json()) == (200, {"status": "ok"})
    outside = http.request("GET", "https://api.junokit.test/health")  # no base path matches
    assert (outside.status, outside.json()) == (403, {"message": "Forbidden"})
