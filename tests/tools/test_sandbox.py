"""`make sandbox` as an operator uses it: every way of stopping it stops the emulator and frees its port, and
the operator commands trust the emulator through the CA certificate it publishes (no verification turned off).

The sandbox runs as `python -m tools.sandbox` would, in its own process, with the deploy step replaced by
nothing (deploying is what the end-to-end test covers); the emulator, its certificate and the signal handling
are the real ones.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from constructs_lib.config import PROJECT_ROOT
from emulator.server import Emulator
from tests.support import alive

SANDBOX_WITHOUT_DEPLOY = (
    "import sys, tools.sandbox as sandbox; "
    "sys.exit(sandbox.main(sys.argv[1:], deploy=lambda emulator, settings, teardown: None))"
)
_BANNER = re.compile(r"AWS emulator \(moto server, pid (\d+)\) at https://127\.0\.0\.1:(\d+);")


class _Output:
    """Collects a process's output lines on a thread, so a test can wait for one without blocking on the pipe."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, marker: str, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while marker not in self.text:
            assert time.monotonic() < deadline, f"no {marker!r} within {timeout:.0f} s; output so far:\n{self.text}"
            assert self._thread.is_alive() or marker in self.text, f"the sandbox exited before {marker!r}:\n{self.text}"
            time.sleep(0.05)
        return self.text

    def rest(self, timeout: float = 60.0) -> str:
        self._thread.join(timeout)
        return self.text


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_every_way_of_stopping_the_sandbox_stops_the_emulator(tmp_path: Path, stop: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_WITHOUT_DEPLOY, "--workdir", str(tmp_path / "sandbox")],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    collected = _Output(process)
    pid = 0
    try:
        output = collected.wait_for("Ctrl-C (or SIGTERM")
        match = _BANNER.search(output)
        assert match, output
        pid, port = int(match.group(1)), int(match.group(2))
        assert alive(pid) and not _port_is_free(port)
        process.send_signal(stop)
        process.wait(timeout=60)
        rest = collected.rest()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if pid and alive(pid):
            os.kill(pid, signal.SIGKILL)  # the emulator this test started: not left behind when the test fails
    assert process.returncode == 0, rest
    assert f"stopping the emulator ({stop.name})" in rest
    assert "Traceback" not in rest
    assert not alive(pid), f"the emulator (pid {pid}) still runs after {stop.name}"
    assert _port_is_free(port), f"port {port} is still taken after {stop.name}"


def test_the_sandbox_publishes_its_ca_and_prints_how_to_trust_it(tmp_path: Path) -> None:
    workdir = tmp_path / "sandbox"
    process = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_WITHOUT_DEPLOY, "--workdir", str(workdir)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    collected = _Output(process)
    try:
        output = collected.wait_for("Ctrl-C (or SIGTERM")
        ca = workdir / "tls" / "emulator-ca.pem"
        assert ca.read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert re.search(
            rf"export AWS_ENDPOINT_URL=https://127\.0\.0\.1:\d+ AWS_CA_BUNDLE={re.escape(str(ca))} ", output
        )
        assert re.search(r'make set-secrets SECRETS_ARGS="--endpoint-url https://127\.0\.0\.1:\d+"', output)
        assert "--no-verify" not in output
        assert oct((workdir / "tls" / "emulator-key.pem").stat().st_mode & 0o777) == "0o600"
        # For scripts, the same variables as the export line, in a file while the emulator runs.
        published = json.loads((workdir / "operator-env.json").read_text())
        exported = re.search(r"export (.+)", output)
        assert exported and dict(pair.split("=", 1) for pair in exported[1].split()) == published
        assert published["AWS_CA_BUNDLE"] == str(ca)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert not (workdir / "operator-env.json").exists(), "the emulator stopped: nothing may point at it"


# --- the operator commands against the emulator, verifying its certificate ------------------------------------


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with Emulator(tls_dir=tmp_path_factory.mktemp("tls")) as running:
        running.client("secretsmanager").create_secret(Name="junokit-api-secrets-dev")
        yield running


def _operator_env(emulator: Emulator, *, trust: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "JUNOKIT_"))}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="eu-north-1")
    if trust:
        assert emulator.tls is not None
        env["AWS_CA_BUNDLE"] = str(emulator.tls.ca_bundle)
    return env


SECRETS = {
    "OPENROUTER_API_KEY": "or-1",
    "SLACK_BOT_TOKEN": "xoxb-1",
    "GITHUB_TOKEN": "ghp-1",
    "GOOGLE_OAUTH_CLIENT_ID": "id-1",
    "GOOGLE_OAUTH_CLIENT_SECRET": "secret-1",
}


def _set_secrets(emulator: Emulator, *, trust: bool) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.set_secrets", "--endpoint-url", emulator.url],
        cwd=PROJECT_ROOT,
        env=_operator_env(emulator, trust=trust),
        input=json.dumps(SECRETS),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_set_secrets_reaches_the_sandbox_trusting_its_ca(emulator: Emulator) -> None:
    result = _set_secrets(emulator, trust=True)
    assert result.returncode == 0, result.stderr
    stored = emulator.client("secretsmanager").get_secret_value(SecretId="junokit-api-secrets-dev")["SecretString"]
    assert json.loads(stored) == SECRETS
    assert "secret-1" not in result.stdout + result.stderr


def test_without_the_ca_set_secrets_refuses_the_emulator_in_one_line(emulator: Emulator) -> None:
    result = _set_secrets(emulator, trust=False)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("junokit: error: Secrets Manager: ") and "CERTIFICATE_VERIFY_FAILED" in line


def test_frontend_env_refuses_stacks_synthesized_for_another_endpoint(tmp_path: Path, emulator: Emulator) -> None:
    stack = tmp_path / "cdktf.out" / "stacks" / "junokit-dev-identity"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps({"terraform": {"backend": {"local": {"path": "x.tfstate"}}}}))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.frontend_env",
            "--endpoint-url",
            emulator.url,
            "--outdir",
            str(tmp_path / "cdktf.out"),
        ],
        cwd=PROJECT_ROOT,
        env=_operator_env(emulator, trust=True),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"junokit: error: stack junokit-dev-identity in {tmp_path / 'cdktf.out'} keeps its state at AWS, not at "
        f"{emulator.url} (allowed: the folder the emulator's stacks were synthesized into, e.g. build/sandbox/cdktf.out)"
    ]
