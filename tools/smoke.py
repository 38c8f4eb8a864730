"""`make smoke`: walk a deployed environment the way its first user does, one line per step, exit 0 or 1.

    make smoke                                    # JUNOKIT_ENV=dev; outputs from the stacks' state
    python -m tools.smoke [--outputs FILE] [--endpoint-url URL] [--ca-bundle PEM] [--allow-prod]

Invites a disposable user as an operator does, signs in through the web client with SRP (answering
NEW_PASSWORD_REQUIRED, and the TOTP set-up and challenge if the pool requires MFA), then checks the API as
the browser will meet it: health, CORS preflights, the authorizer refusing bad tokens (with CORS headers),
and the profile round trip down to the table item. The item and the user are always deleted afterwards
(also after a failure, Ctrl-C or SIGTERM); nothing it did not create is touched. prod needs --allow-prod.

Outputs come from `terraform output` in the synthesized stack folders (like `make frontend-env`), or from
an outputs file keyed by stack id (`make sandbox` writes `build/sandbox/outputs.json`). With an emulator
(`--endpoint-url` or JUNOKIT_AWS_ENDPOINT, loopback only) the API's host name is sent there, as a DNS
entry would. Exit status: 0 all steps passed, 1 a step failed or the run was interrupted, 2 bad input.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import secrets
import signal
import ssl
import string
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from constructs_lib.config import ConfigError, load_config, synth_outdir
from constructs_lib.contract import StackName
from stacks.api.contract import ApiOutputs
from stacks.data.contract import DataOutputs
from stacks.identity.contract import USER_THEMES, IdentityOutputs, UserAttributes

FOREIGN_ORIGIN = "https://smoke-test.invalid"
"""An origin no environment allows (`.invalid` never resolves)."""
MAX_BODY_BYTES = 16 * 1024
PROFILE = {"displayName": "Smoke Test", "theme": USER_THEMES[1]}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SmokeError(RuntimeError):
    """Bad input: one line for the operator (exit 2)."""


class StepError(AssertionError):
    """A step's expectation did not hold; the message says what was seen."""


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    """Lower-case names; repeated headers joined with ', '."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def text(self, limit: int = 200) -> str:
        return self.body[:limit].decode("utf-8", "replace")


class HttpClient:
    """HTTPS requests, optionally sending some host names to another address (like a hosts-file entry).

    `resolve` maps a host name to (ip, port): the connection goes there, TLS and the Host header keep the
    name's request otherwise intact. Used to reach the emulator's execute-api host names on loopback.
    """

    def __init__(
        self,
        *,
        resolve: Mapping[str, tuple[str, int]] | None = None,
        ca_bundle: Path | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.resolve = dict(resolve or {})
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)

    def request(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, body: bytes | None = None
    ) -> HttpResponse:
        parts = urlsplit(url)
        host = parts.hostname or ""
        address, port = self.resolve.get(host, (host, parts.port or (443 if parts.scheme == "https" else 80)))
        if parts.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                address, port, timeout=self.timeout, context=self.context
            )
        else:
            connection = http.client.HTTPConnection(address, port, timeout=self.timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", parts.netloc)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body or b"")))
            connection.endheaders(body or None)
            answer = connection.getresponse()
            collected: dict[str, str] = {}
            for name, value in answer.getheaders():
                key = name.lower()
                collected[key] = f"{collected[key]}, {value}" if key in collected else value
            return HttpResponse(status=answer.status, headers=collected, body=answer.read())
        finally:
            connection.close()


# --- tokens that must be refused -----------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims_of(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return _decode(header), _decode(payload)


def _decode(part: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def foreign_token(token: str, *, expired: bool = False, key: Any = None) -> str:
    """`token`'s header and claims signed with `key` (default: a fresh RSA key, so the signature is wrong);
    with `expired`, `exp` moved an hour into the past. PyJWT (pycognito's own dependency) signs."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    header, claims = _claims_of(token)
    if expired:
        claims["exp"] = int(time.time()) - 3600
        claims["iat"] = claims["auth_time"] = int(time.time()) - 7200
    signer = key if key is not None else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return str(jwt.encode(claims, signer, algorithm="RS256", headers={"kid": header.get("kid", "")}))


# --- the environment under test ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Target:
    """One deployed environment: what the smoke test needs to find it."""

    environment: str
    region: str
    user_pool_id: str
    client_id: str
    api_url: str
    """The published `JunokitApiUrl` (stage URL, or the API's custom domain)."""
    table_name: str
    allowed_origins: tuple[str, ...]
    endpoint_url: str = ""
    """An emulator's URL (loopback); empty: AWS."""
    ca_bundle: Path | None = None
    """The emulator's certificate; None: the system's trust store."""

    def boto3_client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        options: dict[str, Any] = {"region_name": self.region, "config": Config(retries={"max_attempts": 3})}
        if self.endpoint_url:
            from emulator.server import CREDENTIALS

            # An emulator gets its dummy credentials, never the operator's real ones.
            options["endpoint_url"] = self.endpoint_url
            options["verify"] = str(self.ca_bundle) if self.ca_bundle else False
            options.update({name.lower(): value for name, value in CREDENTIALS.items()})
        return boto3.client(service, **options)

    def http(self) -> HttpClient:
        resolve: dict[str, tuple[str, int]] = {}
        if self.endpoint_url:
            emulator = urlsplit(self.endpoint_url)
            api_host = urlsplit(self.api_url).hostname or ""
            resolve[api_host] = (emulator.hostname or "127.0.0.1", emulator.port or 443)
        return HttpClient(resolve=resolve, ca_bundle=self.ca_bundle)


def target_from_outputs(
    config: Any, outputs: Mapping[str, Mapping[str, object]], *, endpoint_url: str = "", ca_bundle: Path | None = None
) -> Target:
    """A Target from stack outputs keyed by stack id (the sandbox's file) or by stack name (the e2e run)."""

    def value(stack: StackName, name: str) -> str:
        found = outputs.get(config.stack_id(stack)) or outputs.get(stack) or {}
        result = found.get(name)
        if not isinstance(result, str) or not result:
            raise SmokeError(f"stack {config.stack_id(stack)} has no output {name}: deploy it first")
        return result

    return Target(
        environment=config.name,
        region=config.region,
        user_pool_id=value(StackName.IDENTITY, IdentityOutputs.USER_POOL_ID),
        client_id=value(StackName.IDENTITY, IdentityOutputs.USER_POOL_CLIENT_ID),
        api_url=value(StackName.API, ApiOutputs.API_URL).rstrip("/"),
        table_name=value(StackName.DATA, DataOutputs.TABLE_NAME),
        allowed_origins=tuple(config.api.cors_allow_origins),
        endpoint_url=endpoint_url,
        ca_bundle=ca_bundle,
    )


# --- the walk ------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class StepResult:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass(kw_only=True)
class SmokeRun:
    """Results of one walk, in order; cleanup steps included."""

    target: Target
    steps: list[StepResult] = field(default_factory=list)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.interrupted and bool(self.steps) and all(step.ok for step in self.steps)

    def failures(self) -> list[StepResult]:
        return [step for step in self.steps if not step.ok]


def _password() -> str:
    """A password meeting the pool's policy (upper, lower, digit, symbol, 12+), never printed."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(20))
    return f"Aa1!{core}"


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise StepError(message)


def _seen(response: HttpResponse) -> str:
    return f"got {response.status} {response.text(120)!r}"


class Walk:
    """The steps against one Target. State (user, sub, item) is kept so cleanup deletes exactly what was made."""

    def __init__(self, target: Target, *, say: Callable[[str], None] = print) -> None:
        self.target = target
        self.say = say
        self.run = SmokeRun(target=target)
        self.cognito = target.boto3_client("cognito-idp")
        self.dynamodb = target.boto3_client("dynamodb")
        self.http = target.http()
        self.origin = target.allowed_origins[0]
        self.username = ""
        self.user_created = False
        self.sub = ""
        self.item_written = False
        self.id_token = ""
        self.challenges: list[str] = []
        """The sign-in challenges Cognito asked, in order."""
        self.password = ""
        """The password the user chose at the first sign-in; kept in memory, never printed."""
        self.totp_secret = ""
        """The authenticator secret this run set up (MFA pools only); kept in memory, never printed."""

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        except (StepError, AssertionError) as error:
            self._record(name, False, started, str(error) or "failed")
            raise
        except Exception as error:
            self._record(
                name, False, started, f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            )
            raise StepError(str(error)) from error
        self._record(name, True, started)

    def _record(self, name: str, ok: bool, started: float, detail: str = "") -> None:
        result = StepResult(name=name, ok=ok, seconds=time.monotonic() - started, detail=detail)
        self.run.steps.append(result)
        line = f"{'ok  ' if ok else 'FAIL'} {result.seconds:6.2f}s  {name}"
        self.say(line + (f": {detail}" if detail else ""))

    def api(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        origin: str | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        sent = {"Origin": origin or self.origin, **(headers or {})}
        if token is not None:
            sent["Authorization"] = token
        if body is not None:
            sent["Content-Type"] = "application/json"
        return self.http.request(method, f"{self.target.api_url}{path}", headers=sent, body=body)

    # --- steps -------------------------------------------------------------------------------------

    def invite(self) -> str:
        """admin-create-user as the README's operator step, with a generated temporary password."""
        self.username = f"junokit-smoke-{uuid.uuid4().hex[:12]}@example.com"
        temporary = _password()
        self.cognito.admin_create_user(
            UserPoolId=self.target.user_pool_id,
            Username=self.username,
            TemporaryPassword=temporary,
            MessageAction="SUPPRESS",  # a disposable address: no invitation mail, no bounce
            UserAttributes=[
                {"Name": "email", "Value": self.username},
                {"Name": "email_verified", "Value": "true"},
                {"Name": UserAttributes.INVITE_CODE, "Value": f"SMOKE-{uuid.uuid4().hex[:8]}"},
                {"Name": UserAttributes.USER_ROLE, "Value": "user"},
                {"Name": UserAttributes.THEME, "Value": USER_THEMES[0]},
            ],
        )
        self.user_created = True
        return temporary

    def password_verified(self, password: str) -> dict[str, Any]:
        """USER_SRP_AUTH through the web client (pycognito's SRP): Cognito's answer to the password proof."""
        from pycognito.aws_srp import AWSSRP

        srp = AWSSRP(
            username=self.username,
            password=password,
            pool_id=self.target.user_pool_id,
            client_id=self.target.client_id,
            client=self.cognito,
        )
        params = srp.get_auth_params()
        answer = self.cognito.initiate_auth(
            AuthFlow="USER_SRP_AUTH", AuthParameters=params, ClientId=self.target.client_id
        )
        _expect(
            answer.get("ChallengeName") == "PASSWORD_VERIFIER",
            f"expected PASSWORD_VERIFIER, got {answer.get('ChallengeName')}",
        )
        verified: dict[str, Any] = self.cognito.respond_to_auth_challenge(
            ClientId=self.target.client_id,
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=srp.process_challenge(answer["ChallengeParameters"], params),
        )
        return verified

    def sign_in(self, password: str, *, invited: bool = True) -> None:
        """The password proof, then the challenges Cognito asks (a new password, TOTP set-up or code).

        `invited`: the first sign-in with the temporary password, which must ask for a new one."""
        answer = self.password_verified(password)
        self.challenges = seen = []
        while answer.get("ChallengeName"):
            challenge = answer["ChallengeName"]
            seen.append(challenge)
            _expect(len(seen) <= 4, f"too many challenges: {seen}")
            session = answer.get("Session")
            if challenge == "NEW_PASSWORD_REQUIRED":
                self.password = _password()
                responses = {"USERNAME": self.username, "NEW_PASSWORD": self.password}
            elif challenge == "MFA_SETUP":
                import pyotp

                association = self.cognito.associate_software_token(Session=session)
                self.totp_secret = association["SecretCode"]
                verified = self.cognito.verify_software_token(
                    Session=association["Session"],
                    UserCode=pyotp.TOTP(self.totp_secret).now(),
                    FriendlyDeviceName="smoke",
                )
                session, responses = verified["Session"], {"USERNAME": self.username}
            elif challenge == "SOFTWARE_TOKEN_MFA":
                import pyotp

                _expect(bool(self.totp_secret), "TOTP challenge for a user whose secret this run did not set up")
                code = pyotp.TOTP(self.totp_secret).now()
                responses = {"USERNAME": self.username, "SOFTWARE_TOKEN_MFA_CODE": code}
            else:
                raise StepError(f"unexpected challenge {challenge}")
            answer = self.cognito.respond_to_auth_challenge(
                ClientId=self.target.client_id, ChallengeName=challenge, Session=session, ChallengeResponses=responses
            )
        if invited:
            _expect(
                "NEW_PASSWORD_REQUIRED" in seen, f"an invited user must choose a password first (challenges: {seen})"
            )
        tokens = answer["AuthenticationResult"]
        self.id_token = tokens["IdToken"]
        _, claims = _claims_of(self.id_token)
        _expect(claims.get("token_use") == "id", f"not an ID token: token_use={claims.get('token_use')!r}")
        _expect(claims.get("aud") == self.target.client_id, "ID token issued for another client")
        self.sub = str(claims["sub"])

    def health(self) -> None:
        response = self.api("GET", "/health")
        _expect(response.status == 200 and response.json() == {"status": "ok"}, f"GET /health: {_seen(response)}")

    def preflight(self) -> None:
        response = self.api(
            "OPTIONS",
            "/user/profile",
            headers={
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        _expect(response.status == 200, f"preflight: {_seen(response)}")
        origin = response.headers.get("access-control-allow-origin")
        _expect(origin == self.origin, f"Access-Control-Allow-Origin is {origin!r}, expected {self.origin!r}")
        methods = {m.strip().upper() for m in response.headers.get("access-control-allow-methods", "").split(",")}
        _expect({"GET", "PUT"} <= methods, f"Access-Control-Allow-Methods lacks GET or PUT: {sorted(methods)}")
        allowed = {h.strip().lower() for h in response.headers.get("access-control-allow-headers", "").split(",")}
        _expect(
            {"authorization", "content-type"} <= allowed,
            f"Access-Control-Allow-Headers lacks Authorization or Content-Type: {sorted(allowed)}",
        )

    def foreign_preflight(self) -> None:
        response = self.api(
            "OPTIONS", "/user/profile", origin=FOREIGN_ORIGIN, headers={"Access-Control-Request-Method": "GET"}
        )
        origin = response.headers.get("access-control-allow-origin")
        _expect(
            origin not in (FOREIGN_ORIGIN, "*"), f"a foreign origin is allowed: Access-Control-Allow-Origin {origin!r}"
        )

    def refused(self, token: str | None) -> None:
        response = self.api("GET", "/user/profile", token=token)
        _expect(response.status == 401, f"GET /user/profile: {_seen(response)}, expected 401")
        origin = response.headers.get("access-control-allow-origin")
        _expect(
            origin == self.origin, f"the 401 carries Access-Control-Allow-Origin {origin!r}, expected {self.origin!r}"
        )

    def profile_missing(self) -> None:
        response = self.api("GET", "/user/profile", token=self.id_token)
        _expect(response.status == 404, f"GET /user/profile before any PUT: {_seen(response)}, expected 404")
        self._cors(response)

    def put_profile(self) -> None:
        self.item_written = True  # from here on cleanup deletes the item (a failed PUT may still have written it)
        response = self.api("PUT", "/user/profile", token=self.id_token, body=json.dumps(PROFILE).encode())
        _expect(response.status == 200, f"PUT /user/profile: {_seen(response)}, expected 200")
        self._cors(response)
        shown = response.json()
        _expect({k: shown.get(k) for k in PROFILE} == PROFILE, f"PUT answered {shown}")

    def get_profile(self) -> None:
        response = self.api("GET", "/user/profile", token=self.id_token)
        _expect(response.status == 200, f"GET /user/profile: {_seen(response)}, expected 200")
        shown = response.json()
        _expect({k: shown.get(k) for k in PROFILE} == PROFILE, f"GET answered {shown}, expected {PROFILE}")

    def table_item(self) -> None:
        items = self.dynamodb.query(
            TableName=self.target.table_name,
            KeyConditionExpression="userId = :sub",
            ExpressionAttributeValues={":sub": {"S": self.sub}},
            ConsistentRead=True,
        )["Items"]
        _expect(len(items) == 1, f"the table holds {len(items)} items for the user, expected 1")
        item = {name: next(iter(value.values())) for name, value in items[0].items()}
        _expect(
            item.get("userId") == self.sub and item.get("contextType") == "profile",
            f"item keys are {item.get('userId')!r}/{item.get('contextType')!r}",
        )
        _expect({k: item.get(k) for k in PROFILE} == PROFILE, f"item fields are { {k: item.get(k) for k in PROFILE} }")
        extra = set(item) - {"userId", "contextType", *PROFILE, "updatedAt"}
        _expect(not extra, f"the item has unexpected attributes {sorted(extra)}")

    def bad_theme(self) -> None:
        body = json.dumps({"displayName": "Smoke Test", "theme": "Neon"}).encode()
        response = self.api("PUT", "/user/profile", token=self.id_token, body=body)
        _expect(response.status == 400, f"PUT with theme 'Neon': {_seen(response)}, expected 400")
        _expect(
            "theme" in str(response.json().get("message", "")), f"the 400 does not name the field: {response.text()!r}"
        )

    def too_large(self) -> None:
        body = json.dumps({"displayName": "x" * (MAX_BODY_BYTES + 1)}).encode()
        response = self.api("PUT", "/user/profile", token=self.id_token, body=body)
        _expect(response.status == 413, f"PUT of {len(body)} bytes: {_seen(response)}, expected 413")

    def _cors(self, response: HttpResponse) -> None:
        origin = response.headers.get("access-control-allow-origin")
        _expect(
            origin == self.origin,
            f"the response carries Access-Control-Allow-Origin {origin!r}, expected {self.origin!r}",
        )

    # --- order and cleanup ---------------------------------------------------------------------------

    def walk(self) -> SmokeRun:
        try:
            with self.step("invite a user (admin-create-user, email verified, role user)"):
                temporary = self.invite()
            with self.step("sign in through the web client (SRP, new password)"):
                self.sign_in(temporary)
            with self.step('GET /health without a token: 200 {"status":"ok"}'):
                self.health()
            with self.step(f"CORS preflight OPTIONS /user/profile from {self.origin}"):
                self.preflight()
            with self.step("CORS preflight from a foreign origin: not allowed"):
                self.foreign_preflight()
            refusals: list[tuple[str, Callable[[], str | None]]] = [
                ("no token", lambda: None),
                ("a malformed token", lambda: "not.a.jwt"),
                ("a token signed by another key", lambda: foreign_token(self.id_token)),
                ("an expired token", lambda: foreign_token(self.id_token, expired=True)),
            ]
            for label, make in refusals:
                with self.step(f"GET /user/profile with {label}: 401 with CORS headers"):
                    self.refused(make())
            with self.step("GET /user/profile before a profile exists: 404"):
                self.profile_missing()
            with self.step("PUT /user/profile {displayName, theme}: 200"):
                self.put_profile()
            with self.step("GET /user/profile returns it"):
                self.get_profile()
            with self.step("the table holds exactly {userId: <sub>, contextType: profile, ...}"):
                self.table_item()
            with self.step("PUT with a theme outside the five: 400 naming the field"):
                self.bad_theme()
            with self.step(f"PUT with a body over {MAX_BODY_BYTES // 1024} KiB: 413"):
                self.too_large()
        except StepError:
            pass
        except KeyboardInterrupt:
            self.run.interrupted = True
            self.say("interrupted: cleaning up")
        finally:
            self.cleanup()
        return self.run

    def cleanup(self) -> None:
        """Delete the item and the user this run made, and nothing else; each attempt is its own step."""
        with _deferred_signals():
            if self.item_written and self.sub:
                try:
                    with self.step("cleanup: delete the profile item"):
                        self.dynamodb.delete_item(
                            TableName=self.target.table_name,
                            Key={"userId": {"S": self.sub}, "contextType": {"S": "profile"}},
                        )
                except StepError:
                    pass
            if self.user_created:
                try:
                    with self.step("cleanup: delete the user"):
                        self.cognito.admin_delete_user(UserPoolId=self.target.user_pool_id, Username=self.username)
                except StepError:
                    pass


@contextmanager
def _deferred_signals() -> Iterator[None]:
    """Cleanup is not cut short by a second Ctrl-C or SIGTERM (they are remembered and ignored)."""
    try:
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread (e.g. under a test runner's worker): nothing to defer
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_smoke(target: Target, *, say: Callable[[str], None] = print) -> SmokeRun:
    """The whole walk against `target`, cleanup included."""
    return Walk(target, say=say).walk()


# --- command line --------------------------------------------------------------------------------


def _outputs_from_state(config: Any, outdir: Path, environ: Mapping[str, str]) -> dict[str, dict[str, object]]:
    from tools.frontend_env import FrontendEnvError, stack_outputs, terraform_runner

    runner = terraform_runner(environ)
    found: dict[str, dict[str, object]] = {}
    for stack in (StackName.DATA, StackName.IDENTITY, StackName.API):
        stack_id = config.stack_id(stack)
        try:
            found[stack_id] = stack_outputs(outdir / "stacks" / stack_id, runner)
        except FrontendEnvError as error:
            raise SmokeError(str(error)) from None
    return found


def _outputs_file(path: Path) -> dict[str, dict[str, object]]:
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise SmokeError(f"outputs file {path} is not readable JSON ({type(error).__name__})") from None
    if not isinstance(document, dict):
        raise SmokeError(f"outputs file {path} is not a JSON object of stacks")
    return document


def _check_endpoint(url: str) -> str:
    if url and (urlsplit(url).hostname or "") not in _LOOPBACK:
        raise SmokeError(
            f"endpoint URL {url!r} is not allowed (allowed: a loopback emulator, e.g. https://127.0.0.1:4566)"
        )
    return url


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    parser = argparse.ArgumentParser(prog="make smoke", description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=Path, help="outputs file keyed by stack id (e.g. build/sandbox/outputs.json)")
    parser.add_argument(
        "--outdir",
        type=Path,
        default=synth_outdir(environ),
        help="synthesized app (default: JUNOKIT_OUTDIR or cdktf.out)",
    )
    parser.add_argument("--endpoint-url", default=environ.get("JUNOKIT_AWS_ENDPOINT", ""), help="a loopback emulator")
    parser.add_argument("--ca-bundle", type=Path, default=None, help="the emulator's certificate (PEM)")
    parser.add_argument("--allow-prod", action="store_true", help="run against prod too")
    args = parser.parse_args(argv)
    try:
        config = load_config(environ=environ)
        if config.is_prod and not args.allow_prod:
            raise SmokeError("environment 'prod' is refused (allowed: dev, staging; --allow-prod to run against prod)")
        endpoint = _check_endpoint(args.endpoint_url)
        outputs = _outputs_file(args.outputs) if args.outputs else _outputs_from_state(config, args.outdir, environ)
        target = target_from_outputs(config, outputs, endpoint_url=endpoint, ca_bundle=args.ca_bundle)
    except (ConfigError, SmokeError) as error:
        print(f"junokit: error: {error}", file=sys.stderr)
        return 2
    print(f"junokit smoke: {config.name} ({target.region}) {target.api_url}", flush=True)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    started = time.monotonic()
    run = run_smoke(target, say=lambda line: print(line, flush=True))
    seconds = time.monotonic() - started
    failed = run.failures()
    if run.ok:
        print(f"smoke test passed: {len(run.steps)} steps in {seconds:.1f} s")
        return 0
    reason = "interrupted" if run.interrupted else f"{len(failed)} step(s) failed"
    print(f"smoke test FAILED ({reason}) after {seconds:.1f} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
