"""Start the jsii kernel and load its assemblies while Python is still importing the bindings.

Without this, Python and Node take turns: importing `constructs`, `cdktf` and the provider each stops
Python until Node has started and loaded that package's assembly (~0.45 s in all), while Node idles
during the ~0.5 s Python spends importing the generated modules. `start()` starts the kernel and loads
the three assemblies on a thread instead. Meanwhile the imports' own load requests for those same
tarballs return at once (the kernel ends up loaded with the same packages in the same order), and the
first other request waits for the thread, raising whatever went wrong on it. The kernel process itself was
started before jsii was imported (`jsii_kernel.spawn()`); `adopt()` hands it to jsii's provider.

It relies on jsii's Python internals (the kernel's `provider`), so it only runs on the jsii release it was
checked against and only before the kernel has started; otherwise `start()` does nothing (nothing but the
timing differs) and `tests/fastsynth/test_kernel_warmup.py` fails so the upgrade is noticed.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastsynth import jsii_kernel

VERIFIED_JSII = "1.142.0"
# Python packages of the jsii bindings, in the order their imports load them.
PACKAGES = ("constructs", "cdktf", "cdktf_cdktf_provider_aws")
_LOAD_CALL = re.compile(
    r'jsii\.JSIIAssembly\.load\(\s*"(?P<name>[^"]+)",\s*"(?P<version>[^"]+)",\s*__name__\[0:-6\],\s*"(?P<file>[^"/]+)"\s*\)'
)


@dataclass(frozen=True)
class Assembly:
    name: str
    version: str
    tarball: str


def assemblies(packages: tuple[str, ...] = PACKAGES) -> list[Assembly] | None:
    """What each package's `_jsii/__init__.py` asks the kernel to load, read without importing it; None if
    a package is missing or loads its assembly some other way."""
    found = []
    for package in packages:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return None
        jsii_dir = Path(next(iter(spec.submodule_search_locations))) / "_jsii"
        try:
            match = _LOAD_CALL.search((jsii_dir / "__init__.py").read_text(encoding="utf-8"))
        except OSError:
            return None
        if match is None:
            return None
        tarball = os.path.realpath(jsii_dir / match["file"])
        found.append(Assembly(name=match["name"], version=match["version"], tarball=tarball))
    return found


class _Gate:
    """Stands in for the kernel's provider until the warm-up thread is done, then puts the real one back."""

    def __init__(self, kernel: Any, provider: Any, loading: list[Assembly]) -> None:
        self._kernel = kernel
        self._provider = provider
        self._loading = {(a.name, a.version, a.tarball) for a in loading}
        self._done = threading.Event()
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._warm_up, args=(loading,), name="jsii-warmup", daemon=True)

    def _warm_up(self, loading: list[Assembly]) -> None:
        from jsii._kernel.types import LoadRequest

        try:
            connect = getattr(self._provider, "connect", None)
            if connect is not None:  # an adopted process: its hello comes first
                connect()
            for assembly in loading:  # the first request starts the Node process, unless it runs already
                self._provider.load(LoadRequest(name=assembly.name, version=assembly.version, tarball=assembly.tarball))
        except BaseException as error:  # handed to the main thread, which raises it
            self._error = error
        finally:
            self._done.set()

    def ready(self) -> Any:
        """The real provider, once the warm-up is over (raising its error, if it had one)."""
        self._done.wait()
        if self._kernel.provider is self:
            self._kernel.provider = self._provider
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._provider

    def load(self, request: Any) -> None:
        if (
            not self._done.is_set()
            and (request.name, request.version, os.path.realpath(request.tarball)) in self._loading
        ):
            return None  # loaded by the warm-up, in this same order; `Kernel.load` ignores the response
        self.ready().load(request)
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ready(), name)


_gate: _Gate | None = None


def start() -> bool:
    """Start the kernel and its loads in the background if possible; True if it did. Call it before importing
    `constructs`, `cdktf` or a provider module, after `fastsynth.install()` has set the kernel's environment."""
    global _gate
    if _gate is not None:
        return True
    if any(f"{package}._jsii" in sys.modules for package in PACKAGES):
        return False
    import importlib.metadata  # here, not at import: `jsii_kernel.spawn()` runs first

    try:
        if importlib.metadata.version("jsii") != VERIFIED_JSII:
            return False
    except importlib.metadata.PackageNotFoundError:
        return False
    loading = assemblies()
    if loading is None:
        return False
    import jsii._embedded.jsii  # noqa: F401  (imported here, not on the thread, which then imports nothing)
    from jsii._kernel.providers import ProcessProvider
    from jsii._runtime import kernel

    if type(kernel.provider) is not ProcessProvider:
        return False
    spawned = jsii_kernel.take_spawned()
    _gate = _Gate(kernel, kernel.provider if spawned is None else adopt(spawned), loading)
    kernel.provider = _gate  # type: ignore[assignment]  # stands in for the provider until the thread is done
    _gate.thread.start()
    return True


def adopt(process: subprocess.Popen[bytes]) -> Any:
    """A jsii process provider that talks to `process` (started by `jsii_kernel.spawn()`) instead of starting its
    own: set up as jsii's `_NodeProcess.start()` sets up the process it starts, except for the hello, which
    `connect()` reads (on the warm-up thread)."""
    from jsii._kernel.providers.process import ProcessProvider, _NodeProcess, stderr_sink

    node = _NodeProcess()  # type: ignore[no-untyped-call]  # jsii declares no types for it
    node._process = process
    node.sink_thread = threading.Thread(
        name="process.stderr_sink", target=stderr_sink, args=(process.stderr,), daemon=True
    )
    node.sink_thread.start()
    atexit.register(node.stop)

    class AdoptedProvider(ProcessProvider):
        @property
        def _process(self) -> Any:
            return node

        def connect(self) -> None:
            node.handshake()

    return AdoptedProvider()


def wait() -> None:
    """Block until the warm-up (if any) is over, raising its error; for callers that time the kernel alone."""
    if _gate is not None:
        _gate.ready()
