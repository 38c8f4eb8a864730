"""Build every stack of the selected environments into one cdktf App, with their deploy order."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import App
from constructs import Construct

from constructs_lib.policy import enforce
from constructs_lib.stack import JunokitStack
from junokit.config import EnvironmentConfig
from junokit.contract import BOOTSTRAP_STACK, StackName
from stacks.api import ApiStack
from stacks.bootstrap import BootstrapStack
from stacks.data import DataStack
from stacks.identity import IdentityStack
from stacks.messaging import MessagingStack
from stacks.monitoring import MonitoringStack

# Stack classes of one environment, in deploy order.
STACK_TYPES: dict[StackName, type[JunokitStack]] = {
    StackName.DATA: DataStack,
    StackName.MESSAGING: MessagingStack,
    StackName.IDENTITY: IdentityStack,
    StackName.API: ApiStack,
    StackName.MONITORING: MonitoringStack,
}


def build_environment(app: Construct, config: EnvironmentConfig) -> dict[str, JunokitStack]:
    """The stacks of one environment, keyed by stack name.

    Each stack depends on exactly the stacks whose outputs it reads (recorded by `read_outputs_of`), so
    `cdktf deploy` orders them and no dependency is declared by hand. Every stack gets the policy pack,
    so a stack that breaks a rule cannot be synthesized (see `constructs_lib/policy`).
    """
    stacks: dict[str, JunokitStack] = {}
    if config.backend.kind == "s3":
        stacks[BOOTSTRAP_STACK] = BootstrapStack(app, config=config)
    for name, stack_type in STACK_TYPES.items():
        stacks[name] = stack_type(app, config=config)  # type: ignore[call-arg]
    for stack in stacks.values():
        for producer in stack.producers:
            stack.add_dependency(stacks[producer])
        enforce(stack, environment=config.name)
    return stacks


def build_app(app: App, configs: Sequence[EnvironmentConfig]) -> dict[str, dict[str, JunokitStack]]:
    """Populate `app` with the stacks of each environment; returns them by environment and stack name."""
    return {config.name: build_environment(app, config) for config in configs}
