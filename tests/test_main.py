"""`python main.py` as `make synth` and the cdktf CLI run it: a whole process, from start to exit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def _synth_with_node_options(tmp_path: Path, node_options: str, naive: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("JUNOKIT_", "CDKTF_"))}
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py")],
        env={
            **clean,
            "NODE_OPTIONS": node_options,
            "JUNOKIT_NAIVE_SYNTH": naive,
            "JUNOKIT_OUTDIR": str(tmp_path / "out"),
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.mark.parametrize("naive", ["", "1"], ids=["fastsynth", "naive"])
def test_a_kernel_that_cannot_start_is_one_line_exit_2_and_nothing_written(tmp_path: Path, naive: str) -> None:
    """Node refuses a flag in NODE_OPTIONS and exits before jsii's hello: jsii alone says "Expecting value" and its
    exit handler prints a traceback."""
    result = _synth_with_node_options(tmp_path, "--no-such-flag", naive)
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert "--no-such-flag is not allowed in NODE_OPTIONS" in lines[0]
    assert len(lines) == 2, result.stderr
    assert lines[1].startswith(
        "junokit: error: the jsii kernel (node) exited with status 9 before it started (NODE_OPTIONS='--no-such-flag"
    ), lines[1]
    assert lines[1].endswith("; node's reason is above"), lines[1]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("naive", ["", "1"], ids=["fastsynth", "naive"])
def test_a_kernel_that_prints_before_its_hello_is_one_line_and_exit_2(tmp_path: Path, naive: str) -> None:
    """Something in node writes to stdout before jsii's first message (here a preloaded script)."""
    noisy = tmp_path / "noisy.cjs"
    noisy.write_text('process.stdout.write("hello from a preload\\n");\n')
    result = _synth_with_node_options(tmp_path, f"--require {noisy}", naive)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "junokit: error: the jsii kernel (node) wrote 'hello from a preload' where its first message belongs, so it "
        f"cannot be used (NODE_OPTIONS='--require {noisy}"
        + ("" if naive else f' --require "{PROJECT_ROOT}/fastsynth/lazy_provider_index.cjs"')
        + "'); allowed: nothing but jsii's messages on node's stdout"
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["noisy.cjs"]
