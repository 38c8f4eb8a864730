"""Construct-time checks of props: one-line `ValueError`s naming the field, the value and what is allowed.

Values that are still cdktf tokens (known only at apply time) are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from constructs_lib.config import LOG_RETENTION_DAYS

__all__ = ["LOG_RETENTION_DAYS", "arn", "in_range", "is_token", "matches", "one_of"]

# How cdktf encodes a token in a string (cdktf/lib/tokens/private/encoding.js, STRING_TOKEN_REGEX): the same
# test `Token.is_unresolved` makes for a string, without a call into the jsii kernel per checked prop.
_STRING_TOKEN = re.compile(r"\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}")


def is_token(value: object) -> bool:
    """Whether `value` is a string holding a cdktf token (`Token.is_unresolved` for strings)."""
    return isinstance(value, str) and _STRING_TOKEN.search(value) is not None


def one_of(field: str, value: object, allowed: Iterable[object]) -> None:
    allowed = tuple(allowed)
    if not is_token(value) and value not in allowed:
        raise ValueError(f"{field} {value!r} is not allowed (allowed: {', '.join(map(str, allowed))})")


def in_range(field: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{field} {value!r} is not allowed (allowed: {low}-{high})")


def matches(field: str, value: str, pattern: str, allowed: str) -> None:
    if not is_token(value) and (not isinstance(value, str) or not re.fullmatch(pattern, value)):
        raise ValueError(f"{field} {value!r} is not allowed (allowed: {allowed})")


def arn(field: str, value: str, service: str) -> None:
    """An ARN of `service`, unless it is a token (the usual case: read from another stack's state)."""
    matches(field, value, rf"arn:aws[a-z-]*:{service}:.+", f"an ARN of {service}")
