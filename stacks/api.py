"""API stack: REST API `junokit-api` (stage v1) with Cognito auth, the profile function, and the API URL output.

Reads the table and secret from the data stack and the user pool from the identity stack, through their
remote state; publishes `JunokitApiUrl` for the frontend.
"""

from __future__ import annotations

from constructs import Construct

from constructs_lib.api_gateway_account import ApiGatewayCloudWatchRole, ApiGatewayCloudWatchRoleProps
from constructs_lib.api_waf import ApiWebAcl, ApiWebAclProps
from constructs_lib.profile_function import ProfileFunction, ProfileFunctionProps
from constructs_lib.profile_function.request_schema import MODEL_NAME, profile_update_schema
from constructs_lib.rest_api import BodyModel, LambdaProxy, MockResponse, RestApi, RestApiProps, Route
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
                    Route(
                        method="PUT",
                        path="/user/profile",
                        target=profile,
                        body_model=BodyModel(name=MODEL_NAME, schema=profile_update_schema()),
                    ),
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
        self.waf: ApiWebAcl | None = None
        if api.waf_enabled:
            self.waf = ApiWebAcl(
                self,
                "waf",
                props=ApiWebAclProps(
                    name=config.resource_name("junokit-api"),
                    stage_arn=self.api.stage.arn,
                    rate_limit=api.waf_rate_limit,
                    log_retention_days=config.log_retention_days,
                ),
            )
        self.publish(ApiOutputs.API_URL, self.api.invoke_url, description="Base URL of the REST API stage (v1)")
