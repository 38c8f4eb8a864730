"""Run the jsii kernel as one Node.js process instead of two.

The runtime jsii embeds starts Node twice per Python process: `bin/jsii-runtime.js` spawns the kernel,
`lib/program.js`, as a child and relays every request and response between Python and that child over an
extra pipe. The second start costs ~0.13 s and the relay adds latency to each of the ~300 kernel calls a
synth of one environment makes. `install()` points jsii (JSII_RUNTIME, JSII_NODE) at `jsii_kernel.cjs`,
which runs the same `lib/program.js` in the first process with its message channel on stdin/stdout.

Only for the runtime it was checked against: the sha256 of jsii 1.142.0's `lib/program.js` below. Another
jsii keeps the stock runtime; the output is the same either way (same kernel code), and
`fastsynth.install()` says so in one warning line (and `tests/fastsynth/` fails, so the upgrade is noticed). A
JSII_RUNTIME or JSII_NODE set by anyone else is left alone.

`spawn()` starts that process before jsii is even imported (jsii would start it ~0.1 s later, after its own
import and the release checks), and `kernel_warmup` hands it to jsii, which then owns it as if it had started it.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

PROGRAM_VARIABLE = "JUNOKIT_JSII_PROGRAM"
RUNNER = Path(__file__).resolve().with_name("jsii_kernel.cjs")
NODE = Path(__file__).resolve().with_name("jsii-node")
# jsii 1.142.0: the kernel program and the worker it starts from the same folder to index large assemblies.
EXPECTED_PROGRAM_SHA256 = "ae39a922c041b41d2fc0acc0164699f779b7afd48f50aad05b3f70d3b96a0841"
_EMBEDDED = {"lib__program.js": "program.js", "lib__runtime-index-worker.js": "runtime-index-worker.js"}
DEFAULT_RUNTIME_DIR = Path(__file__).resolve().parent.parent / "build" / "jsii-runtime"


def embedded_dir() -> Path | None:
    """jsii's embedded runtime files, found without importing jsii (which would not start anything, but is slow)."""
    spec = importlib.util.find_spec("jsii")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "_embedded" / "jsii"


def stage_program(source: Path, runtime_dir: Path) -> Path | None:
    """`runtime_dir/<sha>/program.js` (and its worker) if `source` holds the verified program, else None.

    Content-addressed and renamed into place whole, so concurrent processes share one copy.
    """
    try:
        program = (source / "lib__program.js").read_bytes()
    except OSError:
        return None
    if hashlib.sha256(program).hexdigest() != EXPECTED_PROGRAM_SHA256:
        return None
    target = runtime_dir / EXPECTED_PROGRAM_SHA256[:16]
    if (target / "program.js").is_file():
        return target / "program.js"
    try:
        runtime_dir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".stage-", dir=runtime_dir))
        for embedded, name in _EMBEDDED.items():
            shutil.copyfile(source / embedded, scratch / name)
    except OSError:  # e.g. a read-only checkout: the stock runtime works there
        return None
    try:
        scratch.rename(target)
    except OSError:  # another process staged it first
        shutil.rmtree(scratch, ignore_errors=True)
    return target / "program.js"


def install(*, enabled: bool = True, runtime_dir: Path = DEFAULT_RUNTIME_DIR) -> bool:
    """Point jsii at the one-process kernel unless disabled or not verified; True if it is in use. Idempotent.

    Environment settings, read when the kernel starts and inherited by child processes, as the stock runtime's are.
    Disabled, it takes back only the settings it made itself.
    """
    ours = {"JSII_RUNTIME": str(RUNNER), "JSII_NODE": str(NODE)}
    if not enabled:
        for name, value in ours.items():
            if os.environ.get(name) == value:
                del os.environ[name]
        os.environ.pop(PROGRAM_VARIABLE, None)
        return False
    if any(os.environ.get(name) not in (None, value) for name, value in ours.items()):
        return False
    source = embedded_dir()
    program = stage_program(source, runtime_dir) if source else None
    if program is None:
        return False
    os.environ.update(ours)
    os.environ[PROGRAM_VARIABLE] = str(program)
    return True


def in_use() -> bool:
    """Whether a kernel started now would be the one-process kernel."""
    return os.environ.get("JSII_RUNTIME") == str(RUNNER) and bool(os.environ.get(PROGRAM_VARIABLE))


_spawned: subprocess.Popen[bytes] | None = None


def spawn() -> bool:
    """Start the one-process kernel now, with the command and environment jsii starts its kernel with; True if
    it did. Until `take_spawned()` hands it over, it is stopped at exit (`discard`)."""
    global _spawned
    if _spawned is not None:
        return True
    if not in_use():
        return False
    environ = {**os.environ, "JSII_AGENT": f"Python/{platform.python_version()}"}
    _spawned = subprocess.Popen(
        [environ["JSII_NODE"], "--max-old-space-size=4069", environ["JSII_RUNTIME"]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
    )
    atexit.register(discard)
    return True


def take_spawned() -> subprocess.Popen[bytes] | None:
    """The process `spawn()` started, handed over once (the caller stops it from then on); None if there is none."""
    global _spawned
    process, _spawned = _spawned, None
    if process is not None:
        atexit.unregister(discard)
    return process


def discard() -> None:
    """Stop a spawned kernel nobody took: it exits at the end of its input, as jsii's own stop makes it do."""
    process = take_spawned()
    if process is None:
        return
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
