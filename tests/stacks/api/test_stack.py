"""Api stack: REST API `junokit-api`, stage v1, Cognito auth, CORS, logging, throttling and the profile function."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cdktf import Testing

from stacks.api.contract import ApiOutputs
from tests.support import build, document, only_resource, resources, synth

API = "aws_api_gateway_rest_api"
STAGE = "aws_api_gateway_stage"
SETTINGS = "aws_api_gateway_method_settings"
METHOD = "aws_api_gateway_method"
INTEGRATION = "aws_api_gateway_integration"
INTEGRATION_RESPONSE = "aws_api_gateway_integration_response"
LOG_GROUP = "aws_cloudwatch_log_group"
FUNCTION = "aws_lambda_function"
ROLE_POLICY = "aws_iam_role_policy"
ATTACHMENT = "aws_iam_role_policy_attachment"
DATA_STATE = "${data.terraform_remote_state.remote-data_state_1BE7D1B3.outputs."
IDENTITY_STATE = "${data.terraform_remote_state.remote-identity_state_43798B2D.outputs."


@pytest.fixture(scope="module")
def dev() -> str:
    return synth(build("dev")["api"])


@pytest.fixture(scope="module")
def prod() -> str:
    return synth(build("prod")["api"])


def _ref(resource_type: str, resources_of_type: dict[str, Any], value: str) -> str:
    """Logical id of the `resource_type` resource an interpolation such as `${type.id.attr}` points at."""
    match = re.fullmatch(rf"\$\{{{re.escape(resource_type)}\.([^.]+)\.[a-z_]+\}}", value)
    assert match and match.group(1) in resources_of_type, value
    return match.group(1)


def _paths(synthesized: str) -> dict[str, str]:
    """Full path of every API Gateway resource, by logical id."""
    found = resources(synthesized, "aws_api_gateway_resource")

    def path(logical_id: str) -> str:
        parent = found[logical_id]["parent_id"]
        prefix = "" if "root_resource_id" in parent else path(_ref("aws_api_gateway_resource", found, parent))
        return f"{prefix}/{found[logical_id]['path_part']}"

    return {logical_id: path(logical_id) for logical_id in found}


def _method_keys(synthesized: str) -> dict[str, tuple[str, str]]:
    """(path, HTTP method) of every method, by logical id."""
    paths = _paths(synthesized)
    found = resources(synthesized, "aws_api_gateway_resource")
    return {
        logical_id: (paths[_ref("aws_api_gateway_resource", found, method["resource_id"])], method["http_method"])
        for logical_id, method in resources(synthesized, METHOD).items()
    }


def _methods(synthesized: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every method by (path, HTTP method)."""
    keys = _method_keys(synthesized)
    return {keys[logical_id]: method for logical_id, method in resources(synthesized, METHOD).items()}


