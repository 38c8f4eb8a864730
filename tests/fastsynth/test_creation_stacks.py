"""Tokens made in the one-process kernel record no JavaScript call stack; the stock kernel's record only its own.

That the synthesized files stay the same is proven by the naive comparison in test_provider_loader.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.config import PROJECT_ROOT
from tests.conftest import SPEEDUPS
from tests.fastsynth import run_node

HOOK = PROJECT_ROOT / "fastsynth" / "creation_stacks.cjs"

# A Lazy made from Python, and the call stack cdktf recorded for it.
_LAZY = """
import json, os, sys
sys.path.insert(0, os.getcwd())
import fastsynth
fastsynth.install()
import jsii
from cdktf import IAnyProducer, Lazy

@jsii.implements(IAnyProducer)
class One:
    def produce(self, context):
        return 1

print(json.dumps(Lazy.any_value(One()).creation_stack))
"""


def _creation_stack(*, naive: bool) -> list[str]:
    env = {**os.environ, "JUNOKIT_NAIVE_SYNTH": "1" if naive else ""}
    result = subprocess.run(
        [sys.executable, "-c", _LAZY], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    stack: list[str] = json.loads(result.stdout)
    return stack


def test_the_one_process_kernel_records_no_frames() -> None:
    assert SPEEDUPS.one_process_kernel
    assert _creation_stack(naive=False) == []


def test_the_stock_kernels_frames_are_cdktfs_and_jsiis_only() -> None:
    """What is dropped: the frames end in the kernel's request loop; no Python line can be among them."""
    stack = _creation_stack(naive=True)
    assert stack and "cdktf/lib/tokens/lazy.js" in stack[0], stack
    assert any("Kernel" in frame and "program.js" in frame for frame in stack), stack


@pytest.mark.parametrize("source", ["", '"use strict";\n// another release\n'])
def test_a_changed_stack_trace_module_is_refused(tmp_path: Path, source: str) -> None:
    module = tmp_path / "node_modules" / "cdktf" / "lib" / "tokens" / "private" / "stack-trace.js"
    module.parent.mkdir(parents=True)
    module.write_text(source)
    result = run_node("-e", "require(process.argv[1]).install(); require(process.argv[2])", str(HOOK), str(module))
    assert result.returncode != 0
    assert "junokit: cdktf lib/tokens/private/stack-trace.js changed (sha256" in result.stderr, result.stderr
    assert "JUNOKIT_NAIVE_SYNTH=1" in result.stderr
