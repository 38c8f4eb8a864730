"""JK-007 CognitoUserPoolMFA: prod user pools require TOTP MFA."""

from __future__ import annotations

from collections.abc import Callable

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.cognito_user_pool import (
    CognitoUserPool,
    CognitoUserPoolSoftwareTokenMfaConfiguration,
)

from tests.constructs_lib.policy.support import ids, messages, violations


def _pool(mode: str | None, *, totp: bool | None) -> Callable[[TerraformStack], object]:
    def define(stack: TerraformStack) -> CognitoUserPool:
        return CognitoUserPool(
            stack,
            "pool",
            name="p",
            mfa_configuration=mode,
            software_token_mfa_configuration=(
                None if totp is None else CognitoUserPoolSoftwareTokenMfaConfiguration(enabled=totp)
            ),
        )

    return define


def test_compliant_prod_pool_requiring_totp_passes() -> None:
    assert "JK-007" not in ids(violations(_pool("ON", totp=True)))


def test_prod_pool_with_optional_mfa_is_a_violation() -> None:
    assert messages(violations(_pool("OPTIONAL", totp=True)), "JK-007") == [
        "MFA must be required in prod (mfa_configuration = \"ON\", got 'OPTIONAL')"
    ]


def test_prod_pool_without_mfa_settings_is_a_violation() -> None:
    assert messages(violations(_pool(None, totp=None)), "JK-007") == [
        'MFA must be required in prod (mfa_configuration = "ON", got None)',
        "prod pools must offer TOTP MFA (software_token_mfa_configuration.enabled = true)",
    ]


def test_required_mfa_without_totp_is_a_violation() -> None:
    assert messages(violations(_pool("ON", totp=False)), "JK-007") == [
        "prod pools must offer TOTP MFA (software_token_mfa_configuration.enabled = true)"
    ]


def test_rule_applies_to_prod_only() -> None:
    assert "JK-007" not in ids(violations(_pool("OPTIONAL", totp=True), environment="dev"))
