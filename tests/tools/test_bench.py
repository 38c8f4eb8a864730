"""`make bench` stopped part way leaves nothing running: what it measures goes with it, grandchildren included.

(The figures themselves are a report, checked by running `make bench`; see the README's Performance section.)
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from constructs_lib.config import PROJECT_ROOT
from tests.support import alive

# `make bench` as `python -m tools.bench` runs it (SIGTERM and SIGHUP stop it as Ctrl-C does), measuring a command
# that starts a child of its own and records both process ids.
_BENCH_MEASURING = """
import sys
from tools.bench import measure
from tools.sandbox import stop_on_signals
with stop_on_signals():
    try:
        measure(["sh", "-c", 'sleep 300 & echo $$ $! > "$0.tmp" && mv "$0.tmp" "$0"; wait', sys.argv[1]], env={})
    except KeyboardInterrupt:
        sys.exit(130)
"""


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda stop: stop.name)
def test_a_stopped_bench_stops_the_command_it_measures_and_its_children(tmp_path: Path, stop: signal.Signals) -> None:
    pids = tmp_path / "pids"
    bench = subprocess.Popen([sys.executable, "-c", _BENCH_MEASURING, str(pids)], cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 30
        while not pids.exists():
            assert time.monotonic() < deadline and bench.poll() is None, "the measured command never started"
            time.sleep(0.05)
        measured = [int(pid) for pid in pids.read_text().split()]
        assert all(alive(pid) for pid in measured)
        while Path(f"/proc/{bench.pid}/wchan").read_text() != "do_wait":  # the bench waits for what it measures
            assert time.monotonic() < deadline and bench.poll() is None, "the bench never waited for the command"
            time.sleep(0.05)
        bench.send_signal(stop)
        assert bench.wait(timeout=60) == 130
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in measured) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in measured if alive(pid)], "left running after the bench stopped"
    finally:
        bench.kill()
        bench.wait()
