"""The account-wide CloudWatch role API Gateway needs before any stage can write execution logs.

There is one such setting per account and region, so exactly one environment should own it
(`api.manage_account_logging_role` in environments.toml); the others rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.api_gateway_account import ApiGatewayAccount
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from constructs_lib import validation
from constructs_lib.iam import assume_role_policy, aws_managed_policy_arn

PUSH_TO_CLOUDWATCH_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


@dataclass(frozen=True, kw_only=True)
class ApiGatewayCloudWatchRoleProps:
    role_name: str
    """IAM role name. Required."""


class ApiGatewayCloudWatchRole(Construct):
    """IAM role with the AWS-managed push-to-CloudWatch policy, registered as the API Gateway account's role."""

    def __init__(self, scope: Construct, id_: str, *, props: ApiGatewayCloudWatchRoleProps) -> None:
        super().__init__(scope, id_)
        validation.matches("role_name", props.role_name, r"[A-Za-z0-9+=,.@_-]{1,64}", "1-64 IAM role name characters")
        self.role = IamRole(
            self,
            "role",
            name=props.role_name,
            description="Lets API Gateway write execution and access logs to CloudWatch Logs (account-wide)",
            assume_role_policy=assume_role_policy("apigateway.amazonaws.com"),
        )
        attachment = IamRolePolicyAttachment(
            self,
            "push-to-cloudwatch",
            role=self.role.name,
            policy_arn=aws_managed_policy_arn(self, PUSH_TO_CLOUDWATCH_POLICY),
        )
        self.account = ApiGatewayAccount(
            self,
            "account",
            cloudwatch_role_arn=self.role.arn,
            depends_on=[attachment],
        )
        self.role_arn: str = self.role.arn
