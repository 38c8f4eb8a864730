"""Build every stack of the selected environments into one cdktf App, with their deploy order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cdktf import App
from constructs import Construct

from constructs_lib.config import EnvironmentConfig
from constructs_lib.contract import BOOTSTRAP_STACK, Contract, StackName, check_reads
from constructs_lib.policy import enforce
from constructs_lib.stack import JunokitStack
from stacks.api import contract as api_contract
from stacks.api.stack import ApiStack
from stacks.bootstrap import contract as bootstrap_contract
from stacks.data import contract as data_contract
from stacks.data.stack import DataStack
from stacks.identity import contract as identity_contract
from stacks.identity.stack import IdentityStack
from stacks.messaging import contract as messaging_contract
from stacks.messaging.stack import MessagingStack
from stacks.monitoring import contract as monitoring_contract
from stacks.monitoring.stack import MonitoringStack


# Stack classes of one environment, in deploy order.
class StackType(Protocol):
    """A component's stack class: built from the scope and the environment's config alone."""

    def __call__(self, scope: Construct, *, config: EnvironmentConfig) -> JunokitStack: ...


STACK_TYPES: dict[StackName, StackType] = {
    StackName.DATA: DataStack,
    StackName.MESSAGING: MessagingStack,
    StackName.IDENTITY: IdentityStack,
    StackName.API: ApiStack,
    StackName.MONITORING: MonitoringStack,
}


# Every component's contract, in deploy order (the README's contract table is generated from these).
CONTRACTS: tuple[Contract, ...] = (
    data_contract.CONTRACT,
    messaging_contract.CONTRACT,
    identity_contract.CONTRACT,
    api_contract.CONTRACT,
    monitoring_contract.CONTRACT,
    bootstrap_contract.CONTRACT,
)


def build_environment(app: Construct, config: EnvironmentConfig) -> dict[str, JunokitStack]:
    """The stacks of one environment, keyed by stack name.

    Each stack depends on exactly the stacks whose outputs it reads (recorded by `read_outputs_of`), so
    `cdktf deploy` orders them and no dependency is declared by hand; a read of an output its producer does not
    publish in this environment raises `ContractError` (one line) before anything is synthesized. Every stack
    gets the policy pack,
    so a stack that breaks a rule cannot be synthesized (see `constructs_lib/policy`).
    """
    stacks: dict[str, JunokitStack] = {}
    if config.backend.kind == "s3":
        # Imported here: its S3 bindings take ~50 ms to import, and only the s3 backend has this stack.
        from stacks.bootstrap.stack import BootstrapStack

        stacks[BOOTSTRAP_STACK] = BootstrapStack(app, config=config)
    for name, stack_type in STACK_TYPES.items():
        stacks[name] = stack_type(app, config=config)
    check_reads(
        (read for stack in stacks.values() for read in stack.reads),
        {name: stack.published for name, stack in stacks.items()},
    )
    for stack in stacks.values():
        for producer in stack.producers:
            stack.add_dependency(stacks[producer])
        enforce(stack, environment=config.name)
    return stacks


def build_app(app: App, configs: Sequence[EnvironmentConfig]) -> dict[str, dict[str, JunokitStack]]:
    """Populate `app` with the stacks of each environment; returns them by environment and stack name."""
    return {config.name: build_environment(app, config) for config in configs}
