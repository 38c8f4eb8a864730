"""JK-003 LogGroupRetention: every log group has a retention period."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup

from tests.constructs_lib.policy.support import ids, messages, violations


def _log_group(retention: int | None):
    def define(stack: TerraformStack) -> None:
        CloudwatchLogGroup(stack, "logs", name="/aws/lambda/x", retention_in_days=retention)

    return define


def test_compliant_log_group_with_retention_passes() -> None:
    assert "JK-003" not in ids(violations(_log_group(14), environment="dev"))


def test_log_group_without_retention_is_a_violation() -> None:
    assert messages(violations(_log_group(None), environment="dev"), "JK-003") == [
        "log retention must be set to a number of days (retention_in_days is None)"
    ]


def test_never_expire_is_a_violation() -> None:
    assert "JK-003" in ids(violations(_log_group(0), environment="dev"))
