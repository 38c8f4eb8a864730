"""Cognito user pool for an invite-only product: administrators create users, who sign in with their email.

Invitation and verification mail go out through the product's own SES identity (not Cognito's shared
sender, which is limited to a few mails a day and sends from a Cognito address).
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cognito_user_pool import (
    CognitoUserPool,
    CognitoUserPoolAccountRecoverySetting,
    CognitoUserPoolAccountRecoverySettingRecoveryMechanism,
    CognitoUserPoolAdminCreateUserConfig,
    CognitoUserPoolAdminCreateUserConfigInviteMessageTemplate,
    CognitoUserPoolEmailConfiguration,
    CognitoUserPoolPasswordPolicy,
    CognitoUserPoolSchema,
    CognitoUserPoolSchemaStringAttributeConstraints,
    CognitoUserPoolUserAttributeUpdateSettings,
    CognitoUserPoolUsernameConfiguration,
    CognitoUserPoolVerificationMessageTemplate,
)
from constructs import Construct

from constructs_lib import validation
from stacks.identity.contract import UserAttributes

MIN_PASSWORD_LENGTH = 12
"""The project's floor for passwords (Cognito itself allows 6)."""

# Custom attributes: (name, mutable, max length). Cognito only enforces type and length; allowed values are
# listed in junokit.contract (USER_ROLES, USER_THEMES). inviteCode is written once, when the user is invited.
CUSTOM_ATTRIBUTES: tuple[tuple[UserAttributes, bool, int], ...] = (
    (UserAttributes.INVITE_CODE, False, 64),
    (UserAttributes.USER_ROLE, True, 16),
    (UserAttributes.THEME, True, 16),
)

INVITATION_SUBJECT = "You are invited to Junokit"
INVITATION_EMAIL = Template(
    "<p>Hello,</p>"
    "<p>You have been invited to Junokit, the AI work assistant for your team.</p>"
    '<p>Sign in at <a href="$sign_in_url">$sign_in_url</a> with<br>'
    "user name: {username}<br>"
    "temporary password: {####}</p>"
    "<p>You choose your own password when you first sign in. The temporary password expires in $validity; "
    "after that, ask your administrator to invite you again.</p>"
    "<p>The Junokit team</p>"
)
INVITATION_SMS = "Junokit invitation: user name {username}, temporary password {####}"
VERIFICATION_SUBJECT = "Your Junokit verification code"
VERIFICATION_EMAIL = (
    "<p>Your Junokit verification code is {####}.</p>"
    "<p>If you did not ask for this code, you can ignore this email.</p>"
)



@dataclass(frozen=True, kw_only=True)
class InviteOnlyUserPoolProps:
    pool_name: str
    """User pool name (`junokit-users` in prod)."""
    email_identity_arn: str
    """Verified SES identity the pool sends from (may be a remote-state token)."""
    from_address: str
    """From header, e.g. `Junokit <no-reply@junokit.com>`; must belong to the identity."""
    sign_in_url: str
    """Where the invitation tells users to sign in; https, or http://localhost for development."""
    configuration_set: str = ""
    """SES configuration set for the pool's mail, so its bounces reach the feedback topic. Default: none."""
    password_min_length: int = MIN_PASSWORD_LENGTH
    """Minimum password length, 12-99; upper and lower case, digits and symbols are always required. Default: 12."""
    temporary_password_validity_days: int = 3
    """Days an invitation's temporary password works, 1-365. Default: 3."""
    protect: bool = True
    """Cognito deletion protection plus Terraform `prevent_destroy`. Default: on; only non-prod opts out."""


class InviteOnlyUserPool(Construct):
    """Email sign-in, no self sign-up, recovery by verified email only, strong passwords, SES mail."""

    def __init__(self, scope: Construct, id_: str, *, props: InviteOnlyUserPoolProps) -> None:
        super().__init__(scope, id_)
        _validate(props)
        days = props.temporary_password_validity_days
        invitation = INVITATION_EMAIL.substitute(
            sign_in_url=props.sign_in_url, validity=f"{days} day" if days == 1 else f"{days} days"
        )
        self.user_pool = CognitoUserPool(
            self,
            "pool",
            name=props.pool_name,
            username_attributes=["email"],
            username_configuration=CognitoUserPoolUsernameConfiguration(case_sensitive=False),
            auto_verified_attributes=["email"],
            # A changed email takes effect only once the new address is verified.
            user_attribute_update_settings=CognitoUserPoolUserAttributeUpdateSettings(
                attributes_require_verification_before_update=["email"]
            ),
            admin_create_user_config=CognitoUserPoolAdminCreateUserConfig(
                allow_admin_create_user_only=True,
                invite_message_template=CognitoUserPoolAdminCreateUserConfigInviteMessageTemplate(
                    email_subject=INVITATION_SUBJECT, email_message=invitation, sms_message=INVITATION_SMS
                ),
            ),
            verification_message_template=CognitoUserPoolVerificationMessageTemplate(
                default_email_option="CONFIRM_WITH_CODE",
                email_subject=VERIFICATION_SUBJECT,
                email_message=VERIFICATION_EMAIL,
            ),
            account_recovery_setting=CognitoUserPoolAccountRecoverySetting(
                recovery_mechanism=[
                    CognitoUserPoolAccountRecoverySettingRecoveryMechanism(name="verified_email", priority=1)
                ]
            ),
            password_policy=CognitoUserPoolPasswordPolicy(
                minimum_length=props.password_min_length,
                require_lowercase=True,
                require_uppercase=True,
                require_numbers=True,
                require_symbols=True,
                temporary_password_validity_days=days,
            ),
            email_configuration=CognitoUserPoolEmailConfiguration(
                email_sending_account="DEVELOPER",
                source_arn=props.email_identity_arn,
                from_email_address=props.from_address,
                configuration_set=props.configuration_set or None,
            ),
            # String constraints must be given, or the provider plans to replace the schema on every run.
            schema=[
                CognitoUserPoolSchema(
                    name=name.removeprefix("custom:"),
                    attribute_data_type="String",
                    mutable=mutable,
                    developer_only_attribute=False,
                    required=False,
                    string_attribute_constraints=CognitoUserPoolSchemaStringAttributeConstraints(
                        min_length="1", max_length=str(max_length)
                    ),
                )
                for name, mutable, max_length in CUSTOM_ATTRIBUTES
            ],
            deletion_protection="ACTIVE" if props.protect else "INACTIVE",
            lifecycle=TerraformResourceLifecycle(prevent_destroy=props.protect),
        )
        self.user_pool_id: str = self.user_pool.id
        self.user_pool_arn: str = self.user_pool.arn


def _validate(props: InviteOnlyUserPoolProps) -> None:
    validation.in_range("InviteOnlyUserPool password_min_length", props.password_min_length, MIN_PASSWORD_LENGTH, 99)
    validation.in_range(
        "InviteOnlyUserPool temporary_password_validity_days", props.temporary_password_validity_days, 1, 365
    )
    validation.APP_URL.check("InviteOnlyUserPool sign_in_url", props.sign_in_url)
