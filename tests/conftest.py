"""Shared fixtures. Installs the synth speed-ups (`fastsynth`) before any test module imports cdktf, so the jsii
kernel starts with them, as `main.py` does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import fastsynth
from constructs_lib.config import PROJECT_ROOT

# The run's temporary folder; xdist workers inherit it (and TMPDIR) with the environment.
RUN_TMPDIR = "JUNOKIT_TESTS_TMPDIR"


def _own_tmpdir() -> tuple[str, str | None] | None:
    """Give every process the tests start one temporary folder, which `pytest_unconfigure` removes.

    cdktf's `Testing.app()` makes a folder in the temporary directory for every app and never removes it (about
    200 a run), and Chromium leaves its singleton-socket folder. With TMPDIR pointing here, the jsii kernel,
    Terraform, the emulator, Chromium and the xdist workers write there instead; this process keeps its own
    temporary directory (pytest's `tmp_path` folders, kept for the last three runs, among them). Returns the folder
    and TMPDIR before it, or None in a worker, whose TMPDIR already is the run's folder.
    """
    if RUN_TMPDIR in os.environ:
        return None
    tempfile.gettempdir()  # fixed now, before TMPDIR changes
    folder, before = tempfile.mkdtemp(prefix="junokit-tests-"), os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = os.environ[RUN_TMPDIR] = folder
    return folder, before


# Before the kernel starts (below), so that it writes there too.
_OWN_TMPDIR = _own_tmpdir()
# jsii prints a banner on every start under Node 20; it says nothing about the tests' output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# Before any test module imports cdktf: the kernel starts while the test modules import the bindings.
SPEEDUPS = fastsynth.install()

TRACE_SWITCH = "JUNOKIT_LAZY_PROVIDER_TRACE"  # see fastsynth/lazy_provider_index.cjs

# Every stack of every environment: all environments with the default backend, plus prod with the s3 backend,
# the only setting that adds the bootstrap stack.
SYNTHS: dict[str, dict[str, str]] = {
    "local": {"JUNOKIT_ENV": "all"},
    "s3": {"JUNOKIT_ENV": "prod", "JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-tfstate-test"},
}

# Runs `main.main` once per setting in one process, as `make synth` would, so the provider loads once.
_DRIVER = """
import json, os, sys
import main
for outdir, settings in json.loads(sys.argv[1]).items():
    code = main.main({**os.environ, **settings, "JUNOKIT_OUTDIR": outdir})
    if code:
        sys.exit(code)
provider_modules = [name for name in sys.modules if name.startswith("cdktf_cdktf_provider_aws.")]
from jsii._runtime import kernel
print(json.dumps({"provider_modules": len(provider_modules), "node_options": os.environ.get("NODE_OPTIONS", ""),
                  "kernel_command": kernel.provider._process._process.args}))
"""


@dataclass(frozen=True)
class SynthOutputs:
    """Where each SYNTHS setting was written, and how the provider was loaded in that process."""

    outdirs: dict[str, Path]
    provider_modules: int
    node_options: str
    lazy_node_index: bool  # the kernel said it compiled the provider's lib/index.js lazily
    kernel_command: list[str]  # how the jsii kernel was started: one-process runner or stock runtime


class Synth:
    """Synthesizes every SYNTHS setting under `root` in a fresh process: the normal way, or the naive way
    (JUNOKIT_NAIVE_SYNTH=1: every speed-up off).

    The process starts at construction and `result()` waits for it, so a slow synth can run while other
    tests do.
    """

    def __init__(self, root: Path, *, eager: bool) -> None:
        self.root = root
        self.outdirs = {name: root / name for name in SYNTHS}
        env = {key: value for key, value in os.environ.items() if key != fastsynth.NAIVE_SWITCH}
        env[TRACE_SWITCH] = "1"
        if eager:
            env[fastsynth.NAIVE_SWITCH] = "1"
        self._output = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [sys.executable, "-c", _DRIVER, json.dumps({str(self.outdirs[name]): SYNTHS[name] for name in SYNTHS})],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )

    def result(self) -> SynthOutputs:
        code = self._process.wait()
        with self._output:
            self._output.seek(0)
            output = self._output.read().decode(errors="replace")
        assert code == 0, output
        lines = output.splitlines()
        report = json.loads(next(line for line in lines if line.startswith('{"provider_modules"')))
        lazy = any(line.startswith("junokit: compiled ") and line.endswith(" lazily") for line in lines)
        return SynthOutputs(
            self.outdirs, report["provider_modules"], report["node_options"], lazy, report["kernel_command"]
        )

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._output.close()


# Session fixtures backed by a Synth, and whether each is the naive (eager) path.
_SYNTH_FIXTURES = {"synthesized": False, "naive": True}
_EARLY = pytest.StashKey[dict[str, Synth]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules that deploy to the emulator (`e2e`) run first, and tests that wait for the naive synth last.

    The deploying modules take minutes each on one worker (xdist hands out whole files, in this order, as
    `--no-loadscope-reorder` keeps it): started late, either would be the run's tail. The naive synth gets the
    whole session to finish in the background.
    """
    deploying = {item.path for item in items if item.get_closest_marker("e2e")}
    items.sort(key=lambda item: (item.path not in deploying, "naive" in getattr(item, "fixturenames", ())))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the synths the selected tests need right away; the naive one takes ~20 s of mostly one core.

    Not in xdist workers: each collects every test, and would start them all.
    """
    if hasattr(session.config, "workerinput"):
        return
    wanted = {name for item in session.items for name in getattr(item, "fixturenames", ()) if name in _SYNTH_FIXTURES}
    session.config.stash[_EARLY] = {
        name: Synth(Path(tempfile.mkdtemp(prefix=f"junokit-{name}-")), eager=_SYNTH_FIXTURES[name])
        for name in sorted(wanted)
    }


# Report sections a test module adds for the end of the run (title, lines); in xdist, each worker's reach the
# controller through `workeroutput`, which is what prints the terminal summary.
_SECTIONS = pytest.StashKey[list[tuple[str, list[str]]]]()
_WORKER_SECTIONS = "junokit_sections"


def add_summary_section(config: pytest.Config, title: str, lines: list[str]) -> None:
    """Print `lines` under `title` in the terminal summary, whatever the capture mode and with or without xdist."""
    if hasattr(config, "workeroutput"):
        config.workeroutput.setdefault(_WORKER_SECTIONS, []).append((title, lines))
    else:
        config.stash.setdefault(_SECTIONS, []).append((title, lines))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist: keep the sections a worker reported."""
    for title, lines in getattr(node, "workeroutput", {}).get(_WORKER_SECTIONS, []):
        node.config.stash.setdefault(_SECTIONS, []).append((title, list(lines)))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    for title, lines in config.stash.get(_SECTIONS, []):
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _OWN_TMPDIR is None:
        return
    folder, before = _OWN_TMPDIR
    shutil.rmtree(folder, ignore_errors=True)
    os.environ.pop(RUN_TMPDIR, None)
    if before is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = before


def pytest_sessionfinish(session: pytest.Session) -> None:
    for synth in session.config.stash.get(_EARLY, {}).values():
        synth.stop()
        shutil.rmtree(synth.root, ignore_errors=True)


def _synth_fixture(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SynthOutputs:
    name = str(request.fixturename)
    early = request.config.stash.get(_EARLY, {}).get(name)
    return (early or Synth(tmp_path_factory.mktemp(name), eager=_SYNTH_FIXTURES[name])).result()


@pytest.fixture(scope="session")
def synthesized(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SynthOutputs:
    """Every stack of every environment, synthesized the normal (lazy) way. Read-only for the tests."""
    return _synth_fixture(request, tmp_path_factory)


@pytest.fixture(scope="session")
def naive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SynthOutputs:
    """The same with every speed-up off (JUNOKIT_NAIVE_SYNTH=1): eager provider, stock two-process runtime, no caches."""
    return _synth_fixture(request, tmp_path_factory)
