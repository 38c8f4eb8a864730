"""Lambda invocation inside the emulator without Docker, and IAM enforced on what a function calls.

moto runs a function only in a Docker container (its "simple" backend answers canned text). Here the
deployed zip is unpacked and its handler runs in a Python process (`emulator/lambda_bootstrap.py`), kept
warm between invocations as Lambda keeps an execution environment (a new one for changed code or settings),
with the function's environment variables and timeout, and with credentials of its own role (moto STS
`AssumeRole`), its AWS calls pointed back at the emulator (`AWS_ENDPOINT_URL`, the emulator's CA
certificate) and any other HTTP(S) traffic to the egress trap. A crash or a timeout is a function error,
as on AWS. moto never checks IAM policies; for requests signed with a function's role credentials this
module does (moto's own policy evaluation, with the resource ARN of the DynamoDB table or index named in
the request), so a function missing a permission fails here as it would on AWS. Everyone else (Terraform,
tests, operators) keeps moto's unchecked access.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BOOTSTRAP = Path(__file__).resolve().parent / "lambda_bootstrap.py"
_ACCESS_KEY = re.compile(r"Credential=([A-Z0-9]{16,128})/")
_FUNCTION_KEYS: set[str] = set()
_KEYS_LOCK = threading.Lock()
_CODE_LOCK = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class Invocation:
    """One run of a function's handler."""

    payload: str
    """The handler's JSON result, or the runtime's error object."""
    errored: bool
    """The handler raised, the process crashed or it ran out of time (a function error)."""
    logs: str
    seconds: float


def emulator_endpoint() -> str:
    """The emulator's own URL, as moto's server recorded its port (`MOTO_PORT`)."""
    scheme = "https" if os.environ.get("JUNOKIT_EMULATOR_CA") else "http"
    return f"{scheme}://127.0.0.1:{os.environ.get('MOTO_PORT', '5000')}"


def _code_dir(function: Any) -> Path:
    """The function's zip, unpacked once per content hash (like Lambda's /var/task, read-only in spirit)."""
    code: bytes = function.code_bytes
    root = Path(os.environ.get("JUNOKIT_EMULATOR_WORKDIR") or tempfile.gettempdir()) / "lambda-code"
    target = root / hashlib.sha256(code).hexdigest()[:24]
    with _CODE_LOCK:
        if not target.is_dir():
            scratch = Path(tempfile.mkdtemp(prefix=".unpack-", dir=root if root.is_dir() else _mkdir(root)))
            with zipfile.ZipFile(io.BytesIO(code)) as archive:
                archive.extractall(scratch)
            os.replace(scratch, target)
    return target


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _role_credentials(function: Any) -> dict[str, str]:
    """Temporary credentials of the function's execution role, issued by moto's STS as Lambda would."""
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    backend = sts_backends[function.account_id][get_partition(function.region)]
    assumed = backend.assume_role(
        region_name=function.region,
        role_session_name=function.function_name,
        role_arn=function.role,
        policy=None,  # type: ignore[arg-type] # no session policy: the role's own policies apply
        duration=3600,
        external_id=None,  # type: ignore[arg-type]
    )
    with _KEYS_LOCK:
        _FUNCTION_KEYS.add(assumed.access_key_id)
    return {
        "AWS_ACCESS_KEY_ID": assumed.access_key_id,
        "AWS_SECRET_ACCESS_KEY": assumed.secret_access_key,
        "AWS_SESSION_TOKEN": assumed.session_token,
    }


