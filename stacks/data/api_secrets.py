"""Secrets Manager secret holding Junokit's third-party API credentials, created empty.

Terraform creates the secret and never a version of it: the values are set by an operator
(`make set-secrets`) so they never enter code, synthesized JSON or Terraform state.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from constructs import Construct

from constructs_lib import validation
from stacks.data.contract import SECRET_KEYS


@dataclass(frozen=True, kw_only=True)
class ApiSecretsProps:
    secret_name: str
    """Secret name (`junokit-api-secrets` in prod)."""
    recovery_window_days: int = 30
    """Days a deleted secret can be restored; 0 deletes at once. Default: 30 (the AWS maximum)."""
    protect: bool = True
    """Terraform `prevent_destroy`. Default: on."""


class ApiSecrets(Construct):
    """The API secrets container, encrypted with the AWS-managed key (aws/secretsmanager)."""

    def __init__(self, scope: Construct, id_: str, *, props: ApiSecretsProps) -> None:
        super().__init__(scope, id_)
        validation.recovery_window("recovery_window_days", props.recovery_window_days)
        self.secret = SecretsmanagerSecret(
            self,
            "secret",
            name=props.secret_name,
            description="Junokit third-party API credentials as JSON: " + ", ".join(SECRET_KEYS),
            recovery_window_in_days=props.recovery_window_days,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=props.protect),
        )
        self.secret_arn: str = self.secret.arn
        self.secret_name: str = props.secret_name
