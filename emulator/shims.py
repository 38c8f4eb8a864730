"""Test-only fixes applied inside the emulator (moto server) process, one per documented moto gap.

Each shim makes moto behave as AWS documents, so the real stacks apply unchanged; none changes what the
stacks synthesize. `EMULATOR_GAPS` lists every gap the end-to-end test works around (it prints the list).
"""

from __future__ import annotations

import json
from typing import Any

from emulator import cognito_totp, monitoring_shims

# (resource, gap, how it is handled)
EMULATOR_GAPS: tuple[tuple[str, str, str], ...] = (
    (
        "aws_iam_role_policy_attachment of AWS-managed policies (api)",
        "moto knows no AWS-managed IAM policies by default",
        "emulator setting: MOTO_IAM_LOAD_MANAGED_POLICIES=true loads them (no shim)",
    ),
    (
        "aws_s3_bucket_policy (state bucket, TLS-only)",
        "moto ignores the Bool operator, so a Deny conditioned on aws:SecureTransport=false denies every request",
        "shim: bucket policies are evaluated with aws:SecureTransport=true (the emulator serves HTTPS only)",
    ),
    (
        "aws_ses_configuration_set (messaging)",
        "DescribeConfigurationSet returns no ReputationOptions (and a null event destination); "
        "UpdateConfigurationSetSendingEnabled and PutConfigurationSetDeliveryOptions (TLS policy) are not implemented",
        "shim: they answer from and write to the configuration set moto keeps",
    ),
    (
        "aws_ses_event_destination (messaging)",
        "DescribeConfigurationSet lists at most one destination; DeleteConfigurationSetEventDestination is not "
        "implemented",
        "shim: destinations are kept per configuration set, listed and deleted",
    ),
    (
        "aws_ses_identity_notification_topic (messaging, bounce and complaint)",
        "GetIdentityNotificationAttributes never returns topics or header settings; "
        "SetIdentityHeadersInNotificationsEnabled is not implemented",
        "shim: topics and header settings are stored and returned",
    ),
    (
        "aws_sesv2_email_identity_feedback_attributes (messaging)",
        "SES v2 PutEmailIdentityFeedbackAttributes is not implemented",
        "shim: it sets the identity's FeedbackForwardingStatus, which GetEmailIdentity already returns",
    ),
    *monitoring_shims.MONITORING_GAPS,
    (
        "aws_api_gateway_* (api: the deployed REST API)",
        "moto does not serve REST APIs in server mode: no execute-api routing, MOCK and AWS_PROXY integrations "
        "unimplemented, integration and gateway responses never applied, deployments not snapshotted",
        "shim (emulator/apigateway.py): <api-id>.execute-api.<region>.amazonaws.com on the emulator's port "
        "is served from the stage's deployment snapshot: routing, MOCK with integration responses and their "
        "headers, AWS_PROXY with the v1 proxy event, gateway responses with their headers",
    ),
    (
        "aws_api_gateway_authorizer (COGNITO_USER_POOLS)",
        "authorizers are never enforced",
        "shim: RS256 signature against the issuing pool's JWKS, issuer in the provider ARNs, expiry, token_use; "
        "claims passed as requestContext.authorizer.claims",
    ),
    (
        "aws_lambda_function (api: the profile function)",
        "invocation needs Docker; moto never evaluates IAM policies",
        "shim (emulator/lambda_invoke.py): the deployed zip's handler runs in a warm Python subprocess with the "
        "function's environment, timeout (init not counted, as on Lambda) and role credentials, AWS calls back to "
        "the emulator; crash or timeout is a function error (502 behind API Gateway); the role's policies are "
        "evaluated for those calls",
    ),
    (
        "API Gateway throttling, usage plans, Lambda concurrency",
        "not enforced by moto",
        "not emulated: the configured limits are checked as configuration (tests), never exercised",
    ),
    (
        "Cognito USER_SRP_AUTH (identity: the web client)",
        "moto runs the SRP exchange but does not verify the password proof; ExplicitAuthFlows are not enforced",
        "not emulated: the smoke test still signs in with real SRP (pycognito); a wrong password is caught only on AWS",
    ),
    (
        "aws_cognito_user_pool_domain (identity)",
        "DescribeUserPoolDomain returns a new random AWSAccountId on every call, so every refresh sees drift",
        "shim: it returns the emulator's account id",
    ),
    *cognito_totp.TOTP_GAPS,
)


