"""What the end-to-end test verifies on the emulator after the apply, per stack and feature by feature.

Each check reads the deployed resources back with boto3 and compares them with what the config and the
constructs ask for, so a stack that synthesizes but deploys something else fails here. To cover a new
stack, add its checks to `CHECKS` under its name; the test refuses a deployed stack without checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from constructs_lib.config import EnvironmentConfig
from constructs_lib.contract import BOOTSTRAP_STACK, StackName
from constructs_lib.stack import JunokitStack, stack_tags
from constructs_lib.state import state_location
from emulator.server import Emulator
from stacks.api.contract import ApiOutputs
from stacks.api.profile_function.request_schema import MODEL_NAME, profile_update_schema
from stacks.api.rest_api import ACCESS_LOG_FORMAT, GATEWAY_ERROR_RESPONSES, MODEL_CONTENT_TYPE_KEY, RestApi
from stacks.api.stack import STAGE_NAME
from stacks.api.waf import MANAGED_RULE_GROUPS, RATE_RULE_NAME
from stacks.bootstrap.contract import BootstrapOutputs
from stacks.data.contract import DataOutputs
from stacks.data.user_context_table import PARTITION_KEY, SORT_KEY, UserContextTableProps
from stacks.identity.contract import IdentityOutputs
from stacks.identity.user_pool import CUSTOM_ATTRIBUTES, MFA_CONFIGURATION
from stacks.identity.web_sign_in import AUTH_FLOWS, OAUTH_SCOPES, READ_ATTRIBUTES, WRITE_ATTRIBUTES, WebSignInProps
from stacks.messaging.contract import MessagingOutputs
from stacks.messaging.email_domain import DKIM_TOKEN_COUNT, DNS_TTL, FEEDBACK_EVENTS, NOTIFICATION_TYPES


@dataclass(frozen=True, kw_only=True)
class Deployed:
    """What a check sees: the environment's config, each applied stack's outputs and the emulator."""

    config: EnvironmentConfig
    outputs: Mapping[str, Mapping[str, Any]]
    """Outputs by stack name (`data`, `bootstrap`, ...) as read from each stack's state."""
    emulator: Emulator
    stacks: Mapping[str, JunokitStack]
    """The synthesized stacks by name, for what only the code states (e.g. the api's route table)."""

    def client(self, service: str) -> Any:
        return self.emulator.client(service)

    @property
    def account(self) -> str:
        return str(self.client("sts").get_caller_identity()["Account"])

    def output(self, stack: str, name: str) -> Any:
        assert name in self.outputs[stack], f"stack {stack} has no output {name} (has: {sorted(self.outputs[stack])})"
        return self.outputs[stack][name]


Check = Callable[[Deployed], None]


def _tag_map(tags: Any) -> dict[str, str]:
    """Tags as a dict, whether the API gives a dict or a list of Key/Value pairs."""
    if isinstance(tags, Mapping):
        return dict(tags)
    return {tag["Key"]: tag["Value"] for tag in tags or []}


def _tags_include(actual: Mapping[str, str], config: EnvironmentConfig, stack: str) -> None:
    expected = stack_tags(config, stack)
    missing = {key: value for key, value in expected.items() if actual.get(key) != value}
    assert not missing, f"{stack}: tags {missing} missing or different (have {dict(actual)})"


# --- bootstrap: the state bucket -------------------------------------------------------------------


def _state_bucket(deployed: Deployed) -> str:
    bucket = deployed.output(BOOTSTRAP_STACK, BootstrapOutputs.STATE_BUCKET)
    assert bucket == deployed.config.backend.state_bucket
    return bucket


def bucket_is_versioned(deployed: Deployed) -> None:
    status = deployed.client("s3").get_bucket_versioning(Bucket=_state_bucket(deployed)).get("Status")
    assert status == "Enabled"


def bucket_is_kms_encrypted(deployed: Deployed) -> None:
    rules = deployed.client("s3").get_bucket_encryption(Bucket=_state_bucket(deployed))[
        "ServerSideEncryptionConfiguration"
    ]["Rules"]
    assert [rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for rule in rules] == ["aws:kms"]
    assert rules[0].get("BucketKeyEnabled") is True


def bucket_blocks_public_access(deployed: Deployed) -> None:
    block = deployed.client("s3").get_public_access_block(Bucket=_state_bucket(deployed))[
        "PublicAccessBlockConfiguration"
    ]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }


