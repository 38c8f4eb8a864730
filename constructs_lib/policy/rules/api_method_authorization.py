"""JK-005: every REST API method requires authorization, except CORS preflights and the health check.

Allowed without authorization: OPTIONS on any resource (browsers send preflights without credentials)
and GET/HEAD on `/health` (a child of the API's root, for uptime probes). Anything else with
`authorization = "NONE"` is a public endpoint nobody meant to publish.
"""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView

HEALTH_PATH = "/health"
HEALTH_METHODS: tuple[str, ...] = ("GET", "HEAD")


def api_path(stack: StackView, resource_id: object, *, depth: int = 0) -> str | None:
    """The path (`/profile/settings`) of the API Gateway resource `resource_id` refers to, if it can be told."""
    target = stack.referenced(resource_id)
    if target is None or depth > 32:
        return None
    element, attribute = target
    if element.type == "aws_api_gateway_rest_api" and attribute == "root_resource_id":
        return "/"
    if element.type != "aws_api_gateway_resource" or attribute != "id":
        return None
    parent = api_path(stack, element.config.get("parent_id"), depth=depth + 1)
    if parent is None:
        return None
    return parent.rstrip("/") + "/" + str(element.config.get("path_part", ""))


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind != "resource" or element.type != "aws_api_gateway_method":
        return
    if str(element.config.get("authorization", "")).upper() != "NONE":
        return
    method = str(element.config.get("http_method", "")).upper()
    if method == "OPTIONS":
        return
    path = api_path(stack, element.config.get("resource_id"))
    if path == HEALTH_PATH and method in HEALTH_METHODS:
        return
    yield (
        f"{method} {path or element.config.get('resource_id')} has authorization NONE "
        f"(allowed only for OPTIONS and GET/HEAD {HEALTH_PATH}); use the Cognito authorizer"
    )


RULE = Rule(
    id="JK-005",
    name="APIGWMethodAuthorization",
    why="an unauthenticated method exposes user data to anyone who finds the URL",
    check=check,
)
