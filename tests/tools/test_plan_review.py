"""Plan review and drift over real plans: the dev stacks applied to the local emulator, then planned as CI plans.

A harmless change (the CostCenter tag) must pass; renaming the table (a replace, which loses every item)
must be flagged at the top of the summary and fail, unless explicitly allowed; a stack that cannot be
planned must be reported and fail. A chained change (a new data-stack output that the api stack reads) is
planned in one go, concurrently: the api stack speculatively, against the data stack's planned outputs, with no
state written. Changes made by hand through the API
are found by `make drift` down to the attribute (exit 2), and gone after an apply (exit 0).

One deployment (five applies) serves every case. A Terraform plan starts the AWS provider three times and an apply
four (~1.5 s of CPU each), so each case plans only the stacks it needs: the drift fix is applied and re-checked
on the two drifted stacks only.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cdktf import App

from constructs_lib.config import DEFAULT_CONFIG_FILE, load_config
from constructs_lib.contract import StackName
from emulator.server import Emulator
from stacks.app import STACK_TYPES, build_app
from tests.support import make
from tools import drift, plan_review, plan_stacks, speculative_state
from tools.deploy import Run, Terraform, run_graph
from tools.manifest import Manifest
from tools.terraform import INIT_RECORD, cli_env

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

STACK = "junokit-dev-data"
API = "junokit-dev-api"
TABLE = "aws_dynamodb_table.user-context_table_D390C265"
FUNCTION = "aws_lambda_function.profile_function_52A92D8E"
# The chained change: a new data-stack output, read by the api stack into its function's environment.
NEW_OUTPUT = "JunokitUserContextTablePartitionKey"
NEW_VARIABLE = "JUNOKIT_TABLE_PARTITION_KEY"
DRIFTED = (STACK, API)  # the stacks the test changes by hand


def _synth(outdir: Path, environ: dict[str, str], *, table_name: str | None = None, chained: bool = False) -> Path:
    """The dev stacks as main.py builds them; `table_name` renames the table and `chained` adds the chained
    change, as code changes would."""
    app = App(outdir=str(outdir))
    stacks = build_app(app, [load_config("dev", environ=environ)])["dev"]
    if table_name:
        stacks["data"].table.table.name = table_name  # type: ignore[attr-defined]  # a DataStack, typed as its base
    if chained:
        data, api = stacks[StackName.DATA], stacks[StackName.API]
        # As the code change would: both contracts list the new output, then it is published and read.
        data.contract = dataclasses.replace(data.contract, publishes=(*data.contract.publishes, NEW_OUTPUT))
        reads = {**api.contract.reads, StackName.DATA: (*api.contract.reads[StackName.DATA], NEW_OUTPUT)}
        api.contract = dataclasses.replace(api.contract, reads=reads)
        data.publish(NEW_OUTPUT, data.table.table.hash_key, description="partition key of the table")  # type: ignore[attr-defined]
        remote = api.node.find_child(f"remote-{StackName.DATA}")
        api.profile.function.add_override(  # type: ignore[attr-defined]
            f"environment.variables.{NEW_VARIABLE}",
            remote.get_string(NEW_OUTPUT),  # type: ignore[attr-defined]
        )
    app.synth()
    return outdir


def _terraform(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        ["terraform", *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"terraform {args[0]}: {result.stdout[-2000:]}{result.stderr[-2000:]}"


@dataclass(frozen=True)
class Planned:
    status: int
    summary: str
    plans: Path
    seconds: float = 0.0


def _written(outdir: Path, name: str) -> list[str]:
    """Where plan_stacks and drift write: plan JSON in outdir/<name>/, the Markdown in outdir/<name>.md."""
    return ["--outdir", str(outdir), "--plans", str(outdir / name), "--summary", str(outdir / f"{name}.md")]


def _plan_stacks(
    outdir: Path, env: dict[str, str], *stacks: str, jobs: int = plan_stacks.DEFAULT_JOBS, name: str = "plans"
) -> Planned:
    """What CI runs: plan the stacks (the data stack unless told) and review the plans."""
    started = time.monotonic()
    status = plan_stacks.main([*_written(outdir, name), "--jobs", str(jobs), *(stacks or (STACK,))], environ=env)
    return Planned(status, (outdir / f"{name}.md").read_text(), outdir / name, time.monotonic() - started)


def _make_drift(outdir: Path, env: dict[str, str], name: str, *stacks: str) -> Planned:
    """`make drift`, checking the deployed stacks in `outdir`; what it synthesizes first goes to a folder of its own
    (JUNOKIT_OUTDIR), so the stack folders keep the init of their apply."""
    checked = " ".join(["--outdir", str(outdir), "--plans", str(outdir / name), *stacks])
    report = outdir / f"{name}.md"
    run = make(
        "drift",
        f"DRIFT_ARGS={checked}",
        f"DRIFT_REPORT={report}",
        env={**env, "JUNOKIT_OUTDIR": str(outdir.parent / f"{name}-synth")},
    )
    assert report.is_file(), run.stdout + run.stderr
    assert run.stdout == report.read_text(), "make drift prints the report"
    return Planned(run.returncode, report.read_text(), outdir / name)


@dataclass(frozen=True)
class Deployment:
    applies: dict[str, Run]
    planned: dict[str, Planned]
    states_before: dict[str, bytes]
    states_after_chained: dict[str, bytes]
    chained_dir: Path
    inits: dict[str, int]
    """Each applied stack's init record (`tools.terraform.INIT_RECORD`), by mtime in ns, right after the applies."""
    drifted: Planned | None = None
    reconciled: dict[str, Run] | None = None
    clean: Planned | None = None
    inits_at_end: dict[str, int] | None = None


