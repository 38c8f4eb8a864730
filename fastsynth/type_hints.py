"""Remember the type hints jsii's generated bindings ask for on every call.

Each generated constructor and setter checks its arguments at run time with
`check_type(..., expected_type=typing.get_type_hints(_typecheckingstub__<hash>)[name])`, and
`get_type_hints` evaluates the stub's string annotations anew each time: about a third of the Python time
of building a stack. The stubs are module-level functions that never change once their module is
imported, so their hints are computed once here; every other call goes to `typing.get_type_hints` as is.
The checks themselves still run on every call.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

STUB_PREFIX = "_typecheckingstub__"
# Top-level packages of the jsii bindings this project loads.
BINDINGS = frozenset({"cdktf", "constructs", "cdktf_cdktf_provider_aws"})

_original: Callable[..., dict[str, Any]] = typing.get_type_hints
_cache: dict[Callable[..., object], dict[str, Any]] = {}


def _is_binding_stub(obj: object) -> bool:
    return (
        callable(obj)
        and getattr(obj, "__name__", "").startswith(STUB_PREFIX)
        and str(getattr(obj, "__module__", "")).partition(".")[0] in BINDINGS
    )


def get_type_hints(
    obj: Any,
    globalns: dict[str, Any] | None = None,
    localns: dict[str, Any] | None = None,
    include_extras: bool = False,
) -> dict[str, Any]:
    """`typing.get_type_hints`, computed once per jsii type-checking stub (a fresh copy each call)."""
    if globalns is not None or localns is not None or include_extras or not _is_binding_stub(obj):
        return _original(obj, globalns, localns, include_extras)
    hints = _cache.get(obj)
    if hints is None:
        hints = _cache[obj] = _original(obj)
    return dict(hints)


def install(*, enabled: bool = True) -> None:
    """Route `typing.get_type_hints` through the cache, or back to the original. Idempotent."""
    typing.get_type_hints = get_type_hints if enabled else _original  # type: ignore[assignment]  # a compatible wrapper
