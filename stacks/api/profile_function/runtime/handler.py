"""Profile API: GET and PUT /user/profile for the signed-in user, behind API Gateway's Cognito authorizer.

The caller is the token's `sub` claim, which API Gateway has already verified; the profile is the item
`{userId: sub, contextType: "profile"}` of the user-context table. This is where profile fields are
checked server-side (the browser and Cognito's `custom:theme` attribute cannot be trusted to do it).

Standard library and boto3 only (both are in the Lambda runtime). Request and response bodies are
never logged (GDPR): log lines carry the request id, method, status and a reason.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
from datetime import datetime, timezone
from typing import Any

PROFILE_CONTEXT_TYPE = "profile"
THEMES: tuple[str, ...] = ("Dev", "Ops", "QA", "Sales", "Media")
"""UI themes a profile may select (the seed's list)."""
MAX_BODY_BYTES = 16 * 1024
"""Largest request body accepted; a profile is a few hundred bytes."""
DISPLAY_NAME_MAX = 100
"""Longest display name, in characters."""
PROFILE_FIELDS: tuple[str, ...] = ("displayName", "theme")
"""Fields a client may write; everything else in a PUT body is refused."""

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))


class RequestError(Exception):
    """A client error: answered with its status and message, logged without the request body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def allowed_origins() -> tuple[str, ...]:
    return tuple(origin for origin in os.environ.get("ALLOWED_ORIGINS", "").split(",") if origin)


def cors_headers(event: dict[str, Any], origins: tuple[str, ...]) -> dict[str, str]:
    """Echo the request's Origin when it is allowed: browsers accept exactly one origin per response."""
    headers = {"Vary": "Origin"}
    request_headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    origin = request_headers.get("origin")
    if "*" in origins:
        headers["Access-Control-Allow-Origin"] = "*"
    elif origin and origin in origins:
        headers["Access-Control-Allow-Origin"] = origin
    return headers


def respond(event: dict[str, Any], status: int, body: object, origins: tuple[str, ...]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **cors_headers(event, origins)},
        "body": json.dumps(body),
    }


def caller_id(event: dict[str, Any]) -> str:
    """The verified `sub` claim; API Gateway puts the Cognito token's claims in the request context."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims") or {}
    sub = claims.get("sub") if isinstance(claims, dict) else None
    if not isinstance(sub, str) or not sub:
        raise RequestError(401, "missing identity claims")
    return sub


def read_body(event: dict[str, Any]) -> dict[str, Any]:
    """The JSON object in the request body, size-checked before parsing."""
    raw = event.get("body")
    if raw is None or raw == "":
        raise RequestError(400, "request body must be a JSON object")
    data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    if event.get("isBase64Encoded"):
        if len(data) > (MAX_BODY_BYTES * 4) // 3 + 4:
            raise RequestError(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
        try:
            data = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise RequestError(400, "request body is not valid base64") from None
    if len(data) > MAX_BODY_BYTES:
        raise RequestError(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise RequestError(400, "request body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise RequestError(400, "request body must be a JSON object")
    return parsed


def validate_profile(body: dict[str, Any]) -> dict[str, str]:
    """The writable profile fields, checked; unknown fields are refused rather than stored."""
    unknown = sorted(set(body) - set(PROFILE_FIELDS))
    if unknown:
        raise RequestError(400, f"unknown field {unknown[0]!r} (allowed: {', '.join(PROFILE_FIELDS)})")
    profile: dict[str, str] = {}
    if "displayName" in body:
        name = body["displayName"]
        if not isinstance(name, str) or not name.strip() or len(name) > DISPLAY_NAME_MAX:
            raise RequestError(400, f"displayName must be a non-empty string of at most {DISPLAY_NAME_MAX} characters")
        profile["displayName"] = name.strip()
    if "theme" in body:
        theme = body["theme"]
        if theme not in THEMES:
            raise RequestError(400, f"theme {theme!r} is not allowed (allowed: {', '.join(THEMES)})")
        profile["theme"] = theme
    return profile


def public_profile(item: dict[str, Any]) -> dict[str, Any]:
    """What the client sees: the profile fields and their last update, not the table's keys."""
    shown = {key: item[key] for key in PROFILE_FIELDS if key in item}
    if "updatedAt" in item:
        shown["updatedAt"] = item["updatedAt"]
    return shown


def handle(
    event: dict[str, Any], *, table: Any, origins: tuple[str, ...], now: datetime | None = None
) -> dict[str, Any]:
    """Answer one API Gateway proxy event against `table` (a boto3 DynamoDB Table)."""
    method = str(event.get("httpMethod") or "").upper()
    request_id = (event.get("requestContext") or {}).get("requestId", "-")
    try:
        user_id = caller_id(event)
        key = {"userId": user_id, "contextType": PROFILE_CONTEXT_TYPE}
        if method == "GET":
            item = table.get_item(Key=key).get("Item")
            if item is None:
                raise RequestError(404, "no profile yet")
            result = respond(event, 200, public_profile(item), origins)
        elif method == "PUT":
            profile = validate_profile(read_body(event))
            stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
            item = {**key, **profile, "updatedAt": stamp}
            table.put_item(Item=item)
            result = respond(event, 200, public_profile(item), origins)
        else:
            raise RequestError(405, f"method {method or '-'} is not allowed (allowed: GET, PUT)")
    except RequestError as error:
        logger.info("request %s %s -> %s: %s", request_id, method, error.status, error.message)
        return respond(event, error.status, {"message": error.message}, origins)
    except Exception:  # noqa: BLE001 - any other failure is a 500 without details for the client
        logger.exception("request %s %s -> 500", request_id, method)
        return respond(event, 500, {"message": "internal error"}, origins)
    logger.info("request %s %s -> %s", request_id, method, result["statusCode"])
    return result


_TABLE: Any = None


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Lambda entry point; the table client is created once per execution environment."""
    global _TABLE
    if _TABLE is None:
        import boto3

        _TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return handle(event, table=_TABLE, origins=allowed_origins())
