"""`make smoke` (tools/smoke.py): bad input in one line, prod refused, and cleanup of exactly what it made.

The walk itself runs against the deployed stacks in the e2e run (tests/test_e2e_emulator.py); here Cognito
and DynamoDB are moto in-process, so an interrupted walk can be checked without a deployment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools import smoke
from tools.smoke import Target, Walk

REGION = "eu-north-1"


def _outputs(tmp_path: Path, **drop: str) -> Path:
    outputs = {
        "junokit-dev-data": {"JunokitUserContextTable": "junokit-user-context-dev"},
        "junokit-dev-identity": {"JunokitUserPoolId": "eu-north-1_abc", "JunokitUserPoolClientId": "client"},
        "junokit-dev-api": {"JunokitApiUrl": "https://abc123.execute-api.eu-north-1.amazonaws.com/v1"},
    }
    for stack, name in drop.items():
        outputs[f"junokit-dev-{stack}"].pop(name)
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    return path


@pytest.mark.parametrize(
    ("environ", "args", "message"),
    [
        (
            {"JUNOKIT_ENV": "prod"},
            [],
            "junokit: error: environment 'prod' is refused (allowed: dev, staging; --allow-prod to run against prod)",
        ),
        (
            {"JUNOKIT_ENV": "dev"},
            ["--endpoint-url", "https://emulator.example.com:4566"],
            "junokit: error: endpoint URL 'https://emulator.example.com:4566' is not allowed "
            "(allowed: a loopback emulator, e.g. https://127.0.0.1:4566)",
        ),
        ({"JUNOKIT_ENV": "qa"}, [], "junokit: error: environment 'qa' is not allowed (allowed: dev, staging, prod)"),
    ],
    ids=["prod without --allow-prod", "non-loopback endpoint", "unknown environment"],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, environ: dict[str, str], args: list[str], message: str
) -> None:
    assert smoke.main(["--outputs", str(_outputs(tmp_path)), *args], environ=environ) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == message
    assert captured.out == ""


def test_an_outputs_file_without_the_api_url_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _outputs(tmp_path, api="JunokitApiUrl")
    assert smoke.main(["--outputs", str(path)], environ={"JUNOKIT_ENV": "dev"}) == 2
    assert (
        capsys.readouterr().err.strip()
        == "junokit: error: stack junokit-dev-api has no output JunokitApiUrl: deploy it first"
    )


def test_an_unreadable_outputs_file_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_text("{not json")
    assert smoke.main(["--outputs", str(path)], environ={"JUNOKIT_ENV": "dev"}) == 2
    assert (
        capsys.readouterr().err.strip() == f"junokit: error: outputs file {path} is not readable JSON (JSONDecodeError)"
    )


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name in ("AWS_ENDPOINT_URL", "HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool_id = cognito.create_user_pool(PoolName="users", UsernameAttributes=["email"])["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]["ClientId"]
        cognito.admin_create_user(UserPoolId=pool_id, Username="someone@example.com", MessageAction="SUPPRESS")
        yield {"cognito": cognito, "pool_id": pool_id, "client_id": client_id}


def _target(pool: dict[str, Any]) -> Target:
    return Target(
        environment="dev",
        region=REGION,
        user_pool_id=pool["pool_id"],
        client_id=pool["client_id"],
        api_url="https://abc123.execute-api.eu-north-1.amazonaws.com/v1",
        table_name="junokit-user-context-dev",
        allowed_origins=("http://localhost:3000",),
    )


def _users(pool: dict[str, Any]) -> list[str]:
    users = pool["cognito"].list_users(UserPoolId=pool["pool_id"])["Users"]
    return sorted(next(a["Value"] for a in user["Attributes"] if a["Name"] == "email") for user in users)


def test_an_interrupted_walk_deletes_its_user_and_no_one_else(pool: dict[str, Any]) -> None:
    """Ctrl-C (or SIGTERM, which `main` turns into the same) right after sign-in: the invited user goes."""
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        if "sign in" in line:
            raise KeyboardInterrupt

    walk = Walk(_target(pool), say=say)
    run = walk.walk()
    assert run.interrupted and not run.ok
    assert [step.name for step in run.steps][:2] == [
        "invite a user (admin-create-user, email verified, role user)",
        "sign in through the web client (SRP, new password)",
    ]
    assert run.steps[1].ok, lines  # SRP with NEW_PASSWORD_REQUIRED answered
    assert run.steps[-1].name == "cleanup: delete the user" and run.steps[-1].ok, lines
    assert "cleanup: delete the profile item" not in [step.name for step in run.steps]  # none was written
    assert _users(pool) == ["someone@example.com"]


def test_the_invited_user_is_set_up_as_an_operator_invites(pool: dict[str, Any]) -> None:
    walk = Walk(_target(pool), say=lambda line: None)
    walk.invite()
    try:
        user = pool["cognito"].admin_get_user(UserPoolId=pool["pool_id"], Username=walk.username)
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
        assert attributes["email_verified"] == "true"
        assert attributes["custom:userRole"] == "user"
        assert attributes["custom:theme"] == "Dev"
        assert attributes["custom:inviteCode"].startswith("SMOKE-")
    finally:
        walk.cleanup()
    assert _users(pool) == ["someone@example.com"]


def test_the_refused_tokens_keep_the_real_tokens_claims_and_key_id() -> None:
    """So the authorizer has to check the signature (and expiry) to refuse them, not just the shape."""
    import time

    from cryptography.hazmat.primitives.asymmetric import rsa

    real = smoke.foreign_token(
        "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5fQ.c2ln",
        key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )
    forged, expired = smoke.foreign_token(real), smoke.foreign_token(real, expired=True)
    assert forged.rsplit(".", 1)[0] == real.rsplit(".", 1)[0] and forged != real
    header, claims = smoke._claims_of(expired)
    assert (header["alg"], header["kid"]) == ("RS256", "k")
    assert claims["sub"] == "x" and claims["exp"] < time.time()
