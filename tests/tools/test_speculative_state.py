"""The speculative state builder, on plan JSON captured from real plans, and the override it feeds Terraform.

Fixtures (`tests/fixtures/plans/`, `terraform show -json` output, captured once):
- `outputs-all-kinds.json`: Terraform 1.11.4 with only its built-in provider: `producer/before.tf.json`
  applied, then `producer/after.tf.json` planned: an unchanged, a changed, two added (string, number), an
  unknown, a partly unknown object, a partly unknown list, a sensitive and a removed output.
- `data-new-output.json`, `data-table-renamed.json`: the dev data stack, applied to the emulator with the s3
  backend, planned with one new output (`JunokitUserContextTableHashKey`, as the chained-change e2e test
  plans it) and with the table renamed (a replace, so its ARNs are known only after apply).
- `data-drift.json`, `first-apply-drift.json` (`tests/tools/test_drift.py`): refresh-only plans of the dev
  stacks after point-in-time recovery was turned off and the function's memory changed through the API (the
  second: all five stacks right after their first apply, cut to what drift reads).

The last tests run real Terraform (built-in provider only, no AWS provider, a fraction of a second each):
a consumer whose remote state points at an unreachable S3 bucket reads the producer's planned outputs
through the override file, exactly as `tools.plan_stacks` prepares it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SynthOutputs
from tests.support import build, synth
from tools import plan_review, plan_stacks, speculative_state
from tools.manifest import StackInfo
from tools.speculative_state import Assumption, planned_outputs
from tools.terraform import cli_env

FIXTURES = Path(__file__).parent.parent / "fixtures" / "plans"


def _plan(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return document


@pytest.fixture(scope="module")
def all_kinds() -> speculative_state.PlannedOutputs:
    return planned_outputs(_plan("outputs-all-kinds.json"), stack="producer")


def test_known_outputs_keep_their_planned_values_and_types(all_kinds: speculative_state.PlannedOutputs) -> None:
    outputs = all_kinds.state["outputs"]
    assert outputs["Kept"] == {"value": "unchanged", "type": "string"}
    assert outputs["Changed"] == {"value": "after", "type": "string"}
    assert outputs["Added"] == {"value": "brand new", "type": "string"}
    assert outputs["AddedNumber"] == {"value": 14, "type": "number"}


def test_only_changed_added_and_removed_outputs_are_assumptions(all_kinds: speculative_state.PlannedOutputs) -> None:
    assert {name: a.change for name, a in all_kinds.changes.items()} == {
        "Added": "added",
        "AddedNumber": "added",
        "Changed": "changed",
        "PartlyUnknown": "added",
        "Records": "added",
        "Removed": "removed",
        "Secret": "changed",
        "Unknown": "added",
    }


def test_an_unknown_output_is_a_marked_placeholder(all_kinds: speculative_state.PlannedOutputs) -> None:
    assert all_kinds.state["outputs"]["Unknown"] == {"value": "known-after-apply:Unknown", "type": "string"}
    assert all_kinds.changes["Unknown"].unknown == ("",)
    assert (
        all_kinds.changes["Unknown"].describe()
        == "`Unknown` (added, known after apply: placeholder `known-after-apply:Unknown`)"
    )


def test_only_the_unknown_parts_of_a_collection_are_placeholders(all_kinds: speculative_state.PlannedOutputs) -> None:
    outputs = all_kinds.state["outputs"]
    assert outputs["PartlyUnknown"]["value"] == {
        "id": "known-after-apply:PartlyUnknown.id",
        "name": "known-after-apply:PartlyUnknown.name",
        "ports": [443, 80],
    }
    assert outputs["PartlyUnknown"]["type"] == [
        "object",
        {"id": "string", "name": "string", "ports": ["tuple", ["number", "number"]]},
    ]
    assert outputs["Records"]["value"] == ["a.example.", "known-after-apply:Records[1]"]
    assert all_kinds.changes["PartlyUnknown"].unknown == ("id", "name")
    assert all_kinds.changes["Records"].unknown == ("[1]",)


def test_a_sensitive_output_stays_sensitive(all_kinds: speculative_state.PlannedOutputs) -> None:
    assert all_kinds.state["outputs"]["Secret"]["sensitive"] is True
    assert all_kinds.changes["Secret"].sensitive
    assert all_kinds.changes["Secret"].describe() == "`Secret` (changed, sensitive)"
    assert "new-dummy" not in all_kinds.changes["Secret"].describe()


def test_a_removed_output_is_left_out_of_the_state(all_kinds: speculative_state.PlannedOutputs) -> None:
    assert "Removed" not in all_kinds.state["outputs"]
    assert all_kinds.changes["Removed"] == Assumption(stack="producer", output="Removed", change="removed")


def test_the_state_is_a_version_4_state_without_resources(all_kinds: speculative_state.PlannedOutputs) -> None:
    assert all_kinds.state["version"] == 4
    assert all_kinds.state["resources"] == []
    assert all_kinds.state["lineage"] == "speculative-producer"


def test_a_real_stack_plan_assumes_only_its_new_output() -> None:
    planned = planned_outputs(_plan("data-new-output.json"), stack="junokit-dev-data")
    assert planned.changes == {
        "JunokitUserContextTableHashKey": Assumption(
            stack="junokit-dev-data", output="JunokitUserContextTableHashKey", change="added"
        )
    }
    outputs = planned.state["outputs"]
    assert outputs["JunokitUserContextTableHashKey"] == {"value": "userId", "type": "string"}
    assert outputs["JunokitUserContextTable"] == {"value": "junokit-user-context-dev", "type": "string"}


def test_a_document_that_is_not_a_plan_is_refused() -> None:
    with pytest.raises(speculative_state.SpeculativeError, match="the plan of x is not `terraform show -json`"):
        planned_outputs({"version": 4, "outputs": {}}, stack="x")


# --- which data source reads which producer, and what ------------------------------------------------


def _api_config(synthesized: SynthOutputs, setting: str, environment: str) -> dict[str, Any]:
    path = synthesized.outdirs[setting] / "stacks" / f"junokit-{environment}-api" / "cdk.tf.json"
    config: dict[str, Any] = json.loads(path.read_text())
    return config


@pytest.mark.parametrize(("setting", "environment"), [("local", "dev"), ("s3", "prod")])
def test_the_api_stack_reads_exactly_these_outputs(synthesized: SynthOutputs, setting: str, environment: str) -> None:
    config = _api_config(synthesized, setting, environment)
    reads = speculative_state.remote_state_reads(config)
    sources = config["data"]["terraform_remote_state"]
    by_producer = {
        speculative_state.producer_of(
            sources[name], [f"junokit-{environment}-{p}" for p in ("data", "identity")]
        ): outputs
        for name, outputs in reads.items()
    }
    assert by_producer == {
        f"junokit-{environment}-data": frozenset(
            {
                "JunokitApiSecretsArn",
                "JunokitUserContextTable",
                "JunokitUserContextTableArn",
                "JunokitUserContextTableIndexArn",
            }
        ),
        f"junokit-{environment}-identity": frozenset({"JunokitUserPoolArn"}),
    }


def test_the_producer_of_a_terraform_cloud_read_is_its_workspace() -> None:
    config = json.loads(synth(build("dev", JUNOKIT_BACKEND="cloud", JUNOKIT_TFC_ORG="acme")["api"]))
    sources = config["data"]["terraform_remote_state"]
    found = {speculative_state.producer_of(s, ["junokit-dev-data", "junokit-dev-identity"]) for s in sources.values()}
    assert found == {"junokit-dev-data", "junokit-dev-identity"}


def test_a_stack_that_reads_no_changed_output_needs_no_speculation(synthesized: SynthOutputs) -> None:
    config = _api_config(synthesized, "local", "dev")
    planned = {"junokit-dev-identity": planned_outputs(_plan("data-new-output.json"), stack="junokit-dev-identity")}
    assert speculative_state.assumptions_for(config, planned) == {}


def test_a_reference_to_every_output_counts_as_reading_them_all() -> None:
    config = {
        "data": {"terraform_remote_state": {"p": {"backend": "local", "config": {"path": "../p.tfstate"}}}},
        "output": {"all": {"value": "${data.terraform_remote_state.p.outputs}"}},
    }
    assert speculative_state.remote_state_reads(config) == {"p": None}
    planned = {"p": planned_outputs(_plan("outputs-all-kinds.json"), stack="p")}
    (assumed,) = speculative_state.assumptions_for(config, planned).values()
    assert [a.output for a in assumed[1]] == sorted(planned["p"].changes)


# --- real Terraform reads the speculative state through the override ---------------------------------


def _terraform(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["terraform", *args, "-no-color"], cwd=cwd, env=cli_env(), capture_output=True, text=True, check=False
    )


def _consumer(root: Path, reads: list[str]) -> Path:
    """A consumer reading `producer` from an S3 bucket nobody can reach: only the override can satisfy it."""
    stack = root / "stacks" / "consumer"
    stack.mkdir(parents=True)
    config = {
        "data": {
            "terraform_remote_state": {
                "producer_state": {
                    "backend": "s3",
                    "config": {
                        "bucket": "junokit-no-such-bucket",
                        "key": "dev/producer/terraform.tfstate",
                        "region": "eu-north-1",
                    },
                }
            }
        },
        "output": {
            name: {"value": f"${{data.terraform_remote_state.producer_state.outputs.{name}}}"} for name in reads
        },
    }
    (stack / "cdk.tf.json").write_text(json.dumps(config))
    return stack


def test_terraform_plans_a_consumer_against_the_planned_outputs(tmp_path: Path) -> None:
    reads = ["Added", "AddedNumber", "Kept", "PartlyUnknown", "Records", "Secret", "Unknown"]
    stack = _consumer(tmp_path, reads)
    config = json.loads((stack / "cdk.tf.json").read_text())
    planned = {"producer": planned_outputs(_plan("outputs-all-kinds.json"), stack="producer")}
    needed = speculative_state.assumptions_for(config, planned)
    assert list(needed) == ["producer_state"]
    scratch = speculative_state.prepare_scratch(
        stack, tmp_path / "speculative" / "consumer", {name: outputs for name, (outputs, _) in needed.items()}
    )
    assert not (stack / speculative_state.OVERRIDE_FILE).exists(), "the synthesized folder was written"
    assert (scratch / "planned-producer.tfstate.json").stat().st_mode & 0o077 == 0
    for args in (["init", "-input=false"], ["plan", "-input=false", "-out=tfplan"]):
        result = _terraform(args, scratch)
        assert result.returncode == 0, result.stdout + result.stderr
    shown = json.loads(_terraform(["show", "-json", "tfplan"], scratch).stdout)
    values = {name: entry.get("value") for name, entry in shown["planned_values"]["outputs"].items()}
    assert values == {
        "Added": "brand new",
        "AddedNumber": 14,
        "Kept": "unchanged",
        "PartlyUnknown": {
            "id": "known-after-apply:PartlyUnknown.id",
            "name": "known-after-apply:PartlyUnknown.name",
            "ports": [443, 80],
        },
        "Records": ["a.example.", "known-after-apply:Records[1]"],
        "Secret": "new-dummy",
        "Unknown": "known-after-apply:Unknown",
    }


def test_terraform_refuses_a_consumer_that_reads_a_removed_output(tmp_path: Path) -> None:
    stack = _consumer(tmp_path, ["Removed"])
    planned = {"producer": planned_outputs(_plan("outputs-all-kinds.json"), stack="producer")}
    scratch = speculative_state.prepare_scratch(
        stack, tmp_path / "speculative" / "consumer", planned_by_source(planned)
    )
    assert _terraform(["init", "-input=false"], scratch).returncode == 0
    result = _terraform(["plan", "-input=false"], scratch)
    assert result.returncode == 1
    assert "Unsupported attribute" in result.stderr and '"Removed"' in result.stderr


def planned_by_source(
    planned: dict[str, speculative_state.PlannedOutputs],
) -> dict[str, speculative_state.PlannedOutputs]:
    return {"producer_state": planned["producer"]}


def test_a_replaced_table_makes_its_arns_placeholders_and_its_name_the_new_one() -> None:
    """The data stack planned with the table renamed (a replace): the ARNs are known only after apply."""
    planned = planned_outputs(_plan("data-table-renamed.json"), stack="junokit-dev-data")
    outputs = planned.state["outputs"]
    assert outputs["JunokitUserContextTable"]["value"] == "junokit-user-context-v2-dev"
    assert outputs["JunokitUserContextTableArn"]["value"] == "known-after-apply:JunokitUserContextTableArn"
    assert outputs["JunokitUserContextTableIndexArn"]["value"] == "known-after-apply:JunokitUserContextTableIndexArn"
    assert {name: (a.change, a.unknown) for name, a in planned.changes.items()} == {
        "JunokitUserContextTable": ("changed", ()),
        "JunokitUserContextTableArn": ("changed", ("",)),
        "JunokitUserContextTableIndexArn": ("changed", ("",)),
    }
    assert "JunokitApiSecretsArn" not in planned.changes


def test_with_terraform_cloud_the_consumer_is_not_speculative_and_the_review_warns(tmp_path: Path) -> None:
    """No override is written for a cloud workspace: the review names the changed outputs it could not assume."""
    stack_dir = tmp_path / "stacks" / "junokit-dev-api"
    (stack_dir / ".terraform").mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text(synth(build("dev", JUNOKIT_BACKEND="cloud", JUNOKIT_TFC_ORG="acme")["api"]))
    stack = StackInfo(stack_id="junokit-dev-api", directory=stack_dir, dependencies=("junokit-dev-data",))
    first = plan_stacks.Outcome(stack="junokit-dev-api", plan_status=0)
    producer = plan_stacks.Outcome(
        stack="junokit-dev-data", shown=(FIXTURES / "data-table-renamed.json").read_text(), plan_status=2
    )
    outcome = plan_stacks._final(stack, first, {"junokit-dev-data": producer}, env={})
    assert not (tmp_path / "speculative").exists()
    assert outcome.assumptions == ()
    assert [a.output for a in outcome.unassumed] == [
        "JunokitUserContextTable",
        "JunokitUserContextTableArn",
        "JunokitUserContextTableIndexArn",
    ]
    text = plan_review.summarize(
        [plan_review.StackPlan(stack="junokit-dev-api")],
        allow_destroy=False,
        unassumed={"junokit-dev-api": outcome.unassumed},
    )
    assert (
        "> **Planned against the applied state although a producer's plan changes what they read** (Terraform Cloud"
        in text
    )
    assert "> - junokit-dev-api: from junokit-dev-data's plan `JunokitUserContextTable` (changed)" in text
    assert "(speculative)" not in text
