"""Load the AWS provider bindings without loading all 2,135 generated submodules, in Python or in Node.

`import cdktf_cdktf_provider_aws` (which every `from cdktf_cdktf_provider_aws.x import Y` runs first) ends with
one `from . import <module>` per Terraform resource type, and the jsii kernel's `require` of the package's
lib/index.js does the same in Node, so any synth used to pay ~10 s and ~600 MiB before doing anything.
`install()` fixes both sides:

- Python: a meta-path finder runs the package's `__init__.py` up to that block (the jsii assembly load and the
  shared helpers) and lets Python import only the submodules a stack actually uses.
- Node: it preloads `lazy_provider_index.cjs` into the jsii kernel (NODE_OPTIONS), which compiles lib/index.js
  as getters that require a submodule on first use. NODE_OPTIONS is read when the kernel starts, so `junokit`
  must be installed (`fastsynth.install()`) before `cdktf` or `constructs` is imported; later raises
  `ProviderLoadOrderError`.

Output must stay byte-identical to the eager path (`tests/fastsynth/test_provider_loader.py` proves it), so both
sides only work on the exact files they were checked against: `mismatch()` names any other provider release, and
`fastsynth.install()` then leaves provider loading eager; the .cjs file checks its own pin again in Node.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import types
import typing
from pathlib import Path

PACKAGE = "cdktf_cdktf_provider_aws"
# The provider package this loader was verified against (cdktf-cdktf-provider-aws 20.1.0, hashicorp/aws 5.100.0).
EXPECTED_INIT_SHA256 = "b572adc0d5678ee04026e6947059edbfd0011fa7e5da99ab61428e0c401d7414"
# Preloaded into the jsii kernel's Node processes; holds its own pinned sha256 of the provider's lib/index.js.
NODE_HOOK = Path(__file__).resolve().with_name("lazy_provider_index.cjs")
# Imported only once the jsii kernel runs: its Node process has read NODE_OPTIONS by then.
_KERNEL_MODULES = ("constructs._jsii", "cdktf._jsii")
_MARKER = "# Loading modules to ensure their types are registered with the jsii runtime library\n"
_IMPORT_LINE = re.compile(r"^from \. import ([a-z0-9_]+)$")


class ProviderShapeError(RuntimeError):
    """The installed provider package is not the one the lazy loader was verified against."""


class ProviderLoadOrderError(RuntimeError):
    """The jsii kernel started before `junokit` was imported, so its Node process cannot get the lazy index."""


def split_init(source: str) -> tuple[str, list[str]]:
    """Split the package `__init__` into the part to run and the submodule names it would eagerly import."""
    head, marker, tail = source.partition(_MARKER)
    if not marker:
        raise ProviderShapeError(f"{PACKAGE}/__init__.py has no eager-import block")
    names: list[str] = []
    for line in tail.splitlines():
        if not line.strip():
            continue
        match = _IMPORT_LINE.match(line)
        if not match:
            raise ProviderShapeError(f"{PACKAGE}/__init__.py has unexpected code after the import block: {line!r}")
        names.append(match.group(1))
    return head, names


class _HeadLoader(importlib.abc.Loader):
    """Runs the package `__init__` without its eager-import block; submodules import on first use."""

    def __init__(self, origin: str, head: str, submodules: frozenset[str]) -> None:
        self._origin = origin
        self._head = head
        self._submodules = submodules

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        exec(compile(self._head, self._origin, "exec"), module.__dict__)  # noqa: S102 - the package's own code
        submodules = self._submodules

        def __getattr__(name: str) -> types.ModuleType:  # noqa: N807 - module-level attribute hook
            if name in submodules:
                return importlib.import_module(f"{PACKAGE}.{name}")
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")

        setattr(module, "__getattr__", __getattr__)  # noqa: B010  (PEP 562 hook on a module object)


class _LazyProviderFinder(importlib.abc.MetaPathFinder):
    """Finds the provider package like Python would, then swaps in `_HeadLoader` after checking the file."""

    def find_spec(
        self, fullname: str, path: typing.Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != PACKAGE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None:
            return None
        raw = Path(spec.origin).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != EXPECTED_INIT_SHA256:
            raise ProviderShapeError(
                f"{PACKAGE}/__init__.py changed (sha256 {digest[:12]}, expected {EXPECTED_INIT_SHA256[:12]}): "
                "re-verify fastsynth/provider_loader.py against the new release"
            )
        head, names = split_init(raw.decode("utf-8"))
        spec.loader = _HeadLoader(spec.origin, head, frozenset(names))
        return spec


_FINDER = _LazyProviderFinder()


def _node_hook_option() -> str:
    """`--require "<hook>"`, quoted the way Node parses NODE_OPTIONS (the path may hold spaces)."""
    quoted = str(NODE_HOOK).replace("\\", "\\\\").replace('"', '\\"')
    return f'--require "{quoted}"'


def node_options(current: str, *, lazy: bool) -> str:
    """`current` NODE_OPTIONS with the lazy-index preload added (lazy) or removed (eager); the rest untouched."""
    option = _node_hook_option()
    if lazy:
        return current if option in current else f"{current} {option}".strip()
    return current.replace(f" {option}", "").replace(option, "").strip()


def mismatch() -> str | None:
    """Why the lazy loader cannot be used with the installed provider package, or None if it can."""
    spec = importlib.machinery.PathFinder.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        return f"{PACKAGE} is not installed"
    digest = hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()
    if digest != EXPECTED_INIT_SHA256:
        return f"{PACKAGE}/__init__.py has sha256 {digest[:12]}, verified {EXPECTED_INIT_SHA256[:12]}"
    return None


def install(*, lazy: bool) -> None:
    """Make provider loading lazy on both sides, or plainly eager. Idempotent.

    The Node side is an environment setting inherited by the kernel (and by child processes, which keeps
    `main.py` subprocesses consistent), so it is added or removed here to match `lazy`.
    """
    current = os.environ.get("NODE_OPTIONS", "")
    wanted = node_options(current, lazy=lazy)
    if wanted != current:
        started = [name for name in _KERNEL_MODULES if name in sys.modules]
        if started:
            raise ProviderLoadOrderError(
                f"the jsii kernel started ({started[0]} imported) before fastsynth.install(): call it first "
                "(tests/conftest.py and main.py do)"
            )
        if wanted:
            os.environ["NODE_OPTIONS"] = wanted
        else:
            os.environ.pop("NODE_OPTIONS", None)
    if lazy and _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    if not lazy and _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
