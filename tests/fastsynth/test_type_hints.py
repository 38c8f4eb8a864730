"""The type-hint cache for jsii's generated bindings: same hints as `typing`, used only for their stubs."""

from __future__ import annotations

import typing

import cdktf
import cdktf_cdktf_provider_aws.dynamodb_table as dynamodb_table

from fastsynth import type_hints


def _stubs(binding: type) -> list[typing.Callable[..., object]]:
    """The stubs of the module defining `binding` (its namespace: `publication` hides them from the module)."""
    namespace = binding.__init__.__globals__  # type: ignore[misc]  # reads the generated module's namespace
    return [value for name, value in namespace.items() if name.startswith(type_hints.STUB_PREFIX)]


def test_the_bindings_use_the_cache() -> None:
    assert typing.get_type_hints is type_hints.get_type_hints
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "hints")
    dynamodb_table.DynamodbTable(stack, "table", name="t", hash_key="id", attribute=[{"name": "id", "type": "S"}])
    assert set(_stubs(dynamodb_table.DynamodbTable)) & set(type_hints._cache)
    assert set(_stubs(cdktf.App)) & set(type_hints._cache)


def test_stub_hints_equal_typings_and_are_computed_once() -> None:
    for stub in _stubs(dynamodb_table.DynamodbTable)[:50] + _stubs(cdktf.App)[:50]:
        expected = type_hints._original(stub)
        first, second = type_hints.get_type_hints(stub), type_hints.get_type_hints(stub)
        assert first == second == expected, stub.__name__
        assert first is not second  # a caller may change its copy without changing the next one's
        assert stub in type_hints._cache


def test_other_objects_go_to_typing_as_they_are() -> None:
    class Props:
        name: str
        size: int

    def _typecheckingstub__local(value: int) -> None: ...

    assert type_hints.get_type_hints(Props) == {"name": str, "size": int}
    assert type_hints.get_type_hints(_typecheckingstub__local) == {"value": int, "return": type(None)}
    assert Props not in type_hints._cache and _typecheckingstub__local not in type_hints._cache
