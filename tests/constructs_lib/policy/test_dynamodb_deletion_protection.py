"""JK-002 DynamoDBDeletionProtection: prod tables refuse deletion in AWS and in Terraform."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle

from tests.constructs_lib.policy.support import ids, messages, table, violations


def _table(*, deletion_protection: bool, prevent_destroy: bool):
    return table(
        deletion_protection_enabled=deletion_protection,
        lifecycle=TerraformResourceLifecycle(prevent_destroy=prevent_destroy),
    )


def test_compliant_protected_prod_table_passes() -> None:
    assert "JK-002" not in ids(violations(_table(deletion_protection=True, prevent_destroy=True)))


def test_unprotected_prod_table_is_a_violation_naming_both_settings() -> None:
    assert messages(violations(_table(deletion_protection=False, prevent_destroy=False)), "JK-002") == [
        "deletion protection must be on in prod (deletion_protection_enabled = true)",
        "Terraform must refuse to destroy a prod table (lifecycle.prevent_destroy = true)",
    ]


def test_prevent_destroy_alone_is_not_enough() -> None:
    assert messages(violations(_table(deletion_protection=False, prevent_destroy=True)), "JK-002") == [
        "deletion protection must be on in prod (deletion_protection_enabled = true)"
    ]


def test_rule_applies_to_prod_only() -> None:
    assert "JK-002" not in ids(
        violations(_table(deletion_protection=False, prevent_destroy=False), environment="staging")
    )
