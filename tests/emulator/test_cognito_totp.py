"""TOTP MFA on the emulator, as prod's pool requires it: the smoke test's sign-in sets up an authenticator and
answers the TOTP challenge, with codes checked against each user's own secret (emulator/cognito_totp.py).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import pyotp
import pytest
from botocore.exceptions import ClientError

from emulator.cognito_totp import accepts
from emulator.server import Emulator
from tools.smoke import Target, Walk

pytestmark = pytest.mark.filterwarnings("error::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture(scope="module")
def pool(emulator: Emulator) -> Target:
    """A pool shaped like prod's identity stack: MFA required, TOTP only, a web client with SRP."""
    cognito = emulator.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName="totp-required",
        MfaConfiguration="ON",
        AutoVerifiedAttributes=["email"],
        UsernameAttributes=["email"],
        Schema=[
            {"Name": name, "AttributeDataType": "String", "Mutable": True}
            for name in ("inviteCode", "userRole", "theme")
        ],
    )["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return Target(
        environment="prod",
        region="eu-north-1",
        user_pool_id=pool_id,
        client_id=client_id,
        api_url="https://unused.execute-api.eu-north-1.amazonaws.com/prod",
        table_name="unused",
        allowed_origins=("https://app.junokit.com",),
        endpoint_url=emulator.url,
        ca_bundle=emulator.ca_bundle,
    )


def _signed_up(pool: Target) -> Walk:
    walk = Walk(pool, say=lambda line: None)
    walk.sign_in(walk.invite())
    return walk


def test_the_first_sign_in_sets_up_totp_and_returns_tokens(pool: Target) -> None:
    walk = _signed_up(pool)
    try:
        assert walk.challenges == ["NEW_PASSWORD_REQUIRED", "MFA_SETUP"]
        assert walk.id_token and walk.sub
        assert len(walk.totp_secret) == 32 and base64.b32decode(walk.totp_secret)
    finally:
        walk.cleanup()


def test_a_returning_user_answers_the_totp_challenge(pool: Target) -> None:
    walk = _signed_up(pool)
    try:
        first_token = walk.id_token
        walk.sign_in(walk.password, invited=False)
        assert walk.challenges == ["SOFTWARE_TOKEN_MFA"]
        assert walk.id_token and walk.id_token != first_token
    finally:
        walk.cleanup()


def test_each_user_gets_an_own_secret(pool: Target) -> None:
    walks = [_signed_up(pool), _signed_up(pool)]
    try:
        assert walks[0].totp_secret != walks[1].totp_secret
    finally:
        for walk in walks:
            walk.cleanup()


def test_a_code_from_another_users_authenticator_is_refused(pool: Target) -> None:
    walk, other = _signed_up(pool), _signed_up(pool)
    try:
        answer = walk.password_verified(walk.password)
        assert answer["ChallengeName"] == "SOFTWARE_TOKEN_MFA", answer
        with pytest.raises(ClientError) as refused:
            walk.cognito.respond_to_auth_challenge(
                ClientId=pool.client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=answer["Session"],
                ChallengeResponses={
                    "USERNAME": walk.username,
                    "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(other.totp_secret).now(),
                },
            )
        assert refused.value.response["Error"]["Code"] == "CodeMismatchException"
    finally:
        walk.cleanup()
        other.cleanup()


def test_a_wrong_code_does_not_set_up_the_authenticator(pool: Target) -> None:
    walk = Walk(pool, say=lambda line: None)
    cognito = walk.cognito
    try:
        answer = walk.password_verified(walk.invite())
        assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED", answer
        answer = cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=answer["Session"],
            ChallengeResponses={"USERNAME": walk.username, "NEW_PASSWORD": "Aa1!" + "x" * 20},
        )
        assert answer["ChallengeName"] == "MFA_SETUP", answer
        association = cognito.associate_software_token(Session=answer["Session"])
        secret, session = association["SecretCode"], association["Session"]
        wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
        with pytest.raises(ClientError) as refused:
            cognito.verify_software_token(Session=session, UserCode=wrong)
        assert refused.value.response["Error"]["Code"] == "EnableSoftwareTokenMFAException"
        verified = cognito.verify_software_token(Session=session, UserCode=pyotp.TOTP(secret).now())
        assert verified["Status"] == "SUCCESS"
    finally:
        walk.cleanup()


def test_codes_are_accepted_only_near_their_time_step() -> None:
    secret = pyotp.random_base32(32)
    now = time.time()
    code = pyotp.TOTP(secret).at(now)
    assert accepts(secret, code, now=now)
    assert accepts(secret, code, now=now + 30)
    assert not accepts(secret, code, now=now + 90)
    assert not accepts(secret, "", now=now)
    assert not accepts("", code, now=now)
