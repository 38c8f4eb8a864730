"""A WAFv2 web ACL in front of a REST API stage: AWS managed rule groups plus a per-IP rate limit.

Off by default (`api.waf_enabled`): it costs about 9 USD a month per environment before traffic (see the
README), and the API already has Cognito auth, a request validator and stage throttling. Switched on, it
blocks known-bad source IPs, common exploits (OWASP top 10 patterns, Log4j and other known bad inputs) and
any single IP that sends more than `rate_limit` requests in five minutes, before API Gateway bills or runs
anything. Every inspected request is logged (Authorization header redacted) with the environment's retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclRule,
    Wafv2WebAclRuleAction,
    Wafv2WebAclRuleActionBlock,
    Wafv2WebAclRuleOverrideAction,
    Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import (
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
    Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader,
)
from constructs import Construct

from constructs_lib import validation

# AWS managed rule groups without a subscription fee, in evaluation order (cheapest and most decisive first).
MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
RATE_RULE_NAME = "per-ip-rate-limit"
RATE_LIMIT_RANGE = (100, 2_000_000_000)
"""Requests per IP per five minutes that WAF accepts as a rate limit (AWS allows 10 and up; below 100 a few
browser tabs behind one office NAT would be blocked)."""


@dataclass(frozen=True, kw_only=True)
class ApiWebAclProps:
    name: str
    """Web ACL name, also the prefix of its CloudWatch metric names (`junokit-api` in prod). Required."""
    stage_arn: str
    """The REST API stage the web ACL protects (usually a token). Required."""
    rate_limit: int = 2000
    """Requests one IP may send in five minutes before WAF blocks it (until its rate drops). Default: 2000."""
    log_retention_days: int = 14
    """Retention of the web ACL's request log (`aws-waf-logs-<name>`). Default: 14 days."""


def _visibility(metric: str) -> Wafv2WebAclRuleVisibilityConfig:
    return Wafv2WebAclRuleVisibilityConfig(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _managed(name: str, priority: int, prefix: str) -> Wafv2WebAclRule:
    statement: dict[str, Any] = {"managed_rule_group_statement": {"name": name, "vendor_name": "AWS"}}
    return Wafv2WebAclRule(
        name=name,
        priority=priority,
        # `none`: the group's own actions (block) apply; `count` would only observe.
        override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
        statement=statement,
        visibility_config=_visibility(f"{prefix}-{name}"),
    )


class ApiWebAcl(Construct):
    """Regional web ACL, default allow, managed rule groups and a per-IP rate rule, associated with a stage."""

    def __init__(self, scope: Construct, id_: str, *, props: ApiWebAclProps) -> None:
        super().__init__(scope, id_)
        validation.matches("ApiWebAcl name", props.name, r"[A-Za-z0-9_-]{1,128}", "letters, digits, '-' or '_'")
        validation.in_range("ApiWebAcl rate_limit", props.rate_limit, *RATE_LIMIT_RANGE)
        validation.arn("ApiWebAcl stage_arn", props.stage_arn, "apigateway")
        validation.one_of("ApiWebAcl log_retention_days", props.log_retention_days, validation.LOG_RETENTION_DAYS)
        rules = [_managed(name, priority, props.name) for priority, name in enumerate(MANAGED_RULE_GROUPS)]
        rate: dict[str, Any] = {"rate_based_statement": {"limit": props.rate_limit, "aggregate_key_type": "IP"}}
        rules.append(
            Wafv2WebAclRule(
                name=RATE_RULE_NAME,
                priority=len(MANAGED_RULE_GROUPS),
                action=Wafv2WebAclRuleAction(block=Wafv2WebAclRuleActionBlock()),
                statement=rate,
                visibility_config=_visibility(f"{props.name}-{RATE_RULE_NAME}"),
            )
        )
        self.web_acl = Wafv2WebAcl(
            self,
            "web-acl",
            name=props.name,
            description=f"{props.name}: managed rule groups and a per-IP rate limit in front of the API stage",
            scope="REGIONAL",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()),
            rule=rules,
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, metric_name=props.name, sampled_requests_enabled=True
            ),
        )
        self.association = Wafv2WebAclAssociation(
            self, "association", resource_arn=props.stage_arn, web_acl_arn=self.web_acl.arn
        )
        # WAF writes one record per request it inspects; the log group name must start with aws-waf-logs-.
        # The Authorization header (the user's ID token) is redacted before it is written.
        self.log_group = CloudwatchLogGroup(
            self, "logs", name=f"aws-waf-logs-{props.name}", retention_in_days=props.log_retention_days
        )
        self.logging = Wafv2WebAclLoggingConfiguration(
            self,
            "logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[self.log_group.arn],
            redacted_fields=[
                Wafv2WebAclLoggingConfigurationRedactedFields(
                    single_header=Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader(name="authorization")
                )
            ],
        )
