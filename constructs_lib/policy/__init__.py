"""Policy as code: small pure rules (`rules/`, one per module) applied to every stack by `PolicyPack`.

    enforce(stack, environment=config.name)   # or, visiting every construct: Aspects.of(stack).add(PolicyPack(...))

A violation becomes an error annotation naming the rule, the construct path and the Terraform address;
cdktf then refuses to synthesize. checkov (`.checkov.yaml`) is the second, generic gate over the output.
"""

from __future__ import annotations

from constructs_lib.policy.pack import (
    PolicyPack,
    checked_after_synth,
    enforce,
    errors_may_be_ignored,
    policy_errors,
)
from constructs_lib.policy.rule import Rule, Violation
from constructs_lib.policy.rules import ALL_RULES
from constructs_lib.policy.view import Element, StackView

__all__ = [
    "ALL_RULES",
    "Element",
    "PolicyPack",
    "Rule",
    "StackView",
    "Violation",
    "checked_after_synth",
    "enforce",
    "errors_may_be_ignored",
    "policy_errors",
]
