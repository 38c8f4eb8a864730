"""JK-007: prod user pools require MFA by authenticator app (TOTP); a leaked password alone opens no account."""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView, block


def check(element: Element, stack: StackView) -> Iterator[str]:
    if not stack.is_prod or element.kind != "resource" or element.type != "aws_cognito_user_pool":
        return
    mode = element.config.get("mfa_configuration")
    if mode != "ON":
        yield f'MFA must be required in prod (mfa_configuration = "ON", got {mode!r})'
    if block(element.config, "software_token_mfa_configuration").get("enabled") is not True:
        yield "prod pools must offer TOTP MFA (software_token_mfa_configuration.enabled = true)"


RULE = Rule(
    id="JK-007",
    name="CognitoUserPoolMFA",
    why="without required MFA one phished or reused password is a whole account, its profile and its data",
    check=check,
)
