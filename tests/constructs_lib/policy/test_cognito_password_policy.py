"""JK-008 CognitoPasswordPolicy: 12+ characters, all four classes, temporary passwords expire within a week."""

from __future__ import annotations

from collections.abc import Callable

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.cognito_user_pool import CognitoUserPool, CognitoUserPoolPasswordPolicy

from tests.constructs_lib.policy.support import ids, messages, violations

STRONG: dict[str, object] = {
    "minimum_length": 12,
    "require_lowercase": True,
    "require_uppercase": True,
    "require_numbers": True,
    "require_symbols": True,
    "temporary_password_validity_days": 3,
}


def _pool(**changes: object) -> Callable[[TerraformStack], object]:
    def define(stack: TerraformStack) -> CognitoUserPool:
        policy = None if changes.get("none") else CognitoUserPoolPasswordPolicy(**{**STRONG, **changes})
        return CognitoUserPool(stack, "pool", name="p", password_policy=policy)

    return define


def test_compliant_pool_passes() -> None:
    assert "JK-008" not in ids(violations(_pool(), environment="dev"))


def test_short_passwords_are_a_violation() -> None:
    assert messages(violations(_pool(minimum_length=8), environment="dev"), "JK-008") == [
        "passwords must be at least 12 characters (password_policy.minimum_length is 8)"
    ]


def test_a_missing_character_class_is_a_violation() -> None:
    assert messages(violations(_pool(require_symbols=False), environment="dev"), "JK-008") == [
        "passwords must mix all character classes (require_symbols not true)"
    ]


def test_long_lived_temporary_passwords_are_a_violation() -> None:
    assert messages(violations(_pool(temporary_password_validity_days=30), environment="dev"), "JK-008") == [
        "temporary passwords must expire within 7 days (password_policy.temporary_password_validity_days is 30)"
    ]


def test_a_pool_without_a_password_policy_is_a_violation() -> None:
    assert len(messages(violations(_pool(none=True)), "JK-008")) == 3
