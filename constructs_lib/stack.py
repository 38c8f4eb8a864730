"""The base every Junokit stack derives from: its own state, the AWS provider, tags and outputs."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags, AwsProviderEndpoints
from constructs import Construct

from constructs_lib.state import RemoteState, configure_backend
from junokit.config import EnvironmentConfig

# Services (as AwsProviderEndpoints keywords) whose endpoint moves when `aws_endpoint` points at an emulator.
EMULATED_SERVICES: tuple[str, ...] = (
    "apigateway",
    "cloudwatch",
    "cognitoidp",
    "dynamodb",
    "iam",
    "kms",  # the provider reads the AWS-managed key (alias/aws/dynamodb) while refreshing the table
    "lambda_",
    "logs",
    "route53",
    "s3",
    "secretsmanager",
    "ses",
    "sesv2",
    "sns",
    "sts",
    "wafv2",
)


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
    """A stack of one environment with its own state and a tagged AWS provider."""

    def __init__(self, scope: Construct, *, config: EnvironmentConfig, stack: str) -> None:
        self.config = config
        self.stack_name = stack
        self.stack_id = config.stack_id(stack)
        self.producers: list[str] = []
        """Stacks of the same environment whose outputs this stack reads; the app makes it depend on them."""
        super().__init__(scope, self.stack_id)
        configure_backend(self, config, self.stack_id)
        self.provider = aws_provider(self, "aws", config=config, stack=stack)

    def publish(self, name: str, value: object, *, description: str, sensitive: bool = False) -> TerraformOutput:
        """Publish an output under a contract name (see `junokit.contract`); its name never depends on paths."""
        return TerraformOutput(self, name, value=value, description=description, sensitive=sensitive, static_id=True)

    def read_outputs_of(self, stack: str) -> RemoteState:
        """The published outputs of another stack of the same environment, through its remote state."""
        self.producers.append(stack)
        return RemoteState(self, f"remote-{stack}", config=self.config, producer_stack_id=self.config.stack_id(stack))


def aws_provider(
    scope: Construct, id_: str, *, config: EnvironmentConfig, stack: str, region: str | None = None, alias: str | None = None
) -> AwsProvider:
    """The AWS provider of `config`'s environment (or `region`), tagged, and pointed at an emulator if configured."""
    emulator: dict[str, object] = {}
    if config.aws_endpoint:
        emulator = {
            "endpoints": [AwsProviderEndpoints(**{service: config.aws_endpoint for service in EMULATED_SERVICES})],
            "s3_use_path_style": True,
            "skip_credentials_validation": True,
            "skip_metadata_api_check": "true",
            "skip_region_validation": True,
            "insecure": True,  # the loopback emulator's certificate is self-signed
        }
    return AwsProvider(
        scope,
        id_,
        region=region or config.region,
        alias=alias,
        default_tags=[AwsProviderDefaultTags(tags=stack_tags(config, stack))],
        **emulator,  # type: ignore[arg-type]
    )
