"""The kernel warm-up: active here, loads what the bindings would, and hands errors to the main thread.

Output identity with warm-up off is proven by the naive synth in tests/fastsynth/test_provider_loader.py
(JUNOKIT_NAIVE_SYNTH=1 switches the warm-up off there).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from constructs_lib.config import PROJECT_ROOT
from fastsynth import jsii_kernel, kernel_warmup
from fastsynth.kernel_warmup import Assembly, _Gate


def test_this_session_warmed_the_kernel_up() -> None:
    import cdktf  # noqa: F401  (imported to start the kernel)
    from jsii._kernel.providers import ProcessProvider
    from jsii._runtime import kernel

    assert kernel_warmup._gate is not None
    kernel_warmup.wait()
    assert kernel_warmup._gate._done.is_set()
    assert isinstance(kernel.provider, ProcessProvider)  # the gate has put the real provider back:
    assert type(kernel.provider).__name__ == "AdoptedProvider"  # the process `fastsynth.install()` spawned
    assert jsii_kernel._spawned is None  # handed over, so not stopped at exit by `discard`


def test_it_loads_exactly_what_the_bindings_load() -> None:
    import cdktf_cdktf_provider_aws._jsii  # noqa: F401  (and, through it, the other two)

    loaded = [sys.modules[f"{package}._jsii"].__jsii_assembly__ for package in kernel_warmup.PACKAGES]
    found = kernel_warmup.assemblies()
    assert found is not None
    assert [(a.name, a.version) for a in found] == [(a.name, a.version) for a in loaded]
    assert [os.path.basename(a.tarball) for a in found] == [a.filename for a in loaded]
    assert all(os.path.isfile(a.tarball) for a in found)


def test_a_package_loading_its_assembly_another_way_turns_it_off() -> None:
    assert kernel_warmup.assemblies(("json",)) is None  # no _jsii/__init__.py
    assert kernel_warmup.assemblies(("no_such_package",)) is None


@dataclass
class _Request:
    name: str
    version: str
    tarball: str


@dataclass
class _Provider:
    """Records requests; `fail` makes its loads raise, as a kernel that cannot start would."""

    fail: bool = False
    calls: list[tuple[str, str]] = field(default_factory=list)

    def load(self, request: Any) -> None:
        self.calls.append(("load", request.name))
        if self.fail:
            raise RuntimeError("node: not found")

    def create(self, request: Any) -> str:
        self.calls.append(("create", request))
        return "created"


@dataclass
class _Kernel:
    provider: Any = None


ASSEMBLY = Assembly(name="cdktf", version="0.21.0", tarball=os.path.realpath(__file__))


def _gate(provider: _Provider) -> tuple[_Kernel, _Gate]:
    kernel = _Kernel()
    gate = _Gate(kernel, provider, [ASSEMBLY])
    kernel.provider = gate
    return kernel, gate


def test_the_bindings_load_returns_at_once_and_other_requests_wait() -> None:
    provider = _Provider()
    kernel, gate = _gate(provider)
    gate.load(_Request("cdktf", "0.21.0", __file__))  # returns before the thread even ran
    assert provider.calls == []
    gate.thread.start()
    assert gate.create("table") == "created"
    assert provider.calls == [("load", "cdktf"), ("create", "table")]
    assert kernel.provider is provider


def test_an_unexpected_load_goes_to_the_kernel_after_the_warm_up() -> None:
    provider = _Provider()
    kernel, gate = _gate(provider)
    gate.thread.start()
    gate.load(_Request("other", "1.0.0", "/elsewhere/other@1.0.0.jsii.tgz"))
    assert provider.calls == [("load", "cdktf"), ("load", "other")]


def test_an_error_on_the_thread_is_raised_by_the_first_request() -> None:
    provider = _Provider(fail=True)
    kernel, gate = _gate(provider)
    gate.thread.start()
    gate.thread.join()
    with pytest.raises(RuntimeError, match="node: not found"):
        gate.create("table")
    assert kernel.provider is provider


def test_synth_without_node_is_refused_in_one_line(tmp_path: Any) -> None:
    """Checked before the warm-up starts a kernel that could not run."""
    env = {**os.environ, "PATH": str(tmp_path), "JUNOKIT_OUTDIR": str(tmp_path / "out")}
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "junokit: error: Node.js (node) is not on PATH; cdktf's Python bindings run on it (allowed: Node.js 20 or later)"
    ]
    assert not (tmp_path / "out").exists()
