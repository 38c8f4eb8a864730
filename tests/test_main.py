"""`python main.py` as `make synth` and the cdktf CLI run it: a whole process, from start to exit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from constructs_lib.config import PROJECT_ROOT


def test_a_synth_needs_only_node_and_leaves_nothing_in_the_temporary_folder(tmp_path: Path) -> None:
    """No Terraform binary on PATH (a synth writes JSON; Terraform is checked by `make synth`, not run), and the
    process exits at once after the synth without skipping the kernel's own cleanup of its temporary folder."""
    node = shutil.which("node")
    assert node is not None
    path = tmp_path / "bin"
    path.mkdir()
    (path / "node").symlink_to(node)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("JUNOKIT_", "CDKTF_"))}
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py")],
        env={**clean, "PATH": str(path), "TMPDIR": str(temporary), "JUNOKIT_OUTDIR": str(tmp_path / "out")},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert sorted(p.name for p in (tmp_path / "out" / "stacks").iterdir()) == [
        f"junokit-dev-{stack}" for stack in ("api", "data", "identity", "messaging", "monitoring")
    ]
    assert list(temporary.iterdir()) == []
