"""Shared test helpers: build an environment's stacks in a test app and read what they synthesize."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cdktf import Testing

from constructs_lib.config import PROJECT_ROOT, EnvironmentConfig, load_config
from constructs_lib.stack import JunokitStack
from stacks.app import build_environment


def config_for(environment: str = "dev", **environ: str) -> EnvironmentConfig:
    return load_config(environment, environ=environ)


def build(environment: str = "dev", **environ: str) -> dict[str, JunokitStack]:
    """All stacks of one environment in a fresh test app (settings as JUNOKIT_* variables)."""
    return build_environment(Testing.app(), config_for(environment, **environ))


def synth(stack: JunokitStack) -> str:
    """The stack's Terraform JSON, as the cdktf matchers take it."""
    return Testing.synth(stack)


def resources(synthesized: str, resource_type: str) -> dict[str, dict[str, Any]]:
    """Every resource of one type, by logical id, for assertions the matchers cannot make (absent, exact)."""
    return json.loads(synthesized).get("resource", {}).get(resource_type, {})


def only_resource(synthesized: str, resource_type: str) -> dict[str, Any]:
    found = resources(synthesized, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.values()))


def document(synthesized: str) -> Mapping[str, Any]:
    return json.loads(synthesized)


def make(*arguments: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`make [FLAG ...] GOAL [VAR=value ...]` in the project, as an operator types it: none of the flags of a
    `make test` that may have started the tests (its jobserver's descriptors are not open here)."""
    clean = {key: value for key, value in env.items() if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(PROJECT_ROOT), *arguments],
        env=clean,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie, waiting to be reaped, counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status
