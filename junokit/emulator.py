"""A local AWS emulator (moto server) for deploying the real stacks without an AWS account.

`Emulator` starts `moto.server` on a free loopback port, waits until it answers, and stops it on exit.
It serves HTTPS with a self-signed certificate, so the state bucket's TLS-only policy is enforced there as
on AWS (the stacks skip certificate verification only for a loopback endpoint).
`Emulator.env()` is what a Terraform or cdktf process needs to talk to it: dummy credentials, plus
`JUNOKIT_AWS_ENDPOINT`, which makes the config point every stack's AWS provider and S3 backend there.
Nothing outside 127.0.0.1 is contacted.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from types import TracebackType

HOST = "127.0.0.1"
# Dummy credentials: the emulator accepts any; real ones must never reach it.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# The emulator's certificate is self-signed and made afresh at every start.
_UNVERIFIED = ssl._create_unverified_context()  # noqa: S323 - loopback emulator only


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class Emulator:
    """moto server in a child process, on loopback only."""

    def __init__(self, *, port: int | None = None, region: str = "eu-north-1", startup_timeout: float = 30.0) -> None:
        self.port = port or free_port()
        self.region = region
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) pointed at the emulator, with no real AWS credentials."""
        env = {k: v for k, v in (base if base is not None else os.environ).items() if not k.startswith("AWS_")}
        env.update(CREDENTIALS)
        env["AWS_DEFAULT_REGION"] = env["AWS_REGION"] = self.region
        env["JUNOKIT_AWS_ENDPOINT"] = self.url
        return env

    def start(self) -> Emulator:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "junokit.emulator", "-H", HOST, "-p", str(self.port), "--ssl"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **CREDENTIALS},
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self._process.returncode} before answering on {self.url}")
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1, context=_UNVERIFIED):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server did not answer on {self.url} within {self.startup_timeout:.0f} s")

    def reset(self) -> None:
        """Forget every resource (moto's reset API)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10, context=_UNVERIFIED):
            pass

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def serve(argv: list[str] | None = None) -> None:
    """moto's server with the test-only shims of `junokit.emulator_shims` applied."""
    from moto import server

    from junokit import emulator_shims

    emulator_shims.apply()
    server.main(argv)


if __name__ == "__main__":
    serve()
