"""JK-009: every REST API method that requires authorization uses a Cognito user-pool authorizer (AwsSolutions-COG4).

JK-005 says which methods may be public; this one says how the others are protected: by the pool's tokens,
through an authorizer, so no method falls back to IAM or a custom authorizer nobody reviewed.
"""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind != "resource" or element.type != "aws_api_gateway_method":
        return
    authorization = str(element.config.get("authorization", "")).upper()
    if authorization == "NONE":
        return  # public on purpose or not: JK-005's call
    if authorization != "COGNITO_USER_POOLS":
        yield f"authorization must be COGNITO_USER_POOLS (a user-pool authorizer), got {authorization or None!r}"
    elif not element.config.get("authorizer_id"):
        yield "a COGNITO_USER_POOLS method needs its authorizer (authorizer_id is not set)"


RULE = Rule(
    id="JK-009",
    name="APIGWCognitoAuthorizer",
    why="a method behind IAM or a custom authorizer bypasses the user pool, its MFA and its sign-in rules",
    check=check,
)
