"""The checkov gate: zero failed checks over every synthesized stack, and an honest skip list.

One synth per variant (every environment on the local backend; prod on s3, which adds bootstrap; prod's api
stack with the WAF on) and one
checkov run with every check on, skipped ones included (to see what each skip hides).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from constructs_lib.config import ENVIRONMENTS
from stacks.app import STACK_TYPES
from tools import policy_gate
from tools.policy_gate import StackResult

EXPECTED = sorted(
    [f"local/junokit-{env}-{stack}" for env in ENVIRONMENTS for stack in STACK_TYPES]
    + [f"s3/junokit-prod-{stack}" for stack in ("bootstrap", *STACK_TYPES)]
    + ["waf/junokit-prod-api"]
)


@pytest.fixture(scope="module")
def gate_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("policy")


@pytest.fixture(scope="module")
def gate(gate_root: Path) -> tuple[dict[str, StackResult], list[str]]:
    stacks = policy_gate.synthesize(gate_root)
    return policy_gate.scan(gate_root, stacks, policy_gate.read_skips())


def test_every_stack_was_scanned(gate: tuple[dict[str, StackResult], list[str]]) -> None:
    results, _ = gate
    assert sorted(results) == EXPECTED
    assert [stack for stack, result in results.items() if result.passed == 0] == []


@pytest.mark.parametrize("stack", EXPECTED)
def test_no_failed_checks(gate: tuple[dict[str, StackResult], list[str]], stack: str) -> None:
    failed = gate[0][stack].failed
    assert not failed, "\n".join(f"{f.check_id} {f.resource}: {f.check_name}" for f in failed)


def test_the_waf_variant_scans_the_web_acl(gate: tuple[dict[str, StackResult], list[str]], gate_root: Path) -> None:
    """With `api.waf_enabled` the api stack gains the web ACL, its association and logging: more checks, none failed."""
    document = json.loads((gate_root / "waf" / "stacks" / "junokit-prod-api" / "cdk.tf.json").read_text())
    assert {"aws_wafv2_web_acl", "aws_wafv2_web_acl_association", "aws_wafv2_web_acl_logging_configuration"} <= set(
        document["resource"]
    )
    results, _ = gate
    assert results["waf/junokit-prod-api"].passed > results["local/junokit-prod-api"].passed


def test_every_skip_has_a_reason_on_its_line() -> None:
    skips = policy_gate.read_skips()
    assert skips, ".checkov.yaml skips nothing: this test would prove nothing"
    assert [skip.check_id for skip in skips if len(skip.reason) < 20] == []


def test_every_skip_still_hides_a_finding(gate: tuple[dict[str, StackResult], list[str]]) -> None:
    assert gate[1] == [], "remove these skips from .checkov.yaml: no stack fails them any more"


def test_a_skip_without_a_reason_is_found(tmp_path: Path) -> None:
    config = tmp_path / "checkov.yaml"
    config.write_text("skip-check:\n  - CKV_AWS_119  # AWS-managed key, cost\n  - CKV_AWS_149\n")
    assert [(s.check_id, s.reason) for s in policy_gate.read_skips(config)] == [
        ("CKV_AWS_119", "AWS-managed key, cost"),
        ("CKV_AWS_149", ""),
    ]


def test_the_gate_fails_a_table_without_point_in_time_recovery(tmp_path: Path) -> None:
    stack = tmp_path / "fixture" / "junokit-dev-bad"
    stack.mkdir(parents=True)
    table = {"name": "t", "hash_key": "k", "billing_mode": "PAY_PER_REQUEST", "attribute": [{"name": "k", "type": "S"}]}
    document = {"provider": {"aws": [{"region": "eu-north-1"}]}, "resource": {"aws_dynamodb_table": {"t": table}}}
    (stack / "cdk.tf.json").write_text(json.dumps(document))
    results = policy_gate.by_stack(policy_gate.run_checkov(tmp_path), tmp_path, [stack])
    assert "CKV_AWS_28" in {finding.check_id for finding in results["fixture/junokit-dev-bad"].failed}


def test_a_stack_checkov_cannot_scan_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cdk.tf.json").write_text(json.dumps({"terraform": {"required_version": ">= 1.10"}}))
    with pytest.raises(policy_gate.GateError, match="required_version is set"):
        policy_gate.check_scannable(tmp_path)


def test_moved_blocks_are_dropped_so_checkov_still_scans_the_resources(tmp_path: Path) -> None:
    """checkov crashes on a top-level `moved` list; the gate's copy loses it and keeps every resource."""
    stack = tmp_path / "fixture" / "junokit-dev-moved"
    stack.mkdir(parents=True)
    table = {"name": "t", "hash_key": "k", "billing_mode": "PAY_PER_REQUEST", "attribute": [{"name": "k", "type": "S"}]}
    document = {
        "provider": {"aws": [{"region": "eu-north-1"}]},
        "resource": {"aws_dynamodb_table": {"t": table}},
        "moved": [{"from": "aws_dynamodb_table.old", "to": "aws_dynamodb_table.t"}],
    }
    (stack / "cdk.tf.json").write_text(json.dumps(document))
    policy_gate.drop_moved_blocks(stack)
    assert "moved" not in json.loads((stack / "cdk.tf.json").read_text())
    results = policy_gate.by_stack(policy_gate.run_checkov(tmp_path), tmp_path, [stack])
    assert "CKV_AWS_28" in {finding.check_id for finding in results["fixture/junokit-dev-moved"].failed}


def test_a_skipped_check_neither_passes_nor_fails_but_is_recorded(tmp_path: Path) -> None:
    stack = tmp_path / "local" / "stacks" / "junokit-dev-data"
    stack.mkdir(parents=True)
    file = str(stack / "cdk.tf.json")

    def check(check_id: str) -> dict[str, str]:
        return {"check_id": check_id, "check_name": check_id, "resource": "aws_x.y", "file_abs_path": file}

    report = {
        "results": {
            "passed_checks": [check("CKV_A_1"), check("CKV_A_2")],
            "failed_checks": [check("CKV_A_3"), check("CKV_A_4")],
        }
    }
    skips = [policy_gate.Skip(check_id="CKV_A_2", reason="r"), policy_gate.Skip(check_id="CKV_A_3", reason="r")]
    results = policy_gate.by_stack(report, tmp_path, [stack], skips)
    result = results["local/junokit-dev-data"]
    assert result.passed == 1
    assert [f.check_id for f in result.failed] == ["CKV_A_4"] and [f.check_id for f in result.skipped] == ["CKV_A_3"]
    assert policy_gate.stale_skips(results, skips) == ["CKV_A_2"]
