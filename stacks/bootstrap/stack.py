"""Bootstrap stack: the S3 state bucket the other stacks' s3 backend needs. Always on local state."""

from __future__ import annotations

from dataclasses import replace

from constructs import Construct

from constructs_lib.config import EnvironmentConfig, state_region
from constructs_lib.stack import JunokitStack
from stacks.bootstrap.contract import CONTRACT, BootstrapOutputs
from stacks.bootstrap.state_bucket import StateBucket, StateBucketProps


class BootstrapStack(JunokitStack):
    def __init__(self, scope: Construct, *, config: EnvironmentConfig) -> None:
        # The bucket cannot keep its own state: this stack's state stays local (commit it nowhere; back it up).
        local = replace(config, backend=replace(config.backend, kind="local"), region=state_region(config))
        super().__init__(scope, config=local, contract=CONTRACT)
        self.bucket = StateBucket(
            self,
            "state",
            props=StateBucketProps(bucket_name=config.backend.state_bucket, protect=config.protect_stateful),
        )
        self.publish(BootstrapOutputs.STATE_BUCKET, self.bucket.bucket_name, description="Terraform state bucket")
