"""One state per environment and stack, in every backend, and consumers reading it through RemoteState."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformStack, Testing

from constructs_lib.config import EMULATOR_ACCOUNT_ID
from constructs_lib.state import RemoteState
from stacks.data.contract import DataOutputs
from tests.support import build, config_for, document, synth

S3 = {"JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-tfstate-test"}
CLOUD = {"JUNOKIT_BACKEND": "cloud", "JUNOKIT_TFC_ORG": "junokit"}


def _backend(synthesized: str) -> dict:
    return document(synthesized)["terraform"]["backend"]


def _reader(environment: str, **environ: str) -> dict:
    """Synthesize a bare consumer stack that reads the data stack's table name."""
    config = config_for(environment, **environ)
    stack = TerraformStack(Testing.app(), "consumer")
    reader = RemoteState(stack, "data", config=config, producer_stack_id=config.stack_id("data"))
    from cdktf import TerraformOutput

    TerraformOutput(stack, "table", value=reader.get_string(DataOutputs.TABLE_NAME))
    return json.loads(Testing.synth(stack))


def test_local_backend_keeps_one_file_per_environment_and_stack() -> None:
    assert _backend(synth(build("dev")["data"])) == {
        "local": {"path": "../../../terraform-state/junokit-dev-data.tfstate"}
    }
    assert _backend(synth(build("prod")["data"])) == {
        "local": {"path": "../../../terraform-state/junokit-prod-data.tfstate"}
    }


def test_an_absolute_state_dir_is_used_as_it_is() -> None:
    stacks = build("dev", JUNOKIT_STATE_DIR="/var/lib/junokit/state")
    assert _backend(synth(stacks["data"])) == {"local": {"path": "/var/lib/junokit/state/junokit-dev-data.tfstate"}}
    (state,) = document(synth(stacks["identity"]))["data"]["terraform_remote_state"].values()
    assert state["config"] == {"path": "/var/lib/junokit/state/junokit-dev-messaging.tfstate"}


def test_s3_backend_has_a_key_per_stack_encryption_and_native_locking() -> None:
    assert _backend(synth(build("staging", **S3)["data"])) == {
        "s3": {
            "bucket": "junokit-tfstate-test",
            "key": "staging/junokit-staging-data/terraform.tfstate",
            "region": "eu-north-1",
            "encrypt": True,
            "use_lockfile": True,
        }
    }


def test_s3_backend_follows_the_environment_region() -> None:
    backend = _backend(synth(build("dev", JUNOKIT_REGION="eu-west-1", **S3)["data"]))
    assert backend["s3"]["region"] == "eu-west-1"


def test_cloud_backend_has_a_workspace_per_environment_and_stack() -> None:
    assert document(synth(build("prod", **CLOUD)["data"]))["terraform"]["cloud"] == {
        "organization": "junokit",
        "hostname": "app.terraform.io",
        "workspaces": {"name": "junokit-prod-data", "project": "junokit-prod"},
    }


def test_local_reader_points_at_the_producer_state_file() -> None:
    data = _reader("dev")["data"]["terraform_remote_state"]
    (state,) = data.values()
    assert state == {"backend": "local", "config": {"path": "../../../terraform-state/junokit-dev-data.tfstate"}}


def test_s3_reader_matches_the_producer_backend() -> None:
    (state,) = _reader("prod", **S3)["data"]["terraform_remote_state"].values()
    assert state["backend"] == "s3"
    assert state["config"] == {
        "bucket": "junokit-tfstate-test",
        "key": "prod/junokit-prod-data/terraform.tfstate",
        "region": "eu-north-1",
        "encrypt": True,
    }


def test_cloud_reader_matches_the_producer_workspace() -> None:
    (state,) = _reader("staging", **CLOUD)["data"]["terraform_remote_state"].values()
    assert state == {
        "backend": "remote",
        "config": {
            "organization": "junokit",
            "hostname": "app.terraform.io",
            "workspaces": {"name": "junokit-staging-data"},
        },
    }


def test_reader_output_is_read_by_contract_name() -> None:
    consumer = _reader("dev")
    (state_id,) = consumer["data"]["terraform_remote_state"]
    assert consumer["output"]["table"]["value"] == (
        f"${{data.terraform_remote_state.{state_id}.outputs.JunokitUserContextTable}}"
    )


@pytest.mark.parametrize("environ", [{}, S3, CLOUD], ids=["local", "s3", "cloud"])
def test_stacks_declare_dependencies_on_what_they_read(environ: dict[str, str]) -> None:
    stacks = build("dev", **environ)
    for stack in stacks.values():
        produced = {dependency.node.id for dependency in stack.dependencies}
        built = {stacks[producer].node.id for producer in stack.producers if producer in stacks}
        readers = document(synth(stack)).get("data", {}).get("terraform_remote_state", {})
        assert len(readers) == len(stack.producers), (
            f"{stack.stack_id} reads {len(readers)} stacks, records {stack.producers}"
        )
        assert produced == built, f"{stack.stack_id} depends on {produced}, reads {built} of the stacks built here"


def test_emulator_endpoint_reaches_the_backend_and_fits_the_provider_for_it() -> None:
    stack = build("dev", JUNOKIT_AWS_ENDPOINT="http://127.0.0.1:4566", **S3)["data"]
    synthesized = synth(stack)
    backend = _backend(synthesized)["s3"]
    assert backend["endpoints"] == {"s3": "http://127.0.0.1:4566", "sts": "http://127.0.0.1:4566"}
    assert backend["use_path_style"] is True
    (provider,) = document(synthesized)["provider"]["aws"]
    # The provider's endpoint comes from AWS_ENDPOINT_URL (an `endpoints` block costs ~3.5 s of CPU per provider
    # start); without it the provider would meet an AWS account, which this refuses.
    assert "endpoints" not in provider
    assert provider["allowed_account_ids"] == [EMULATOR_ACCOUNT_ID]
    assert provider["s3_use_path_style"] is True
    # Certificate checks stay on: Terraform trusts the emulator through AWS_CA_BUNDLE, never by skipping them.
    assert "insecure" not in backend and "insecure" not in provider


def test_stacks_for_aws_accept_any_account() -> None:
    (provider,) = document(synth(build("dev", **S3)["data"]))["provider"]["aws"]
    assert "allowed_account_ids" not in provider and "endpoints" not in provider
