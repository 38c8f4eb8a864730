"""Cognito TOTP MFA as AWS runs it, applied inside the emulator (moto server) process.

moto 5.2.1 hands every user the same constant secret and checks codes only when an environment switch is set,
and then against that constant. So a client that set up an authenticator for one user could answer for any
user, and a wrong code passes by default. Here AssociateSoftwareToken draws a new random base32 secret for the
user, VerifySoftwareToken checks the code against it (and only then makes it the user's secret), and the
SOFTWARE_TOKEN_MFA challenge checks the code against the user's verified secret. A code is accepted in the
current 30-second step or the one either side, as authenticator apps drift by a few seconds.
"""

from __future__ import annotations

import base64
import os
import time
from typing import Any

TOTP_GAPS: tuple[tuple[str, str, str], ...] = (
    (
        "aws_cognito_user_pool software_token_mfa_configuration (identity: TOTP MFA)",
        "AssociateSoftwareToken returns one constant secret for every user, and codes are not checked unless "
        "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP is set (then against that constant)",
        "shim (emulator/cognito_totp.py): a random base32 secret per association; VerifySoftwareToken and the "
        "SOFTWARE_TOKEN_MFA challenge check the code against the user's own secret",
    ),
)

_PENDING = "_totp_pending_secret"
_VERIFIED = "_totp_secret"
_STEP_SECONDS = 30


def _new_secret() -> str:
    """32 base32 characters (160 bits), the shape Cognito returns."""
    return base64.b32encode(os.urandom(20)).decode("ascii")


def accepts(secret: str, code: str, *, now: float | None = None) -> bool:
    """Whether `code` is the TOTP of `secret` in this step or a neighbouring one."""
    from cryptography.hazmat.primitives.twofactor import InvalidToken
    from moto.cognitoidp.utils import cognito_totp

    if not secret or not code.isdigit():
        return False
    totp = cognito_totp(secret)
    moment = int(time.time() if now is None else now)
    for offset in (0, -_STEP_SECONDS, _STEP_SECONDS):
        try:
            totp.verify(code.encode("ascii"), moment + offset)
            return True
        except InvalidToken:
            continue
    return False


def _user(backend: Any, access_token: str, session: str) -> Any:
    """The user an access token or a sign-in session belongs to, or None (moto then raises its own error)."""
    if session:
        if session not in backend.sessions:
            return None
        username, pool = backend.sessions[session]
        return backend.admin_get_user(pool.id, username)
    for pool in backend.user_pools.values():
        if access_token in pool.access_tokens:
            _, username = pool.access_tokens[access_token]
            return backend.admin_get_user(pool.id, username)
    return None


def apply() -> None:
    from moto.cognitoidp.exceptions import CodeMismatchException
    from moto.cognitoidp.models import CognitoIdpBackend
    from moto.core.exceptions import JsonRESTError

    # moto's own (constant-secret) check must stay off: this shim does the checking.
    os.environ.pop("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", None)
    associate = CognitoIdpBackend.associate_software_token
    verify = CognitoIdpBackend.verify_software_token
    respond = CognitoIdpBackend.respond_to_auth_challenge

    def associate_software_token(self: Any, access_token: str, session: str) -> dict[str, str]:
        answer = associate(self, access_token, session)
        user = _user(self, access_token, session)
        secret = _new_secret()
        setattr(user, _PENDING, secret)
        return {**answer, "SecretCode": secret}

    def verify_software_token(
        self: Any, access_token: str, session: str, user_code: str, friendly_device_name: str
    ) -> dict[str, str]:
        user = _user(self, access_token, session)
        if user is not None and not accepts(getattr(user, _PENDING, ""), user_code or ""):
            raise JsonRESTError("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
        answer = verify(self, access_token, session, user_code, friendly_device_name)
        setattr(user, _VERIFIED, getattr(user, _PENDING))
        setattr(user, _PENDING, "")
        return answer

    def respond_to_auth_challenge(
        self: Any, session: str, client_id: str, challenge_name: str, challenge_responses: dict[str, str]
    ) -> dict[str, Any]:
        if challenge_name == "SOFTWARE_TOKEN_MFA":
            user = _user(self, "", session)
            code = challenge_responses.get("SOFTWARE_TOKEN_MFA_CODE") or ""
            if user is not None and not accepts(getattr(user, _VERIFIED, ""), code):
                raise CodeMismatchException("Invalid code received for user")
        return respond(self, session, client_id, challenge_name, challenge_responses)

    CognitoIdpBackend.associate_software_token = associate_software_token  # type: ignore[method-assign]
    CognitoIdpBackend.verify_software_token = verify_software_token  # type: ignore[method-assign]
    CognitoIdpBackend.respond_to_auth_challenge = respond_to_auth_challenge  # type: ignore[method-assign]
