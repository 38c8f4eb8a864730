"""Drift reports from refresh-only plans captured from the emulator (see tests/tools/test_speculative_state.py for
the fixtures): what was changed by hand is named down to the attribute, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools import drift, plan_review, plan_stacks
from tools.speculative_state import Assumption

FIXTURES = Path(__file__).parent.parent / "fixtures" / "plans"
TABLE = "aws_dynamodb_table.user-context_table_D390C265"
FUNCTION = "aws_lambda_function.profile_function_52A92D8E"


def _plan(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return document


def test_point_in_time_recovery_turned_off_is_reported_on_the_table() -> None:
    found = drift.read_drift(_plan("data-drift.json"), stack="junokit-dev-data")
    assert [(d.address, d.action) for d in found.resources] == [(TABLE, "update")]
    assert [(a.path, a.before, a.now) for a in found.resources[0].attributes] == [
        ("point_in_time_recovery[0].enabled", "true", "false"),
        ("point_in_time_recovery[0].recovery_period_in_days", "35", "0"),
    ]


def test_the_function_memory_is_reported_and_unset_versus_empty_is_not() -> None:
    found = drift.read_drift(_plan("api-drift.json"), stack="junokit-dev-api")
    by_address = {d.address: d for d in found.resources}
    assert [(a.path, a.before, a.now) for a in by_address[FUNCTION].attributes] == [("memory_size", "256", "512")]
    # The fixture holds 29 drifted resources, most only null -> {} / [] / "" as the provider reads them back.
    assert len(_plan("api-drift.json")["resource_drift"]) == 29
    assert sorted(by_address) == [
        "aws_iam_role.account-logging_role_A7FD29A6",
        "aws_iam_role.profile_role_ADA4E739",
        FUNCTION,
    ]


def test_sensitive_values_are_masked() -> None:
    (attribute,) = drift.changed_attributes(
        {"a": "old"}, {"a": "new"}, before_sensitive={"a": True}, after_sensitive=True
    )
    assert (attribute.path, attribute.before, attribute.now) == ("a", "(sensitive)", "(sensitive)")


def test_a_resource_deleted_outside_terraform_is_reported_as_such() -> None:
    document = {
        "resource_drift": [
            {"address": TABLE, "mode": "managed", "change": {"actions": ["delete"], "before": {}, "after": None}}
        ]
    }
    found = drift.read_drift(document, stack="junokit-dev-data")
    assert found.resources == [drift.Drifted(address=TABLE, action="delete")]
    assert f"- `-` deleted outside Terraform `{TABLE}`" in drift.report([found], title="Drift: dev")


def test_the_report_names_the_stack_resource_and_attribute_and_the_status_is_2() -> None:
    stacks = [
        drift.read_drift(_plan("data-drift.json"), stack="junokit-dev-data"),
        drift.StackDrift(stack="junokit-dev-messaging"),
    ]
    text = drift.report(stacks, title="Drift: dev")
    assert text.startswith(
        drift.MARKER + "\n## Drift: dev\n\n> [!WARNING]\n> **1 resource drifted** in junokit-dev-data:"
    )
    assert "| junokit-dev-data | 1 | 0 | 0 |\n| junokit-dev-messaging | 0 | 0 | 0 |" in text
    assert (
        f"- `~` changed outside Terraform `{TABLE}`\n  - `point_in_time_recovery[0].enabled`: `true` → `false`" in text
    )
    assert "### junokit-dev-messaging\n\nNo drift." in text
    assert drift.status_of(stacks) == (2, "drift in junokit-dev-data")


def test_no_drift_is_0_and_a_stack_not_checked_is_1_whatever_else_drifted() -> None:
    clean = [drift.StackDrift(stack="junokit-dev-data")]
    assert drift.status_of(clean) == (0, "no drift")
    assert "No drift: every resource matches the last apply." in drift.report(clean, title="Drift: dev")
    broken = [
        drift.read_drift(_plan("data-drift.json"), stack="junokit-dev-data"),
        drift.StackDrift(stack="x", error="boom"),
    ]
    assert drift.status_of(broken) == (1, "could not check x; drift in junokit-dev-data")
    assert "### x: not checked\n\n```text\nboom\n```" in drift.report(broken, title="Drift: dev")


@pytest.mark.parametrize("tool", [drift.main, plan_stacks.main])
def test_a_bad_jobs_value_is_one_line_and_exit_2(tool: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        tool(["--jobs", "0"])
    assert exited.value.code == 2
    assert "invalid jobs '0' (allowed: a whole number from 1 to 16)" in capsys.readouterr().err.splitlines()[-1]


def test_drift_without_a_synth_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert drift.main(["--outdir", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err
        == f"drift: error: {tmp_path / 'manifest.json'} not found; synthesize first (make synth)\n"
    )


def test_a_speculative_plan_is_marked_in_the_review_with_the_outputs_it_assumed() -> None:
    assumed = (Assumption(stack="junokit-dev-data", output="JunokitNew", change="added"),)
    text = plan_review.summarize(
        [plan_review.StackPlan(stack="junokit-dev-data"), plan_review.StackPlan(stack="junokit-dev-api")],
        allow_destroy=False,
        speculative={"junokit-dev-api": assumed},
    )
    assert "> [!NOTE]\n> **Speculative plans.**" in text
    assert "> - junokit-dev-api: from junokit-dev-data's plan `JunokitNew` (added)" in text
    assert "| junokit-dev-api (speculative) | 0 | 0 | 0 | 0 |" in text
    assert (
        "### junokit-dev-api (speculative)\n\nPlanned against planned outputs: from junokit-dev-data's plan `JunokitNew` (added)."
        in text
    )
    assert "### junokit-dev-data\n\nNo changes." in text
