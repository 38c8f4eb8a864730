"""API stack: REST API `junokit-api` (stage v1) with Cognito auth, the profile function, and the API URL output.

Reads the table and secret from the data stack and the user pool from the identity stack, through their
remote state; publishes `JunokitApiUrl` for the frontend.
"""

from __future__ import annotations

from constructs import Construct

from constructs_lib.api_domain import ApiDomain, ApiDomainProps
from constructs_lib.api_gateway_account import ApiGatewayCloudWatchRole, ApiGatewayCloudWatchRoleProps
from constructs_lib.profile_function import ProfileFunction, ProfileFunctionProps
from constructs_lib.rest_api import LambdaProxy, MockResponse, RestApi, RestApiProps, Route
from constructs_lib.stack import JunokitStack
from junokit.config import EnvironmentConfig
from junokit.contract import ApiOutputs, DataOutputs, IdentityOutputs, StackName

STAGE_NAME = "v1"


class ApiStack(JunokitStack):
    def __init__(self, scope: Construct, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, config=config, stack=StackName.API)
        data = self.read_outputs_of(StackName.DATA)
        identity = self.read_outputs_of(StackName.IDENTITY)
        api = config.api

        self.profile = ProfileFunction(
            self,
            "profile",
            props=ProfileFunctionProps(
                function_name=config.resource_name("junokit-profile"),
                table_name=data.get_string(DataOutputs.TABLE_NAME),
                table_arn=data.get_string(DataOutputs.TABLE_ARN),
                table_index_arn=data.get_string(DataOutputs.TABLE_INDEX_ARN),
                secret_arn=data.get_string(DataOutputs.SECRETS_ARN),
                allowed_origins=api.cors_allow_origins,
                reserved_concurrency=api.lambda_reserved_concurrency,
                log_retention_days=config.log_retention_days,
            ),
        )
        stage_depends_on = ()
        if api.manage_account_logging_role:
            self.account_logging = ApiGatewayCloudWatchRole(
                self,
                "account-logging",
                props=ApiGatewayCloudWatchRoleProps(role_name=config.resource_name("junokit-apigateway-cloudwatch")),
            )
            stage_depends_on = (self.account_logging.account,)

        profile = LambdaProxy(
            function_name=self.profile.name,
            function_arn=self.profile.function_arn,
            invoke_arn=self.profile.invoke_arn,
        )
        self.api = RestApi(
            self,
            "rest-api",
            props=RestApiProps(
                api_name=config.resource_name("junokit-api"),
                stage_name=STAGE_NAME,
                routes=(
                    Route(method="GET", path="/health", target=MockResponse(), authorized=False),
                    Route(method="GET", path="/user/profile", target=profile),
                    Route(method="PUT", path="/user/profile", target=profile),
                ),
                user_pool_arn=identity.get_string(IdentityOutputs.USER_POOL_ARN),
                cors_allow_origins=api.cors_allow_origins,
                throttle_rate_limit=api.throttle_rate_limit,
                throttle_burst_limit=api.throttle_burst_limit,
                data_trace=api.data_trace,
                log_retention_days=config.log_retention_days,
                stage_depends_on=stage_depends_on,
            ),
        )
        api_url = self.api.invoke_url
        if api.custom_domain:
            self.domain = ApiDomain(
                self,
                "api-domain",
                props=ApiDomainProps(
                    domain_name=api.custom_domain,
                    certificate_arn=api.custom_domain_certificate_arn,
                    rest_api_id=self.api.rest_api_id,
                    stage_name=self.api.stage_name,
                    hosted_zone_id=config.messaging.hosted_zone_id,
                ),
            )
            self.domain.mapping.node.add_dependency(self.api.stage)
            api_url = self.domain.url
        self.publish(ApiOutputs.API_URL, api_url, description="Base URL of the REST API stage (v1)")