def _by_method(synthesized: str, resource_type: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Integrations (or integration responses) by the (path, HTTP method) of the method they belong to."""
    keys = _method_keys(synthesized)
    methods = resources(synthesized, METHOD)
    return {
        keys[_ref(METHOD, methods, item["http_method"])]: item
        for item in resources(synthesized, resource_type).values()
    }


def _policy(synthesized: str) -> dict[str, Any]:
    return json.loads(only_resource(synthesized, ROLE_POLICY)["policy"])


# --- the API and its stage --------------------------------------------------------------------------------------


def test_prod_api_uses_the_seed_name(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(prod, API, {"name": "junokit-api"})


def test_dev_api_name_carries_the_environment(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, API, {"name": "junokit-api-dev"})


def test_stage_is_v1_on_the_current_deployment(dev: str) -> None:
    deployment_id = next(iter(resources(dev, "aws_api_gateway_deployment")))
    assert Testing.to_have_resource_with_properties(
        dev, STAGE, {"stage_name": "v1", "deployment_id": f"${{aws_api_gateway_deployment.{deployment_id}.id}}"}
    )


def test_api_url_output_is_the_stage_invoke_url(dev: str) -> None:
    outputs = document(dev)["output"]
    assert set(outputs) == {str(name) for name in ApiOutputs}
    stage_id = next(iter(resources(dev, STAGE)))
    assert outputs[ApiOutputs.API_URL]["value"] == f"${{aws_api_gateway_stage.{stage_id}.invoke_url}}"


def test_stage_throttles_at_1000_per_second_with_2000_burst(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev,
        SETTINGS,
        {"method_path": "*/*", "settings": {"throttling_rate_limit": 1000, "throttling_burst_limit": 2000}},
    )


def test_cloudwatch_metrics_are_on(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, SETTINGS, {"settings": {"metrics_enabled": True}})


def test_execution_logging_is_at_info(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(prod, SETTINGS, {"settings": {"logging_level": "INFO"}})


def test_prod_never_logs_request_or_response_bodies(prod: str) -> None:
    assert only_resource(prod, SETTINGS)["settings"]["data_trace_enabled"] is False


def test_dev_turns_data_trace_on_from_config(dev: str) -> None:
    assert only_resource(dev, SETTINGS)["settings"]["data_trace_enabled"] is True


def test_stage_is_traced_with_xray(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, STAGE, {"xray_tracing_enabled": True})


def test_access_logs_go_to_their_log_group(dev: str) -> None:
    groups = resources(dev, LOG_GROUP)
    (access_id,) = [
        key for key, group in groups.items() if group["name"] == "/aws/apigateway/junokit-api-dev/v1/access"
    ]
    settings = only_resource(dev, STAGE)["access_log_settings"]
    assert settings["destination_arn"] == f"${{aws_cloudwatch_log_group.{access_id}.arn}}"


def test_access_log_format_is_structured_json_without_bodies(dev: str) -> None:
    record = json.loads(only_resource(dev, STAGE)["access_log_settings"]["format"])
    assert {"requestId", "httpMethod", "resourcePath", "status", "user"} <= set(record)
    assert not [value for value in record.values() if "body" in value.lower() or "header" in value.lower()]


def test_access_log_retention_comes_from_the_environment(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(
        prod, LOG_GROUP, {"name": "/aws/apigateway/junokit-api/v1/access", "retention_in_days": 90}
    )


def test_execution_log_group_is_created_with_retention(dev: str) -> None:
    api_id = next(iter(resources(dev, API)))
    assert Testing.to_have_resource_with_properties(
        dev,
        LOG_GROUP,
        {"name": f"API-Gateway-Execution-Logs_${{aws_api_gateway_rest_api.{api_id}.id}}/v1", "retention_in_days": 14},
    )


# --- the account-wide CloudWatch role ---------------------------------------------------------------------------


def test_owning_environment_registers_the_account_cloudwatch_role(dev: str) -> None:
    role_id = next(key for key, role in resources(dev, "aws_iam_role").items() if "apigateway" in role["name"])
    assert Testing.to_have_resource_with_properties(
        dev, "aws_api_gateway_account", {"cloudwatch_role_arn": f"${{aws_iam_role.{role_id}.arn}}"}
    )


def test_account_role_has_the_managed_push_to_cloudwatch_policy(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev,
        ATTACHMENT,
        {
            "policy_arn": "arn:${data.aws_partition.aws-partition.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
        },
    )


def test_stage_waits_for_the_account_role(dev: str) -> None:
    account_id = next(iter(resources(dev, "aws_api_gateway_account")))
    assert f"aws_api_gateway_account.{account_id}" in only_resource(dev, STAGE)["depends_on"]


def test_other_environments_leave_the_account_role_alone(prod: str) -> None:
    assert not Testing.to_have_resource(prod, "aws_api_gateway_account")
    assert "AmazonAPIGatewayPushToCloudWatchLogs" not in prod


# --- CORS -------------------------------------------------------------------------------------------------------


def test_every_resource_answers_the_preflight_without_auth(dev: str) -> None:
    methods = _methods(dev)
    for path in _paths(dev).values():
        assert methods[(path, "OPTIONS")]["authorization"] == "NONE", path
    assert sorted(_paths(dev).values()) == ["/health", "/user", "/user/profile"]


def test_preflight_is_a_mock_integration(dev: str) -> None:
    integrations = _by_method(dev, INTEGRATION)
    for (path, verb), integration in integrations.items():
        if verb == "OPTIONS":
            assert integration["type"] == "MOCK", path


def test_preflight_allows_the_primary_origin_and_the_resource_methods(prod: str) -> None:
    headers = _by_method(prod, INTEGRATION_RESPONSE)[("/user/profile", "OPTIONS")]["response_parameters"]
    assert headers == {
        "method.response.header.Access-Control-Allow-Origin": "'https://app.junokit.com'",
        "method.response.header.Access-Control-Allow-Methods": "'GET,PUT,OPTIONS'",
        "method.response.header.Access-Control-Allow-Headers": "'Authorization,Content-Type'",
        "method.response.header.Access-Control-Max-Age": "'600'",
        "method.response.header.Vary": "'Origin'",
    }


@pytest.mark.parametrize("response_type", ["DEFAULT_4XX", "DEFAULT_5XX", "BAD_REQUEST_BODY"])
def test_gateway_errors_carry_cors_headers(prod: str, response_type: str) -> None:
    assert Testing.to_have_resource_with_properties(
        prod,
        "aws_api_gateway_gateway_response",
        {
            "response_type": response_type,
            "response_parameters": {
                "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.junokit.com'",
                "gatewayresponse.header.Access-Control-Allow-Headers": "'Authorization,Content-Type'",
            },
        },
    )


def test_prod_never_allows_any_origin(prod: str) -> None:
    mapped = [
        value
        for resource_type in (INTEGRATION_RESPONSE, "aws_api_gateway_gateway_response")
        for item in resources(prod, resource_type).values()
        for name, value in item["response_parameters"].items()
        if name.endswith("Access-Control-Allow-Origin")
    ]
    assert len(mapped) == 7 and set(mapped) == {"'https://app.junokit.com'"}
    assert only_resource(prod, FUNCTION)["environment"]["variables"]["ALLOWED_ORIGINS"] == "https://app.junokit.com"


# --- authentication ---------------------------------------------------------------------------------------------


def test_authorizer_uses_the_identity_stacks_user_pool(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev,
        "aws_api_gateway_authorizer",
        {
            "type": "COGNITO_USER_POOLS",
            "provider_arns": [IDENTITY_STATE + "JunokitUserPoolArn}"],
            "identity_source": "method.request.header.Authorization",
        },
    )


def test_only_preflights_and_health_are_unauthenticated(dev: str) -> None:
    authorizer_id = next(iter(resources(dev, "aws_api_gateway_authorizer")))
    open_methods = sorted(key for key, method in _methods(dev).items() if method["authorization"] == "NONE")
    assert [key for key in open_methods if key[1] != "OPTIONS"] == [("/health", "GET")]
    for key, method in _methods(dev).items():
        if key not in open_methods:
            assert method["authorization"] == "COGNITO_USER_POOLS", key
            assert method["authorizer_id"] == f"${{aws_api_gateway_authorizer.{authorizer_id}.id}}", key


# --- routes -----------------------------------------------------------------------------------------------------


def test_routes_are_health_and_user_profile(dev: str) -> None:
    assert sorted(key for key in _methods(dev) if key[1] != "OPTIONS") == [
        ("/health", "GET"),
        ("/user/profile", "GET"),
        ("/user/profile", "PUT"),
    ]


def test_health_is_a_mock_answering_ok(dev: str) -> None:
    assert _by_method(dev, INTEGRATION)[("/health", "GET")]["type"] == "MOCK"
    response = _by_method(dev, INTEGRATION_RESPONSE)[("/health", "GET")]
    assert response["response_templates"] == {"application/json": '{"status":"ok"}'}


@pytest.mark.parametrize("verb", ["GET", "PUT"])
def test_profile_routes_proxy_to_the_profile_function(dev: str, verb: str) -> None:
    function_id = next(iter(resources(dev, FUNCTION)))
    integration = _by_method(dev, INTEGRATION)[("/user/profile", verb)]
    assert integration["type"] == "AWS_PROXY"
    assert integration["integration_http_method"] == "POST"
    assert integration["uri"] == f"${{aws_lambda_function.{function_id}.invoke_arn}}"


def test_api_may_invoke_the_function_only_for_its_routes(dev: str) -> None:
    api_id = next(iter(resources(dev, API)))
    sources = sorted(permission["source_arn"] for permission in resources(dev, "aws_lambda_permission").values())
    execution_arn = f"${{aws_api_gateway_rest_api.{api_id}.execution_arn}}"
    assert sources == [f"{execution_arn}/v1/GET/user/profile", f"{execution_arn}/v1/PUT/user/profile"]


# --- deployment -------------------------------------------------------------------------------------------------


def test_deployment_is_replaced_when_routes_change(dev: str) -> None:
    deployment = only_resource(dev, "aws_api_gateway_deployment")
    assert re.fullmatch(r"[0-9a-f]{40}", deployment["triggers"]["redeployment"])
    assert deployment["lifecycle"] == {"create_before_destroy": True}


def test_deployment_waits_for_every_method_and_integration(dev: str) -> None:
    depends_on = set(only_resource(dev, "aws_api_gateway_deployment")["depends_on"])
    for resource_type in (METHOD, INTEGRATION, INTEGRATION_RESPONSE, "aws_api_gateway_gateway_response"):
        for logical_id in resources(dev, resource_type):
            assert f"{resource_type}.{logical_id}" in depends_on


def test_redeployment_trigger_is_the_same_on_every_synth(dev: str) -> None:
    again = synth(build("dev")["api"])
    trigger = only_resource(dev, "aws_api_gateway_deployment")["triggers"]
    assert only_resource(again, "aws_api_gateway_deployment")["triggers"] == trigger


# --- the profile function ---------------------------------------------------------------------------------------


def test_function_runs_python_with_the_handler(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev,
        FUNCTION,
        {"function_name": "junokit-profile-dev", "runtime": "python3.13", "handler": "handler.lambda_handler"},
    )


def test_function_reads_the_data_stacks_table(dev: str) -> None:
    variables = only_resource(dev, FUNCTION)["environment"]["variables"]
    assert variables["TABLE_NAME"] == DATA_STATE + "JunokitUserContextTable}"
    assert variables["ALLOWED_ORIGINS"] == "http://localhost:3000"


def test_reserved_concurrency_comes_from_config(dev: str, prod: str) -> None:
    assert only_resource(dev, FUNCTION)["reserved_concurrent_executions"] == 5
    assert only_resource(prod, FUNCTION)["reserved_concurrent_executions"] == 20


def test_function_is_traced_with_xray(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(dev, FUNCTION, {"tracing_config": {"mode": "Active"}})
    assert Testing.to_have_resource_with_properties(
        dev,
        ATTACHMENT,
        {"policy_arn": "arn:${data.aws_partition.aws-partition.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"},
    )


def test_function_log_group_has_retention(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(
        prod, LOG_GROUP, {"name": "/aws/lambda/junokit-profile", "retention_in_days": 90}
    )


def test_function_code_is_the_synthesized_asset(dev: str) -> None:
    function = only_resource(dev, FUNCTION)
    assert re.fullmatch(r"assets/profile_code_[0-9A-F]{8}/[0-9A-F]{32}/archive\.zip", function["filename"])
    assert function["source_code_hash"] == f'${{filebase64sha256("{function["filename"]}")}}'


def test_role_can_only_be_assumed_by_lambda(dev: str) -> None:
    role = next(role for role in resources(dev, "aws_iam_role").values() if role["name"] == "junokit-profile-dev")
    statement = json.loads(role["assume_role_policy"])["Statement"]
    assert statement == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]


def test_function_policy_grants_exactly_its_table_index_secret_and_log_group(dev: str) -> None:
    log_group_id = next(
        key for key, group in resources(dev, LOG_GROUP).items() if group["name"].startswith("/aws/lambda/")
    )
    log_group_arn = f"${{aws_cloudwatch_log_group.{log_group_id}.arn}}"
    grants = {(tuple(s["Action"]), tuple(s["Resource"])) for s in _policy(dev)["Statement"] if s["Effect"] == "Allow"}
    assert grants == {
        (
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"),
            (DATA_STATE + "JunokitUserContextTableArn}",),
        ),
        (("dynamodb:Query",), (DATA_STATE + "JunokitUserContextTableIndexArn}",)),
        (("secretsmanager:GetSecretValue",), (DATA_STATE + "JunokitApiSecretsArn}",)),
        (("logs:CreateLogStream", "logs:PutLogEvents"), (log_group_arn, f"{log_group_arn}:log-stream:*")),
    }


def test_function_policy_has_no_wildcard_action_or_resource(dev: str) -> None:
    log_group_id = next(
        key for key, group in resources(dev, LOG_GROUP).items() if group["name"].startswith("/aws/lambda/")
    )
    own_streams = f"${{aws_cloudwatch_log_group.{log_group_id}.arn}}:log-stream:*"
    for statement in _policy(dev)["Statement"]:
        assert "NotAction" not in statement and "NotResource" not in statement
        assert not [action for action in statement["Action"] if "*" in action]
        # The only '*' allowed is the stream name inside the function's own log group.
        assert not [resource for resource in statement["Resource"] if "*" in resource and resource != own_streams]


# --- the contract -----------------------------------------------------------------------------------------------


def test_stack_reads_the_data_and_identity_stacks(dev: str) -> None:
    states = document(dev)["data"]["terraform_remote_state"]
    paths = sorted(state["config"]["path"] for state in states.values())
    assert paths == [
        "../../../terraform-state/junokit-dev-data.tfstate",
        "../../../terraform-state/junokit-dev-identity.tfstate",
    ]


def test_no_literal_arns(dev: str) -> None:
    assert "arn:aws:" not in dev


def test_stack_depends_on_the_data_stack() -> None:
    stacks = build("dev")
    assert stacks["api"].producers == ["data", "identity"]
    assert stacks["data"] in stacks["api"].dependencies
