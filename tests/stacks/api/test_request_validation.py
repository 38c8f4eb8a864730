"""Validation at the API edge: `PUT /user/profile` bodies are checked by API Gateway against a JSON schema
model before the function runs, a refused body gets 400 with CORS headers, and the function's own checks
agree with the schema on what is valid."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import jsonschema
import pytest
from cdktf import TerraformStack, Testing

from stacks.api.profile_function.request_schema import MODEL_NAME, profile_update_schema
from stacks.api.profile_function.runtime import handler
from stacks.api.rest_api import MODEL_CONTENT_TYPE_KEY, BodyModel, LambdaProxy, RestApi, RestApiProps, Route
from stacks.identity.contract import USER_THEMES
from tests.support import build, only_resource, resources, synth

METHOD = "aws_api_gateway_method"
MODEL = "aws_api_gateway_model"
VALIDATOR = "aws_api_gateway_request_validator"
GATEWAY_RESPONSE = "aws_api_gateway_gateway_response"


@pytest.fixture(scope="module")
def dev() -> str:
    return synth(build("dev")["api"])


def _methods(synthesized: str) -> dict[str, dict[str, Any]]:
    """Methods by construct id (`method-user-profile-put`), from their logical ids (`rest-api_<id>_<hash>`)."""
    return {logical_id.split("_")[1]: method for logical_id, method in resources(synthesized, METHOD).items()}


def _ref(resource_type: str, logical_ids: dict[str, Any], value: str, attribute: str) -> str:
    match = re.fullmatch(rf"\$\{{{re.escape(resource_type)}\.([^.]+)\.{attribute}\}}", value)
    assert match and match.group(1) in logical_ids, value
    return match.group(1)


# --- what is synthesized -------------------------------------------------------------------------------------


def test_put_profile_validates_its_body_with_the_profile_model(dev: str) -> None:
    put = _methods(dev)["method-user-profile-put"]
    validators = resources(dev, VALIDATOR)
    models = resources(dev, MODEL)
    validator = validators[_ref(VALIDATOR, validators, put["request_validator_id"], "id")]
    assert (validator["validate_request_body"], validator["validate_request_parameters"]) == (True, True)
    assert list(put["request_models"]) == [MODEL_CONTENT_TYPE_KEY] == ["$default"]
    model = models[_ref(MODEL, models, put["request_models"]["$default"], "name")]
    assert (model["name"], model["content_type"]) == (MODEL_NAME, "application/json")
    assert json.loads(model["schema"]) == profile_update_schema()


def test_every_other_method_validates_its_request_parameters(dev: str) -> None:
    """checkov CKV2_AWS_53: every method has a validator; without a body model it checks parameters only."""
    validators = resources(dev, VALIDATOR)
    by_name = {validator["name"]: logical_id for logical_id, validator in validators.items()}
    assert validators[by_name["parameters"]]["validate_request_parameters"] is True
    assert "validate_request_body" not in validators[by_name["parameters"]]
    methods = _methods(dev)
    assert len(methods) == 6
    for name, method in methods.items():
        validator = _ref(VALIDATOR, validators, method["request_validator_id"], "id")
        expected = "body-and-parameters" if name == "method-user-profile-put" else "parameters"
        assert validators[validator]["name"] == expected, name
        assert ("request_models" in method) is (name == "method-user-profile-put"), name


def test_the_schema_is_a_closed_object_of_display_name_and_theme() -> None:
    schema = profile_update_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert (schema["type"], schema["additionalProperties"]) == ("object", False)
    assert set(schema["properties"]) == set(handler.PROFILE_FIELDS)
    assert schema["properties"]["theme"]["enum"] == list(USER_THEMES)
    name = schema["properties"]["displayName"]
    assert (name["minLength"], name["maxLength"]) == (1, handler.DISPLAY_NAME_MAX)
    jsonschema.Draft4Validator.check_schema(schema)


def test_the_function_and_the_contract_list_the_same_themes() -> None:
    assert handler.THEMES == USER_THEMES


def test_a_refused_body_gets_the_cors_headers_of_every_gateway_error(dev: str) -> None:
    by_type = {response["response_type"]: response for response in resources(dev, GATEWAY_RESPONSE).values()}
    assert by_type["BAD_REQUEST_BODY"]["response_parameters"] == by_type["DEFAULT_4XX"]["response_parameters"]
    assert by_type["BAD_REQUEST_BODY"]["response_parameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == (
        "'http://localhost:3000'"
    )


def test_the_deployment_waits_for_the_model_and_the_validator(dev: str) -> None:
    depends_on = only_resource(dev, "aws_api_gateway_deployment")["depends_on"]
    for resource_type in (MODEL, VALIDATOR):
        for logical_id in resources(dev, resource_type):
            assert f"{resource_type}.{logical_id}" in depends_on


# --- the schema and the function agree on every body ---------------------------------------------------------

BODIES: dict[str, Any] = {
    "empty object": {},
    "name only": {"displayName": "Ada"},
    "theme only": {"theme": "Ops"},
    "both": {"displayName": "Ada Lovelace", "theme": "Media"},
    "100 characters": {"displayName": "x" * 100},
    "101 characters": {"displayName": "x" * 101},
    "empty name": {"displayName": ""},
    "blank name": {"displayName": "   "},
    "name not a string": {"displayName": 42},
    "unknown theme": {"theme": "Marketing"},
    "theme in lower case": {"theme": "dev"},
    "theme not a string": {"theme": ["Dev"]},
    "extra field": {"displayName": "Ada", "userRole": "admin"},
    "array": ["Ada"],
    "string": "Ada",
    "null": None,
    "number": 7,
}


def _function_accepts(body: Any) -> bool:
    if not isinstance(body, dict):
        return False  # parse_body refuses what is not an object
    try:
        handler.validate_profile(body)
    except handler.RequestError:
        return False
    return True


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_api_gateway_and_the_function_accept_the_same_bodies(body: Any) -> None:
    at_the_edge = jsonschema.Draft4Validator(profile_update_schema()).is_valid(body)
    assert at_the_edge == _function_accepts(body)


def test_the_sample_bodies_include_accepted_and_refused_ones() -> None:
    verdicts = {_function_accepts(body) for body in BODIES.values()}
    assert verdicts == {True, False}


# --- the construct -------------------------------------------------------------------------------------------

POOL_ARN = "arn:aws:cognito-idp:eu-north-1:111122223333:userpool/eu-north-1_example"
TARGET = LambdaProxy(
    function_name="profile", function_arn="arn:aws:lambda:eu-north-1:1:function:profile", invoke_arn="x"
)
MODEL_A = BodyModel(name="Thing", schema={"type": "object"})


def _props(*routes: Route) -> RestApiProps:
    return RestApiProps(api_name="t", routes=routes, user_pool_arn=POOL_ARN, cors_allow_origins=("https://a.example",))


def _api(props: RestApiProps) -> RestApi:
    return RestApi(TerraformStack(Testing.app(), "test"), "api", props=props)


def test_the_redeployment_hash_changes_with_the_schema() -> None:
    with_model = _props(Route(method="PUT", path="/x", target=TARGET, body_model=MODEL_A))
    stricter = _props(
        Route(method="PUT", path="/x", target=TARGET, body_model=dataclasses.replace(MODEL_A, schema={"type": "array"}))
    )
    without = _props(Route(method="PUT", path="/x", target=TARGET))
    hashes = {_api(props).redeployment_hash for props in (with_model, stricter, without)}
    assert len(hashes) == 3


def test_an_api_without_body_models_has_no_body_validator() -> None:
    api = _api(_props(Route(method="PUT", path="/x", target=TARGET)))
    assert (api.body_validator, api.models) == (None, {})


MODEL_ERRORS = {
    "model on GET": (
        (Route(method="GET", path="/x", target=TARGET, body_model=MODEL_A),),
        "route GET /x has a body model (allowed: only PUT, POST and PATCH carry a body)",
    ),
    "bad model name": (
        (Route(method="PUT", path="/x", target=TARGET, body_model=BodyModel(name="a-b", schema={})),),
        "route body_model name 'a-b' is not allowed (allowed: letters and digits)",
    ),
    "one name, two schemas": (
        (
            Route(method="PUT", path="/x", target=TARGET, body_model=MODEL_A),
            Route(method="POST", path="/x", target=TARGET, body_model=dataclasses.replace(MODEL_A, schema={})),
        ),
        "body model Thing has two schemas (allowed: one schema per model name)",
    ),
}


@pytest.mark.parametrize(("routes", "message"), MODEL_ERRORS.values(), ids=MODEL_ERRORS.keys())
def test_bad_body_models_are_refused_in_one_line(routes: tuple[Route, ...], message: str) -> None:
    with pytest.raises(ValueError) as refused:
        _api(_props(*routes))
    assert str(refused.value) == message
