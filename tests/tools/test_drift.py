"""Drift reports from refresh-only plans captured from the emulator (see tests/tools/test_speculative_state.py for
the fixtures): what was changed by hand is named down to the attribute, and nothing else.

`first-apply-drift.json`: `make drift` on all five dev stacks right after their first apply on the emulator, after
point-in-time recovery was turned off and the function's memory changed through the API (each stack's
`resource_drift`, and of its `prior_state` only the topics, pools, roles and what manages their attributes)."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support import make
from tools import drift, plan_review, plan_stacks
from tools.speculative_state import Assumption

FIXTURES = Path(__file__).parent.parent / "fixtures" / "plans"
TABLE = "aws_dynamodb_table.user-context_table_D390C265"
FUNCTION = "aws_lambda_function.profile_function_52A92D8E"
STACKS = ("data", "messaging", "identity", "api", "monitoring")


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


def _first_apply(stack: str) -> dict[str, Any]:
    document: dict[str, Any] = _plan("first-apply-drift.json")[f"junokit-dev-{stack}"]
    return document


def test_a_first_apply_reports_only_what_was_changed_by_hand() -> None:
    """All five stacks right after their first apply, with two changes by hand. The rest of resource_drift is what
    the provider reads back differently from what it recorded: unset versus empty or zero (alarm queries' period),
    and attributes another resource of the stack manages (topic policies, the pool's domain, role policies)."""
    found = {stack: drift.read_drift(_first_apply(stack), stack=stack) for stack in STACKS}
    assert {stack: [d.address for d in f.resources] for stack, f in found.items()} == {
        "data": [TABLE],
        "messaging": [],
        "identity": [],
        "api": [FUNCTION],
        "monitoring": [],
    }
    assert [(a.path, a.before, a.now) for a in found["api"].resources[0].attributes] == [("memory_size", "256", "512")]
    assert sum(len(_first_apply(stack)["resource_drift"]) for stack in STACKS) == 49


def _drifted_topic(*, with_policy_resource: bool, policy_changed: bool = False) -> dict[str, Any]:
    """The messaging stack's topic read back with the policy that aws_sns_topic_policy set (and maybe a hand edit)."""
    document = copy.deepcopy(_first_apply("messaging"))
    resources = document["prior_state"]["values"]["root_module"]["resources"]
    if not with_policy_resource:
        resources[:] = [r for r in resources if r["type"] != "aws_sns_topic_policy"]
    if policy_changed:
        (policy,) = [r for r in resources if r["type"] == "aws_sns_topic_policy"]
        document["resource_drift"].append(
            {
                "address": policy["address"],
                "mode": "managed",
                "type": "aws_sns_topic_policy",
                "change": {"actions": ["update"], "before": {"policy": "{}"}, "after": {"policy": '{"by":"hand"}'}},
            }
        )
    return document


def test_an_attribute_is_left_to_its_owner_only_when_the_owner_is_in_the_state() -> None:
    assert not drift.read_drift(_drifted_topic(with_policy_resource=True), stack="messaging").drifted
    unowned = drift.read_drift(_drifted_topic(with_policy_resource=False), stack="messaging")
    assert [(d.address.split(".")[0], [a.path for a in d.attributes]) for d in unowned.resources] == [
        ("aws_sns_topic", ["policy"])
    ]


def test_a_hand_edit_of_an_owned_attribute_is_reported_on_its_owner() -> None:
    found = drift.read_drift(_drifted_topic(with_policy_resource=True, policy_changed=True), stack="messaging")
    assert [(d.address.split(".")[0], [a.path for a in d.attributes]) for d in found.resources] == [
        ("aws_sns_topic_policy", ["policy"])
    ]


def test_unset_versus_zero_is_no_drift_but_zero_versus_a_value_is() -> None:
    assert drift.changed_attributes({"period": None, "on": None}, {"period": 0, "on": False}) == []
    assert [a.path for a in drift.changed_attributes({"period": 0}, {"period": 60})] == ["period"]
    assert [a.path for a in drift.changed_attributes({"period": None}, {"period": 60})] == ["period"]


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


@pytest.mark.parametrize(("tool", "status"), [(drift.main, 1), (plan_stacks.main, 2)])
def test_a_bad_jobs_value_is_one_line_and_an_error(tool: Any, status: int, capsys: pytest.CaptureFixture[str]) -> None:
    """An error, which for drift is 1: its 2 means drift."""
    with pytest.raises(SystemExit) as exited:
        tool(["--jobs", "0"])
    assert exited.value.code == status
    assert "invalid jobs '0' (allowed: a whole number from 1 to 16)" in capsys.readouterr().err.splitlines()[-1]


def test_drift_without_a_synth_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert drift.main(["--outdir", str(tmp_path)]) == 1
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


def test_make_drift_exits_1_for_an_error_where_make_alone_would_exit_2(tmp_path: Path) -> None:
    """GNU make exits 2 for any failed recipe; `make drift` passes on tools.drift's 1 (and a failed synth's, as 1).
    Its 0 and 2 against deployed stacks: tests/tools/test_plan_review.py. Every run checks `out`, which holds
    nothing but what the one good synth writes, so a run that goes too far stops there (and calls no AWS)."""
    out, report = tmp_path / "out", tmp_path / "report.md"
    env = {**os.environ, "JUNOKIT_OUTDIR": str(out)}
    checks = (f"DRIFT_ARGS=--outdir {out} junokit-dev-nope", f"DRIFT_REPORT={report}")
    unknown = make("drift", *checks, env={**env, "JUNOKIT_ENV": "nope"})
    assert unknown.returncode == 1, unknown.stderr
    assert "junokit: error: environment 'nope' is not allowed (allowed: dev, staging, prod, all)" in unknown.stderr
    assert "drift:" not in unknown.stderr, "drift ran after the synth failed"
    shown = make("-n", "drift", *checks, env=env)  # a dry run only prints
    assert shown.returncode == 0 and "-m tools.drift" in shown.stdout, shown.stdout + shown.stderr
    assert "drift:" not in shown.stderr and not out.exists()
    no_stack = make("drift", *checks, env=env)
    assert no_stack.returncode == 1, no_stack.stderr
    assert no_stack.stderr.splitlines()[-1].startswith("drift: error: no stack 'junokit-dev-nope' in "), no_stack.stderr
    assert sorted(path.name for path in (out / "stacks").iterdir()) == [f"junokit-dev-{s}" for s in sorted(STACKS)]
    assert not report.exists()


@pytest.mark.parametrize(("tool", "status"), [(drift.main, 1), (plan_stacks.main, 2)])
def test_without_outdir_the_tools_read_where_main_wrote(
    tool: Any, status: int, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`make plan` and `make drift` synthesize into JUNOKIT_OUTDIR when it is set; the tools must read there."""
    elsewhere = tmp_path / "elsewhere"
    assert tool([], environ={"JUNOKIT_OUTDIR": str(elsewhere)}) == status
    assert f"{elsewhere / 'manifest.json'} not found" in capsys.readouterr().err
