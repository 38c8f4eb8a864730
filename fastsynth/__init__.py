"""Everything that exists only to make a synth fast, switched on by `install()`; importing it does nothing.

- `provider_loader` (+ `lazy_provider_index.cjs`): the AWS provider's 2,135 submodules load on first use, in
  Python and in the jsii kernel's Node process, instead of all at import.
- `jsii_kernel` (+ `jsii_kernel.cjs`, `jsii-node`): the kernel runs in one Node process instead of two, and
  (`creation_stacks.cjs`) cdktf's tokens there record no JavaScript call stack, and (`type_definitions.cjs`) it
  reads each provider type's definition from jsii's cache file when asked, instead of holding all 32 MB.
- `compile_hook.cjs`: the one hook on Node's module compilation that both rewrites of a pinned module use.
- `kernel_warmup`: the kernel starts and loads its assemblies on a thread while Python imports the bindings.
- `type_hints`: the bindings' run-time type hints are computed once per stub instead of on every call.
- `type_index`: the first synth waits for jsii to finish its index of the provider's types, which every later
  synth reads instead of 120 MB of JSON (`finish()`).

Each relies on the exact releases it was verified against (jsii, cdktf, the provider package); with any other,
`install()` leaves that speed-up off and prints one warning line, and synth takes the stock path (same output,
slower). `tests/fastsynth/` fails on such a mismatch, so an upgrade is noticed. `JUNOKIT_NAIVE_SYNTH=1` turns
every speed-up off; the byte-identical comparison runs that way. It imports nothing of the project.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from fastsynth import jsii_kernel, kernel_warmup, provider_loader, type_hints, type_index

NAIVE_SWITCH = "JUNOKIT_NAIVE_SYNTH"
# The releases every speed-up here was verified against.
VERIFIED: dict[str, str] = {"jsii": "1.142.0", "cdktf": "0.21.0", "cdktf-cdktf-provider-aws": "20.1.0"}


@dataclass(frozen=True, kw_only=True)
class Status:
    """Which speed-ups `install()` switched on, and why any verified one is off."""

    lazy_provider: bool = False
    one_process_kernel: bool = False
    warm_up: bool = False
    type_hints: bool = False
    mismatches: tuple[str, ...] = ()
    """Why a speed-up is off although not switched off: a release other than the verified one."""

    @property
    def all_on(self) -> bool:
        return self.lazy_provider and self.one_process_kernel and self.warm_up and self.type_hints


_status: Status | None = None
_index: type_index.Pending | None = None


def _version_mismatches() -> list[str]:
    import importlib.metadata  # ~30 ms: imported once the kernel has been started (`install`)

    found = []
    for package, verified in VERIFIED.items():
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "missing"
        if version != verified:
            found.append(f"{package} {version}, verified {verified}")
    return found


def install(environ: Mapping[str, str] = os.environ, *, warm_up: bool = True) -> Status:
    """Switch on every verified speed-up (all off with JUNOKIT_NAIVE_SYNTH=1); call before importing cdktf.

    `warm_up` also starts the jsii kernel now, on a thread. Idempotent: a second call returns the first status.
    """
    global _status, _index
    if _status is not None:
        return _status
    if environ.get(NAIVE_SWITCH) == "1":
        provider_loader.install(lazy=False)
        jsii_kernel.install(enabled=False)
        type_hints.install(enabled=False)
        _status = Status()
        return _status
    provider_mismatch = provider_loader.mismatch()
    if warm_up and not provider_mismatch:
        # The kernel process starts first, with the settings below, while the release checks and jsii's import
        # (~0.1 s) run; if the warm-up does not take it (a mismatch found next), it is stopped below.
        provider_loader.install(lazy=True)
        if jsii_kernel.install(enabled=True):
            jsii_kernel.spawn()
    mismatches = _version_mismatches()
    if provider_mismatch:
        mismatches.append(provider_mismatch)
    verified = not mismatches
    provider_loader.install(lazy=verified)
    one_process = jsii_kernel.install(enabled=verified)
    if verified and not one_process and not os.environ.get("JSII_RUNTIME"):
        mismatches.append("jsii's kernel program is not the verified one")
    type_hints.install(enabled=verified)
    _index = type_index.Pending(version=VERIFIED["cdktf-cdktf-provider-aws"]) if verified else None
    warmed = verified and warm_up and kernel_warmup.start()
    if not warmed:
        jsii_kernel.discard()
    _status = Status(
        lazy_provider=verified,
        one_process_kernel=one_process,
        warm_up=warmed,
        type_hints=verified,
        mismatches=tuple(mismatches),
    )
    if mismatches:
        print(f"junokit: warning: synth speed-ups off, stock path taken ({'; '.join(mismatches)})", file=sys.stderr)
    return _status


def finish() -> None:
    """At the end of a synth, while the kernel still runs: let it finish what later synths reuse (`type_index`)."""
    if _index is not None:
        _index.finish()


def status() -> Status | None:
    """What `install()` did in this process, or None if it was not called."""
    return _status
