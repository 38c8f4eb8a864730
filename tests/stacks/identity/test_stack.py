"""Identity stack: the invite-only user pool, the web client, the hosted domain, and SES mail via remote state."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from cdktf import TerraformStack, Testing

from constructs_lib.config import PROJECT_ROOT, ConfigError, load_config
from constructs_lib.contract import StackName
from stacks.identity.contract import IdentityOutputs
from stacks.identity.stack import IdentityStack
from stacks.identity.user_pool import InviteOnlyUserPool, InviteOnlyUserPoolProps
from stacks.identity.web_sign_in import WebSignIn, WebSignInProps
from stacks.messaging.contract import MessagingOutputs
from tests.support import build, config_for, document, only_resource, resources, synth

POOL = "aws_cognito_user_pool"
CLIENT = "aws_cognito_user_pool_client"
DOMAIN = "aws_cognito_user_pool_domain"
REMOTE_STATE = "terraform_remote_state"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0b6f1a6e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def _ref(synthesized: str, resource_type: str, attribute: str) -> str:
    (logical_id,) = resources(synthesized, resource_type)
    return f"${{{resource_type}.{logical_id}.{attribute}}}"


def _messaging_output(synthesized: str, output: str) -> str:
    """How the identity stack refers to one of the messaging stack's outputs."""
    (logical_id,) = document(synthesized)["data"][REMOTE_STATE]
    return f"${{data.{REMOTE_STATE}.{logical_id}.outputs.{output}}}"


@pytest.fixture(scope="module")
def dev() -> str:
    return synth(build("dev")["identity"])


@pytest.fixture(scope="module")
def prod() -> str:
    return synth(build("prod")["identity"])


@pytest.fixture(scope="module")
def custom_domain() -> str:
    config = config_for("prod")
    identity = replace(config.identity, custom_domain="auth.junokit.com", custom_domain_certificate_arn=CERTIFICATE)
    return synth(IdentityStack(Testing.app(), config=replace(config, identity=identity)))


# The user pool


