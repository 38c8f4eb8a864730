"""The cross-stack contract: held at synth, true to what the stacks do, and shown in the README."""

from __future__ import annotations

import re
from typing import cast

import pytest
from cdktf import App, Testing

import main
from constructs_lib.config import ENVIRONMENTS, PROJECT_ROOT, EnvironmentConfig
from constructs_lib.contract import Contract, ContractError, Read, StackName, check_reads, contract_table
from constructs_lib.stack import JunokitStack
from stacks.app import CONTRACTS, STACK_TYPES, build_environment
from stacks.data.contract import DataOutputs
from stacks.messaging.contract import MessagingOutputs
from tests.support import build, config_for


def test_the_readme_shows_the_contract_as_the_code_declares_it() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    found = re.search(r"<!-- contract-table -->\n(.*?)<!-- /contract-table -->", readme, re.S)
    assert found, "README.md has no <!-- contract-table --> section"
    assert found.group(1) == contract_table(CONTRACTS)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_stack_reads_and_publishes_what_its_contract_says(environment: str) -> None:
    for name, stack in build(environment).items():
        contract = stack.contract
        read = {(r.producer, r.output) for r in stack.reads}
        assert read == {(p, o) for p, outputs in contract.reads.items() for o in outputs}, name
        always = set(contract.publishes) - set(contract.conditional)
        assert always <= set(stack.published) <= set(contract.publishes), name


def test_conditional_outputs_follow_their_setting(tmp_path) -> None:
    shipped = (PROJECT_ROOT / "environments.toml").read_text()
    assert 'hosted_zone_id = ""' in shipped
    zoned = tmp_path / "environments.toml"
    zoned.write_text(shipped.replace('hosted_zone_id = ""', 'hosted_zone_id = "Z0123456789ABC"'))
    assert MessagingOutputs.DNS_RECORDS in build("dev")[StackName.MESSAGING].published
    with_zone = build("dev", JUNOKIT_CONFIG=str(zoned))[StackName.MESSAGING]
    assert MessagingOutputs.DNS_RECORDS not in with_zone.published


class _Reader(JunokitStack):
    """A stack that reads the data stack's table and an output the data stack does not publish; its own contract
    allows both, so only the app's check of what producers publish can refuse it."""

    OUTPUTS = (DataOutputs.TABLE_NAME, "JunokitNoSuchOutput")

    def __init__(self, scope: App, *, config: EnvironmentConfig) -> None:
        contract = Contract(stack="reader", publishes=(), reads={StackName.DATA: self.OUTPUTS})
        super().__init__(scope, config=config, contract=contract)
        data = self.read_outputs_of(StackName.DATA)
        for output in self.OUTPUTS:
            data.get_string(output)


def test_reading_an_output_the_producer_does_not_publish_fails_the_synth_in_one_line(
    tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(cast(dict[str, object], STACK_TYPES), "reader", _Reader)  # a test-only stack name
    code = main.main({"JUNOKIT_ENV": "dev", "JUNOKIT_OUTDIR": str(tmp_path / "out")})
    assert code == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "junokit: error: stack reader reads output 'JunokitNoSuchOutput' of stack data, which data does not publish "
        f"in this environment (published: {', '.join(DataOutputs)})"
    ]
    assert not (tmp_path / "out").exists()


def test_a_read_outside_the_readers_contract_is_refused_where_it_happens() -> None:
    config = config_for("dev")
    app = Testing.app()
    stacks = build_environment(app, config)
    with pytest.raises(
        ContractError,
        match=r"^stack api reads output 'JunokitEmailIdentityArn' of stack messaging, which its contract does not list \(allowed: none\)$",
    ):
        stacks[StackName.API].read_outputs_of(StackName.MESSAGING).get_string(MessagingOutputs.IDENTITY_ARN)


def test_publishing_a_name_outside_the_contract_is_refused() -> None:
    stacks = build_environment(Testing.app(), config_for("dev"))
    with pytest.raises(
        ContractError, match=r"^stack data publishes output 'JunokitExtra', which its contract does not list"
    ):
        stacks[StackName.DATA].publish("JunokitExtra", "x", description="not in the contract")


def test_a_conditional_output_read_when_it_is_not_published_is_refused() -> None:
    reads = [Read(reader="identity", producer="messaging", output=MessagingOutputs.DNS_RECORDS)]
    published = {"messaging": [MessagingOutputs.IDENTITY_ARN]}
    with pytest.raises(ContractError, match="which messaging does not publish in this environment"):
        check_reads(reads, published)
    check_reads(reads, {"messaging": [MessagingOutputs.DNS_RECORDS]})  # published: fine


def test_every_stack_type_has_its_contract_listed() -> None:
    assert [c.stack for c in CONTRACTS if c.stack in STACK_TYPES] == list(STACK_TYPES)


def test_output_names_are_the_published_ones() -> None:
    """Written out, not derived from the constants: the frontend, operators and Terraform Cloud read these names,
    so renaming a constant's value must fail here."""
    assert {c.stack: list(c.publishes) for c in CONTRACTS} == {
        "data": [
            "JunokitUserContextTable",
            "JunokitUserContextTableArn",
            "JunokitUserContextTableIndexArn",
            "JunokitApiSecretsArn",
        ],
        "messaging": [
            "JunokitEmailIdentityArn",
            "JunokitSenderAddress",
            "JunokitEmailConfigurationSet",
            "JunokitEmailDnsRecords",
            "JunokitEmailFeedbackTopicArn",
        ],
        "identity": [
            "JunokitUserPoolId",
            "JunokitUserPoolClientId",
            "JunokitUserPoolArn",
            "JunokitUserPoolDomain",
            "JunokitUserPoolDomainAliasTarget",
        ],
        "api": [
            "JunokitApiUrl",
            "JunokitRestApiName",
            "JunokitApiStageName",
            "JunokitProfileFunctionName",
            "JunokitProfileFunctionTimeoutSeconds",
        ],
        "monitoring": ["JunokitAlertTopicArn", "JunokitDashboardUrl"],
        "bootstrap": ["JunokitStateBucket"],
    }