def bucket_owner_is_enforced(deployed: Deployed) -> None:
    controls = deployed.client("s3").get_bucket_ownership_controls(Bucket=_state_bucket(deployed))
    rules = controls["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def bucket_refuses_plain_http(deployed: Deployed) -> None:
    policy = json.loads(deployed.client("s3").get_bucket_policy(Bucket=_state_bucket(deployed))["Policy"])
    denials = [
        statement
        for statement in policy["Statement"]
        if statement["Effect"] == "Deny"
        and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert denials, f"no Deny on aws:SecureTransport=false in {policy}"


def bucket_is_tagged(deployed: Deployed) -> None:
    tags = deployed.client("s3").get_bucket_tagging(Bucket=_state_bucket(deployed))["TagSet"]
    _tags_include(_tag_map(tags), deployed.config, BOOTSTRAP_STACK)


def bucket_holds_each_stacks_state(deployed: Deployed) -> None:
    """Every other stack keeps its state in the bucket, under its own key (the s3 backend is really used)."""
    s3 = deployed.client("s3")
    bucket = _state_bucket(deployed)
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    for stack in deployed.outputs:
        if stack == BOOTSTRAP_STACK:
            continue
        key = state_location(deployed.config, deployed.config.stack_id(stack)).s3_key
        assert key in keys, f"no state for {stack} at s3://{bucket}/{key} (keys: {sorted(keys)})"
        state = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        assert state["outputs"], f"state of {stack} has no outputs"


# --- data: the user-context table and the API secrets -----------------------------------------------


def _table_props(config: EnvironmentConfig) -> UserContextTableProps:
    """The props the data stack gives the table (the construct's defaults for everything else)."""
    return UserContextTableProps(
        table_name=config.resource_name("junokit-user-context"), protect=config.protect_stateful
    )


def _table(deployed: Deployed) -> dict[str, Any]:
    name = deployed.output(StackName.DATA, DataOutputs.TABLE_NAME)
    assert name == _table_props(deployed.config).table_name
    return deployed.client("dynamodb").describe_table(TableName=name)["Table"]


def table_keys_are_user_id_and_context_type(deployed: Deployed) -> None:
    table = _table(deployed)
    assert table["KeySchema"] == [
        {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
    ]
    assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": SORT_KEY, "AttributeType": "S"},
        {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
    ]


def table_is_pay_per_request(deployed: Deployed) -> None:
    assert _table(deployed)["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def table_has_point_in_time_recovery(deployed: Deployed) -> None:
    name = _table(deployed)["TableName"]
    backups = deployed.client("dynamodb").describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def table_expires_items_by_ttl(deployed: Deployed) -> None:
    name = _table(deployed)["TableName"]
    ttl = deployed.client("dynamodb").describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl.get("TimeToLiveStatus") == "ENABLED", ttl
    assert ttl.get("AttributeName") == _table_props(deployed.config).ttl_attribute


def table_has_the_context_type_index(deployed: Deployed) -> None:
    props = _table_props(deployed.config)
    table = _table(deployed)
    indexes = table.get("GlobalSecondaryIndexes", [])
    assert [index["IndexName"] for index in indexes] == [props.context_type_index_name]
    assert indexes[0]["KeySchema"] == [
        {"AttributeName": SORT_KEY, "KeyType": "HASH"},
        {"AttributeName": PARTITION_KEY, "KeyType": "RANGE"},
    ]
    assert indexes[0]["Projection"]["ProjectionType"] == "ALL"
    # moto leaves out IndexArn; AWS documents it as the table ARN + /index/<name>.
    index_arn = indexes[0].get("IndexArn", f"{table['TableArn']}/index/{props.context_type_index_name}")
    assert deployed.output(StackName.DATA, DataOutputs.TABLE_INDEX_ARN) == index_arn


def table_is_encrypted_with_the_aws_managed_key(deployed: Deployed) -> None:
    sse = _table(deployed).get("SSEDescription", {})
    assert sse.get("Status") == "ENABLED" and sse.get("SSEType") == "KMS", sse


def table_deletion_protection_follows_the_config(deployed: Deployed) -> None:
    assert _table(deployed)["DeletionProtectionEnabled"] is deployed.config.protect_stateful


def table_is_tagged_and_published(deployed: Deployed) -> None:
    table = _table(deployed)
    assert deployed.output(StackName.DATA, DataOutputs.TABLE_ARN) == table["TableArn"]
    tags = deployed.client("dynamodb").list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
    _tags_include(_tag_map(tags), deployed.config, StackName.DATA)


def _secret(deployed: Deployed) -> dict[str, Any]:
    arn = deployed.output(StackName.DATA, DataOutputs.SECRETS_ARN)
    secret = deployed.client("secretsmanager").describe_secret(SecretId=arn)
    assert secret["ARN"] == arn
    return secret


def secret_exists_without_a_value(deployed: Deployed) -> None:
    """Terraform creates the container only; the value is set out of band, so no version exists."""
    secret = _secret(deployed)
    assert secret["Name"] == deployed.config.resource_name("junokit-api-secrets")
    manager = deployed.client("secretsmanager")
    assert manager.list_secret_version_ids(SecretId=secret["ARN"])["Versions"] == []
    try:
        manager.get_secret_value(SecretId=secret["ARN"])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    else:
        raise AssertionError("the secret has a value, but Terraform must never write one")


def secret_is_tagged(deployed: Deployed) -> None:
    _tags_include(_tag_map(_secret(deployed).get("Tags", [])), deployed.config, StackName.DATA)


# --- messaging: SES identity, configuration set, feedback topic --------------------------------------


def _domain(deployed: Deployed) -> str:
    return deployed.config.domain


def email_identity_is_the_domain_with_dkim(deployed: Deployed) -> None:
    ses, domain, config = deployed.client("ses"), _domain(deployed), deployed.config
    assert domain in ses.list_identities(IdentityType="Domain")["Identities"]
    dkim = ses.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"][domain]
    assert dkim["DkimEnabled"] is True and len(dkim["DkimTokens"]) == DKIM_TOKEN_COUNT, dkim
    arn = f"arn:aws:ses:{config.region}:{deployed.account}:identity/{domain}"
    assert deployed.output(StackName.MESSAGING, MessagingOutputs.IDENTITY_ARN) == arn
    assert deployed.output(StackName.MESSAGING, MessagingOutputs.SENDER_ADDRESS) == config.sender_address


def dns_records_are_published_for_the_operator(deployed: Deployed) -> None:
    """Without a Route 53 zone the verification and DKIM records are an output, with SES's real tokens."""
    assert not deployed.config.messaging.hosted_zone_id, "this check covers the no-zone setup of dev"
    ses, domain = deployed.client("ses"), _domain(deployed)
    token = ses.get_identity_verification_attributes(Identities=[domain])["VerificationAttributes"][domain][
        "VerificationToken"
    ]
    dkim = ses.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"][domain]["DkimTokens"]
    records = deployed.output(StackName.MESSAGING, MessagingOutputs.DNS_RECORDS).splitlines()
    assert records == [
        f'_amazonses.{domain}. {DNS_TTL} IN TXT "{token}"',
        *(f"{t}._domainkey.{domain}. {DNS_TTL} IN CNAME {t}.dkim.amazonses.com." for t in dkim),
    ]


def feedback_forwarding_is_on(deployed: Deployed) -> None:
    identity = deployed.client("sesv2").get_email_identity(EmailIdentity=_domain(deployed))
    assert identity["FeedbackForwardingStatus"] is True


def _feedback_topic(deployed: Deployed) -> str:
    arn = deployed.output(StackName.MESSAGING, MessagingOutputs.FEEDBACK_TOPIC_ARN)
    assert arn.rsplit(":", 1)[-1] == deployed.config.resource_name("junokit-email-feedback")
    deployed.client("sns").get_topic_attributes(TopicArn=arn)  # exists
    return arn


def identity_reports_bounces_and_complaints_to_the_topic(deployed: Deployed) -> None:
    domain = _domain(deployed)
    attributes = deployed.client("ses").get_identity_notification_attributes(Identities=[domain])
    notifications = attributes["NotificationAttributes"][domain]
    for kind in NOTIFICATION_TYPES:
        assert notifications.get(f"{kind}Topic") == _feedback_topic(deployed), notifications
        assert notifications[f"HeadersIn{kind}NotificationsEnabled"] is False


def configuration_set_reports_bounces_and_complaints_to_the_topic(deployed: Deployed) -> None:
    name = deployed.output(StackName.MESSAGING, MessagingOutputs.CONFIGURATION_SET)
    assert name == deployed.config.resource_name("junokit-email")
    described = deployed.client("ses").describe_configuration_set(
        ConfigurationSetName=name, ConfigurationSetAttributeNames=["eventDestinations", "reputationOptions"]
    )
    assert described["ReputationOptions"]["ReputationMetricsEnabled"] is True
    assert described["ReputationOptions"]["SendingEnabled"] is True
    [destination] = described["EventDestinations"]
    assert destination["Enabled"] is True
    assert sorted(destination["MatchingEventTypes"]) == sorted(FEEDBACK_EVENTS)
    assert destination["SNSDestination"]["TopicARN"] == _feedback_topic(deployed)


def configuration_set_requires_tls(deployed: Deployed) -> None:
    """Mail through the set (invitations with temporary passwords) is never delivered over plain SMTP."""
    name = deployed.output(StackName.MESSAGING, MessagingOutputs.CONFIGURATION_SET)
    described = deployed.client("ses").describe_configuration_set(
        ConfigurationSetName=name, ConfigurationSetAttributeNames=["deliveryOptions"]
    )
    assert described["DeliveryOptions"] == {"TlsPolicy": "Require"}


def feedback_topic_is_tagged(deployed: Deployed) -> None:
    tags = deployed.client("sns").list_tags_for_resource(ResourceArn=_feedback_topic(deployed))["Tags"]
    _tags_include(_tag_map(tags), deployed.config, StackName.MESSAGING)


# --- identity: user pool, web client, hosted domain -------------------------------------------------


def _pool(deployed: Deployed) -> dict[str, Any]:
    pool_id = deployed.output(StackName.IDENTITY, IdentityOutputs.USER_POOL_ID)
    pool = deployed.client("cognito-idp").describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Name"] == deployed.config.resource_name("junokit-users")
    return pool


def pool_is_invite_only_with_email_sign_in(deployed: Deployed) -> None:
    pool = _pool(deployed)
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["AccountRecoverySetting"]["RecoveryMechanisms"] == [{"Priority": 1, "Name": "verified_email"}]


def pool_password_policy_follows_the_config(deployed: Deployed) -> None:
    identity = deployed.config.identity
    policy = _pool(deployed)["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == identity.password_min_length
    assert all(policy[f"Require{kind}"] is True for kind in ("Uppercase", "Lowercase", "Numbers", "Symbols")), policy
    assert policy["TemporaryPasswordValidityDays"] == identity.temporary_password_validity_days


def pool_has_the_custom_attributes(deployed: Deployed) -> None:
    schema = {attribute["Name"]: attribute for attribute in _pool(deployed)["SchemaAttributes"]}
    for name, mutable, max_length in CUSTOM_ATTRIBUTES:
        assert name in schema, f"{name} missing from {sorted(schema)}"
        assert schema[name]["AttributeDataType"] == "String"
        assert schema[name]["Mutable"] is mutable, schema[name]
        assert schema[name]["StringAttributeConstraints"]["MaxLength"] == str(max_length)


def pool_mfa_follows_the_config(deployed: Deployed) -> None:
    """TOTP only (no SMS): OPTIONAL in dev, as the config asks."""
    pool_id = deployed.output(StackName.IDENTITY, IdentityOutputs.USER_POOL_ID)
    mfa = deployed.client("cognito-idp").get_user_pool_mfa_config(UserPoolId=pool_id)
    assert mfa["MfaConfiguration"] == MFA_CONFIGURATION[deployed.config.identity.mfa]
    assert mfa.get("SoftwareTokenMfaConfiguration") == {"Enabled": True}
    assert not mfa.get("SmsMfaConfiguration")


def pool_sends_mail_through_the_messaging_identity(deployed: Deployed) -> None:
    """Read through the messaging stack's remote state: identity ARN, sender and configuration set."""
    mail = _pool(deployed)["EmailConfiguration"]
    assert mail["EmailSendingAccount"] == "DEVELOPER"
    assert mail["SourceArn"] == deployed.output(StackName.MESSAGING, MessagingOutputs.IDENTITY_ARN)
    assert mail["From"] == f"Junokit <{deployed.output(StackName.MESSAGING, MessagingOutputs.SENDER_ADDRESS)}>"
    assert mail["ConfigurationSet"] == deployed.output(StackName.MESSAGING, MessagingOutputs.CONFIGURATION_SET)


def pool_deletion_protection_follows_the_config(deployed: Deployed) -> None:
    expected = "ACTIVE" if deployed.config.protect_stateful else "INACTIVE"
    assert _pool(deployed)["DeletionProtection"] == expected


def pool_is_tagged_and_published(deployed: Deployed) -> None:
    pool = _pool(deployed)
    assert deployed.output(StackName.IDENTITY, IdentityOutputs.USER_POOL_ARN) == pool["Arn"]
    _tags_include(pool.get("UserPoolTags", {}), deployed.config, StackName.IDENTITY)


def web_client_is_public_with_the_seed_token_lifetimes(deployed: Deployed) -> None:
    """1-hour access and ID tokens, 30-day refresh tokens (the construct's defaults, which the stack keeps)."""
    config = deployed.config
    client = deployed.client("cognito-idp").describe_user_pool_client(
        UserPoolId=deployed.output(StackName.IDENTITY, IdentityOutputs.USER_POOL_ID),
        ClientId=deployed.output(StackName.IDENTITY, IdentityOutputs.USER_POOL_CLIENT_ID),
    )["UserPoolClient"]
    assert client["ClientName"] == config.resource_name("junokit-web")
    assert "ClientSecret" not in client
    assert client["AccessTokenValidity"] == WebSignInProps.access_token_minutes
    assert client["IdTokenValidity"] == WebSignInProps.id_token_minutes
    assert client["RefreshTokenValidity"] == WebSignInProps.refresh_token_days
    assert client["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    assert sorted(client["ExplicitAuthFlows"]) == sorted(AUTH_FLOWS)
    assert client["AllowedOAuthFlows"] == ["code"] and client["AllowedOAuthFlowsUserPoolClient"] is True
    assert sorted(client["AllowedOAuthScopes"]) == sorted(OAUTH_SCOPES)
    assert client["CallbackURLs"] == list(config.identity.callback_urls)
    assert client["LogoutURLs"] == list(config.identity.logout_urls)
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is True
    assert sorted(client["ReadAttributes"]) == sorted(READ_ATTRIBUTES)
    assert sorted(client["WriteAttributes"]) == sorted(WRITE_ATTRIBUTES)


def hosted_domain_belongs_to_the_pool(deployed: Deployed) -> None:
    config = deployed.config
    prefix = config.identity.domain_prefix or config.resource_name(config.project)
    domain = deployed.client("cognito-idp").describe_user_pool_domain(Domain=prefix)["DomainDescription"]
    assert domain["UserPoolId"] == deployed.output(StackName.IDENTITY, IdentityOutputs.USER_POOL_ID)
    assert deployed.output(StackName.IDENTITY, IdentityOutputs.USER_POOL_DOMAIN) == (
        f"{prefix}.auth.{config.region}.amazoncognito.com"
    )


# --- api: REST API, stage, authorizer, routes, function, logs --------------------------------------


def _api(deployed: Deployed) -> dict[str, Any]:
    name = deployed.config.resource_name("junokit-api")
    [api] = [item for item in deployed.client("apigateway").get_rest_apis()["items"] if item["name"] == name]
    return api


def _stage(deployed: Deployed) -> dict[str, Any]:
    return deployed.client("apigateway").get_stage(restApiId=_api(deployed)["id"], stageName=STAGE_NAME)


def api_url_is_the_regional_v1_stage(deployed: Deployed) -> None:
    api = _api(deployed)
    assert api["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert deployed.output(StackName.API, ApiOutputs.API_URL) == (
        f"https://{api['id']}.execute-api.{deployed.config.region}.amazonaws.com/{STAGE_NAME}"
    )


def stage_throttles_and_logs_as_configured(deployed: Deployed) -> None:
    config = deployed.config
    settings = _stage(deployed)["methodSettings"]["*/*"]
    assert settings["throttlingRateLimit"] == config.api.throttle_rate_limit
    assert settings["throttlingBurstLimit"] == config.api.throttle_burst_limit
    assert settings["metricsEnabled"] is True
    assert settings["loggingLevel"] == "INFO"
    assert settings["dataTraceEnabled"] is config.api.data_trace


def stage_writes_access_logs_and_traces(deployed: Deployed) -> None:
    stage = _stage(deployed)
    assert stage["tracingEnabled"] is True
    group = f"/aws/apigateway/{deployed.config.resource_name('junokit-api')}/{STAGE_NAME}/access"
    [described] = deployed.client("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert stage["accessLogSettings"]["destinationArn"] == described["arn"].removesuffix(":*")
    assert stage["accessLogSettings"]["format"] == ACCESS_LOG_FORMAT


def authorizer_trusts_the_identity_stacks_pool(deployed: Deployed) -> None:
    """The pool ARN comes from the identity stack's remote state, not from a literal."""
    [authorizer] = deployed.client("apigateway").get_authorizers(restApiId=_api(deployed)["id"])["items"]
    assert authorizer["type"] == "COGNITO_USER_POOLS"
    assert authorizer["providerARNs"] == [deployed.output(StackName.IDENTITY, IdentityOutputs.USER_POOL_ARN)]
    assert authorizer["identitySource"] == "method.request.header.Authorization"


def _rest_api_construct(deployed: Deployed) -> RestApi:
    return deployed.stacks[StackName.API].api  # type: ignore[attr-defined]  # an ApiStack, typed as its base


def routes_are_deployed_with_their_authorization(deployed: Deployed) -> None:
    """Exactly the stack's route table plus a CORS preflight per resource; Cognito where a route asks for it."""
    gateway = deployed.client("apigateway")
    api_id = _api(deployed)["id"]
    [authorizer] = gateway.get_authorizers(restApiId=api_id)["items"]
    construct = _rest_api_construct(deployed)
    expected: dict[tuple[str, str], bool] = {
        (route.path, route.method): route.authorized for route in construct.props.routes
    }
    expected.update({(path, "OPTIONS"): False for path in construct.cors})  # every resource, parents included
    deployed_methods = {}
    for resource in gateway.get_resources(restApiId=api_id)["items"]:
        for method in resource.get("resourceMethods", {}):
            described = gateway.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=method)
            deployed_methods[(resource["path"], method)] = described
    assert sorted(deployed_methods) == sorted(expected)
    for key, authorized in expected.items():
        method = deployed_methods[key]
        if authorized:
            assert method["authorizationType"] == "COGNITO_USER_POOLS", key
            assert method["authorizerId"] == authorizer["id"], key
        else:
            assert method["authorizationType"] == "NONE", key


def cors_names_the_web_origin(deployed: Deployed) -> None:
    gateway = deployed.client("apigateway")
    api_id = _api(deployed)["id"]
    origin = f"'{deployed.config.api.cors_allow_origins[0]}'"
    for response_type in GATEWAY_ERROR_RESPONSES:
        response = gateway.get_gateway_response(restApiId=api_id, responseType=response_type)
        assert response["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == origin


def _function(deployed: Deployed) -> dict[str, Any]:
    return deployed.client("lambda").get_function(FunctionName=deployed.config.resource_name("junokit-profile"))


def profile_function_uses_the_data_stacks_table_and_secret(deployed: Deployed) -> None:
    """Table and secret come from the data stack's remote state."""
    function = _function(deployed)
    variables = function["Configuration"]["Environment"]["Variables"]
    assert variables["TABLE_NAME"] == deployed.output(StackName.DATA, DataOutputs.TABLE_NAME)
    assert variables["SECRETS_ARN"] == deployed.output(StackName.DATA, DataOutputs.SECRETS_ARN)
    assert variables["ALLOWED_ORIGINS"] == ",".join(deployed.config.api.cors_allow_origins)
    assert function["Concurrency"]["ReservedConcurrentExecutions"] == deployed.config.api.lambda_reserved_concurrency


def profile_routes_invoke_the_profile_function(deployed: Deployed) -> None:
    gateway = deployed.client("apigateway")
    api_id = _api(deployed)["id"]
    arn = _function(deployed)["Configuration"]["FunctionArn"]
    [profile] = [r for r in gateway.get_resources(restApiId=api_id)["items"] if r["path"] == "/user/profile"]
    for method in ("GET", "PUT"):
        integration = gateway.get_integration(restApiId=api_id, resourceId=profile["id"], httpMethod=method)
        assert integration["type"] == "AWS_PROXY"
        assert arn in integration["uri"], integration["uri"]


def put_profile_bodies_are_validated_by_the_profile_model(deployed: Deployed) -> None:
    """API Gateway checks PUT bodies against the schema before the function runs."""
    gateway = deployed.client("apigateway")
    api_id = _api(deployed)["id"]
    [profile] = [r for r in gateway.get_resources(restApiId=api_id)["items"] if r["path"] == "/user/profile"]
    put = gateway.get_method(restApiId=api_id, resourceId=profile["id"], httpMethod="PUT")
    assert put["requestModels"] == {MODEL_CONTENT_TYPE_KEY: MODEL_NAME}
    validator = gateway.get_request_validator(restApiId=api_id, requestValidatorId=put["requestValidatorId"])
    assert (validator["validateRequestBody"], validator["validateRequestParameters"]) == (True, True)
    model = gateway.get_model(restApiId=api_id, modelName=MODEL_NAME)
    assert json.loads(model["schema"]) == profile_update_schema()
    get = gateway.get_method(restApiId=api_id, resourceId=profile["id"], httpMethod="GET")
    parameters = gateway.get_request_validator(restApiId=api_id, requestValidatorId=get["requestValidatorId"])
    assert (parameters["name"], parameters.get("validateRequestBody", False)) == ("parameters", False)


def stage_is_behind_the_web_acl(deployed: Deployed) -> None:
    """The e2e run switches `api.waf_enabled` on: managed rule groups and the per-IP rate rule guard the stage."""
    assert deployed.config.api.waf_enabled, "the end-to-end run must deploy the web ACL"
    waf = deployed.client("wafv2")
    stage_arn = f"arn:aws:apigateway:{deployed.config.region}::/restapis/{_api(deployed)['id']}/stages/{STAGE_NAME}"
    acl = waf.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]
    assert acl["Name"] == deployed.config.resource_name("junokit-api")
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = {rule["Name"]: rule for rule in sorted(acl["Rules"], key=lambda rule: rule["Priority"])}
    assert list(rules) == [*MANAGED_RULE_GROUPS, RATE_RULE_NAME]
    for name in MANAGED_RULE_GROUPS:
        assert rules[name]["Statement"]["ManagedRuleGroupStatement"] == {"Name": name, "VendorName": "AWS"}
        assert rules[name]["OverrideAction"] == {"None": {}}
    rate = rules[RATE_RULE_NAME]
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == deployed.config.api.waf_rate_limit
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rate["Action"] == {"Block": {}}
    logging = waf.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"]
    [destination] = logging["LogDestinationConfigs"]
    assert destination.endswith(f":log-group:aws-waf-logs-{acl['Name']}")
    assert logging["RedactedFields"] == [{"SingleHeader": {"Name": "authorization"}}]


def log_groups_keep_the_configured_retention(deployed: Deployed) -> None:
    config = deployed.config
    api = config.resource_name("junokit-api")
    names = (
        f"/aws/lambda/{config.resource_name('junokit-profile')}",
        f"/aws/apigateway/{api}/{STAGE_NAME}/access",
        f"API-Gateway-Execution-Logs_{_api(deployed)['id']}/{STAGE_NAME}",
    )
    logs = deployed.client("logs")
    for name in names:
        groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        [group] = [g for g in groups if g["logGroupName"] == name]
        assert group.get("retentionInDays") == config.log_retention_days, name


def account_logging_role_is_registered_where_configured(deployed: Deployed) -> None:
    config = deployed.config
    registered = deployed.client("apigateway").get_account().get("cloudwatchRoleArn")
    if config.api.manage_account_logging_role:
        role = deployed.client("iam").get_role(RoleName=config.resource_name("junokit-apigateway-cloudwatch"))["Role"]
        assert registered == role["Arn"]
    else:
        assert not registered, "an environment that does not own the account role registered one"


def api_and_function_are_tagged(deployed: Deployed) -> None:
    config = deployed.config
    _tags_include(_api(deployed).get("tags", {}), config, StackName.API)
    _tags_include(_function(deployed).get("Tags", {}), config, StackName.API)


CHECKS: dict[str, tuple[Check, ...]] = {
    BOOTSTRAP_STACK: (
        bucket_is_versioned,
        bucket_is_kms_encrypted,
        bucket_blocks_public_access,
        bucket_owner_is_enforced,
        bucket_refuses_plain_http,
        bucket_is_tagged,
        bucket_holds_each_stacks_state,
    ),
    StackName.DATA: (
        table_keys_are_user_id_and_context_type,
        table_is_pay_per_request,
        table_has_point_in_time_recovery,
        table_expires_items_by_ttl,
        table_has_the_context_type_index,
        table_is_encrypted_with_the_aws_managed_key,
        table_deletion_protection_follows_the_config,
        table_is_tagged_and_published,
        secret_exists_without_a_value,
        secret_is_tagged,
    ),
    StackName.MESSAGING: (
        email_identity_is_the_domain_with_dkim,
        dns_records_are_published_for_the_operator,
        feedback_forwarding_is_on,
        identity_reports_bounces_and_complaints_to_the_topic,
        configuration_set_reports_bounces_and_complaints_to_the_topic,
        configuration_set_requires_tls,
        feedback_topic_is_tagged,
    ),
    StackName.IDENTITY: (
        pool_is_invite_only_with_email_sign_in,
        pool_password_policy_follows_the_config,
        pool_has_the_custom_attributes,
        pool_mfa_follows_the_config,
        pool_sends_mail_through_the_messaging_identity,
        pool_deletion_protection_follows_the_config,
        pool_is_tagged_and_published,
        web_client_is_public_with_the_seed_token_lifetimes,
        hosted_domain_belongs_to_the_pool,
    ),
    StackName.API: (
        api_url_is_the_regional_v1_stage,
        stage_throttles_and_logs_as_configured,
        stage_writes_access_logs_and_traces,
        authorizer_trusts_the_identity_stacks_pool,
        routes_are_deployed_with_their_authorization,
        cors_names_the_web_origin,
        profile_function_uses_the_data_stacks_table_and_secret,
        profile_routes_invoke_the_profile_function,
        put_profile_bodies_are_validated_by_the_profile_model,
        stage_is_behind_the_web_acl,
        log_groups_keep_the_configured_retention,
        account_logging_role_is_registered_where_configured,
        api_and_function_are_tagged,
    ),
}


# The monitoring stack's checks, and the feedback topic's encryption (the same construct), live in their own module.
from constructs_lib.encrypted_topic import TOPIC_KEY_DESCRIPTION  # noqa: E402
from tests.e2e.monitoring_checks import MONITORING_CHECKS, feedback_topic_is_encrypted_and_only_ses_may_publish  # noqa: E402

CHECKS[StackName.MESSAGING] += (feedback_topic_is_encrypted_and_only_ses_may_publish,)
CHECKS[StackName.MONITORING] = MONITORING_CHECKS


def inventory(emulator: Emulator) -> dict[str, set[str]]:
    """Every resource of the kinds the stacks create, by kind: to show a destroy left nothing behind."""
    c = emulator.client
    pools = c("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    return {
        "dynamodb tables": set(c("dynamodb").list_tables()["TableNames"]),
        "secrets": {s["Name"] for s in c("secretsmanager").list_secrets()["SecretList"]},
        "user pools": {p["Name"] for p in pools},
        "rest apis": {a["name"] for a in c("apigateway").get_rest_apis()["items"]},
        "ses identities": set(c("ses").list_identities()["Identities"]),
        "log groups": {g["logGroupName"] for g in c("logs").describe_log_groups()["logGroups"]},
        "iam roles": {r["RoleName"] for r in c("iam").list_roles()["Roles"]},
        "iam policies": {p["PolicyName"] for p in c("iam").list_policies(Scope="Local")["Policies"]},
        "lambda functions": {f["FunctionName"] for f in c("lambda").list_functions()["Functions"]},
        "sns topics": {t["TopicArn"] for t in c("sns").list_topics()["Topics"]},
        "alarms": {a["AlarmName"] for a in c("cloudwatch").describe_alarms()["MetricAlarms"]},
        "dashboards": {d["DashboardName"] for d in c("cloudwatch").list_dashboards()["DashboardEntries"]},
        "budgets": {
            b["BudgetName"] for b in c("budgets").describe_budgets(AccountId=_account(emulator)).get("Budgets", [])
        },
        "topic keys not pending deletion": _live_topic_keys(emulator),
        "kms aliases": {
            a["AliasName"] for a in c("kms").list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")
        },
        "sns subscriptions": {s["SubscriptionArn"] for s in c("sns").list_subscriptions()["Subscriptions"]},
        "s3 buckets": {b["Name"] for b in c("s3").list_buckets()["Buckets"]},
        "web acls": {a["Name"] for a in c("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]},
    }


def _account(emulator: Emulator) -> str:
    return str(emulator.client("sts").get_caller_identity()["Account"])


def _live_topic_keys(emulator: Emulator) -> set[str]:
    """The encrypted topics' keys (known by their description) not scheduled for deletion: a destroyed key waits
    out its deletion window. Keys the emulator makes for AWS-managed encryption (S3, DynamoDB) are not counted."""
    kms = emulator.client("kms")
    live = set()
    for key in kms.list_keys()["Keys"]:
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if (
            metadata.get("Description", "").startswith(TOPIC_KEY_DESCRIPTION)
            and metadata["KeyState"] != "PendingDeletion"
        ):
            live.add(key["KeyId"])
    return live
