"""Shared test helpers: build an environment's stacks in a test app and read what they synthesize."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cdktf import Testing

from constructs_lib.config import EnvironmentConfig, load_config
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
