"""State isolation and the remote-state contract.

Every stack gets its own state (a file, an S3 key or a Terraform Cloud workspace named after the stack
id), and a consumer reads a producer's outputs through `RemoteState`, which builds the
`terraform_remote_state` data source for the same backend the producer writes to. Both sides take the
location from `state_location`, so they cannot drift apart.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass

from cdktf import (
    CloudBackend,
    DataTerraformRemoteState,
    DataTerraformRemoteStateLocal,
    DataTerraformRemoteStateS3,
    LocalBackend,
    NamedCloudWorkspace,
    NamedRemoteWorkspace,
    S3Backend,
    TerraformStack,
)
from constructs import Construct

from constructs_lib.config import EnvironmentConfig, state_region

# Terraform runs inside cdktf.out/stacks/<stack id>/, three levels below the project root.
_PROJECT_ROOT_FROM_STACK_DIR = "../../.."


@dataclass(frozen=True, kw_only=True)
class StateLocation:
    """Where one stack's state lives, in terms every backend understands."""

    stack_id: str
    local_path: str
    """local: state file path relative to the stack's working directory (or absolute, if state_dir is)."""
    s3_key: str
    """s3: object key in the state bucket."""


def state_location(config: EnvironmentConfig, stack_id: str) -> StateLocation:
    return StateLocation(
        stack_id=stack_id,
        local_path=posixpath.join(_PROJECT_ROOT_FROM_STACK_DIR, config.backend.state_dir, f"{stack_id}.tfstate"),
        s3_key=f"{config.name}/{stack_id}/terraform.tfstate",
    )


def _s3_settings(config: EnvironmentConfig, location: StateLocation) -> dict[str, object]:
    settings: dict[str, object] = {
        "bucket": config.backend.state_bucket,
        "key": location.s3_key,
        "region": state_region(config),
        "encrypt": True,
    }
    if config.aws_endpoint:
        settings.update(
            endpoints={"s3": config.aws_endpoint, "sts": config.aws_endpoint},
            use_path_style=True,
            skip_credentials_validation=True,
            skip_requesting_account_id=True,
            skip_metadata_api_check=True,
            skip_region_validation=True,
            # No `insecure`: Terraform verifies the emulator's certificate against AWS_CA_BUNDLE (its run's CA).
        )
    return settings


def configure_backend(stack: TerraformStack, config: EnvironmentConfig, stack_id: str) -> None:
    """Give `stack` its own state in the configured backend."""
    location = state_location(config, stack_id)
    kind = config.backend.kind
    if kind == "local":
        LocalBackend(stack, path=location.local_path)
    elif kind == "s3":
        S3Backend(stack, **_s3_settings(config, location))  # type: ignore[arg-type]  # settings typed per backend field in the bindings
        # S3-native state locking (Terraform >= 1.10); the cdktf 0.21 bindings predate the setting.
        stack.add_override("terraform.backend.s3.use_lockfile", True)
    else:
        CloudBackend(
            stack,
            organization=config.backend.tfc_organization,
            hostname=config.backend.tfc_hostname,
            workspaces=NamedCloudWorkspace(stack_id, project=f"{config.project}-{config.name}"),
        )


class RemoteState(Construct):
    """Read another stack's published outputs from its state, whatever the backend."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: EnvironmentConfig,
        producer_stack_id: str,
        on_read: Callable[[str], None] = lambda output: None,
    ) -> None:
        """`on_read` is told each output name read, before its token is made (the stack checks its contract)."""
        super().__init__(scope, id_)
        self._on_read = on_read
        location = state_location(config, producer_stack_id)
        kind = config.backend.kind
        self._data: DataTerraformRemoteStateLocal | DataTerraformRemoteStateS3 | DataTerraformRemoteState
        if kind == "local":
            self._data = DataTerraformRemoteStateLocal(self, "state", path=location.local_path)
        elif kind == "s3":
            self._data = DataTerraformRemoteStateS3(self, "state", **_s3_settings(config, location))  # type: ignore[arg-type]  # settings typed per backend field in the bindings
        else:
            self._data = DataTerraformRemoteState(
                self,
                "state",
                organization=config.backend.tfc_organization,
                hostname=config.backend.tfc_hostname,
                workspaces=NamedRemoteWorkspace(producer_stack_id),
            )

    def get_string(self, output: str) -> str:
        """A token for the producer's output `output` (use the contract's constants)."""
        self._on_read(output)
        return self._data.get_string(output)

    def get_list(self, output: str) -> list[str]:
        self._on_read(output)
        return self._data.get_list(output)

    def get_number(self, output: str) -> float:
        self._on_read(output)
        return self._data.get_number(output)
