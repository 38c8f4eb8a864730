"""Shared fixtures. Imports `junokit` before any test module imports cdktf, so the jsii kernel starts with
the lazy provider index (see junokit/provider_loader.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import junokit  # noqa: F401  (before cdktf: the jsii kernel reads its settings when it starts)
from junokit.config import PROJECT_ROOT
from junokit.provider_loader import EAGER_SWITCH

# Every stack of every environment: all environments with the default backend, plus prod with the s3 backend,
# the only setting that adds the bootstrap stack.
SYNTHS: dict[str, dict[str, str]] = {
    "local": {"JUNOKIT_ENV": "all"},
    "s3": {"JUNOKIT_ENV": "prod", "JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-tfstate-test"},
}

# Runs `main.main` once per setting in one process, as `make synth` would, so the provider loads once.
_DRIVER = """
import json, os, sys
import main
for outdir, settings in json.loads(sys.argv[1]).items():
    code = main.main({**os.environ, **settings, "JUNOKIT_OUTDIR": outdir})
    if code:
        sys.exit(code)
provider_modules = [name for name in sys.modules if name.startswith("cdktf_cdktf_provider_aws.")]
print(json.dumps({"provider_modules": len(provider_modules), "node_options": os.environ.get("NODE_OPTIONS", "")}))
"""


@dataclass(frozen=True)
class SynthOutputs:
    """Where each SYNTHS setting was written, and how the provider was loaded in that process."""

    outdirs: dict[str, Path]
    provider_modules: int
    node_options: str


def synth_all(root: Path, *, eager: bool) -> SynthOutputs:
    """Synthesize every SYNTHS setting under `root` in a fresh process, lazily or with JUNOKIT_EAGER_PROVIDER=1."""
    outdirs = {name: root / name for name in SYNTHS}
    env = {key: value for key, value in os.environ.items() if key != EAGER_SWITCH}
    if eager:
        env[EAGER_SWITCH] = "1"
    result = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps({str(outdirs[name]): SYNTHS[name] for name in SYNTHS})],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return SynthOutputs(outdirs, report["provider_modules"], report["node_options"])


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthOutputs:
    """Every stack of every environment, synthesized the normal (lazy) way. Read-only for the tests."""
    return synth_all(tmp_path_factory.mktemp("synth"), eager=False)
