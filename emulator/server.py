"""A local AWS emulator (moto server) for deploying the real stacks without an AWS account.

`Emulator` starts `moto.server` on a free loopback port, waits until it answers, and stops it on exit.
It serves HTTPS with a certificate from a CA made for this run (`Emulator.tls.ca_bundle`, see
`emulator.tls`), so the state bucket's TLS-only policy is enforced there as on AWS and a client can
verify the emulator instead of skipping the check (`AWS_CA_BUNDLE`).
`Emulator.env()` is what a Terraform or cdktf process needs to talk to it: dummy credentials,
`JUNOKIT_AWS_ENDPOINT`, which makes the config point every stack's S3 backend there and fit its AWS provider for
it, and `AWS_ENDPOINT_URL`, where the AWS provider (like any AWS SDK) then sends every call.
Nothing outside 127.0.0.1 is contacted: `env()` also routes every non-loopback HTTP(S) request through
`EgressTrap`, a loopback proxy that refuses it and records the host, so a missed endpoint shows up as
`Emulator.egress` instead of a silent call to real AWS.
"""

from __future__ import annotations

import os
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from constructs_lib.config import EMULATOR_ACCOUNT_ID
from emulator.tls import TlsFiles, make_certificates

HOST = "127.0.0.1"
# Dummy credentials: the emulator accepts any; real ones must never reach it.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class EgressTrap:
    """A loopback HTTP proxy that refuses every request and remembers where it was going.

    Go (Terraform, the AWS provider) and Python (boto3) send requests for non-loopback hosts through
    HTTP(S)_PROXY; loopback is never proxied. So every host recorded here is an endpoint that escaped the
    emulator, and a test can assert that none did.
    """

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self._lock = threading.Lock()
        trap = self

        class _Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                request_line = self.rfile.readline(4096).decode("latin-1").split()
                if len(request_line) >= 2:
                    target = request_line[1]
                    host = target.split("://", 1)[-1].split("/", 1)[0]
                    with trap._lock:
                        trap.hosts.append(host)
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        self._server = socketserver.ThreadingTCPServer((HOST, 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="egress-trap", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    def start(self) -> EgressTrap:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Emulator:
    """moto server in a child process, on loopback only."""

    def __init__(
        self,
        *,
        port: int | None = None,
        region: str = "eu-north-1",
        startup_timeout: float = 30.0,
        managed_policies: bool = True,
        tls_dir: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.managed_policies = managed_policies
        """Load AWS-managed IAM policies (the api stack attaches one); ~5 s of CPU at the first IAM call."""
        self.tls_dir = tls_dir
        """Where the run's CA and server certificate are written. Default: the run's scratch folder, removed on stop."""
        self.tls: TlsFiles | None = None
        self.region = region
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._trap: EgressTrap | None = None
        self._clients: dict[str, Any] = {}
        self._cpu_seconds = 0.0
        self._clients_lock = threading.Lock()
        self._workdir: Path | None = None

    @property
    def ca_bundle(self) -> Path | None:
        """The run's CA certificate (PEM) while it runs: verify against it, e.g. `AWS_CA_BUNDLE`."""
        return self.tls.ca_bundle if self.tls else None

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The moto server process, while it runs."""
        return self._process.pid if self._process else None

    def _verify(self) -> str | bool:
        return str(self.tls.ca_bundle) if self.tls else False

    @property
    def cpu_seconds(self) -> float:
        """CPU time the emulator process has used so far (Linux; 0 elsewhere), for timing reports."""
        if self._process is None:
            return self._cpu_seconds
        try:
            with open(f"/proc/{self._process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return self._cpu_seconds
        self._cpu_seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return self._cpu_seconds

    @property
    def egress(self) -> list[str]:
        """Non-loopback hosts something tried to reach while the emulator ran (should stay empty)."""
        return list(self._trap.hosts) if self._trap else []

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) pointed at the emulator, with no real AWS credentials.

        Proxy variables send anything not on loopback to the egress trap (refused and recorded).
        """
        proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
        env = {
            k: v
            for k, v in (base if base is not None else os.environ).items()
            if not k.startswith("AWS_") and k.lower() not in proxies
        }
        env.update(CREDENTIALS)
        env["AWS_DEFAULT_REGION"] = env["AWS_REGION"] = self.region
        # The synth reads the first (backend, remote state); the AWS provider reads the second (see
        # constructs_lib.stack.aws_provider), and so would any AWS SDK or the AWS CLI.
        env["JUNOKIT_AWS_ENDPOINT"] = env["AWS_ENDPOINT_URL"] = self.url
        if self.tls:
            # Terraform (provider and s3 backend), boto3 and the AWS CLI verify the emulator against its CA.
            env["AWS_CA_BUNDLE"] = str(self.tls.ca_bundle)
        if self._trap:
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
                env[name] = self._trap.url
            env["NO_PROXY"] = env["no_proxy"] = f"{HOST},localhost"
        return env

    def client(self, service: str) -> Any:
        """A boto3 client of `service` talking to the emulator (dummy credentials, path-style S3).

        Made once per service (creating a client costs ~0.1 s); boto3 clients may be shared across threads.
        """
        with self._clients_lock:
            if service not in self._clients:
                import boto3
                from botocore.config import Config

                session = boto3.session.Session(
                    aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                    aws_session_token=CREDENTIALS["AWS_SESSION_TOKEN"],
                    region_name=self.region,
                )
                config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2})
                self._clients[service] = session.client(
                    service, endpoint_url=self.url, verify=self._verify(), config=config
                )
            return self._clients[service]

    def _context(self) -> ssl.SSLContext:
        """Verifies the emulator against the run's own CA."""
        assert self.tls is not None
        return ssl.create_default_context(cafile=str(self.tls.ca_bundle))

    def start(self) -> Emulator:
        self._trap = EgressTrap().start()
        self._workdir = Path(tempfile.mkdtemp(prefix="junokit-emulator-"))
        self.tls = make_certificates(self.tls_dir or self._workdir / "tls", region=self.region)
        cert, key = self.tls.certificate, self.tls.private_key
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "emulator.server",
                "-H",
                HOST,
                "-p",
                str(self.port),
                "-c",
                str(cert),
                "-k",
                str(key),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={
                **os.environ,
                **CREDENTIALS,
                # AWS-managed IAM policies (e.g. AWSXRayDaemonWriteAccess) exist in moto only when asked for.
                "MOTO_IAM_LOAD_MANAGED_POLICIES": "true" if self.managed_policies else "",
                # moto would add permissive CORS headers to every response, hiding the API's own CORS.
                "MOTO_DISABLE_GLOBAL_CORS": "true",
                # The only account the stacks synthesized for an emulator accept (moto's default, made explicit).
                "MOTO_ACCOUNT_ID": EMULATOR_ACCOUNT_ID,
                # For the functions it runs (emulator/lambda_invoke.py): its certificate, a scratch folder,
                # and the egress trap for anything not on loopback.
                "JUNOKIT_EMULATOR_CA": str(self.tls.ca_bundle),
                "JUNOKIT_EMULATOR_WORKDIR": str(self._workdir),
                "JUNOKIT_EGRESS_PROXY": self._trap.url,
            },
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self._process.returncode} before answering on {self.url}")
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1, context=self._context()):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server did not answer on {self.url} within {self.startup_timeout:.0f} s")

    def reset(self) -> None:
        """Forget every resource (moto's reset API)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10, context=self._context()):
            pass

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self.cpu_seconds  # noqa: B018 - keep the last reading for reports
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._trap:
            self._trap.stop()
            self._trap = None
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def serve(argv: list[str] | None = None) -> None:
    """moto's server with the test-only shims of `emulator.shims` applied, and the deployed REST APIs served
    on their execute-api host names (`emulator.apigateway`)."""
    from moto import server

    from emulator import shims as emulator_shims
    from emulator.apigateway import ExecuteApi

    emulator_shims.apply()
    # moto's main() wraps its app in the DomainDispatcherApplication it imported; execute-api hosts go first.
    dispatcher: Any = server.DomainDispatcherApplication  # type: ignore[attr-defined]

    def application(create_app: Any) -> ExecuteApi:
        return ExecuteApi(dispatcher(create_app))

    setattr(server, "DomainDispatcherApplication", application)  # noqa: B010 - replacing moto's name on purpose
    server.main(argv)


if __name__ == "__main__":
    serve()
