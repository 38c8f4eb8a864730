"""IAM policy documents as rules read them: the shapes a statement may take, and the TLS-only Deny."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from constructs_lib.policy.view import StackView


def as_list(value: Any) -> list[Any]:
    """A statement's Action or Resource (or a document's Statement): absent, one value, or a list of them."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def denies_without_tls(statement: Mapping[str, Any], *, actions: set[str], resources: set[str]) -> bool:
    """A Deny for any principal, of one of `actions` (case-insensitive, as IAM compares them) on every one of
    `resources`, when `aws:SecureTransport` is false."""
    if statement.get("Effect") != "Deny" or statement.get("Principal") not in ("*", {"AWS": "*"}):
        return False
    named = {str(action).lower() for action in as_list(statement.get("Action"))}
    if not named & {action.lower() for action in actions}:
        return False
    if not resources <= set(as_list(statement.get("Resource"))):
        return False
    secure = ((statement.get("Condition") or {}).get("Bool") or {}).get("aws:SecureTransport")
    return str(secure).lower() == "false"


def attached_statements(stack: StackView, *, policy_type: str, link: str, target: str) -> Iterator[Mapping[str, Any]]:
    """The statements of every `policy_type` resource of the stack whose `link` attribute is `target` (a reference
    such as `${aws_s3_bucket.x.id}`); a policy that is not literal JSON is skipped."""
    for element in stack.elements():
        if element.kind != "resource" or element.type != policy_type or element.config.get(link) != target:
            continue
        try:
            document = json.loads(str(element.config.get("policy")))
        except ValueError:
            continue
        yield from as_list(document.get("Statement"))
