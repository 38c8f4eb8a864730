from __future__ import annotations

import subprocess
from collections.abc import Mapping


def run_node(*argv: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`node *argv` with its output captured as text; the caller checks the exit status."""
    return subprocess.run(["node", *argv], env=env, capture_output=True, text=True, check=False)
