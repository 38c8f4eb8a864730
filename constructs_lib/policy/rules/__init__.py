"""The Junokit policy rules, one per module; `ALL_RULES` is what the pack applies."""

from __future__ import annotations

from constructs_lib.policy.rule import Rule
from constructs_lib.policy.rules import (
    alarm_actions,
    api_cognito_authorizer,
    api_method_authorization,
    cognito_mfa,
    cognito_password_policy,
    dynamodb_deletion_protection,
    dynamodb_pitr,
    eu_region,
    iam_no_wildcard_action,
    log_retention,
    prod_alarm_coverage,
    s3_tls_only,
    sns_tls_only,
)

ALL_RULES: tuple[Rule, ...] = (
    dynamodb_pitr.RULE,
    dynamodb_deletion_protection.RULE,
    log_retention.RULE,
    iam_no_wildcard_action.RULE,
    api_method_authorization.RULE,
    eu_region.RULE,
    alarm_actions.RULE,
    prod_alarm_coverage.RULE,
    cognito_mfa.RULE,
    cognito_password_policy.RULE,
    api_cognito_authorizer.RULE,
    s3_tls_only.RULE,
    sns_tls_only.RULE,
)
