"""Terraform Cloud: the generated `cloud` blocks, readers that resolve under remote execution, workspace setup."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.config import DEFAULT_CONFIG_FILE, ENVIRONMENTS
from stacks.app import STACK_TYPES
from tests.support import build, config_for, document, synth
from tools import tfc_workspaces
from tools.tfc_workspaces import Workspace

CLOUD = {"JUNOKIT_BACKEND": "cloud", "JUNOKIT_TFC_ORG": "junokit-co"}


@pytest.fixture(scope="module")
def cloud_stacks() -> dict[str, Mapping[str, Any]]:
    """Every stack of every environment on the cloud backend, synthesized, by stack id."""
    return {
        stack.stack_id: document(synth(stack))
        for environment in ENVIRONMENTS
        for stack in build(environment, **CLOUD).values()
    }


def test_every_stack_has_its_own_workspace_in_its_environment_project(cloud_stacks: dict[str, dict]) -> None:
    assert sorted(cloud_stacks) == sorted(f"junokit-{e}-{s}" for e in ENVIRONMENTS for s in STACK_TYPES)
    for stack_id, synthesized in cloud_stacks.items():
        environment = stack_id.split("-")[1]
        assert synthesized["terraform"]["cloud"] == {
            "organization": "junokit-co",
            "hostname": "app.terraform.io",
            "workspaces": {"name": stack_id, "project": f"junokit-{environment}"},
        }


def test_cloud_stacks_have_no_other_backend(cloud_stacks: dict[str, dict]) -> None:
    assert [stack for stack, synthesized in cloud_stacks.items() if "backend" in synthesized["terraform"]] == []


def test_provider_sets_no_credentials_so_dynamic_credentials_apply(cloud_stacks: dict[str, dict]) -> None:
    # Terraform Cloud injects short-lived credentials through the environment; any static setting would win.
    forbidden = {"access_key", "secret_key", "token", "profile", "shared_credentials_files", "assume_role", "endpoints"}
    for stack_id, synthesized in cloud_stacks.items():
        for provider in synthesized["provider"]["aws"]:
            assert forbidden.isdisjoint(provider), stack_id


def test_organization_and_host_come_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "environments.toml"
    text = DEFAULT_CONFIG_FILE.read_text()
    for old, new in (
        ('kind = "local"', 'kind = "cloud"'),
        ('tfc_organization = ""', 'tfc_organization = "junokit-eu"'),
        ('tfc_hostname = "app.terraform.io"', 'tfc_hostname = "tfe.junokit.eu"'),
    ):
        assert old in text
        text = text.replace(old, new)
    config.write_text(text)
    cloud = document(synth(build("staging", JUNOKIT_CONFIG=str(config))["data"]))["terraform"]["cloud"]
    assert (cloud["organization"], cloud["hostname"]) == ("junokit-eu", "tfe.junokit.eu")


def _read_workspaces(synthesized: dict) -> list[str]:
    return sorted(
        s["config"]["workspaces"]["name"]
        for s in synthesized.get("data", {}).get("terraform_remote_state", {}).values()
    )


def test_every_reader_names_a_workspace_of_the_same_organization_and_environment(cloud_stacks: dict[str, dict]) -> None:
    readers = 0
    for stack_id, synthesized in cloud_stacks.items():
        for state in synthesized.get("data", {}).get("terraform_remote_state", {}).values():
            readers += 1
            workspace = state["config"]["workspaces"]["name"]
            assert state["backend"] == "remote"
            assert (state["config"]["organization"], state["config"]["hostname"]) == ("junokit-co", "app.terraform.io")
            assert workspace in cloud_stacks and workspace.split("-")[1] == stack_id.split("-")[1], (
                stack_id,
                workspace,
            )
    assert readers > 0


def test_state_sharing_in_the_setup_follows_what_each_stack_reads(cloud_stacks: dict[str, dict]) -> None:
    configs = [config_for(environment, **CLOUD) for environment in ENVIRONMENTS]
    layout = {workspace.name: sorted(workspace.producers) for workspace in tfc_workspaces.layout(configs)}
    assert layout == {stack_id: _read_workspaces(synthesized) for stack_id, synthesized in cloud_stacks.items()}


LAYOUT = [
    Workspace(name="junokit-dev-data", environment="dev", stack="data", producers=()),
    Workspace(name="junokit-dev-messaging", environment="dev", stack="messaging", producers=()),
    Workspace(name="junokit-dev-identity", environment="dev", stack="identity", producers=("junokit-dev-messaging",)),
    Workspace(
        name="junokit-dev-api", environment="dev", stack="api", producers=("junokit-dev-data", "junokit-dev-identity")
    ),
]


@pytest.fixture(scope="module")
def setup() -> dict:
    return tfc_workspaces.workspaces_config(
        organization="junokit-co", hostname="app.terraform.io", project="junokit", workspaces=LAYOUT
    )["resource"]


def test_state_is_shared_only_with_the_workspaces_that_read_it(setup: dict) -> None:
    consumers = {name: s["remote_state_consumer_ids"] for name, s in setup["tfe_workspace_settings"].items()}
    assert consumers == {
        "junokit-dev-data": ["${tfe_workspace.junokit-dev-api.id}"],
        "junokit-dev-messaging": ["${tfe_workspace.junokit-dev-identity.id}"],
        "junokit-dev-identity": ["${tfe_workspace.junokit-dev-api.id}"],
        "junokit-dev-api": [],
    }
    assert {s["global_remote_state"] for s in setup["tfe_workspace_settings"].values()} == {False}


def test_workspaces_are_tagged_and_pinned(setup: dict) -> None:
    workspace = setup["tfe_workspace"]["junokit-dev-identity"]
    assert workspace["tag_names"] == ["junokit", "env:dev", "stack:identity", "managed-by:cdktf"]
    assert workspace["project_id"] == "${tfe_project.junokit-dev.id}"
    assert workspace["terraform_version"] == tfc_workspaces.TERRAFORM_VERSION
    assert setup["tfe_workspace_settings"]["junokit-dev-identity"]["execution_mode"] == "remote"


def test_runs_get_aws_credentials_through_oidc(setup: dict) -> None:
    variables = {v["key"]: v for v in setup["tfe_variable"].values()}
    assert variables["TFC_AWS_PROVIDER_AUTH"]["value"] == "true"
    assert variables["TFC_AWS_RUN_ROLE_ARN"]["value"] == '${var.aws_run_role_arns["dev"]}'
    assert {v["category"] for v in variables.values()} == {"env"}
    assert setup["tfe_project_variable_set"]["junokit-dev-aws"]["project_id"] == "${tfe_project.junokit-dev.id}"


def test_the_command_covers_every_stack_of_the_app(capsys: pytest.CaptureFixture[str]) -> None:
    assert tfc_workspaces.main([], environ={"JUNOKIT_TFC_ORG": "junokit-co"}) == 0
    generated = json.loads(capsys.readouterr().out)
    assert sorted(generated["resource"]["tfe_workspace"]) == sorted(
        f"junokit-{e}-{s}" for e in ENVIRONMENTS for s in STACK_TYPES
    )
    assert sorted(generated["resource"]["tfe_project"]) == [f"junokit-{e}" for e in sorted(ENVIRONMENTS)]
    assert generated["provider"]["tfe"] == {"hostname": "app.terraform.io", "organization": "junokit-co"}


def test_the_command_needs_an_organization(capsys: pytest.CaptureFixture[str]) -> None:
    assert tfc_workspaces.main([], environ={}) == 2
    assert capsys.readouterr().err == (
        "junokit: error: backend cloud needs an organization: set JUNOKIT_TFC_ORG or backend.tfc_organization\n"
    )
