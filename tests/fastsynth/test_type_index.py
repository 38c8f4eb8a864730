"""`fastsynth.type_index`: where jsii keeps its index of the provider's types, and waiting for the kernel to
write it when it was missing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from constructs_lib.config import PROJECT_ROOT
from fastsynth import VERIFIED, type_index

VERSION = VERIFIED["cdktf-cdktf-provider-aws"]


def _index_dir(root: Path) -> Path:
    return root.joinpath(*type_index.PACKAGE, VERSION, "0123abcd")


def test_the_cache_root_is_the_one_jsii_uses() -> None:
    assert type_index.cache_root({"HOME": "/home/dev"}) == Path("/home/dev/.cache/aws/jsii/package-cache")
    assert type_index.cache_root({"HOME": "/h", "JSII_RUNTIME_PACKAGE_CACHE_ROOT": "/c"}) == Path("/c")
    assert type_index.cache_root({"HOME": "/h", "JSII_RUNTIME_PACKAGE_CACHE": "disabled"}) is None


def test_an_index_present_at_the_start_means_no_wait(tmp_path: Path) -> None:
    _index_dir(tmp_path).mkdir(parents=True)
    (_index_dir(tmp_path) / type_index.MANIFEST).write_text("{}")
    pending = type_index.Pending(version=VERSION, environ={"JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(tmp_path)})
    assert not pending.missing
    assert pending.finish(timeout=0)


def test_finish_waits_for_the_manifest_jsii_writes_last(tmp_path: Path) -> None:
    pending = type_index.Pending(version=VERSION, environ={"JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(tmp_path)})
    assert pending.missing
    _index_dir(tmp_path).mkdir(parents=True)
    (_index_dir(tmp_path) / ".jsii.runtime-index.v1").write_bytes(b"")  # not done until the manifest is there
    writer = threading.Timer(0.3, (_index_dir(tmp_path) / type_index.MANIFEST).write_text, args=("{}",))
    writer.start()
    try:
        assert pending.finish(timeout=10)
    finally:
        writer.cancel()
    assert not pending.missing


def test_finish_gives_up_after_its_timeout(tmp_path: Path) -> None:
    pending = type_index.Pending(version=VERSION, environ={"JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(tmp_path)})
    assert not pending.finish(timeout=0.2)


def test_nothing_to_wait_for_with_the_package_cache_off(tmp_path: Path) -> None:
    pending = type_index.Pending(version=VERSION, environ={"JSII_RUNTIME_PACKAGE_CACHE": "disabled"})
    assert not pending.missing
    assert not pending.finish(timeout=0)


def test_a_synth_leaves_the_index_behind_when_the_cache_had_none(tmp_path: Path) -> None:
    """main.py in a copy of the package cache without the provider's index: the synth waits for the kernel's
    worker, so the next synth finds the index (hard links: the copy costs no disk and no extraction)."""
    root = type_index.cache_root(os.environ)
    assert root is not None and type_index.is_built(root, VERSION), (
        "the session's kernel should have indexed the provider"
    )
    copy = tmp_path / "package-cache"
    subprocess.run(["cp", "-al", str(root), str(copy)], check=True)
    for index_file in copy.joinpath(*type_index.PACKAGE, VERSION).glob("*/.jsii.runtime*"):
        index_file.unlink()
    assert not type_index.is_built(copy, VERSION)
    env = {**os.environ, "JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(copy), "JUNOKIT_OUTDIR": str(tmp_path / "out")}
    env = {key: value for key, value in env.items() if key not in ("NODE_OPTIONS", "JSII_RUNTIME", "JSII_NODE")}
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr
    assert type_index.is_built(copy, VERSION)
