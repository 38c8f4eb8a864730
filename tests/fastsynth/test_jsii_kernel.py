"""The one-process jsii kernel: in use, same channel and console output as the stock runtime, stock otherwise.

That its output is byte-identical to the stock runtime's is proven with the provider loader's naive synth
(tests/fastsynth/test_provider_loader.py), which runs with every speed-up off.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.config import PROJECT_ROOT
from fastsynth import jsii_kernel


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_bytes()
            except OSError:
                continue
            if int(stat[stat.rindex(b")") + 2 :].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def test_this_sessions_kernel_is_one_node_process() -> None:
    import cdktf  # noqa: F401  (starts the kernel if no test did yet)
    from jsii._runtime import kernel

    process = kernel.provider._process._process  # type: ignore[attr-defined]  # jsii's ProcessProvider internals
    assert process.args[-1] == str(jsii_kernel.RUNNER) and process.args[0] == str(jsii_kernel.NODE)
    assert process.poll() is None
    assert _children(process.pid) == [], "the kernel started another process"


def test_a_spawned_kernel_nobody_takes_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    assert jsii_kernel._spawned is None  # this session's was handed to jsii
    assert jsii_kernel.spawn()
    process = jsii_kernel._spawned
    assert process is not None and process.args[-1] == str(jsii_kernel.RUNNER)
    jsii_kernel.discard()
    assert jsii_kernel._spawned is None and process.returncode is not None
    monkeypatch.delenv("JSII_RUNTIME")
    assert not jsii_kernel.spawn() and jsii_kernel._spawned is None  # not in use: nothing to start


def test_the_runtime_is_staged_from_the_verified_program(tmp_path: Path) -> None:
    source = jsii_kernel.embedded_dir()
    assert source is not None
    program = jsii_kernel.stage_program(source, tmp_path)
    assert program is not None and program.parent.parent == tmp_path
    assert program.read_bytes() == (source / "lib__program.js").read_bytes()
    assert (program.parent / "runtime-index-worker.js").read_bytes() == (
        source / "lib__runtime-index-worker.js"
    ).read_bytes()
    assert jsii_kernel.stage_program(source, tmp_path) == program  # reused, not staged twice
    assert [path.name for path in tmp_path.iterdir()] == [program.parent.name]


def test_another_jsii_release_keeps_the_stock_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "embedded"
    other.mkdir()
    (other / "lib__program.js").write_text("// another release\n")
    (other / "lib__runtime-index-worker.js").write_text("// another release\n")
    assert jsii_kernel.stage_program(other, tmp_path / "runtime") is None
    for name in ("JSII_RUNTIME", "JSII_NODE", jsii_kernel.PROGRAM_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(jsii_kernel, "embedded_dir", lambda: other)
    assert jsii_kernel.install(runtime_dir=tmp_path / "runtime") is False
    assert "JSII_RUNTIME" not in os.environ and "JSII_NODE" not in os.environ and not jsii_kernel.in_use()


def test_disabling_removes_only_its_own_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JSII_RUNTIME", str(jsii_kernel.RUNNER))
    monkeypatch.setenv("JSII_NODE", "/opt/node/bin/node")
    assert jsii_kernel.install(enabled=False) is False
    assert "JSII_RUNTIME" not in os.environ and os.environ["JSII_NODE"] == "/opt/node/bin/node"


def test_a_runtime_set_by_someone_else_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JSII_RUNTIME", "/opt/jsii/bin/jsii-runtime.js")
    assert jsii_kernel.install() is False
    assert os.environ["JSII_RUNTIME"] == "/opt/jsii/bin/jsii-runtime.js"


# The stand-in for lib/program.js: answers one request on fd 3, as the kernel does, and prints to the console.
FAKE_PROGRAM = """
const fs = require("fs");
const buffer = Buffer.alloc(1024);
let line = "";
while (!line.includes("\\n")) {
  const read = fs.readSync(3, buffer, 0, buffer.length, null);
  if (read === 0) break;
  line += buffer.toString("utf8", 0, read);
}
console.log("to the console");
process.stderr.write("to stderr\\n");
fs.writeSync(2, "straight to fd 2\\n");
fs.writeSync(3, Buffer.from(JSON.stringify({ ok: JSON.parse(line) }) + "\\n"));
"""


def test_runner_serves_the_channel_on_stdin_stdout_and_frames_console_output(tmp_path: Path) -> None:
    program = tmp_path / "program.js"
    program.write_text(FAKE_PROGRAM)
    result = subprocess.run(
        [str(jsii_kernel.NODE), str(jsii_kernel.RUNNER)],
        input='{"hello": "kernel"}\n',
        env={**os.environ, jsii_kernel.PROGRAM_VARIABLE: str(program)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == '{"ok":{"hello":"kernel"}}\n'  # the channel carries nothing else
    frames = [json.loads(line) for line in result.stderr.splitlines()]
    decoded = [(key, base64.b64decode(value).decode()) for frame in frames for key, value in frame.items()]
    assert decoded == [("stdout", "to the console\n"), ("stderr", "to stderr\n"), ("stderr", "straight to fd 2\n")]


def test_runner_without_a_program_says_so() -> None:
    env = {key: value for key, value in os.environ.items() if key != jsii_kernel.PROGRAM_VARIABLE}
    result = subprocess.run(
        [str(jsii_kernel.NODE), str(jsii_kernel.RUNNER)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0 and "JUNOKIT_JSII_PROGRAM is not set" in result.stderr


def test_kernel_diagnostics_reach_python_decoded() -> None:
    """JSII_DEBUG makes the kernel log every request to its stderr; Python must print it as text, not frames."""
    result = subprocess.run(
        [sys.executable, "-c", "import fastsynth; fastsynth.install(warm_up=False); import constructs"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "JSII_DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "[@jsii/kernel] load" in result.stderr
    assert '{"stderr"' not in result.stderr and "b'" not in result.stderr