def _apply_all(outdir: Path, env: dict[str, str], only: tuple[str, ...] = ()) -> dict[str, Run]:
    """Apply every stack of the synthesized app (or `only` these), each after the stacks it reads."""
    manifest = Manifest.load(outdir)
    terraform = Terraform(manifest=manifest, env=env, timeout=600)
    picked = only or tuple(manifest.stacks)
    graph = {
        name: tuple(d for d in info.dependencies if d in picked)
        for name, info in manifest.stacks.items()
        if name in picked
    }
    return run_graph({name: functools.partial(terraform.apply, name) for name in graph}, graph, workers=3)


def _init_records(outdir: Path) -> dict[str, int]:
    return {path.parent.parent.name: path.stat().st_mtime_ns for path in sorted(outdir.glob(f"stacks/*/{INIT_RECORD}"))}


def _states(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((root / "state").glob("*.tfstate"))}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """Apply the dev stacks, then plan each case; then change two resources by hand, check drift, apply, check again."""
    root = tmp_path_factory.mktemp("plan-review")
    retagged = root / "environments.toml"
    retagged.write_text(
        DEFAULT_CONFIG_FILE.read_text().replace('cost_center = "junokit-platform"', 'cost_center = "junokit-research"')
    )
    assert retagged.read_text() != DEFAULT_CONFIG_FILE.read_text()
    with Emulator() as emulator:
        env = emulator.env(cli_env(os.environ))
        # Every variant is synthesized directly under `root`, so all of them use the state in root/state.
        environ = {"JUNOKIT_STATE_DIR": "state", "JUNOKIT_AWS_ENDPOINT": env["JUNOKIT_AWS_ENDPOINT"]}
        applied = _synth(root / "applied", environ)
        applies = _apply_all(applied, env)
        assert all(run.ok for run in applies.values()), "\n".join(
            run.explain() for run in applies.values() if not run.ok
        )
        no_bucket = {**environ, "JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-no-such-bucket"}
        before = _states(root)
        chained = _synth(root / "chained", environ, chained=True)
        every_stack = tuple(plan_stacks.stacks_in_order(chained))
        names = tuple(stack.stack_id for stack in every_stack)
        planned = {
            "retag": _plan_stacks(_synth(root / "retag", {**environ, "JUNOKIT_CONFIG": str(retagged)}), env),
            "rename": _plan_stacks(_synth(root / "rename", environ, table_name="junokit-user-context-v2-dev"), env),
            "no-backend": _plan_stacks(_synth(root / "no-backend", no_bucket), env),
            "chained": _plan_stacks(chained, env, *names, name="concurrent"),
            # The producer and its speculative consumer again, one at a time (the rest would only repeat itself).
            "chained, one at a time": _plan_stacks(chained, env, STACK, API, jobs=1, name="sequential"),
        }
        deployment = Deployment(
            applies=applies,
            planned=planned,
            states_before=before,
            states_after_chained=_states(root),
            chained_dir=chained,
            inits=_init_records(applied),
        )
        # By hand, through the API: point-in-time recovery off, the function's memory doubled.
        emulator.client("dynamodb").update_continuous_backups(
            TableName="junokit-user-context-dev", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
        )
        emulator.client("lambda").update_function_configuration(FunctionName="junokit-profile-dev", MemorySize=512)
        drifted = _make_drift(applied, env, "drift")  # every stack
        # Only the two drifted stacks are applied and checked again: the others were just reported clean.
        reconciled = _apply_all(applied, env, DRIFTED)
        clean = _make_drift(applied, env, "drift-after-apply", *DRIFTED)
        return Deployment(
            **{
                **deployment.__dict__,
                "drifted": drifted,
                "reconciled": reconciled,
                "clean": clean,
                "inits_at_end": _init_records(applied),
            }
        )


