"""`terraform validate` on every synthesized stack of every environment, offline through the provider mirror.

Loading the 700 MB AWS provider's schema is most of a `terraform validate` (~4-6 s here), so all stacks are
validated in one run: a scratch root module calls each synthesized stack folder as a child module, in place.
Terraform checks a child module's resources, data sources, outputs, references and provider block exactly as
it checks a root module's; it only ignores a child's backend block (with a warning), which `validate` does not
check in a root module either, and resolves relative file paths (assets) from the root, where they are linked.
Errors are attributed to stacks through each diagnostic's file name.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.config import ENVIRONMENTS
from stacks.app import STACK_TYPES
from tests.conftest import SynthOutputs
from tools.manifest import Manifest
from tools.terraform import cli_env

EXPECTED = [("local", f"junokit-{env}-{stack}") for env in ENVIRONMENTS for stack in STACK_TYPES] + [
    ("s3", f"junokit-prod-{stack}") for stack in ("bootstrap", *STACK_TYPES)
]
# The one warning calling stacks as child modules adds; see the module docstring.
BACKEND_IGNORED = "Backend configuration ignored"


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _stack_dirs(synthesized: SynthOutputs) -> dict[tuple[str, str], Path]:
    stack_dirs: dict[tuple[str, str], Path] = {}
    for backend, outdir in synthesized.outdirs.items():
        for stack in Manifest.load(outdir).stacks.values():
            stack_dirs[(backend, stack.stack_id)] = stack.directory.resolve()
    return stack_dirs


@pytest.fixture(scope="session")
def validation(
    synthesized: SynthOutputs, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[tuple[str, str], Path]]:
    """One `terraform init` and one `terraform validate -json` over every stack; returns the report and stacks."""
    stack_dirs = _stack_dirs(synthesized)
    assert sorted(stack_dirs) == sorted(EXPECTED)
    root = tmp_path_factory.mktemp("validate")
    modules = {
        f"{backend}-{name}": {"source": os.path.relpath(path, root)} for (backend, name), path in stack_dirs.items()
    }
    (root / "main.tf.json").write_text(json.dumps({"module": modules}, indent=2))
    # Asset paths (the Lambda zip) are relative to the working directory, which is the stack folder when a stack
    # runs on its own: link each stack's assets into the scratch root so they resolve the same way. Asset folders
    # are named by content hash, so stacks that share a name share the same bytes.
    for path in stack_dirs.values():
        for asset in sorted((path / "assets").glob("*")):
            link = root / "assets" / asset.name
            if not link.exists():
                link.parent.mkdir(exist_ok=True)
                link.symlink_to(asset, target_is_directory=True)
    env = cli_env(os.environ)
    init = _run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], root, env)
    assert init.returncode == 0, init.stdout + init.stderr
    result = _run(["terraform", "validate", "-json", "-no-color"], root, env)
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    for diagnostic in report["diagnostics"]:
        filename = diagnostic.get("range", {}).get("filename")
        diagnostic["stack_dir"] = str((root / filename).resolve().parent) if filename else None
    return report, stack_dirs


def _describe(diagnostics: list[dict[str, Any]]) -> str:
    return "; ".join(f"{d['severity']}: {d['summary']}: {d.get('detail', '')[:200]}" for d in diagnostics)


def test_every_stack_validates_together(validation: tuple[dict[str, Any], dict[tuple[str, str], Path]]) -> None:
    report, stack_dirs = validation
    stray = [d for d in report["diagnostics"] if d["stack_dir"] not in {str(path) for path in stack_dirs.values()}]
    assert report["valid"], _describe([d for d in report["diagnostics"] if d["severity"] == "error"])
    assert not stray, _describe(stray)


@pytest.mark.parametrize(("backend", "stack"), EXPECTED, ids=[f"{b}-{s}" for b, s in EXPECTED])
def test_stack_is_valid_terraform(
    validation: tuple[dict[str, Any], dict[tuple[str, str], Path]], backend: str, stack: str
) -> None:
    report, stack_dirs = validation
    mine = [d for d in report["diagnostics"] if d["stack_dir"] == str(stack_dirs[(backend, stack)])]
    errors = [d for d in mine if d["severity"] == "error"]
    assert not errors, _describe(errors)
    # The child-module warning shows the stack was really part of the validated configuration.
    assert any(d["summary"] == BACKEND_IGNORED for d in mine), _describe(mine)
