"""Let jsii finish its type index of the AWS provider once, so later synths skip parsing 120 MB of JSON.

The provider's jsii assembly (`.jsii`) is 120 MB of JSON; parsing it costs the kernel ~1.5 s and ~0.9 GiB of
heap at every start. jsii 1.142 avoids that with a runtime index in its package cache (a list of type names
and one line per type, read on demand), which the kernel builds on a worker thread the first time it loads
the assembly without one. That worker needs ~3.5 s, and a synth's kernel exits sooner, taking the half-built
index with it: without help no synth ever gets one. `finish()`, called at the end of a synth, waits for the
worker when the index was missing at the start. The index changes how the kernel reads type definitions, not
what it synthesizes.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

PACKAGE = ("@cdktf", "provider-aws")  # npm name; its version is the Python package's (fastsynth.VERIFIED)
MANIFEST = ".jsii.runtime.v1.json"  # jsii writes it last (atomically), after the index and the definitions
WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.1


def cache_root(environ: Mapping[str, str]) -> Path | None:
    """jsii's package cache folder, worked out the way jsii does; None if the cache is switched off."""
    if environ.get("JSII_RUNTIME_PACKAGE_CACHE", "enabled").lower() != "enabled":
        return None
    if environ.get("JSII_RUNTIME_PACKAGE_CACHE_ROOT"):
        return Path(environ["JSII_RUNTIME_PACKAGE_CACHE_ROOT"])
    home = environ.get("HOME")
    if not home:
        return None
    if sys.platform == "darwin":
        return Path(home, "Library", "Caches", "com.amazonaws.jsii", "package-cache")
    return Path(home, ".cache", "aws", "jsii", "package-cache")


def is_built(root: Path, version: str) -> bool:
    """Whether some cached copy of the provider's assembly has its index (one per tarball hash)."""
    return any(root.joinpath(*PACKAGE, version).glob(f"*/{MANIFEST}"))


class Pending:
    """Remembers at the start whether the index was missing, so `finish()` knows whether to wait."""

    def __init__(self, *, version: str, environ: Mapping[str, str] = os.environ) -> None:
        self.root = cache_root(environ)
        self.version = version
        self.missing = self.root is not None and not is_built(self.root, version)

    def finish(self, *, timeout: float = WAIT_SECONDS) -> bool:
        """Wait (at most `timeout`) for the kernel's worker to write the index if it was missing; True if built.

        Call it while the kernel still runs (before the interpreter exits); it returns at once otherwise.
        """
        if self.root is None:
            return False
        if not self.missing:
            return True
        deadline = time.monotonic() + timeout
        while not is_built(self.root, self.version):
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_SECONDS)
        self.missing = False
        return True
