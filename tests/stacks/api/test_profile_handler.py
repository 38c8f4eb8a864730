"""The profile function's runtime code, against DynamoDB emulated in-process by moto."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stacks.api.profile_function.runtime import handler

TABLE_NAME = "junokit-user-context-test"
ORIGINS = ("https://app.junokit.com", "http://localhost:3000")
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
SUB = "4f1c2d3e-0000-4000-8000-000000000001"


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, so nothing can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-north-1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def table() -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="eu-north-1")
        created = dynamodb.create_table(
            TableName=TABLE_NAME,
            KeySchema=[
                {"AttributeName": "userId", "KeyType": "HASH"},
                {"AttributeName": "contextType", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "userId", "AttributeType": "S"},
                {"AttributeName": "contextType", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield created


def event(
    method: str, body: str | None = None, *, sub: str | None = SUB, origin: str | None = ORIGINS[0], **extra: Any
) -> dict[str, Any]:
    """An API Gateway REST proxy event as the Cognito authorizer hands it over."""
    context: dict[str, Any] = {"requestId": "req-1"}
    if sub is not None:
        context["authorizer"] = {"claims": {"sub": sub, "email": "someone@example.com"}}
    return {
        "httpMethod": method,
        "resource": "/user/profile",
        "path": "/user/profile",
        "headers": {"origin": origin} if origin else None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
        **extra,
    }


def call(table: Any, request: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = handler.handle(request, table=table, origins=ORIGINS, now=NOW)
    return response["statusCode"], json.loads(response["body"]), response["headers"]


def test_put_then_get_returns_the_profile(table: Any) -> None:
    put_status, _, _ = call(table, event("PUT", json.dumps({"displayName": "Ada", "theme": "Ops"})))
    status, body, _ = call(table, event("GET"))
    assert (put_status, status) == (200, 200)
    assert body == {"displayName": "Ada", "theme": "Ops", "updatedAt": "2025-01-02T03:04:05+00:00"}


def test_put_writes_the_callers_profile_item(table: Any) -> None:
    call(table, event("PUT", json.dumps({"theme": "QA"})))
    item = table.get_item(Key={"userId": SUB, "contextType": "profile"})["Item"]
    assert item == {"userId": SUB, "contextType": "profile", "theme": "QA", "updatedAt": "2025-01-02T03:04:05+00:00"}


def test_get_without_a_profile_is_not_found(table: Any) -> None:
    status, body, _ = call(table, event("GET"))
    assert (status, body) == (404, {"message": "no profile yet"})


def test_users_only_see_their_own_profile(table: Any) -> None:
    call(table, event("PUT", json.dumps({"displayName": "Ada"})))
    status, _, _ = call(table, event("GET", sub="someone-else"))
    assert status == 404


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_missing_claims_are_unauthorized(table: Any, method: str) -> None:
    status, body, _ = call(table, event(method, json.dumps({"theme": "Dev"}), sub=None))
    assert (status, body) == (401, {"message": "missing identity claims"})
    assert "Item" not in table.get_item(Key={"userId": SUB, "contextType": "profile"})


def test_empty_sub_claim_is_unauthorized(table: Any) -> None:
    status, _, _ = call(table, event("GET", sub=""))
    assert status == 401


def test_bad_json_is_a_bad_request(table: Any) -> None:
    status, body, _ = call(table, event("PUT", '{"theme": "Dev"'))
    assert (status, body) == (400, {"message": "request body is not valid JSON"})


@pytest.mark.parametrize("body", [None, "", "[1, 2]", '"Dev"'])
def test_body_must_be_a_json_object(table: Any, body: str | None) -> None:
    status, payload, _ = call(table, event("PUT", body))
    assert (status, payload) == (400, {"message": "request body must be a JSON object"})


def test_oversize_body_is_refused_before_parsing(table: Any) -> None:
    oversize = json.dumps({"displayName": "x" * handler.MAX_BODY_BYTES})
    status, body, _ = call(table, event("PUT", oversize))
    assert (status, body) == (413, {"message": "request body is larger than 16384 bytes"})


def test_oversize_base64_body_is_refused(table: Any) -> None:
    encoded = base64.b64encode(b" " * (handler.MAX_BODY_BYTES + 1)).decode()
    status, _, _ = call(table, event("PUT", encoded, isBase64Encoded=True))
    assert status == 413


def test_base64_body_is_decoded(table: Any) -> None:
    encoded = base64.b64encode(json.dumps({"theme": "Media"}).encode()).decode()
    status, body, _ = call(table, event("PUT", encoded, isBase64Encoded=True))
    assert (status, body["theme"]) == (200, "Media")


def test_unknown_theme_is_refused(table: Any) -> None:
    status, body, _ = call(table, event("PUT", json.dumps({"theme": "Marketing"})))
    assert (status, body) == (
        400,
        {"message": "theme 'Marketing' is not allowed (allowed: Dev, Ops, QA, Sales, Media)"},
    )


def test_unknown_field_is_refused(table: Any) -> None:
    status, body, _ = call(table, event("PUT", json.dumps({"userId": "someone-else"})))
    assert (status, body) == (400, {"message": "unknown field 'userId' (allowed: displayName, theme)"})


@pytest.mark.parametrize("name", ["", "   ", 42, "x" * 101])
def test_display_name_is_checked(table: Any, name: object) -> None:
    status, body, _ = call(table, event("PUT", json.dumps({"displayName": name})))
    assert (status, body) == (400, {"message": "displayName must be a non-empty string of at most 100 characters"})


def test_other_methods_are_not_allowed(table: Any) -> None:
    status, body, _ = call(table, event("DELETE"))
    assert (status, body) == (405, {"message": "method DELETE is not allowed (allowed: GET, PUT)"})


def test_allowed_origin_is_echoed(table: Any) -> None:
    _, _, headers = call(table, event("GET", origin=ORIGINS[1]))
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert headers["Vary"] == "Origin"


def test_unknown_origin_gets_no_cors_header(table: Any) -> None:
    _, _, headers = call(table, event("GET", origin="https://evil.example"))
    assert "Access-Control-Allow-Origin" not in headers


def test_error_responses_carry_cors_headers_too(table: Any) -> None:
    _, _, headers = call(table, event("PUT", "{", origin=ORIGINS[0]))
    assert headers["Access-Control-Allow-Origin"] == ORIGINS[0]


def test_table_failure_is_an_internal_error_without_details(table: Any) -> None:
    table.delete()
    status, body, _ = call(table, event("GET"))
    assert (status, body) == (500, {"message": "internal error"})


def test_request_bodies_never_reach_the_logs(table: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    call(table, event("PUT", json.dumps({"displayName": "Private Person", "theme": "Nope"})))
    call(table, event("PUT", json.dumps({"displayName": "Private Person"})))
    own = [record.getMessage() for record in caplog.records if record.pathname == handler.__file__]
    assert len(own) == 2, "the handler logs each request once"
    assert not [line for line in own if "Private Person" in line]


def test_lambda_entry_point_uses_the_configured_table(table: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("ALLOWED_ORIGINS", ",".join(ORIGINS))
    monkeypatch.setattr(handler, "_TABLE", None)
    response = handler.lambda_handler(event("PUT", json.dumps({"theme": "Sales"})), None)
    assert response["statusCode"] == 200
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGINS[0]
    assert table.get_item(Key={"userId": SUB, "contextType": "profile"})["Item"]["theme"] == "Sales"


def test_handler_themes_are_the_contract_themes() -> None:
    """The runtime ships without the project's packages, so it keeps its own copy; this keeps them one list."""
    from stacks.identity.contract import USER_THEMES

    assert handler.THEMES == USER_THEMES
