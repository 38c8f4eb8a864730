"""JK-008: every user pool asks for long passwords of all four character classes (cdk-nag AwsSolutions-COG1).

checkov has no Cognito password check, so the pack holds the project's floor: at least 12 characters with
upper and lower case, digits and symbols, and temporary passwords that expire within a week.
"""

from __future__ import annotations

from collections.abc import Iterator

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.view import Element, StackView, block

MIN_LENGTH = 12
MAX_TEMPORARY_DAYS = 7
CLASSES = ("require_lowercase", "require_uppercase", "require_numbers", "require_symbols")


def check(element: Element, stack: StackView) -> Iterator[str]:
    if element.kind != "resource" or element.type != "aws_cognito_user_pool":
        return
    policy = block(element.config, "password_policy")
    length = policy.get("minimum_length")
    if isinstance(length, bool) or not isinstance(length, int) or length < MIN_LENGTH:
        yield f"passwords must be at least {MIN_LENGTH} characters (password_policy.minimum_length is {length!r})"
    missing = [name for name in CLASSES if policy.get(name) is not True]
    if missing:
        yield f"passwords must mix all character classes ({', '.join(missing)} not true)"
    days = policy.get("temporary_password_validity_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TEMPORARY_DAYS:
        yield (
            f"temporary passwords must expire within {MAX_TEMPORARY_DAYS} days "
            f"(password_policy.temporary_password_validity_days is {days!r})"
        )


RULE = Rule(
    id="JK-008",
    name="CognitoPasswordPolicy",
    why="short or single-class passwords fall to guessing and credential stuffing; stale invitations stay usable",
    check=check,
)
