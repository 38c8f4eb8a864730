"""JK-006: AWS providers and state backends stay in EU member states (GDPR data residency).

The config already refuses other regions; this rule also catches a provider alias or backend added
in code with a region of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView, block
from constructs_lib.validation import EU_REGIONS


def _problem(what: str, region: object) -> Iterator[str]:
    if region not in EU_REGIONS:
        yield f"{what} region {region!r} is outside the EU (allowed: {', '.join(EU_REGIONS)})"


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind == "provider" and element.type == "aws":
        yield from _problem("AWS provider", element.config.get("region"))
    elif element.kind == "backend" and element.type == "s3":
        yield from _problem("S3 state backend", element.config.get("region"))
    elif element.kind == "data" and element.type == "terraform_remote_state" and element.config.get("backend") == "s3":
        yield from _problem("remote state bucket", block(element.config, "config").get("region"))


RULE = Rule(
    id="JK-006",
    name="EURegionOnly",
    why="personal data must stay in the EU; a provider or state bucket elsewhere moves it out",
    check=check,
)
