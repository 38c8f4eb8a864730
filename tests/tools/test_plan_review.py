"""Plan review over real plans: the data stack applied to the local emulator, then planned as CI plans it.

A harmless change (the CostCenter tag) must pass; renaming the table (a replace, which loses every item)
must be flagged at the top of the summary and fail, unless explicitly allowed; a stack that cannot be
planned must be reported and fail. One apply, two plans (the third variant fails at `terraform init`).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cdktf import App

from constructs_lib.config import DEFAULT_CONFIG_FILE, load_config
from emulator.server import Emulator
from stacks.app import build_app
from tools import plan_review, plan_stacks
from tools.terraform import cli_env

# Applies to the local emulator, so it counts with the end-to-end tests, not the unit suite.

STACK = "junokit-dev-data"
TABLE = "aws_dynamodb_table.user-context_table_D390C265"


def _synth(outdir: Path, environ: dict[str, str], *, table_name: str | None = None) -> Path:
    """The dev stacks as main.py builds them; `table_name` renames the table as a code change would."""
    app = App(outdir=str(outdir))
    stacks = build_app(app, [load_config("dev", environ=environ)])
    if table_name:
        stacks["dev"]["data"].table.table.name = table_name  # type: ignore[attr-defined]  # a DataStack, typed as its base
    app.synth()
    return outdir


def _terraform(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(["terraform", *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"terraform {args[0]}: {result.stdout[-2000:]}{result.stderr[-2000:]}"


@dataclass(frozen=True)
class Planned:
    status: int
    summary: str
    plans: Path


def _plan_stacks(outdir: Path, env: dict[str, str]) -> Planned:
    """What CI runs, for the data stack only: plan it and review the plan."""
    summary = outdir / "summary.md"
    status = plan_stacks.main(
        ["--outdir", str(outdir), "--plans", str(outdir / "plans"), "--summary", str(summary), STACK], environ=env
    )
    return Planned(status, summary.read_text(), outdir / "plans")


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Planned]:
    """Apply the data stack, then plan a harmless change, a table rename and an unreachable backend."""
    root = tmp_path_factory.mktemp("plan-review")
    retagged = root / "environments.toml"
    retagged.write_text(DEFAULT_CONFIG_FILE.read_text().replace('cost_center = "junokit-platform"', 'cost_center = "junokit-research"'))
    assert retagged.read_text() != DEFAULT_CONFIG_FILE.read_text()
    with Emulator() as emulator:
        env = emulator.env(cli_env(os.environ))
        # Every variant is synthesized directly under `root`, so all of them use the state in root/state.
        environ = {"JUNOKIT_STATE_DIR": "state", "JUNOKIT_AWS_ENDPOINT": env["JUNOKIT_AWS_ENDPOINT"]}
        applied = _synth(root / "applied", environ) / "stacks" / STACK
        _terraform(["init", "-input=false"], applied, env)
        _terraform(["apply", "-input=false", "-auto-approve"], applied, env)
        no_bucket = {**environ, "JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-no-such-bucket"}
        return {
            "retag": _plan_stacks(_synth(root / "retag", {**environ, "JUNOKIT_CONFIG": str(retagged)}), env),
            "rename": _plan_stacks(_synth(root / "rename", environ, table_name="junokit-user-context-v2-dev"), env),
            "no-backend": _plan_stacks(_synth(root / "no-backend", no_bucket), env),
        }


@pytest.fixture(scope="module")
def plans(planned: dict[str, Planned]) -> dict[str, Path]:
    """The `terraform show -json` files of the harmless change and of the rename."""
    return {name: planned[name].plans / f"{STACK}.json" for name in ("retag", "rename")}


def _review(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[int, str, str]:
    out = tmp_path / "summary.md"
    status = plan_review.main([*args, "--out", str(out)])
    return status, out.read_text(), capsys.readouterr().err


@pytest.mark.e2e  # plans real changes against the emulator
def test_harmless_change_passes(plans: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, summary, err = _review(capsys, tmp_path, f"{STACK}={plans['retag']}")
    assert status == 0, summary
    assert err == "plan review: no stateful resource is destroyed or replaced\n"
    assert f"| {STACK} | 0 | 2 | 0 | 0 |" in summary
    assert f"- `~` update `{TABLE}`" in summary
    assert "CAUTION" not in summary


@pytest.mark.e2e  # plans real changes against the emulator
def test_table_rename_is_flagged_at_the_top_and_fails(
    plans: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, summary, err = _review(capsys, tmp_path, f"{STACK}={plans['rename']}")
    assert status == 1
    assert err == "plan review: 1 stateful resource would be destroyed or replaced (--allow-destroy accepts this)\n"
    assert summary.startswith(plan_review.MARKER + "\n## Terraform plan review\n\n> [!CAUTION]\n")
    assert f"| {STACK} | `{TABLE}` | **replace** | every item in the table | forced by `name`;" in summary
    assert f"label the pull request `{plan_review.ALLOW_LABEL}`" in summary
    assert f"| {STACK} | 0 | 0 | 0 | 1 |" in summary
    assert summary.index("CAUTION") < summary.index("| stack | add |")


@pytest.mark.e2e  # plans real changes against the emulator
def test_allow_destroy_accepts_the_rename_and_says_so(
    plans: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, summary, err = _review(capsys, tmp_path, f"{STACK}={plans['rename']}", "--allow-destroy")
    assert status == 0
    assert "Explicitly allowed for this run (`--allow-destroy`)." in summary
    assert "allowed by --allow-destroy" in err


@pytest.mark.e2e  # plans real changes against the emulator
def test_one_summary_covers_every_stack_with_the_flag_first(
    plans: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, summary, _ = _review(capsys, tmp_path, f"first={plans['retag']}", f"second={plans['rename']}")
    assert status == 1
    assert "| first | 0 | 2 | 0 | 0 |\n| second | 0 | 0 | 0 | 1 |" in summary
    assert summary.index("| second | `aws_dynamodb_table") < summary.index("### first")


@pytest.mark.e2e  # plans real changes against the emulator
def test_stack_name_defaults_to_the_file_name(plans: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, summary, _ = _review(capsys, tmp_path, str(plans["retag"]))
    assert status == 0
    assert f"### {STACK}" in summary


@pytest.mark.e2e  # plans real changes against the emulator
def test_ci_planning_passes_a_harmless_change(planned: dict[str, Planned]) -> None:
    assert planned["retag"].status == 0, planned["retag"].summary
    assert f"| {STACK} | 0 | 2 | 0 | 0 |" in planned["retag"].summary


@pytest.mark.e2e  # plans real changes against the emulator
def test_ci_planning_fails_a_table_rename(planned: dict[str, Planned]) -> None:
    assert planned["rename"].status == 1
    assert f"| {STACK} | `{TABLE}` | **replace** |" in planned["rename"].summary


@pytest.mark.e2e  # plans real changes against the emulator
def test_ci_planning_reports_a_stack_it_cannot_plan_and_fails(planned: dict[str, Planned]) -> None:
    result = planned["no-backend"]
    assert result.status == 1
    assert f"> Not planned or incomplete: {STACK}. See below." in result.summary
    assert f"### {STACK}: plan failed" in result.summary
    assert "junokit-no-such-bucket" in result.summary
    assert "bootstrap" not in result.summary


def test_stacks_are_planned_producers_first(tmp_path: Path) -> None:
    manifest = {
        "stacks": {
            name: {"workingDirectory": f"stacks/{name}", "dependencies": deps}
            for name, deps in {
                "junokit-dev-api": ["junokit-dev-data", "junokit-dev-identity"],
                "junokit-dev-data": [],
                "junokit-dev-identity": ["junokit-dev-messaging"],
                "junokit-dev-messaging": [],
                "junokit-dev-bootstrap": [],
            }.items()
        }
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert [stack.stack_id for stack in plan_stacks.stacks_in_order(tmp_path)] == [
        "junokit-dev-data",
        "junokit-dev-messaging",
        "junokit-dev-identity",
        "junokit-dev-api",
    ]


def test_planning_an_unknown_stack_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"stacks": {STACK: {"workingDirectory": f"stacks/{STACK}"}}}))
    assert plan_stacks.main(["--outdir", str(tmp_path), "junokit-dev-nope"]) == 2
    assert capsys.readouterr().err == (
        f"plan stacks: error: no stack 'junokit-dev-nope' in {tmp_path} (stacks: {STACK})\n"
    )


def test_planning_without_a_synth_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert plan_stacks.main(["--outdir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"plan stacks: error: {tmp_path / 'manifest.json'} not found; synthesize first (make synth)\n"


def test_a_missing_plan_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert plan_review.main([str(tmp_path / "nope.json")]) == 2
    assert capsys.readouterr().err == f"plan review: error: plan file {tmp_path / 'nope.json'} not found\n"


def test_json_that_is_not_a_plan_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 4, "resources": []}))
    assert plan_review.main([str(state)]) == 2
    assert "is not a plan (expected the output of `terraform show -json PLANFILE`)" in capsys.readouterr().err