@pytest.fixture(scope="module")
def planned(deployment: Deployment) -> dict[str, Planned]:
    return deployment.planned


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
def test_stack_name_defaults_to_the_file_name(
    plans: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
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
    assert (
        capsys.readouterr().err
        == f"plan stacks: error: {tmp_path / 'manifest.json'} not found; synthesize first (make synth)\n"
    )


def test_a_missing_plan_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert plan_review.main([str(tmp_path / "nope.json")]) == 2
    assert capsys.readouterr().err == f"plan review: error: plan file {tmp_path / 'nope.json'} not found\n"


def test_json_that_is_not_a_plan_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 4, "resources": []}))
    assert plan_review.main([str(state)]) == 2
    assert "is not a plan (expected the output of `terraform show -json PLANFILE`)" in capsys.readouterr().err


# --- a chained change, planned in one go --------------------------------------------------------------


@pytest.mark.e2e  # plans real changes against the emulator
def test_chained_change_the_producer_plan_shows_the_new_output(planned: dict[str, Planned]) -> None:
    summary = planned["chained"].summary
    assert f"### {STACK}\n\n- `+` output `{NEW_OUTPUT}` (added)\n" in summary
    assert f"| {STACK} | 0 | 0 | 0 | 0 |" in summary


@pytest.mark.e2e  # plans real changes against the emulator
def test_chained_change_the_consumer_is_planned_speculatively_naming_the_output(planned: dict[str, Planned]) -> None:
    result = planned["chained"]
    assert result.status == 0, result.summary
    assert "> [!NOTE]\n> **Speculative plans.**" in result.summary
    assert f"> - {API}: from {STACK}'s plan `{NEW_OUTPUT}` (added)\n" in result.summary
    assert f"| {API} (speculative) | 0 | 1 | 0 | 0 |" in result.summary
    assert (
        f"### {API} (speculative)\n\nPlanned against planned outputs: from {STACK}'s plan `{NEW_OUTPUT}` (added).\n\n- `~` update `{FUNCTION}`\n"
        in result.summary
    )
    assert "plan failed" not in result.summary
    # The planned function gets the value the data stack's plan gives the new output.
    plan = json.loads((result.plans / f"{API}.json").read_text())
    (function,) = [r for r in plan["resource_changes"] if r["address"] == FUNCTION]
    assert function["change"]["after"]["environment"][0]["variables"][NEW_VARIABLE] == "userId"


@pytest.mark.e2e  # plans real changes against the emulator
def test_chained_change_only_the_consumer_is_speculative(planned: dict[str, Planned]) -> None:
    summary = planned["chained"].summary
    assert summary.count("(speculative)") == 2  # the api stack's table row and heading
    for stack in ("junokit-dev-messaging", "junokit-dev-identity"):
        assert f"### {stack}\n\nNo changes.\n" in summary


