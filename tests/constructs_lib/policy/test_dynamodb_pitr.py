"""JK-001 DynamoDBPointInTimeRecovery: prod tables have PITR."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTablePointInTimeRecovery

from tests.constructs_lib.policy.support import ids, messages, table, violations


def _table(*, pitr: bool | None):
    return table(point_in_time_recovery=None if pitr is None else DynamodbTablePointInTimeRecovery(enabled=pitr))


def test_compliant_prod_table_with_pitr_passes() -> None:
    assert "JK-001" not in ids(violations(_table(pitr=True)))


def test_prod_table_without_pitr_is_a_violation() -> None:
    assert messages(violations(_table(pitr=None)), "JK-001") == [
        "point-in-time recovery must be enabled in prod (point_in_time_recovery.enabled = true)"
    ]


def test_prod_table_with_pitr_disabled_is_a_violation() -> None:
    assert "JK-001" in ids(violations(_table(pitr=False)))


def test_rule_applies_to_prod_only() -> None:
    assert "JK-001" not in ids(violations(_table(pitr=None), environment="dev"))
