"""A test run leaves nothing in the temporary directory: what its processes write there goes into one folder
(made when `tests/conftest.py` is imported, before the jsii kernel starts), which the run removes at its end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cdktf import Testing

from constructs_lib.config import PROJECT_ROOT
from tests.conftest import RUN_TMPDIR


def test_cdktf_and_other_child_processes_write_into_the_runs_folder() -> None:
    folder = Path(os.environ[RUN_TMPDIR])
    assert folder.name.startswith("junokit-tests-") and folder.is_dir()
    assert Path(Testing.app().outdir).parent == folder  # made by the jsii kernel, a process of its own
    child = subprocess.run(
        [sys.executable, "-c", "import tempfile; print(tempfile.gettempdir())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(child.stdout.strip()) == folder


def test_a_run_removes_its_folder_with_what_cdktf_left_there(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != RUN_TMPDIR}
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider"),
            *("--basetemp", str(tmp_path / "basetemp")),
            f"{__file__}::test_cdktf_and_other_child_processes_write_into_the_runs_folder",
        ],
        cwd=PROJECT_ROOT,
        env={**env, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "1 passed" in run.stdout
    assert [path.name for path in tmp_path.iterdir() if path.name != "basetemp"] == []