@pytest.mark.e2e  # plans real changes against the emulator
def test_chained_change_writes_no_state_and_leaves_the_synthesized_stacks_alone(deployment: Deployment) -> None:
    assert set(deployment.states_before) == {f"junokit-dev-{s}.tfstate" for s in STACK_TYPES}
    assert deployment.states_after_chained == deployment.states_before
    stack_dir = deployment.chained_dir / "stacks" / API
    assert not (stack_dir / speculative_state.OVERRIDE_FILE).exists()
    assert (deployment.chained_dir / "speculative" / API / speculative_state.OVERRIDE_FILE).exists()


def _sections(summary: str, *stacks: str) -> dict[str, str]:
    """The per-stack sections of a review (from a stack's `### ` heading to the next heading)."""
    parts = summary.split("\n### ")[1:]
    return {stack: part for part in parts for stack in stacks if part.startswith((f"{stack}\n", f"{stack} ("))}


@pytest.mark.e2e  # plans real changes against the emulator
def test_concurrent_planning_gives_the_same_review_as_planning_one_at_a_time(planned: dict[str, Planned]) -> None:
    concurrent, sequential = planned["chained"], planned["chained, one at a time"]
    assert concurrent.status == sequential.status == 0, sequential.summary
    one_at_a_time = _sections(sequential.summary, STACK, API)
    assert set(one_at_a_time) == {STACK, API}, sequential.summary
    assert _sections(concurrent.summary, STACK, API) == one_at_a_time
    print(
        f"\nplan of every dev stack at once: {concurrent.seconds:.1f} s; of two, one at a time: {sequential.seconds:.1f} s"
    )


# --- drift -----------------------------------------------------------------------------------------------


@pytest.mark.e2e  # plans real changes against the emulator
def test_drift_made_by_hand_is_reported_by_resource_and_attribute_with_exit_2(deployment: Deployment) -> None:
    drifted = deployment.drifted
    assert drifted is not None
    assert drifted.status == 2, drifted.summary
    assert drifted.summary.startswith(drift.MARKER + "\n## Drift: dev\n\n> [!WARNING]\n")
    assert (
        f"- `~` changed outside Terraform `{TABLE}`\n  - `point_in_time_recovery[0].enabled`: `true` → `false`\n"
        in drifted.summary
    )
    assert f"- `~` changed outside Terraform `{FUNCTION}`\n  - `memory_size`: `256` → `512`\n" in drifted.summary
    # Nothing else: a fresh deployment has no drift of its own (no attribute that another resource sets).
    reported = re.findall(r"^- `[~-]` \w[\w ]* outside Terraform `([^`]+)`$", drifted.summary, flags=re.M)
    assert sorted(reported) == sorted([TABLE, FUNCTION]), drifted.summary
    assert "**2 resources drifted** in " in drifted.summary


@pytest.mark.e2e  # plans real changes against the emulator
def test_after_an_apply_there_is_no_drift_and_exit_0(deployment: Deployment) -> None:
    assert deployment.reconciled is not None and deployment.clean is not None
    assert all(run.ok for run in deployment.reconciled.values()), [
        r.explain() for r in deployment.reconciled.values() if not r.ok
    ]
    assert deployment.clean.status == 0, deployment.clean.summary
    assert "No drift: every resource matches the last apply." in deployment.clean.summary


@pytest.mark.e2e  # the applied stacks' folders, after the drift checks and the apply that fixed the drift
def test_drift_and_the_fix_reuse_the_init_of_the_first_apply(deployment: Deployment) -> None:
    """Each stack folder is initialized once: the drift checks and the later apply find it initialized for the same
    configuration and run no `terraform init` of their own (which would write its record again)."""
    assert sorted(deployment.inits) == sorted(f"junokit-dev-{stack}" for stack in STACK_TYPES)
    assert deployment.inits_at_end == deployment.inits
