"""`make smoke`'s walk in the e2e run, and the mutations of the deployed API it must catch.

Each mutation changes the deployed system through the AWS API the way a broken change would reach it (a new
deployment of the API, or a changed role policy), runs the walk, and puts everything back: the stage
returns to the deployment Terraform made (the emulator keeps each deployment's snapshot) and the live
configuration is restored, so the teardown that follows sees what Terraform left.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import urlsplit

from constructs_lib.contract import StackName
from stacks.api.contract import ApiOutputs
from stacks.data.contract import DataOutputs
from tests.e2e.harness import EndToEnd
from tools.smoke import Target, target_from_outputs

PROFILE_PATH = "/user/profile"


def smoke_target(e2e: EndToEnd) -> Target:
    """The deployed dev environment on the e2e emulator, as `make smoke` would find it."""
    return target_from_outputs(e2e.config, e2e.outputs, endpoint_url=e2e.emulator.url, ca_bundle=e2e.emulator.ca_bundle)


class _DeployedApi:
    def __init__(self, e2e: EndToEnd) -> None:
        url = str(e2e.outputs[StackName.API][ApiOutputs.API_URL])
        self.api_id = (urlsplit(url).hostname or "").split(".")[0]
        self.stage = urlsplit(url).path.strip("/")
        self.client = e2e.emulator.client("apigateway")
        resources = self.client.get_resources(restApiId=self.api_id, limit=500)["items"]
        self.resource_id = next(r["id"] for r in resources if r["path"] == PROFILE_PATH)

    @contextmanager
    def redeployed(self, change: Callable[[], None], undo: Callable[[], None]) -> Iterator[None]:
        """`change` deployed to the stage; afterwards the stage's own deployment again, and `undo`."""
        original = self.client.get_stage(restApiId=self.api_id, stageName=self.stage)["deploymentId"]
        change()
        try:
            mutated = self.client.create_deployment(restApiId=self.api_id, description="mutation")["id"]
            self._point_stage(mutated)
            yield
        finally:
            undo()
            self._point_stage(original)

    def _point_stage(self, deployment_id: str) -> None:
        self.client.update_stage(
            restApiId=self.api_id,
            stageName=self.stage,
            patchOperations=[{"op": "replace", "path": "/deploymentId", "value": deployment_id}],
        )

    def put_method(self, method: dict[str, Any], *, authorized: bool) -> None:
        """Re-create PUT /user/profile with or without its authorizer (same Lambda integration)."""
        on = {"restApiId": self.api_id, "resourceId": self.resource_id, "httpMethod": "PUT"}
        auth: dict[str, Any] = {"authorizationType": "NONE"}
        if authorized:
            auth = {"authorizationType": method["authorizationType"], "authorizerId": method["authorizerId"]}
        self.client.put_method(**on, **auth)
        integration = method["methodIntegration"]
        self.client.put_integration(
            **on, type=integration["type"], integrationHttpMethod="POST", uri=integration["uri"]
        )


def authorizer_removed(e2e: EndToEnd) -> AbstractContextManager[None]:
    """PUT /user/profile deployed without the Cognito authorizer."""
    api = _DeployedApi(e2e)
    method = api.client.get_method(restApiId=api.api_id, resourceId=api.resource_id, httpMethod="PUT")
    assert method["authorizationType"] == "COGNITO_USER_POOLS", method["authorizationType"]
    return api.redeployed(
        lambda: api.put_method(method, authorized=False), lambda: api.put_method(method, authorized=True)
    )


def cors_origin_changed(e2e: EndToEnd) -> AbstractContextManager[None]:
    """The preflight of /user/profile deployed naming another origin than the web app's."""
    api = _DeployedApi(e2e)
    on = {"restApiId": api.api_id, "resourceId": api.resource_id, "httpMethod": "OPTIONS", "statusCode": "200"}
    original = api.client.get_integration_response(**on)
    header = "method.response.header.Access-Control-Allow-Origin"
    assert header in original["responseParameters"], original

    def put(parameters: dict[str, str]) -> None:
        api.client.put_integration_response(
            **on, responseParameters=parameters, responseTemplates=original.get("responseTemplates") or {}
        )

    changed = {**original["responseParameters"], header: "'https://elsewhere.junokit.com'"}
    return api.redeployed(lambda: put(changed), lambda: put(original["responseParameters"]))


@contextmanager
def table_permission_removed(e2e: EndToEnd) -> Iterator[None]:
    """The profile function's role without its statement on the table."""
    iam = e2e.emulator.client("iam")
    role = e2e.config.resource_name("junokit-profile")
    table_arn = e2e.outputs[StackName.DATA][DataOutputs.TABLE_ARN]
    names = iam.list_role_policies(RoleName=role)["PolicyNames"]
    documents = {name: iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"] for name in names}
    documents = {name: json.loads(d) if isinstance(d, str) else d for name, d in documents.items()}
    name, document = next(
        (name, d) for name, d in documents.items() if any(table_arn in s.get("Resource", []) for s in d["Statement"])
    )
    reduced = {**document, "Statement": [s for s in document["Statement"] if table_arn not in s.get("Resource", [])]}
    iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(reduced))
    try:
        yield
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))


MUTATIONS: dict[str, tuple[Callable[[EndToEnd], AbstractContextManager[None]], str]] = {
    "authorizer removed from PUT /user/profile": (authorizer_removed, "PUT /user/profile {displayName, theme}: 200"),
    "CORS origin of the preflight changed": (cors_origin_changed, "CORS preflight OPTIONS /user/profile"),
    "function's table permission removed": (table_permission_removed, "GET /user/profile before a profile exists"),
}
"""Mutation -> (how to make it, the first step that must fail)."""
