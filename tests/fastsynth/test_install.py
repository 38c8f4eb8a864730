"""`fastsynth.install()`: every speed-up on for the verified releases, all off with the switch, and a release
mismatch that switches them off with one warning line (so a test fails here, loudly, while synth still works)."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys

import pytest

import fastsynth
from constructs_lib.config import PROJECT_ROOT
from tests.conftest import SPEEDUPS


def test_every_speed_up_is_on_for_the_installed_releases() -> None:
    """Fails after an upgrade of jsii, cdktf or the provider until each speed-up is re-verified against it."""
    assert SPEEDUPS.mismatches == ()
    assert SPEEDUPS.all_on, SPEEDUPS
    for package, verified in fastsynth.VERIFIED.items():
        assert importlib.metadata.version(package) == verified, package


def _install_in_a_fresh_process(code: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NODE_OPTIONS", "JSII_RUNTIME", "JSII_NODE")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


REPORT = (
    "import json, os, sys, typing\n"
    "status = fastsynth.install(warm_up=False)\n"
    "from fastsynth import type_hints\n"
    "print(json.dumps({'all_on': status.all_on, 'any_on': status.lazy_provider or status.one_process_kernel"
    " or status.type_hints, 'hints_cached': typing.get_type_hints is type_hints.get_type_hints,"
    " 'node_options': os.environ.get('NODE_OPTIONS', ''), 'jsii_runtime': os.environ.get('JSII_RUNTIME', ''),"
    " 'finders': [type(f).__name__ for f in sys.meta_path]}))\n"
)


def test_the_switch_turns_every_speed_up_off() -> None:
    result = _install_in_a_fresh_process("import fastsynth\n" + REPORT, **{fastsynth.NAIVE_SWITCH: "1"})
    assert result.returncode == 0, result.stderr
    report = __import__("json").loads(result.stdout)
    assert not report["any_on"] and not report["hints_cached"]
    assert report["node_options"] == "" and report["jsii_runtime"] == ""
    assert "_LazyProviderFinder" not in report["finders"]
    assert result.stderr == ""


def test_another_release_falls_back_with_one_warning_line() -> None:
    code = (
        "import importlib.metadata, fastsynth\n"
        "real = importlib.metadata.version\n"
        "importlib.metadata.version = lambda name: '9.9.9' if name == 'jsii' else real(name)\n" + REPORT
    )
    result = _install_in_a_fresh_process(code)
    assert result.returncode == 0, result.stderr
    report = __import__("json").loads(result.stdout)
    assert not report["any_on"] and not report["hints_cached"] and report["jsii_runtime"] == ""
    lines = result.stderr.splitlines()
    assert lines == [
        f"junokit: warning: synth speed-ups off, stock path taken (jsii 9.9.9, verified {fastsynth.VERIFIED['jsii']})"
    ]


def test_a_release_mismatch_stops_the_kernel_started_before_the_checks() -> None:
    """`install()` starts the kernel before it checks the releases; on a mismatch that process is stopped."""
    code = (
        "import importlib.metadata, json, subprocess, fastsynth\n"
        "started, Popen = [], subprocess.Popen\n"
        "class Recorded(Popen):\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        super().__init__(*args, **kwargs)\n"
        "        started.append(self)\n"
        "subprocess.Popen = Recorded\n"
        "real = importlib.metadata.version\n"
        "importlib.metadata.version = lambda name: '9.9.9' if name == 'cdktf' else real(name)\n"
        "status = fastsynth.install()\n"
        "print(json.dumps({'warm_up': status.warm_up, 'started': [p.args[-1] for p in started],"
        " 'stopped': [p.returncode is not None for p in started]}))\n"
    )
    result = _install_in_a_fresh_process(code)
    assert result.returncode == 0, result.stderr
    report = __import__("json").loads(result.stdout)
    assert report == {"warm_up": False, "started": [str(fastsynth.jsii_kernel.RUNNER)], "stopped": [True]}
    assert result.stderr.splitlines() == [
        f"junokit: warning: synth speed-ups off, stock path taken (cdktf 9.9.9, verified {fastsynth.VERIFIED['cdktf']})"
    ]


@pytest.mark.parametrize("module", ["constructs_lib.config", "constructs_lib.contract", "stacks.api.contract"])
def test_importing_config_or_a_contract_starts_nothing_and_writes_nothing(module: str, tmp_path: object) -> None:
    code = (
        f"import sys, importlib; importlib.import_module({module!r})\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_aws')]\n"
        "assert not loaded, loaded\n"
        "import typing, fastsynth.type_hints as th\n"
        "assert typing.get_type_hints is not th.get_type_hints\n"
        "assert 'NODE_OPTIONS' not in __import__('os').environ\n"
    )
    before = sorted(p.name for p in (PROJECT_ROOT / "build").glob("*")) if (PROJECT_ROOT / "build").exists() else []
    result = _install_in_a_fresh_process(code)
    assert result.returncode == 0, result.stderr
    after = sorted(p.name for p in (PROJECT_ROOT / "build").glob("*")) if (PROJECT_ROOT / "build").exists() else []
    assert after == before
