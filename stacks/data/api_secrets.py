"""Secrets Manager secret holding Junokit's third-party API credentials, created empty.

Terraform creates the secret and never a version of it: the values are set by an operator
(`make set-secrets`) so they never enter code, synthesized JSON or Terraform state.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from constructs import Construct

# The JSON keys the secret's value is expected to hold (documented in README.md, checked by the setter).
SECRET_KEYS: tuple[str, ...] = (
    "OPENROUTER_API_KEY",
    "SLACK_BOT_TOKEN",
    "GITHUB_TOKEN",
    "GOOGLE_OAUTH_CLIENT_ID",
    "GOOGLE_OAUTH_CLIENT_SECRET",
)


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
        if props.recovery_window_days != 0 and not 7 <= props.recovery_window_days <= 30:
            raise ValueError(f"recovery_window_days {props.recovery_window_days} is not allowed (allowed: 0 or 7-30)")
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
