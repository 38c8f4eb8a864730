"""Identity stack: the invite-only user pool, the web app's client and the hosted sign-in domain.

Mail goes out through the messaging stack's SES identity, read from its remote state.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from constructs import Construct

from constructs_lib.config import EnvironmentConfig
from constructs_lib.contract import StackName
from constructs_lib.stack import JunokitStack
from stacks.identity.contract import CONTRACT, IdentityOutputs
from stacks.identity.user_pool import InviteOnlyUserPool, InviteOnlyUserPoolProps
from stacks.identity.web_sign_in import WebSignIn, WebSignInProps
from stacks.messaging.contract import MessagingOutputs


def app_origin(config: EnvironmentConfig) -> str:
    """The web app's root, taken from its first OAuth callback URL: where invitations send users."""
    parts = urlsplit(config.identity.callback_urls[0])
    return f"{parts.scheme}://{parts.netloc}/"


class IdentityStack(JunokitStack):
    def __init__(self, scope: Construct, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, config=config, contract=CONTRACT)
        identity = config.identity
        messaging = self.read_outputs_of(StackName.MESSAGING)
        self.user_pool = InviteOnlyUserPool(
            self,
            "users",
            props=InviteOnlyUserPoolProps(
                pool_name=config.resource_name("junokit-users"),
                email_identity_arn=messaging.get_string(MessagingOutputs.IDENTITY_ARN),
                from_address=f"Junokit <{messaging.get_string(MessagingOutputs.SENDER_ADDRESS)}>",
                configuration_set=messaging.get_string(MessagingOutputs.CONFIGURATION_SET),
                sign_in_url=app_origin(config),
                password_min_length=identity.password_min_length,
                temporary_password_validity_days=identity.temporary_password_validity_days,
                protect=config.protect_stateful,
                mfa=identity.mfa,
            ),
        )
        self.sign_in = WebSignIn(
            self,
            "web",
            props=WebSignInProps(
                user_pool_id=self.user_pool.user_pool_id,
                client_name=config.resource_name("junokit-web"),
                region=config.region,
                callback_urls=identity.callback_urls,
                logout_urls=identity.logout_urls,
                domain_prefix=identity.domain_prefix or config.resource_name(config.project),
                custom_domain=identity.custom_domain,
                certificate_arn=identity.custom_domain_certificate_arn,
            ),
        )
        self.publish(IdentityOutputs.USER_POOL_ID, self.user_pool.user_pool_id, description="Cognito user pool id")
        self.publish(IdentityOutputs.USER_POOL_ARN, self.user_pool.user_pool_arn, description="Cognito user pool ARN")
        self.publish(
            IdentityOutputs.USER_POOL_CLIENT_ID,
            self.sign_in.client_id,
            description="Web app client id (public, no secret)",
        )
        self.publish(IdentityOutputs.USER_POOL_DOMAIN, self.sign_in.domain_name, description="Hosted sign-in domain")
        if self.sign_in.alias_target is not None:
            self.publish(
                IdentityOutputs.USER_POOL_DOMAIN_ALIAS_TARGET,
                self.sign_in.alias_target,
                description="CloudFront host the custom sign-in domain's DNS alias (A/AAAA or CNAME) points to",
            )
