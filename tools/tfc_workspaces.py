"""Terraform configuration (tfe provider) for the Terraform Cloud side of the cloud backend.

    JUNOKIT_TFC_ORG=acme python -m tools.tfc_workspaces > tfc-setup/main.tf.json
    cd tfc-setup && terraform init && terraform apply -var='aws_run_role_arns={dev="arn:…",staging="arn:…",prod="arn:…"}'

Generated from the app itself, so it cannot drift from the stacks: one project per environment
(`junokit-<env>`, as the stacks' `cloud` blocks name it), one workspace per stack (`junokit-<env>-<stack>`)
tagged with project, environment and stack (the `cloud` block cannot carry tags together with a workspace
name, so they are set here), remote execution with the pinned Terraform version, remote state shared only
with the workspaces that read it, and per environment a variable set with AWS dynamic provider credentials
(`TFC_AWS_PROVIDER_AUTH`, `TFC_AWS_RUN_ROLE_ARN`): runs get short-lived AWS credentials through OIDC.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from constructs_lib.config import ENVIRONMENTS, ConfigError, EnvironmentConfig, load_config

TERRAFORM_VERSION = "1.11.4"
"""The Terraform release CI and Terraform Cloud run (the workflows pin the same; tests/test_workflows.py checks)."""
TFE_PROVIDER = {"source": "hashicorp/tfe", "version": "~> 0.60"}


@dataclass(frozen=True, kw_only=True)
class Workspace:
    name: str
    environment: str
    stack: str
    producers: tuple[str, ...]
    """Workspaces whose state this one reads."""


def layout(configs: Sequence[EnvironmentConfig]) -> list[Workspace]:
    """Every stack of the app as a workspace, with the workspaces it reads (from the stacks themselves)."""
    from cdktf import App

    from stacks.app import build_app

    with tempfile.TemporaryDirectory() as scratch:  # the App wants an output folder; nothing is synthesized
        built = build_app(App(outdir=scratch), configs)
    return [
        Workspace(
            name=stack.stack_id,
            environment=environment,
            stack=stack.stack_name,
            producers=tuple(stack.config.stack_id(producer) for producer in stack.producers),
        )
        for environment, stacks in built.items()
        for stack in stacks.values()
    ]


def _ref(resource_type: str, name: str, attribute: str = "id") -> str:
    return f"${{{resource_type}.{name}.{attribute}}}"


def workspaces_config(
    *, organization: str, hostname: str, project: str, workspaces: Sequence[Workspace]
) -> dict[str, Any]:
    """The Terraform JSON that creates the projects, workspaces, state sharing and AWS credentials."""
    resources: dict[str, dict[str, Any]] = {
        "tfe_project": {},
        "tfe_variable_set": {},
        "tfe_project_variable_set": {},
        "tfe_variable": {},
        "tfe_workspace": {},
        "tfe_workspace_settings": {},
    }
    environments = sorted({w.environment for w in workspaces}, key=lambda e: ENVIRONMENTS.index(e))
    for environment in environments:
        name = f"{project}-{environment}"
        resources["tfe_project"][name] = {"name": name, "organization": organization}
        varset = f"{name}-aws"
        resources["tfe_variable_set"][varset] = {
            "name": varset,
            "organization": organization,
            "description": f"AWS dynamic provider credentials for the {environment} workspaces",
        }
        resources["tfe_project_variable_set"][varset] = {
            "project_id": _ref("tfe_project", name),
            "variable_set_id": _ref("tfe_variable_set", varset),
        }
        resources["tfe_variable"][f"{varset}-auth"] = {
            "key": "TFC_AWS_PROVIDER_AUTH",
            "value": "true",
            "category": "env",
            "variable_set_id": _ref("tfe_variable_set", varset),
        }
        resources["tfe_variable"][f"{varset}-role"] = {
            "key": "TFC_AWS_RUN_ROLE_ARN",
            "value": f'${{var.aws_run_role_arns["{environment}"]}}',
            "category": "env",
            "variable_set_id": _ref("tfe_variable_set", varset),
        }
    for workspace in workspaces:
        consumers = sorted(w.name for w in workspaces if workspace.name in w.producers)
        resources["tfe_workspace"][workspace.name] = {
            "name": workspace.name,
            "organization": organization,
            "project_id": _ref("tfe_project", f"{project}-{workspace.environment}"),
            "description": f"Junokit {workspace.stack} stack, {workspace.environment} (cdktf stack {workspace.name})",
            "tag_names": [project, f"env:{workspace.environment}", f"stack:{workspace.stack}", "managed-by:cdktf"],
            "terraform_version": TERRAFORM_VERSION,
            "auto_apply": False,
        }
        resources["tfe_workspace_settings"][workspace.name] = {
            "workspace_id": _ref("tfe_workspace", workspace.name),
            "execution_mode": "remote",
            "global_remote_state": False,
            "remote_state_consumer_ids": [_ref("tfe_workspace", consumer) for consumer in consumers],
        }
    return {
        "terraform": {"required_providers": {"tfe": TFE_PROVIDER}},
        "provider": {"tfe": {"hostname": hostname, "organization": organization}},
        "variable": {
            "aws_run_role_arns": {
                "type": "map(string)",
                "description": "Per environment (dev, staging, prod): the IAM role Terraform Cloud runs assume via OIDC",
            }
        },
        "resource": resources,
    }


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    if argv:
        print(
            "usage: python -m tools.tfc_workspaces  (settings come from environments.toml and JUNOKIT_*)",
            file=sys.stderr,
        )
        return 2
    try:
        selection = environ.get("JUNOKIT_ENV") or "all"
        names = ENVIRONMENTS if selection == "all" else (selection,)
        configs = [load_config(name, environ={**environ, "JUNOKIT_BACKEND": "cloud"}) for name in names]
    except ConfigError as error:
        print(f"junokit: error: {error}", file=sys.stderr)
        return 2
    first = configs[0]
    document = workspaces_config(
        organization=first.backend.tfc_organization,
        hostname=first.backend.tfc_hostname,
        project=first.project,
        workspaces=layout(configs),
    )
    print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
