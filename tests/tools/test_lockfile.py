"""Pipfile.lock read as uv's hash-pinned requirements: the project's own lock, refusals, and the Makefile rule."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.config import PROJECT_ROOT
from tools import lockfile

LOCK = json.loads((PROJECT_ROOT / "Pipfile.lock").read_text())
PINNED = re.compile(r"^([A-Za-z0-9._-]+)(\[[a-z0-9,_-]+\])?==\S+( ; .+)? \\$")


def _lock(**packages: Any) -> dict[str, Any]:
    return {
        "_meta": {"sources": [{"url": "https://pypi.org/simple"}], "requires": {"python_version": "3.11"}},
        "default": packages,
        "develop": {},
    }


def _entries(text: str) -> dict[str, list[str]]:
    """Each package's hashes, by name, from a requirements text (a package's line, then its `--hash` lines)."""
    entries = {}
    for block in re.split(r"\n(?=\S)", text.strip()):
        head, *hashes = [part.strip(" \\") for part in block.splitlines()]
        if match := PINNED.match(head + " \\"):
            entries[match.group(1).lower()] = [h.removeprefix("--hash=") for h in hashes]
    return entries


def _names(text: str) -> set[str]:
    return set(_entries(text))


def test_every_locked_package_is_pinned_with_its_hashes() -> None:
    text = lockfile.requirements(LOCK, "dev")
    assert text.startswith("--index-url https://pypi.org/simple\n")
    entries = _entries(text)
    locked = {**LOCK["develop"], **LOCK["default"]}
    assert set(entries) == {name.lower() for name in locked}
    for name, spec in locked.items():
        assert entries[name.lower()] == spec["hashes"], name
    assert "\nmoto[server]==" in text  # extras kept: uv checks that what they bring is locked too


def test_the_runtime_set_is_the_packages_section_only() -> None:
    runtime = _names(lockfile.requirements(LOCK, "runtime"))
    assert runtime == {name.lower() for name in LOCK["default"]}
    assert {"cdktf", "cdktf-cdktf-provider-aws", "jsii", "boto3"} <= runtime
    assert not {"pytest", "moto", "checkov", "mypy", "ruff"} & runtime  # what a synth does not need
    assert runtime < _names(lockfile.requirements(LOCK, "dev"))


def test_markers_are_kept_and_packages_sorted() -> None:
    lock = _lock(
        zeta={"version": "==2.0", "hashes": ["sha256:bb"]},
        Alpha={"version": "==1.0", "hashes": ["sha256:aa", "sha256:ab"], "markers": "python_version >= '3.9'"},
    )
    assert lockfile.requirements(lock, "runtime") == (
        "--index-url https://pypi.org/simple\n"
        "Alpha==1.0 ; python_version >= '3.9' \\\n    --hash=sha256:aa \\\n    --hash=sha256:ab\n"
        "zeta==2.0 \\\n    --hash=sha256:bb\n"
    )


@pytest.mark.parametrize(
    ("lock", "message"),
    [
        (_lock(boto3={"version": "*", "hashes": ["sha256:aa"]}), "package 'boto3' has version '*'; only '==' pins"),
        (_lock(boto3={"version": "==1.0", "hashes": []}), "package 'boto3' has no hashes"),
        (_lock(boto3={"git": "https://example.invalid/boto3.git"}), "package 'boto3' has version None"),
        ({**_lock(), "_meta": {"sources": [{"url": "http://pypi.org/simple"}]}}, "must name at least one https index"),
        (
            {
                **_lock(a={"version": "==1", "hashes": ["sha256:aa"]}),
                "develop": {"a": {"version": "==2", "hashes": ["sha256:bb"]}},
            },
            "package 'a' is locked differently in [packages] and [dev-packages]",
        ),
    ],
    ids=["range", "no hashes", "vcs", "plain http", "two pins"],
)
def test_what_cannot_be_installed_exactly_is_refused(lock: dict[str, Any], message: str) -> None:
    with pytest.raises(lockfile.LockError, match=re.escape(message)):
        lockfile.requirements(lock, "dev")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot be read (No such file or directory)"),
        ("{", "not JSON (Expecting property name enclosed in double quotes"),
        ("[]", "not a Pipfile.lock (expected a JSON object)"),
        (
            json.dumps({**_lock(), "_meta": {**_lock()["_meta"], "requires": {"python_version": "3.99"}}}),
            "is locked for Python 3.99, but ",
        ),
    ],
    ids=["missing", "malformed", "not an object", "another python"],
)
def test_a_bad_lock_is_one_line_exit_2_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    lock = tmp_path / "Pipfile.lock"
    if content is not None:
        lock.write_text(content)
    assert lockfile.main(["dev", "--lock", str(lock)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"lockfile: error: {lock}") and message in err and err.count("\n") == 1, err


def test_make_writes_no_requirements_file_from_a_bad_lock(tmp_path: Path) -> None:
    """The Makefile rule writes the file whole or not at all, and stops with the tool's one line."""
    (tmp_path / "tools").mkdir()
    for name in ("Makefile", "tools/__init__.py", "tools/lockfile.py"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    (tmp_path / "Pipfile.lock").write_text(json.dumps(_lock(boto3={"version": "*", "hashes": ["sha256:aa"]})))
    run = subprocess.run(
        ["make", "--no-print-directory", f"PYTHON={sys.executable}", "build/requirements-dev.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "lockfile: error: Pipfile.lock: package 'boto3' has version '*'" in run.stderr
    assert "Traceback" not in run.stderr
    assert list((tmp_path / "build").iterdir()) == []