def _secure_transport_permission(bucket: Any, action: str, resource: str) -> Any:
    """Bucket policy evaluation with `Bool: aws:SecureTransport` understood; everything else as moto does it."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy)
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    permitted = False
    for statement in statements:
        condition = dict(statement.get("Condition") or {})
        secure = condition.get("Bool", {}).get("aws:SecureTransport")
        if secure is not None:
            if str(secure).lower() != "true":
                continue  # the condition cannot hold over HTTPS: the statement does not apply
            condition["Bool"] = {k: v for k, v in condition["Bool"].items() if k != "aws:SecureTransport"}
            condition = {k: v for k, v in condition.items() if v}
        effective = {k: v for k, v in statement.items() if k != "Condition"}
        if condition:
            effective["Condition"] = condition
        result = IAMPolicyStatement(effective).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return result
        permitted = permitted or result == PermissionResult.PERMITTED
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


def _ses_v1() -> None:
    """SES (v1) calls the messaging stack's configuration set, event destination and identity topics need."""
    from moto.core.responses import ActionResult, EmptyResult
    from moto.ses.responses import EmailResponse

    def destinations(backend: Any) -> dict[str, dict[str, Any]]:
        """Event destinations by configuration set, then by name (moto keeps one per set)."""
        if not hasattr(backend, "junokit_event_destinations"):
            backend.junokit_event_destinations = {}
        found: dict[str, dict[str, Any]] = backend.junokit_event_destinations
        return found

    def create_configuration_set_event_destination(self: Any) -> Any:
        config_set = self._get_param("ConfigurationSetName")
        destination = self._get_param("EventDestination", {})
        self.backend.describe_configuration_set(config_set)  # raises ConfigurationSetDoesNotExist
        destinations(self.backend).setdefault(config_set, {})[destination["Name"]] = destination
        return EmptyResult()

    def delete_configuration_set_event_destination(self: Any) -> Any:
        config_set = self._get_param("ConfigurationSetName")
        destinations(self.backend).get(config_set, {}).pop(self._get_param("EventDestinationName"), None)
        return EmptyResult()

    def describe_configuration_set(self: Any) -> Any:
        name = self._get_param("ConfigurationSetName")
        config_set = self.backend.describe_configuration_set(name)
        attributes = self._get_param("ConfigurationSetAttributeNames", [])
        result: dict[str, Any] = {"ConfigurationSet": {"Name": config_set.configuration_set_name}}
        if "eventDestinations" in attributes:
            result["EventDestinations"] = list(destinations(self.backend).get(name, {}).values())
        if "reputationOptions" in attributes:
            result["ReputationOptions"] = {
                "ReputationMetricsEnabled": bool(config_set.reputation_options.get("ReputationMetricsEnabled", False)),
                "SendingEnabled": bool(getattr(config_set, "junokit_sending_enabled", True)),
            }
        if "deliveryOptions" in attributes and config_set.delivery_options:
            result["DeliveryOptions"] = config_set.delivery_options
        return ActionResult(result)

    def update_configuration_set_sending_enabled(self: Any) -> Any:
        config_set = self.backend.describe_configuration_set(self._get_param("ConfigurationSetName"))
        config_set.junokit_sending_enabled = self._get_bool_param("Enabled", False)
        return EmptyResult()

    def put_configuration_set_delivery_options(self: Any) -> Any:
        """The TLS policy (`Require` or `Optional`), stored where DescribeConfigurationSet reads it."""
        config_set = self.backend.describe_configuration_set(self._get_param("ConfigurationSetName"))
        options = self._get_param("DeliveryOptions") or {}
        policy = options.get("TlsPolicy", "Optional")
        if policy not in ("Require", "Optional"):
            from moto.ses.exceptions import InvalidParameterValue

            raise InvalidParameterValue(f"TlsPolicy {policy} is not valid (allowed: Require, Optional)")
        config_set.delivery_options = {"TlsPolicy": policy}
        return EmptyResult()

    def set_identity_headers_in_notifications_enabled(self: Any) -> Any:
        settings = self.backend.sns_topics.setdefault(self._get_param("Identity"), {})
        settings[f"junokit_headers_{self._get_param('NotificationType')}"] = self._get_bool_param("Enabled", False)
        return EmptyResult()

    def get_identity_notification_attributes(self: Any) -> Any:
        attributes = {}
        for identity in self._get_param("Identities", []):
            settings = self.backend.sns_topics.get(identity, {})
            entry: dict[str, Any] = {"ForwardingEnabled": bool(settings.get("feedback_forwarding_enabled", True))}
            for kind in ("Bounce", "Complaint", "Delivery"):
                if settings.get(kind):
                    entry[f"{kind}Topic"] = settings[kind]
                entry[f"HeadersIn{kind}NotificationsEnabled"] = bool(settings.get(f"junokit_headers_{kind}", False))
            attributes[identity] = entry
        return ActionResult({"NotificationAttributes": attributes})

    for handler in (
        create_configuration_set_event_destination,
        delete_configuration_set_event_destination,
        describe_configuration_set,
        update_configuration_set_sending_enabled,
        put_configuration_set_delivery_options,
        set_identity_headers_in_notifications_enabled,
        get_identity_notification_attributes,
    ):
        setattr(EmailResponse, handler.__name__, handler)


def _ses_v2() -> None:
    """SES v2 PutEmailIdentityFeedbackAttributes, on the identity moto shares between v1 and v2."""
    from moto.sesv2 import urls
    from moto.sesv2.responses import SESV2Response

    # moto's server routes only the paths it lists; the app is built from this table at the first request.
    urls.url_paths["{0}/v2/email/identities/(?P<EmailIdentity>[^/]+)/feedback$"] = SESV2Response.dispatch

    def put_email_identity_feedback_attributes(self: Any) -> str:
        identity = self.sesv2_backend.get_email_identity(self._get_param("EmailIdentity"))
        identity.feedback_forwarding_status = bool(self._get_param("EmailForwardingEnabled", False))
        return "{}"

    setattr(SESV2Response, put_email_identity_feedback_attributes.__name__, put_email_identity_feedback_attributes)


def _cognito_domain() -> None:
    from moto.cognitoidp.models import CognitoIdpUserPoolDomain
    from moto.core.models import DEFAULT_ACCOUNT_ID

    original = CognitoIdpUserPoolDomain.to_json

    def to_json(self: Any, extended: bool = True) -> dict[str, Any]:
        described = original(self, extended)
        if "AWSAccountId" in described:
            described["AWSAccountId"] = DEFAULT_ACCOUNT_ID
        return described

    CognitoIdpUserPoolDomain.to_json = to_json  # type: ignore[method-assign]


def apply() -> None:
    from moto.s3.models import FakeBucket

    from emulator import apigateway, lambda_invoke

    FakeBucket.get_permission = lambda self, action, resource: _secure_transport_permission(self, action, resource)  # type: ignore[method-assign]  # the shim replaces moto's method
    _ses_v1()
    _ses_v2()
    monitoring_shims.apply()
    lambda_invoke.apply()
    apigateway.apply()
    _cognito_domain()
    cognito_totp.apply()
