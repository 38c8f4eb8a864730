"""The JSON schema of a `PUT /user/profile` body, checked by API Gateway before the function runs.

It states what the function's own checks (`runtime/handler.py`) accept, so a bad body is refused at the edge
(400, no invocation, no cost) while the function still checks every body it does get. Draft 4, the only JSON
schema version API Gateway models support. The themes come from the contract, the one list of them.
"""

from __future__ import annotations

from typing import Any

from stacks.identity.contract import USER_THEMES

MODEL_NAME = "ProfileUpdate"
DISPLAY_NAME_MAX_LENGTH = 100
"""Longest display name, in characters (the function's DISPLAY_NAME_MAX)."""


def profile_update_schema() -> dict[str, Any]:
    """An object with at most `displayName` (1-100 characters, not only spaces) and `theme` (one of the five)."""
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": MODEL_NAME,
        "type": "object",
        "properties": {
            "displayName": {
                "type": "string",
                "minLength": 1,
                "maxLength": DISPLAY_NAME_MAX_LENGTH,
                "pattern": "\\S",
            },
            "theme": {"type": "string", "enum": list(USER_THEMES)},
        },
        "additionalProperties": False,
    }
