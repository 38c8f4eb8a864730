"""The base every Junokit stack derives from: its own state, the AWS provider, tags and outputs."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from constructs_lib.config import EMULATOR_ACCOUNT_ID, EnvironmentConfig
from constructs_lib.contract import Contract, Read
from constructs_lib.state import RemoteState, configure_backend


def stack_tags(config: EnvironmentConfig, stack: str) -> dict[str, str]:
    """Cost-tracking tags every resource of a stack carries (through the provider's default_tags)."""
    return {
        "Project": config.project,
        "Environment": config.name,
        "Stack": stack,
        "CostCenter": config.cost_center,
        "ManagedBy": "cdktf",
    }


class JunokitStack(TerraformStack):
    """A stack of one environment with its own state and a tagged AWS provider, held to its contract."""

    def __init__(self, scope: Construct, *, config: EnvironmentConfig, contract: Contract) -> None:
        self.config = config
        self.contract = contract
        self.stack_name = contract.stack
        self.stack_id = config.stack_id(contract.stack)
        self.producers: list[str] = []
        """Stacks of the same environment whose outputs this stack reads; the app makes it depend on them."""
        self.published: list[str] = []
        """The outputs this stack published, in order."""
        self.reads: list[Read] = []
        """The outputs of other stacks this stack read; the app checks each against what its producer published."""
        super().__init__(scope, self.stack_id)
        configure_backend(self, config, self.stack_id)
        self.provider = aws_provider(self, "aws", config=config, stack=contract.stack)

    def publish(self, name: str, value: object, *, description: str, sensitive: bool = False) -> TerraformOutput:
        """Publish an output under a name of the stack's contract; its name never depends on construct paths."""
        self.contract.check_published(name)
        self.published.append(name)
        return TerraformOutput(self, name, value=value, description=description, sensitive=sensitive, static_id=True)

    def read_outputs_of(self, stack: str) -> RemoteState:
        """The published outputs of another stack of the same environment, through its remote state."""
        self.producers.append(stack)
        return RemoteState(
            self,
            f"remote-{stack}",
            config=self.config,
            producer_stack_id=self.config.stack_id(stack),
            on_read=lambda output: self._record_read(stack, output),
        )

    def _record_read(self, producer: str, output: str) -> None:
        self.contract.check_read(producer, output)
        self.reads.append(Read(reader=self.stack_name, producer=producer, output=output))


def aws_provider(
    scope: Construct,
    id_: str,
    *,
    config: EnvironmentConfig,
    stack: str,
    region: str | None = None,
    alias: str | None = None,
) -> AwsProvider:
    """The AWS provider of `config`'s environment (or `region`), tagged, and fit for an emulator if configured.

    For an emulator the provider takes its endpoint from `AWS_ENDPOINT_URL` (set by `emulator.server.Emulator.env`
    and printed by `make sandbox`), not from an `endpoints` block: with that block, validating the provider
    configuration costs about 3.5 s of CPU at every provider start (plugin framework), twice per plan and three
    times per apply. Without the variable it would reach AWS, where `allowed_account_ids` stops it before any change.
    """
    emulator: dict[str, object] = {}
    if config.aws_endpoint:
        emulator = {
            "allowed_account_ids": [EMULATOR_ACCOUNT_ID],
            "s3_use_path_style": True,
            "skip_credentials_validation": True,
            "skip_metadata_api_check": "true",
            "skip_region_validation": True,
            # No `insecure`: the provider verifies the emulator's certificate against AWS_CA_BUNDLE.
        }
    return AwsProvider(
        scope,
        id_,
        region=region or config.region,
        alias=alias,
        default_tags=[AwsProviderDefaultTags(tags=stack_tags(config, stack))],
        **emulator,
    )
