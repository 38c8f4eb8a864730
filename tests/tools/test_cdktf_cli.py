"""The cdktf CLI pinned in package.json runs this app (cdktf.json) and writes what `main.py` writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from constructs_lib.config import PROJECT_ROOT
from tools.terraform import cli_env


def _tree(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_cdktf_synth_matches_main_py(tmp_path: Path) -> None:
    env = {k: v for k, v in cli_env(os.environ).items() if not k.startswith("JUNOKIT_")}
    cli = subprocess.run(
        ["npx", "--no-install", "cdktf", "synth", "--output", str(tmp_path / "cli")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stdout[-2000:] + cli.stderr[-2000:]
    direct = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py")],
        env={**env, "JUNOKIT_OUTDIR": str(tmp_path / "direct")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert direct.returncode == 0, direct.stderr
    cli_tree, direct_tree = _tree(tmp_path / "cli"), _tree(tmp_path / "direct")
    assert "stacks/junokit-dev-data/cdk.tf.json" in cli_tree
    assert cli_tree.keys() == direct_tree.keys()
    assert [name for name in cli_tree if cli_tree[name] != direct_tree[name]] == []
