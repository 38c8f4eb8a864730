"""The API's web ACL (`api.waf_enabled`): off by default everywhere; switched on, AWS managed rule groups and a
per-IP rate rule guard the stage."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cdktf import TerraformStack, Testing

from constructs_lib.config import ENVIRONMENTS, ConfigError, load_config
from stacks.api.stack import ApiStack
from stacks.api.waf import MANAGED_RULE_GROUPS, RATE_RULE_NAME, ApiWebAcl, ApiWebAclProps
from tests.support import build, config_for, only_resource, resources, synth

WEB_ACL = "aws_wafv2_web_acl"
ASSOCIATION = "aws_wafv2_web_acl_association"
STAGE = "aws_api_gateway_stage"


def _with_waf(environment: str, **api: object) -> str:
    config = config_for(environment)
    enabled = dataclasses.replace(config, api=dataclasses.replace(config.api, waf_enabled=True, **api))  # type: ignore[arg-type]
    return synth(ApiStack(Testing.app(), config=enabled))


@pytest.fixture(scope="module")
def prod_waf() -> str:
    return _with_waf("prod")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_web_acl_unless_switched_on(environment: str) -> None:
    assert load_config(environment).api.waf_enabled is False
    synthesized = synth(build(environment)["api"])
    assert resources(synthesized, WEB_ACL) == {} and resources(synthesized, ASSOCIATION) == {}


def test_web_acl_is_regional_and_allows_by_default(prod_waf: str) -> None:
    assert Testing.to_have_resource_with_properties(
        prod_waf, WEB_ACL, {"name": "junokit-api", "scope": "REGIONAL", "default_action": {"allow": {}}}
    )


def test_managed_rule_groups_apply_their_own_blocks(prod_waf: str) -> None:
    rules = only_resource(prod_waf, WEB_ACL)["rule"]
    managed = [rule for rule in rules if "managed_rule_group_statement" in rule["statement"]]
    assert [rule["statement"]["managed_rule_group_statement"] for rule in managed] == [
        {"name": "AWSManagedRulesAmazonIpReputationList", "vendor_name": "AWS"},
        {"name": "AWSManagedRulesCommonRuleSet", "vendor_name": "AWS"},
        {"name": "AWSManagedRulesKnownBadInputsRuleSet", "vendor_name": "AWS"},
    ]
    assert all(rule["override_action"] == {"none": {}} for rule in managed)


def test_one_ip_over_the_rate_limit_is_blocked(prod_waf: str) -> None:
    [rate] = [rule for rule in only_resource(prod_waf, WEB_ACL)["rule"] if rule["name"] == RATE_RULE_NAME]
    assert rate["statement"] == {"rate_based_statement": {"limit": 2000, "aggregate_key_type": "IP"}}
    assert rate["action"] == {"block": {}}


def test_rate_limit_comes_from_the_config() -> None:
    rules = only_resource(_with_waf("dev", waf_rate_limit=500), WEB_ACL)["rule"]
    [rate] = [rule for rule in rules if "rate_based_statement" in rule["statement"]]
    assert rate["statement"]["rate_based_statement"]["limit"] == 500


def test_rules_have_distinct_priorities_metrics_and_samples(prod_waf: str) -> None:
    acl = only_resource(prod_waf, WEB_ACL)
    rules = acl["rule"]
    assert [rule["priority"] for rule in rules] == list(range(len(MANAGED_RULE_GROUPS) + 1))
    metrics = [rule["visibility_config"]["metric_name"] for rule in rules] + [acl["visibility_config"]["metric_name"]]
    assert len(set(metrics)) == len(metrics)
    for config in [rule["visibility_config"] for rule in rules] + [acl["visibility_config"]]:
        assert config["cloudwatch_metrics_enabled"] is True and config["sampled_requests_enabled"] is True


def test_web_acl_guards_the_api_stage(prod_waf: str) -> None:
    (stage_id,) = resources(prod_waf, STAGE)
    (acl_id,) = resources(prod_waf, WEB_ACL)
    association = only_resource(prod_waf, ASSOCIATION)
    assert association["resource_arn"] == f"${{{STAGE}.{stage_id}.arn}}"
    assert association["web_acl_arn"] == f"${{{WEB_ACL}.{acl_id}.arn}}"


def test_every_inspected_request_is_logged_without_the_token(prod_waf: str) -> None:
    (acl_id,) = resources(prod_waf, WEB_ACL)
    [(group_id, group)] = [
        (logical_id, group)
        for logical_id, group in resources(prod_waf, "aws_cloudwatch_log_group").items()
        if group["name"].startswith("aws-waf-logs-")
    ]
    assert (group["name"], group["retention_in_days"]) == ("aws-waf-logs-junokit-api", 90)
    logging = only_resource(prod_waf, "aws_wafv2_web_acl_logging_configuration")
    assert logging["resource_arn"] == f"${{{WEB_ACL}.{acl_id}.arn}}"
    assert logging["log_destination_configs"] == [f"${{aws_cloudwatch_log_group.{group_id}.arn}}"]
    assert logging["redacted_fields"] == [{"single_header": {"name": "authorization"}}]


def test_a_rate_limit_below_100_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        ApiWebAcl(
            TerraformStack(Testing.app(), "t"),
            "waf",
            props=ApiWebAclProps(
                name="x", stage_arn="arn:aws:apigateway:eu-north-1::/restapis/a/stages/v1", rate_limit=50
            ),
        )
    assert str(refused.value) == "ApiWebAcl rate_limit 50 is not allowed (allowed: 100-2000000000)"


def test_config_refuses_a_rate_limit_below_100(tmp_path: Path) -> None:
    path = tmp_path / "environments.toml"
    path.write_text("[defaults.api]\nwaf_rate_limit = 10\n")
    with pytest.raises(ConfigError, match=r"^api.waf_rate_limit 10 is not allowed \(allowed: 100-2000000000\)$"):
        load_config("dev", environ={"JUNOKIT_CONFIG": str(path)})


def test_config_refuses_a_waf_switch_that_is_not_a_boolean(tmp_path: Path) -> None:
    path = tmp_path / "environments.toml"
    path.write_text("[defaults.api]\nwaf_enabled = 'yes'\n")
    with pytest.raises(ConfigError, match="api.waf_enabled must be true or false, got 'yes'"):
        load_config("dev", environ={"JUNOKIT_CONFIG": str(path)})
