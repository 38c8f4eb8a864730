"""`terraform validate` on every synthesized stack of every environment, offline through the provider mirror.

One synth (`main.py`, as `make synth` runs it) per backend, one `terraform init` whose provider folder
every stack shares (they all pin the same single provider), then the validations in parallel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from junokit.config import ENVIRONMENTS, PROJECT_ROOT
from stacks.app import STACK_TYPES
from junokit.terraform import cli_env

SYNTHS = {
    "local": {"JUNOKIT_ENV": "all"},
    "s3": {"JUNOKIT_ENV": "prod", "JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-tfstate-test"},
}
EXPECTED = [("local", f"junokit-{env}-{stack}") for env in ENVIRONMENTS for stack in STACK_TYPES] + [
    ("s3", f"junokit-prod-{stack}") for stack in ("bootstrap", *STACK_TYPES)
]


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def validations(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("validate")
    env = cli_env(os.environ)
    stack_dirs: dict[tuple[str, str], Path] = {}
    for backend, settings in SYNTHS.items():
        outdir = root / backend
        synth = subprocess.run(
            [sys.executable, str(PROJECT_ROOT / "main.py")],
            env={**os.environ, **settings, "JUNOKIT_OUTDIR": str(outdir)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert synth.returncode == 0, synth.stderr
        manifest = json.loads((outdir / "manifest.json").read_text())
        for name, stack in manifest["stacks"].items():
            stack_dirs[(backend, name)] = outdir / stack["workingDirectory"]
    assert sorted(stack_dirs) == sorted(EXPECTED)

    first = stack_dirs[EXPECTED[0]]
    init = _run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], first, env)
    assert init.returncode == 0, init.stdout + init.stderr
    for directory in stack_dirs.values():
        if directory != first:
            (directory / ".terraform").symlink_to(first / ".terraform")
            shutil.copy(first / ".terraform.lock.hcl", directory / ".terraform.lock.hcl")

    def validate(directory: Path) -> subprocess.CompletedProcess[str]:
        return _run(["terraform", "validate", "-no-color"], directory, env)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = dict(zip(stack_dirs, pool.map(validate, stack_dirs.values())))
    return results


@pytest.mark.parametrize(("backend", "stack"), EXPECTED, ids=[f"{b}-{s}" for b, s in EXPECTED])
def test_stack_is_valid_terraform(
    validations: dict[tuple[str, str], subprocess.CompletedProcess[str]], backend: str, stack: str
) -> None:
    result = validations[(backend, stack)]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The configuration is valid" in result.stdout
