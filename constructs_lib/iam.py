"""Small IAM helpers shared by constructs: trust policies and AWS-managed policy ARNs without literal partitions."""

from __future__ import annotations

import json

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from constructs import Construct

_PARTITION_ID = "aws-partition"
_CALLER_ID = "aws-caller"


def assume_role_policy(service: str) -> str:
    """Trust policy letting one AWS service (e.g. `lambda.amazonaws.com`) assume a role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def aws_managed_policy_arn(scope: Construct, name: str) -> str:
    """ARN of an AWS-managed policy (`service-role/...` or a plain name) in the stack's partition.

    One `aws_partition` data source per stack is shared by every caller.
    """
    return f"arn:{partition(scope)}:iam::aws:policy/{name}"


def partition(scope: Construct) -> str:
    """The stack's partition (`aws`), from one `aws_partition` data source per stack."""
    stack = TerraformStack.of(scope)
    found = stack.node.try_find_child(_PARTITION_ID)
    if found is None:
        found = DataAwsPartition(stack, _PARTITION_ID)
    assert isinstance(found, DataAwsPartition)
    return str(found.partition)


def account_id(scope: Construct) -> str:
    """The account the stack deploys to, from one `aws_caller_identity` data source per stack."""
    stack = TerraformStack.of(scope)
    found = stack.node.try_find_child(_CALLER_ID)
    if found is None:
        found = DataAwsCallerIdentity(stack, _CALLER_ID)
    assert isinstance(found, DataAwsCallerIdentity)
    return str(found.account_id)
