"""A read-only view of one stack's resolved Terraform configuration, the input every policy rule reads.

Rules look at what Terraform will receive, not at construct objects: `TerraformStack.to_terraform()`
returns the stack's configuration with every token resolved to its final form (`${aws_x.y.id}` for a
reference), so a rule is a pure function over plain dicts and lists and can be tested without cdktf.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

ElementKind = Literal["resource", "data", "provider", "backend"]

_REFERENCE = re.compile(r"^\$\{(?:(data)\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$")


@dataclass(frozen=True, kw_only=True)
class Element:
    """One resource, data source, provider configuration or backend of a stack, as Terraform sees it."""

    kind: ElementKind
    type: str
    """Resource or data source type (`aws_dynamodb_table`), provider name (`aws`) or backend type (`s3`)."""
    name: str
    """Logical id (`user-context_table_D390C265`), provider alias or `""`, backend type."""
    path: str
    """Construct path (`junokit-prod-data/user-context/table`), what a developer searches the code for."""
    config: Mapping[str, Any]

    @property
    def address(self) -> str:
        """Terraform address, as plans and checkov name it."""
        if self.kind == "resource":
            return f"{self.type}.{self.name}"
        if self.kind == "data":
            return f"data.{self.type}.{self.name}"
        if self.kind == "provider":
            return f"provider.{self.type}" + (f".{self.name}" if self.name else "")
        return f"terraform.backend.{self.type}"


@dataclass(frozen=True, kw_only=True)
class StackView:
    """Every element of one synthesized stack plus the environment it belongs to."""

    stack_id: str
    environment: str
    document: Mapping[str, Any] = field(repr=False)

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    def is_prod_table(self, element: Element) -> bool:
        """Whether `element` is a DynamoDB table of a prod stack, what the table rules guard."""
        return self.is_prod and element.kind == "resource" and element.type == "aws_dynamodb_table"

    def elements(self) -> tuple[Element, ...]:
        return self._elements

    @cached_property
    def _elements(self) -> tuple[Element, ...]:
        return tuple(self._walk())

    @cached_property
    def _by_key(self) -> dict[tuple[str, str, str], Element]:
        return {(e.kind, e.type, e.name): e for e in self._elements}

    @cached_property
    def _by_path(self) -> dict[str, Element]:
        return {e.path: e for e in self._elements if e.kind in ("resource", "data")}

    def _walk(self) -> Iterator[Element]:
        for kind, section in (("resource", "resource"), ("data", "data")):
            for type_, by_name in (self.document.get(section) or {}).items():
                for name, config in by_name.items():
                    path = ((config.get("//") or {}).get("metadata") or {}).get("path", f"{self.stack_id}/{name}")
                    body = {key: value for key, value in config.items() if key != "//"}
                    yield Element(kind=kind, type=type_, name=name, path=path, config=body)  # type: ignore[arg-type]  # kind is one of the two literals of the loop
        for type_, configs in (self.document.get("provider") or {}).items():
            for config in configs if isinstance(configs, list) else [configs]:
                alias = str(config.get("alias", ""))
                path = f"{self.stack_id}/provider.{type_}" + (f".{alias}" if alias else "")
                yield Element(kind="provider", type=type_, name=alias, path=path, config=config)
        for type_, config in ((self.document.get("terraform") or {}).get("backend") or {}).items():
            yield Element(kind="backend", type=type_, name=type_, path=f"{self.stack_id}/backend", config=config)

    def find(self, *, kind: ElementKind, type_: str, name: str) -> Element | None:
        """A resource or data source by type and logical id, a provider by type and alias, a backend by type."""
        return self._by_key.get((kind, type_, name))

    def at_path(self, path: str) -> Element | None:
        """The resource or data source a construct path synthesizes to."""
        return self._by_path.get(path)

    def backend(self) -> Element | None:
        return next((e for e in self._elements if e.kind == "backend"), None)

    def referenced(self, value: object) -> tuple[Element, str] | None:
        """The element and attribute a whole-value reference (`${aws_x.y.id}`) points to, if it is one."""
        if not isinstance(value, str):
            return None
        match = _REFERENCE.match(value)
        if not match:
            return None
        data, type_, name, attribute = match.groups()
        element = self.find(kind="data" if data else "resource", type_=type_, name=name)
        return (element, attribute) if element else None


def block(config: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A nested block that Terraform JSON may write as one object or as a list of one object."""
    value = config.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, Mapping) else {}


def blocks(config: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """A repeatable nested block as a list, whichever way it was written."""
    value = config.get(key)
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Mapping)]
    return []
