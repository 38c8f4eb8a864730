"""How `tools.plan_stacks` shares the CPU among the stacks it plans at once (`niceness`), without Terraform.

The plans themselves, concurrent and one at a time, run against the emulator in `test_plan_review.py`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import SynthOutputs
from tools import plan_stacks
from tools.manifest import StackInfo


def _stack(root: Path, name: str, *resource_types: str) -> StackInfo:
    directory = root / name
    directory.mkdir()
    config: dict[str, dict[str, object]] = {"resource": {kind: {"it": {}} for kind in resource_types}}
    (directory / "cdk.tf.json").write_text(json.dumps(config))
    return StackInfo(stack_id=name, directory=directory, dependencies=())


@pytest.fixture
def stacks(tmp_path: Path) -> list[StackInfo]:
    return [
        _stack(tmp_path, "data", "aws_dynamodb_table"),
        _stack(tmp_path, "monitoring", "aws_sns_topic", "aws_budgets_budget"),
        _stack(tmp_path, "api", "aws_lambda_function"),
    ]


def test_on_too_few_cores_the_others_yield_to_the_stack_with_a_delayed_read(stacks: list[StackInfo]) -> None:
    assert plan_stacks.niceness(stacks, jobs=3, cores=2) == {
        "data": plan_stacks.YIELDING_NICENESS,
        "monitoring": 0,
        "api": plan_stacks.YIELDING_NICENESS,
    }


@pytest.mark.parametrize(("jobs", "cores"), [(3, 3), (3, 8), (2, 2), (1, 1)])
def test_with_a_core_for_every_stack_at_once_nobody_yields(stacks: list[StackInfo], jobs: int, cores: int) -> None:
    assert set(plan_stacks.niceness(stacks, jobs=jobs, cores=cores).values()) == {0}


def test_without_a_delayed_read_nobody_yields(tmp_path: Path) -> None:
    plain = [_stack(tmp_path, "data", "aws_dynamodb_table"), _stack(tmp_path, "api", "aws_lambda_function")]
    unreadable = StackInfo(stack_id="broken", directory=tmp_path / "missing", dependencies=())
    assert plan_stacks.niceness([*plain, unreadable], jobs=3, cores=1) == {"data": 0, "api": 0, "broken": 0}


def test_in_the_synthesized_app_the_monitoring_stack_has_the_delayed_read(synthesized: SynthOutputs) -> None:
    dev = [
        s for s in plan_stacks.stacks_in_order(synthesized.outdirs["local"]) if s.stack_id.startswith("junokit-dev-")
    ]
    nice = plan_stacks.niceness(dev, jobs=plan_stacks.DEFAULT_JOBS, cores=2)
    assert {stack for stack, value in nice.items() if value == 0} == {"junokit-dev-monitoring"}
    assert len(nice) == 5


def test_each_terraform_command_runs_at_the_niceness_given(tmp_path: Path) -> None:
    report = [sys.executable, "-c", "import os; print(os.nice(0))"]
    ours = os.nice(0)
    assert plan_stacks._run(report, tmp_path, os.environ, niceness=7).stdout.strip() == str(min(ours + 7, 19))
    assert plan_stacks._run(report, tmp_path, os.environ).stdout.strip() == str(ours)
