"""The GitHub Actions workflows: actionlint-clean, and consistent with the tools and pins they rely on."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from constructs_lib.config import PROJECT_ROOT
from tools import drift, plan_review
from tools.terraform import PROVIDER_VERSION
from tools.tfc_workspaces import TERRAFORM_VERSION

GITHUB = PROJECT_ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
SETUP_ACTION = GITHUB / "actions" / "setup" / "action.yml"


def _actionlint(*files: Path | str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is not on PATH"
    return subprocess.run(
        [node, str(PROJECT_ROOT / "tools" / "actionlint.cjs"), *map(str, files)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _load(path: Path) -> dict[Any, Any]:
    return yaml.safe_load(path.read_text())


def test_the_workflows_exist() -> None:
    assert [w.name for w in WORKFLOWS] == ["deploy-environment.yml", "deploy.yml", "drift.yml", "plan.yml", "test.yml"]


def test_every_workflow_passes_actionlint() -> None:
    result = _actionlint()
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_actionlint_reports_a_broken_expression_in_a_real_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "plan.yml"
    broken.write_text(
        (GITHUB / "workflows" / "plan.yml").read_text().replace("matrix.environment }}", "matrix.enviroment }}", 1)
    )
    result = _actionlint(broken)
    assert result.returncode == 1
    assert 'property "enviroment" is not defined' in result.stdout


def test_actionlint_hides_only_the_vars_context_gap(tmp_path: Path) -> None:
    workflow = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ %s.X }}\n"
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text(workflow % "vars")
    bad.write_text(workflow % "varz")
    assert _actionlint(good).returncode == 0
    assert 'undefined variable "varz"' in _actionlint(bad).stdout


def _uses(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "uses"] + [u for v in node.values() for u in _uses(v)]
    if isinstance(node, list):
        return [u for item in node for u in _uses(item)]
    return []


def test_every_action_is_pinned_to_a_version() -> None:
    refs = [ref for path in [*WORKFLOWS, SETUP_ACTION] for ref in _uses(_load(path))]
    unpinned = [
        ref for ref in refs if not ref.startswith("./") and not re.search(r"@(v\d+(\.\d+)*|[0-9a-f]{40})$", ref)
    ]
    assert refs and unpinned == []


def test_no_long_lived_aws_keys_anywhere() -> None:
    text = "".join(path.read_text() for path in [*WORKFLOWS, SETUP_ACTION])
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    assert text.count("role-to-assume") == 3


@pytest.mark.parametrize("name", ["plan.yml", "deploy.yml", "deploy-environment.yml", "drift.yml"])
def test_jobs_that_assume_an_aws_role_may_request_an_oidc_token(name: str) -> None:
    workflow = _load(GITHUB / "workflows" / name)
    for job in workflow["jobs"].values():
        if "role-to-assume" in yaml.safe_dump(job):
            permissions = job.get("permissions") or workflow.get("permissions")
            assert permissions is not None and permissions["id-token"] == "write"


def test_the_toolchain_pins_match_the_project() -> None:
    steps = _load(SETUP_ACTION)["runs"]["steps"]
    terraform = next(s for s in steps if s.get("uses", "").startswith("hashicorp/setup-terraform"))
    assert terraform["with"]["terraform_version"] == TERRAFORM_VERSION
    assert f"aws-{PROVIDER_VERSION}" in SETUP_ACTION.read_text()
    assert f'version = "{PROVIDER_VERSION}"' in SETUP_ACTION.read_text()


def test_deploy_goes_dev_then_staging_then_prod_each_in_its_environment() -> None:
    jobs = _load(GITHUB / "workflows" / "deploy.yml")["jobs"]
    assert [(name, job.get("needs"), job["with"]["environment"]) for name, job in jobs.items()] == [
        ("dev", None, "dev"),
        ("staging", "dev", "staging"),
        ("prod", "staging", "prod"),
    ]
    (deploy,) = _load(GITHUB / "workflows" / "deploy-environment.yml")["jobs"].values()
    assert deploy["environment"] == "${{ inputs.environment }}"


def test_the_plan_workflow_uses_the_review_marker_and_label() -> None:
    text = (GITHUB / "workflows" / "plan.yml").read_text()
    assert plan_review.MARKER in text
    assert f"'{plan_review.ALLOW_LABEL}'" in text
    assert _load(GITHUB / "workflows" / "plan.yml")[True]["pull_request"]["types"] == [
        "opened",
        "synchronize",
        "reopened",
        "labeled",
        "unlabeled",
    ]


def test_each_environment_is_smoke_tested_right_after_its_deploy() -> None:
    """`make smoke` is the job's last step, after `cdktf deploy`; prod is walked with --allow-prod only there."""
    steps = _load(GITHUB / "workflows" / "deploy-environment.yml")["jobs"]["deploy"]["steps"]
    runs = [str(step.get("run", "")) for step in steps]
    deploy = next(i for i, run in enumerate(runs) if "npx cdktf deploy" in run)
    assert runs[-1].strip() == "make smoke" and deploy == len(runs) - 2, runs
    assert steps[-1]["env"]["SMOKE_ARGS"] == "${{ inputs.environment == 'prod' && '--allow-prod' || '' }}"


def test_the_drift_workflow_runs_daily_and_on_demand_with_only_the_permissions_it_needs() -> None:
    workflow = _load(GITHUB / "workflows" / "drift.yml")
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}
    assert len(workflow[True]["schedule"]) == 1
    assert workflow["permissions"] == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    assert job["strategy"]["matrix"]["environment"] == ["dev", "staging", "prod"]


def test_the_drift_workflow_keeps_one_issue_per_environment_by_marker_and_label() -> None:
    text = (GITHUB / "workflows" / "drift.yml").read_text()
    assert "-m tools.drift" in text
    assert drift.MARKER.removesuffix(" -->") + ":${environment} -->" in text
    assert 'labels: "drift"' in text and 'labels: ["drift"]' in text
    assert 'state: "closed"' in text
