"""Sign-in for a browser app: a public user-pool client (no secret, SRP and refresh tokens only, OAuth code
flow) and the hosted sign-in domain the code flow redirects through.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cognito_user_pool_client import (
    CognitoUserPoolClient,
    CognitoUserPoolClientTokenValidityUnits,
)
from cdktf_cdktf_provider_aws.cognito_user_pool_domain import CognitoUserPoolDomain
from constructs import Construct

from constructs_lib import validation
from stacks.identity.contract import UserAttributes

# No USER_PASSWORD_AUTH: the password never leaves the browser (SRP). No admin or custom flows.
AUTH_FLOWS: tuple[str, ...] = ("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
OAUTH_SCOPES: tuple[str, ...] = ("openid", "email", "profile")
READ_ATTRIBUTES: tuple[str, ...] = ("email", "email_verified", "name", *(str(a) for a in UserAttributes))
# Users may not write their own custom attributes (role, invite code, theme): server-side code sets them and
# checks the allowed values, so a browser cannot make itself an admin.
WRITE_ATTRIBUTES: tuple[str, ...] = ("email", "name")


@dataclass(frozen=True, kw_only=True)
class WebSignInProps:
    user_pool_id: str
    """Pool the client signs users in to."""
    client_name: str
    """App client name."""
    region: str
    """Region of the pool; part of the prefix domain's host name."""
    callback_urls: tuple[str, ...]
    """Where the code flow may return to; https, or http://localhost for development. At least one."""
    logout_urls: tuple[str, ...] = ()
    """Where sign-out may return to. Default: none."""
    domain_prefix: str = ""
    """Cognito prefix domain `<prefix>.auth.<region>.amazoncognito.com`; used when `custom_domain` is empty."""
    custom_domain: str = ""
    """Own sign-in host (e.g. auth.junokit.com) instead of the prefix domain. Default: none."""
    certificate_arn: str = ""
    """ACM certificate in us-east-1 covering `custom_domain`; required with it."""
    access_token_minutes: int = 60
    """Access token lifetime, 5-1440 minutes. Default: 60."""
    id_token_minutes: int = 60
    """ID token lifetime, 5-1440 minutes. Default: 60."""
    refresh_token_days: int = 30
    """Refresh token lifetime, 1-3650 days. Default: 30."""


class WebSignIn(Construct):
    """A public client for the web app plus the hosted sign-in domain."""

    def __init__(self, scope: Construct, id_: str, *, props: WebSignInProps) -> None:
        super().__init__(scope, id_)
        _validate(props)
        self.client = CognitoUserPoolClient(
            self,
            "client",
            name=props.client_name,
            user_pool_id=props.user_pool_id,
            generate_secret=False,
            explicit_auth_flows=list(AUTH_FLOWS),
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            access_token_validity=props.access_token_minutes,
            id_token_validity=props.id_token_minutes,
            refresh_token_validity=props.refresh_token_days,
            token_validity_units=[
                CognitoUserPoolClientTokenValidityUnits(
                    access_token="minutes", id_token="minutes", refresh_token="days"
                )
            ],
            allowed_oauth_flows_user_pool_client=True,
            allowed_oauth_flows=["code"],
            allowed_oauth_scopes=list(OAUTH_SCOPES),
            supported_identity_providers=["COGNITO"],
            callback_urls=list(props.callback_urls),
            logout_urls=list(props.logout_urls),
            read_attributes=list(READ_ATTRIBUTES),
            write_attributes=list(WRITE_ATTRIBUTES),
        )
        if props.custom_domain:
            self.domain = CognitoUserPoolDomain(
                self,
                "domain",
                user_pool_id=props.user_pool_id,
                domain=props.custom_domain,
                certificate_arn=props.certificate_arn,
            )
            self.domain_name: str = props.custom_domain
            self.alias_target: str | None = self.domain.cloudfront_distribution
            """CloudFront host the custom domain's DNS alias must point to; None for a prefix domain."""
        else:
            self.domain = CognitoUserPoolDomain(
                self, "domain", user_pool_id=props.user_pool_id, domain=props.domain_prefix
            )
            self.domain_name = f"{self.domain.domain}.auth.{props.region}.amazoncognito.com"
            self.alias_target = None
        self.client_id: str = self.client.id


def _fail(field: str, value: object, allowed: str) -> None:
    validation.fail(f"WebSignIn {field}", value, allowed)


def _validate(props: WebSignInProps) -> None:
    if not props.callback_urls:
        _fail("callback_urls", props.callback_urls, "one or more https URLs, or http://localhost")
    for field, urls in (("callback_urls", props.callback_urls), ("logout_urls", props.logout_urls)):
        for url in urls:
            validation.APP_URL.check(f"WebSignIn {field}", url)
    if props.custom_domain:
        validation.DOMAIN.check("WebSignIn custom_domain", props.custom_domain)
        if not props.certificate_arn:
            _fail(
                "certificate_arn",
                props.certificate_arn,
                "an ACM certificate ARN in us-east-1 when custom_domain is set",
            )
    else:
        validation.DOMAIN_PREFIX.check("WebSignIn domain_prefix", props.domain_prefix)
    for field, value, low, high in (
        ("access_token_minutes", props.access_token_minutes, 5, 1440),
        ("id_token_minutes", props.id_token_minutes, 5, 1440),
        ("refresh_token_days", props.refresh_token_days, 1, 3650),
    ):
        if not low <= value <= high:
            _fail(field, value, f"{low}-{high}")
