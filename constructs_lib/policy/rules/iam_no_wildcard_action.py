"""JK-004: no policy allows a wildcard action (`*`, `s3:*`, `s3:Get*`) or uses NotAction in an Allow.

Checked wherever a policy document is written: IAM roles (trust and inline policies), role/user/group
policies, managed policies, resource policies (S3, SNS, SQS, Secrets Manager, ...), `aws_iam_policy_document`
data sources, and Lambda permissions. Deny statements may use wildcards: they only take rights away.
A policy that is not literal JSON cannot be checked and is refused, unless it is the rendered output of
an `aws_iam_policy_document` data source, which is checked where it is defined.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from constructs_lib.policy.documents import as_list
from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView, blocks

POLICY_ATTRIBUTES: tuple[str, ...] = ("policy", "assume_role_policy", "policy_document")
_RENDERED_DOCUMENT = re.compile(r"^\$\{data\.aws_iam_policy_document\.[A-Za-z0-9_-]+\.(json|minified_json)\}$")


def _wildcards(actions: object) -> list[str]:
    return [str(action) for action in as_list(actions) if "*" in str(action)]


def _statement_problems(statement: Mapping[str, Any], where: str) -> Iterator[str]:
    if str(statement.get("Effect", statement.get("effect", "Allow"))).lower() != "allow":
        return
    wild = _wildcards(statement.get("Action", statement.get("actions")))
    if wild:
        yield f"{where} allows wildcard action {', '.join(repr(action) for action in wild)}; name each action"
    if statement.get("NotAction") or statement.get("not_actions"):
        yield f"{where} allows everything except NotAction; name each allowed action instead"


def _document_problems(document: object, where: str) -> Iterator[str]:
    if isinstance(document, str) and _RENDERED_DOCUMENT.match(document):
        return
    try:
        parsed = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        parsed = None
    if not isinstance(parsed, Mapping):
        yield f"{where} is not a literal JSON policy, so its actions cannot be checked (write it with json.dumps)"
        return
    for index, statement in enumerate(as_list(parsed.get("Statement"))):
        if isinstance(statement, Mapping):
            yield from _statement_problems(statement, f"{where} statement {statement.get('Sid') or index}")


def check(element: Element, stack: StackView) -> Iterator[str]:
    if not element.type.startswith("aws_"):
        return
    if element.kind == "data":
        if element.type == "aws_iam_policy_document":
            for index, statement in enumerate(blocks(element.config, "statement")):
                yield from _statement_problems(statement, f"statement {statement.get('sid') or index}")
        return
    if element.kind != "resource":
        return
    for attribute in POLICY_ATTRIBUTES:
        if attribute in element.config:
            yield from _document_problems(element.config[attribute], attribute)
    if element.type == "aws_iam_role":
        for inline in blocks(element.config, "inline_policy"):
            if "policy" in inline:
                yield from _document_problems(inline["policy"], f"inline_policy {inline.get('name', '')}".strip())
    if element.type == "aws_lambda_permission" and _wildcards(element.config.get("action")):
        yield f"action {element.config.get('action')!r} is a wildcard; grant lambda:InvokeFunction"


RULE = Rule(
    id="JK-004",
    name="IAMNoWildcardAction",
    why="a wildcard action grants rights nobody reviewed, including ones AWS adds later",
    check=check,
)