def function_environment(function: Any) -> dict[str, str]:
    """What the handler's process sees: Lambda's reserved variables, the function's own, nothing of ours."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.function_name}",
        "_HANDLER": function.handler,
        "JUNOKIT_FUNCTION_ARN": function.function_arn,
    }
    env.update({str(k): str(v) for k, v in (function.environment_vars or {}).items()})
    env.update(_role_credentials(function))
    env["AWS_ENDPOINT_URL"] = emulator_endpoint()
    if os.environ.get("JUNOKIT_EMULATOR_CA"):
        env["AWS_CA_BUNDLE"] = os.environ["JUNOKIT_EMULATOR_CA"]
    trap = os.environ.get("JUNOKIT_EGRESS_PROXY")
    if trap:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env[name] = trap
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


class _ExecutionEnvironment:
    """One warm process of a function (`lambda_bootstrap.py`), serving one invocation at a time.

    Killed on a timeout; gone when its handler crashed the process. Its stderr is read on a thread, so a
    chatty handler never blocks on a full pipe.
    """

    def __init__(self, function: Any) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(BOOTSTRAP), str(_code_dir(function)), function.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=function_environment(function),
        )
        self.initialized = False
        self._log = bytearray()
        self._log_changed = threading.Condition()
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        while chunk := self.process.stderr.read1(65536):  # type: ignore[attr-defined]
            with self._log_changed:
                self._log.extend(chunk)
                self._log_changed.notify_all()
        with self._log_changed:
            self._log_changed.notify_all()

    def _take_log(self, until: bytes, wait: float) -> str:
        deadline = time.monotonic() + wait
        with self._log_changed:
            while until not in self._log and self._reader.is_alive() and time.monotonic() < deadline:
                self._log_changed.wait(timeout=max(0.0, deadline - time.monotonic()))
            end = self._log.find(until)
            end = len(self._log) if end < 0 else end + len(until)
            taken = bytes(self._log[:end])
            del self._log[:end]
        return _text(taken).strip()

    def alive(self) -> bool:
        return self.process.poll() is None

    def _line(self, timeout: float) -> bytes | None:
        """The next line on the result channel; None when none came within `timeout` (b"" at its end)."""
        import selectors

        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=timeout)
        return self.process.stdout.readline() if ready else None

    def run(self, event: object, request_id: str, timeout: float) -> Invocation:
        if not self.initialized:
            self.initialized = True
            if not self._line(INIT_TIMEOUT):
                self.kill()
                error = {
                    "errorMessage": f"RequestId: {request_id} Error: Init failed or timed out",
                    "errorType": "Runtime.InitError",
                }
                return Invocation(payload=json.dumps(error), errored=True, logs=self._take_log(b"\0", 0.5), seconds=0.0)
        started = time.monotonic()
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write((json.dumps({"requestId": request_id, "event": event}) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            pass  # died already: read the exit below
        line = self._line(timeout)
        seconds = time.monotonic() - started
        if line is None:
            self.kill()
            message = f"{request_id} Task timed out after {timeout:.2f} seconds"
            logs = self._take_log(b"\0", 0.5) + f"\n{message}"
            return Invocation(payload=json.dumps({"errorMessage": message}), errored=True, logs=logs, seconds=seconds)
        if not line:
            code = self.process.wait()
            logs = self._take_log(b"\0", 0.5)
            error = {
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}",
                "errorType": "Runtime.ExitError",
            }
            return Invocation(payload=json.dumps(error), errored=True, logs=logs, seconds=seconds)
        answer = json.loads(line)
        logs = self._take_log(f"END RequestId: {request_id}".encode(), 1.0)
        return Invocation(payload=answer["payload"], errored=bool(answer["errored"]), logs=logs, seconds=seconds)

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()


INIT_TIMEOUT = 60.0
"""Seconds an execution environment may take to start and import the handler (Lambda allows 10; the
emulator's machine may be loaded), not counted in the function's timeout, as on Lambda."""
_IDLE: dict[tuple[str, ...], list[_ExecutionEnvironment]] = {}
_IDLE_LOCK = threading.Lock()
_MAX_IDLE = 4


def _environment_key(function: Any) -> tuple[str, ...]:
    """A warm process is reused only for the same code, handler, settings and role."""
    settings = json.dumps(
        [function.environment_vars or {}, function.timeout, function.memory_size, function.role], sort_keys=True
    )
    code = hashlib.sha256(function.code_bytes).hexdigest()
    return (function.function_arn, code, function.handler, settings)


def invoke(function: Any, event: object, *, request_id: str | None = None) -> Invocation:
    """Run the handler of `function` (a moto LambdaFunction) on `event`, within the function's timeout.

    A warm execution environment of the same code and configuration is reused when one is idle (as Lambda
    does); otherwise a new one starts (a cold start, counted in the time).
    """
    request_id = request_id or str(uuid.uuid4())
    key = _environment_key(function)
    with _IDLE_LOCK:
        idle = _IDLE.get(key, [])
        worker = idle.pop() if idle else None
    if worker is None or not worker.alive():
        worker = _ExecutionEnvironment(function)
    invocation = worker.run(event, request_id, float(function.timeout))
    if worker.alive():
        with _IDLE_LOCK:
            pool = _IDLE.setdefault(key, [])
            if len(pool) < _MAX_IDLE:
                pool.append(worker)
                worker = None
        if worker is not None:
            worker.kill()
    return invocation


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
    """moto's one invoke path (the Invoke API, event sources): the handler runs here instead of in Docker."""
    self.logs_backend.ensure_log_group(self.logs_group_name)
    invocation = invoke(self, event if event is not None else {})
    self.save_logs(invocation.logs or "-")
    return invocation.payload, invocation.errored, invocation.logs


# --- IAM for the functions' own calls ----------------------------------------------------------------


def _resources(response: Any, default: str) -> list[str]:
    """The ARNs a request acts on, where moto gives only `*`: DynamoDB tables and indexes by name."""
    if getattr(response, "service_name", None) != "dynamodb":
        return [default]
    body = response.body if isinstance(response.body, dict) else json.loads(response.raw_body or b"{}")
    prefix = f"arn:aws:dynamodb:{response.region}:{response.current_account}:table/"
    tables = [body["TableName"]] if body.get("TableName") else list(body.get("RequestItems") or {})
    if not tables:
        return [default]
    if body.get("IndexName"):
        return [f"{prefix}{tables[0]}/index/{body['IndexName']}"]
    return [f"{prefix}{table}" for table in tables]


def _authorize(original: Any) -> Any:
    def authenticate_and_authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        match = _ACCESS_KEY.search(self.headers.get("Authorization", "") or "")
        with _KEYS_LOCK:
            ours = match is not None and match.group(1) in _FUNCTION_KEYS
        if not ours:
            original(self, iam_request_cls, resource)
            return None
        from urllib.parse import urlparse

        parsed = urlparse(self.uri)
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        for arn in _resources(self, resource):
            request = iam_request_cls(
                account_id=self.current_account,
                method=self.method,
                path=path,
                data=self.data,
                body=self.raw_body,
                headers=self.headers,
                action=self._get_action(),
            )
            request.check_signature()
            request.check_action_permitted(arn)
        return None

    return authenticate_and_authorize


def apply() -> None:
    from moto.awslambda.models import LambdaFunction
    from moto.core.authorization import ActionAuthenticatorMixin

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    original = ActionAuthenticatorMixin._authenticate_and_authorize_action
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize(original)  # type: ignore[method-assign]