def test_prod_pool_uses_the_seed_name(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(prod, POOL, {"name": "junokit-users"})


def test_dev_pool_name_carries_the_environment(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, POOL, {"name": "junokit-users-dev"})


def test_only_administrators_create_users(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev, POOL, {"admin_create_user_config": {"allow_admin_create_user_only": True}}
    )


def test_email_is_the_sign_in_name(dev: str) -> None:
    pool = only_resource(dev, POOL)
    assert pool["username_attributes"] == ["email"]
    assert pool["username_configuration"] == {"case_sensitive": False}
    assert "alias_attributes" not in pool


def test_email_is_auto_verified(dev: str) -> None:
    assert only_resource(dev, POOL)["auto_verified_attributes"] == ["email"]


def test_changed_email_applies_only_once_verified(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev, POOL, {"user_attribute_update_settings": {"attributes_require_verification_before_update": ["email"]}}
    )


def test_account_recovery_is_by_verified_email_only(dev: str) -> None:
    assert only_resource(dev, POOL)["account_recovery_setting"] == {
        "recovery_mechanism": [{"name": "verified_email", "priority": 1}]
    }


def test_prod_pool_has_deletion_protection_and_prevent_destroy(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(
        prod, POOL, {"deletion_protection": "ACTIVE", "lifecycle": {"prevent_destroy": True}}
    )


def test_dev_pool_can_be_destroyed(dev: str) -> None:
    pool = only_resource(dev, POOL)
    assert (pool["deletion_protection"], pool["lifecycle"]) == ("INACTIVE", {"prevent_destroy": False})


def test_custom_attributes_are_exactly_invite_code_role_and_theme(dev: str) -> None:
    def attribute(name: str, mutable: bool, max_length: str) -> dict[str, object]:
        return {
            "name": name,
            "attribute_data_type": "String",
            "mutable": mutable,
            "developer_only_attribute": False,
            "required": False,
            "string_attribute_constraints": {"min_length": "1", "max_length": max_length},
        }

    assert only_resource(dev, POOL)["schema"] == [
        attribute("inviteCode", False, "64"),
        attribute("userRole", True, "16"),
        attribute("theme", True, "16"),
    ]


def test_passwords_need_twelve_characters_of_every_kind(dev: str) -> None:
    assert only_resource(dev, POOL)["password_policy"] == {
        "minimum_length": 12,
        "require_lowercase": True,
        "require_uppercase": True,
        "require_numbers": True,
        "require_symbols": True,
        "temporary_password_validity_days": 3,
    }


def test_invitation_is_a_junokit_message_with_user_name_and_temporary_password(prod: str) -> None:
    template = only_resource(prod, POOL)["admin_create_user_config"]["invite_message_template"]
    assert template["email_subject"] == "You are invited to Junokit"
    for part in ("{username}", "{####}", 'href="https://app.junokit.com/"', "expires in 3 days"):
        assert part in template["email_message"]
    assert "{username}" in template["sms_message"] and "{####}" in template["sms_message"]


def test_verification_email_sends_a_junokit_code(dev: str) -> None:
    template = only_resource(dev, POOL)["verification_message_template"]
    assert template["default_email_option"] == "CONFIRM_WITH_CODE"
    assert template["email_subject"] == "Your Junokit verification code"
    assert "{####}" in template["email_message"]


# MFA: TOTP only, optional outside prod, required in prod


def test_prod_pool_requires_totp_mfa(prod: str) -> None:
    pool = only_resource(prod, POOL)
    assert (pool["mfa_configuration"], pool["software_token_mfa_configuration"]) == ("ON", {"enabled": True})


def test_dev_pool_offers_optional_totp_mfa(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev, POOL, {"mfa_configuration": "OPTIONAL", "software_token_mfa_configuration": {"enabled": True}}
    )


def test_no_sms_mfa_is_offered(prod: str, dev: str) -> None:
    for synthesized in (prod, dev):
        assert "sms_configuration" not in only_resource(synthesized, POOL)


def test_mfa_off_leaves_totp_out() -> None:
    config = config_for("dev")
    stack = IdentityStack(Testing.app(), config=replace(config, identity=replace(config.identity, mfa="off")))
    pool = only_resource(synth(stack), POOL)
    assert pool["mfa_configuration"] == "OFF"
    assert "software_token_mfa_configuration" not in pool


def test_the_pool_requires_mfa_unless_told_otherwise() -> None:
    stack = TerraformStack(Testing.app(), "test")
    InviteOnlyUserPool(
        stack,
        "users",
        props=InviteOnlyUserPoolProps(
            pool_name="p",
            email_identity_arn="arn:aws:ses:eu-north-1:123456789012:identity/junokit.com",
            from_address="Junokit <no-reply@junokit.com>",
            sign_in_url="https://app.junokit.com/",
        ),
    )
    assert only_resource(synth(stack), POOL)["mfa_configuration"] == "ON"  # type: ignore[arg-type]


# Mail through the messaging stack


def test_mail_is_sent_through_our_own_ses_identity(dev: str) -> None:
    assert only_resource(dev, POOL)["email_configuration"]["email_sending_account"] == "DEVELOPER"


def test_ses_identity_is_read_from_the_messaging_stack_remote_state(dev: str) -> None:
    source_arn = only_resource(dev, POOL)["email_configuration"]["source_arn"]
    assert source_arn == _messaging_output(dev, MessagingOutputs.IDENTITY_ARN)


def test_remote_state_is_the_messaging_stack_state(dev: str) -> None:
    assert Testing.to_have_data_source_with_properties(
        dev,
        REMOTE_STATE,
        {"backend": "local", "config": {"path": "../../../terraform-state/junokit-dev-messaging.tfstate"}},
    )


def test_sender_address_and_configuration_set_come_from_the_messaging_stack(dev: str) -> None:
    email = only_resource(dev, POOL)["email_configuration"]
    assert email["from_email_address"] == f"Junokit <{_messaging_output(dev, MessagingOutputs.SENDER_ADDRESS)}>"
    assert email["configuration_set"] == _messaging_output(dev, MessagingOutputs.CONFIGURATION_SET)


def test_identity_depends_on_messaging() -> None:
    stacks = build("dev")
    assert stacks[StackName.IDENTITY].producers == [StackName.MESSAGING]
    assert stacks[StackName.MESSAGING] in stacks[StackName.IDENTITY].dependencies


# The web client


def test_web_client_has_no_secret(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, CLIENT, {"generate_secret": False})


def test_web_client_allows_only_srp_and_refresh_token_sign_in(dev: str) -> None:
    assert only_resource(dev, CLIENT)["explicit_auth_flows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_refresh_tokens_last_30_days_and_access_and_id_tokens_one_hour(dev: str) -> None:
    client = only_resource(dev, CLIENT)
    assert (client["refresh_token_validity"], client["access_token_validity"], client["id_token_validity"]) == (
        30,
        60,
        60,
    )
    assert client["token_validity_units"] == [
        {"access_token": "minutes", "id_token": "minutes", "refresh_token": "days"}
    ]


def test_user_existence_is_not_revealed(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, CLIENT, {"prevent_user_existence_errors": "ENABLED"})


def test_tokens_can_be_revoked(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, CLIENT, {"enable_token_revocation": True})


def test_oauth_is_the_code_flow_with_openid_scopes_and_cognito_users_only(dev: str) -> None:
    client = only_resource(dev, CLIENT)
    assert client["allowed_oauth_flows_user_pool_client"] is True
    assert client["allowed_oauth_flows"] == ["code"]
    assert client["allowed_oauth_scopes"] == ["openid", "email", "profile"]
    assert client["supported_identity_providers"] == ["COGNITO"]


def test_callback_and_logout_urls_come_from_config(prod: str) -> None:
    client = only_resource(prod, CLIENT)
    assert client["callback_urls"] == ["https://app.junokit.com/auth/callback"]
    assert client["logout_urls"] == ["https://app.junokit.com/"]


def test_users_cannot_write_their_own_role_invite_code_or_theme(dev: str) -> None:
    client = only_resource(dev, CLIENT)
    assert client["write_attributes"] == ["email", "name"]
    assert {"custom:inviteCode", "custom:userRole", "custom:theme"} <= set(client["read_attributes"])


def test_client_belongs_to_the_pool(dev: str) -> None:
    assert only_resource(dev, CLIENT)["user_pool_id"] == _ref(dev, POOL, "id")


# The hosted domain


def test_prod_gets_the_junokit_prefix_domain(prod: str) -> None:
    domain = only_resource(prod, DOMAIN)
    assert (domain["domain"], domain["user_pool_id"]) == ("junokit", _ref(prod, POOL, "id"))
    assert "certificate_arn" not in domain


def test_dev_prefix_domain_carries_the_environment(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, DOMAIN, {"domain": "junokit-dev"})


def test_prefix_domain_can_be_set_in_config() -> None:
    config = config_for("dev")
    config = replace(config, identity=replace(config.identity, domain_prefix="junokit-team-dev"))
    synthesized = synth(IdentityStack(Testing.app(), config=config))
    assert Testing.to_have_resource_with_properties(synthesized, DOMAIN, {"domain": "junokit-team-dev"})


def test_custom_domain_is_used_when_a_certificate_is_configured(custom_domain: str) -> None:
    assert Testing.to_have_resource_with_properties(
        custom_domain, DOMAIN, {"domain": "auth.junokit.com", "certificate_arn": CERTIFICATE}
    )


def test_custom_domain_publishes_its_alias_target(custom_domain: str) -> None:
    outputs = document(custom_domain)["output"]
    assert outputs[IdentityOutputs.USER_POOL_DOMAIN]["value"] == "auth.junokit.com"
    assert outputs[IdentityOutputs.USER_POOL_DOMAIN_ALIAS_TARGET]["value"] == _ref(
        custom_domain, DOMAIN, "cloudfront_distribution"
    )


# Outputs


def test_outputs_follow_the_contract(dev: str) -> None:
    outputs = document(dev)["output"]
    assert set(outputs) == {str(name) for name in IdentityOutputs} - {IdentityOutputs.USER_POOL_DOMAIN_ALIAS_TARGET}
    assert outputs["JunokitUserPoolId"]["value"] == _ref(dev, POOL, "id")
    assert outputs["JunokitUserPoolClientId"]["value"] == _ref(dev, CLIENT, "id")
    assert outputs[IdentityOutputs.USER_POOL_ARN]["value"] == _ref(dev, POOL, "arn")


def test_prefix_domain_output_is_the_full_host_name(dev: str) -> None:
    assert (
        document(dev)["output"][IdentityOutputs.USER_POOL_DOMAIN]["value"]
        == f"{_ref(dev, DOMAIN, 'domain')}.auth.eu-north-1.amazoncognito.com"
    )


# Bad input: one line naming the field, the value and what is allowed.


def _pool(**props: object) -> None:
    settings: dict[str, object] = {
        "pool_name": "junokit-users-test",
        "email_identity_arn": "arn:aws:ses:eu-north-1:123456789012:identity/junokit.com",
        "from_address": "Junokit <no-reply@junokit.com>",
        "sign_in_url": "https://app.junokit.com/",
    }
    InviteOnlyUserPool(
        TerraformStack(Testing.app(), "test"),
        "users",
        props=InviteOnlyUserPoolProps(**{**settings, **props}),  # type: ignore[arg-type]  # props from a dict of test settings
    )


def _sign_in(**props: object) -> None:
    settings: dict[str, object] = {
        "user_pool_id": "eu-north-1_test",
        "client_name": "junokit-web-test",
        "region": "eu-north-1",
        "callback_urls": ("https://app.junokit.com/auth/callback",),
        "domain_prefix": "junokit-test",
    }
    WebSignIn(TerraformStack(Testing.app(), "test"), "web", props=WebSignInProps(**{**settings, **props}))  # type: ignore[arg-type]  # props from a dict of test settings


CONSTRUCT_ERRORS = {
    "unknown MFA mode": (
        _pool,
        {"mfa": "sms"},
        "InviteOnlyUserPool mfa 'sms' is not allowed (allowed: off, optional, required)",
    ),
    "short passwords": (
        _pool,
        {"password_min_length": 8},
        "InviteOnlyUserPool password_min_length 8 is not allowed (allowed: 12-99)",
    ),
    "temporary password never expires": (
        _pool,
        {"temporary_password_validity_days": 0},
        "InviteOnlyUserPool temporary_password_validity_days 0 is not allowed (allowed: 1-365)",
    ),
    "plain-http sign-in link": (
        _pool,
        {"sign_in_url": "http://app.junokit.com/"},
        "InviteOnlyUserPool sign_in_url 'http://app.junokit.com/' is not allowed (allowed: https URLs, or http://localhost)",
    ),
    "plain-http callback": (
        _sign_in,
        {"callback_urls": ("http://app.junokit.com/auth/callback",)},
        "WebSignIn callback_urls 'http://app.junokit.com/auth/callback' is not allowed (allowed: https URLs, or http://localhost)",
    ),
    "no callback": (
        _sign_in,
        {"callback_urls": ()},
        "WebSignIn callback_urls () is not allowed (allowed: one or more https URLs, or http://localhost)",
    ),
    "reserved word in prefix": (
        _sign_in,
        {"domain_prefix": "junokit-cognito"},
        "WebSignIn domain_prefix 'junokit-cognito' is not allowed (allowed: lower-case letters, digits and dashes, without aws, amazon or cognito)",
    ),
    "custom domain without certificate": (
        _sign_in,
        {"custom_domain": "auth.junokit.com"},
        "WebSignIn certificate_arn '' is not allowed (allowed: an ACM certificate ARN in us-east-1 when custom_domain is set)",
    ),
    "day-long access tokens": (
        _sign_in,
        {"access_token_minutes": 2880},
        "WebSignIn access_token_minutes 2880 is not allowed (allowed: 5-1440)",
    ),
}


@pytest.mark.parametrize(
    ("build_construct", "props", "message"), CONSTRUCT_ERRORS.values(), ids=CONSTRUCT_ERRORS.keys()
)
def test_constructs_refuse_bad_input(
    build_construct: Callable[..., None], props: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        build_construct(**props)
    assert str(raised.value) == message


CONFIG_ERRORS = {
    "password under 12": (
        "dev",
        "[defaults.identity]\npassword_min_length = 11\n",
        "identity.password_min_length 11 is not allowed (allowed: 12-99)",
    ),
    "plain-http callback outside dev": (
        "staging",
        '[environments.staging.identity]\ncallback_urls = ["http://staging.app.junokit.com/auth/callback"]\n'
        'logout_urls = ["https://staging.app.junokit.com/"]\n'
        # Valid api origins, so the api's own https check (config since the api stack) does not answer first.
        '[environments.staging.api]\ncors_allow_origins = ["https://staging.app.junokit.com"]\n',
        "callback/logout URL 'http://staging.app.junokit.com/auth/callback' is not allowed (allowed: https URLs outside dev)",
    ),
    "temporary password validity": (
        "dev",
        "[defaults.identity]\ntemporary_password_validity_days = 0\n",
        "identity.temporary_password_validity_days 0 is not allowed (allowed: 1-365)",
    ),
    "no callback": (
        "dev",
        "[defaults.identity]\ncallback_urls = []\n",
        "identity.callback_urls () is not allowed (allowed: one or more URLs of the web app)",
    ),
    "invalid prefix": (
        "dev",
        '[defaults.identity]\ndomain_prefix = "Junokit_Dev"\n',
        "identity.domain_prefix 'Junokit_Dev' is not allowed (allowed: lower-case letters, digits and dashes, without aws, amazon or cognito)",
    ),
    "invalid custom domain": (
        "dev",
        f'[defaults.identity]\ncustom_domain = "auth..junokit.com"\ncustom_domain_certificate_arn = "{CERTIFICATE}"\n',
        "identity.custom_domain 'auth..junokit.com' is not allowed (allowed: a lower-case DNS name such as junokit.com)",
    ),
    "certificate outside us-east-1": (
        "dev",
        '[defaults.identity]\ncustom_domain = "auth.junokit.com"\n'
        'custom_domain_certificate_arn = "arn:aws:acm:eu-north-1:123456789012:certificate/abc"\n',
        "identity.custom_domain_certificate_arn 'arn:aws:acm:eu-north-1:123456789012:certificate/abc' is not allowed "
        "(allowed: an ACM certificate ARN in us-east-1, as Cognito custom domains require)",
    ),
}


@pytest.mark.parametrize(("environment", "text", "message"), CONFIG_ERRORS.values(), ids=CONFIG_ERRORS.keys())
def test_config_refuses_bad_identity_input(tmp_path: Path, environment: str, text: str, message: str) -> None:
    path = tmp_path / "environments.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(environment, environ={"JUNOKIT_CONFIG": str(path)})
    assert str(raised.value) == message


def test_synth_reports_a_plain_http_callback_in_one_line(tmp_path: Path) -> None:
    """dev allows http callbacks, but Cognito only for localhost."""
    path = tmp_path / "environments.toml"
    path.write_text('[defaults.identity]\ncallback_urls = ["http://dev.junokit.com/callback"]\n')
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JUNOKIT_")}
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py")],
        env={**clean, "JUNOKIT_CONFIG": str(path), "JUNOKIT_OUTDIR": str(tmp_path / "cdktf.out")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "junokit: error: callback/logout URL 'http://dev.junokit.com/callback' is not allowed "
        "(allowed: https URLs, or http://localhost)\n"
    )
    assert not (tmp_path / "cdktf.out").exists()
