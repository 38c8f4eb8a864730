"""API stack: REST API `junokit-api` (stage v1) with Cognito auth, the profile function, and the API URL output.

Reads the table and secret from the data stack and the user pool from the identity stack, through their
remote state; publishes `JunokitApiUrl` for the frontend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import ITerraformDependable
from constructs import Construct

from constructs_lib.config import PROJECT_ROOT, EnvironmentConfig
from constructs_lib.contract import StackName
from constructs_lib.stack import JunokitStack
from stacks.api.account_logging import ApiGatewayCloudWatchRole, ApiGatewayCloudWatchRoleProps
from stacks.api.contract import CONTRACT, ApiOutputs
from stacks.api.domain import ApiDomain, ApiDomainProps
from stacks.api.profile_function import ProfileFunction, ProfileFunctionProps
from stacks.api.profile_function.request_schema import MODEL_NAME, profile_update_schema
from stacks.api.rest_api import BodyModel, LambdaProxy, MockResponse, RestApi, RestApiProps, Route
from stacks.data.contract import DataOutputs
from stacks.identity.contract import IdentityOutputs

if TYPE_CHECKING:
    from stacks.api.waf import ApiWebAcl

STAGE_NAME = "v1"


class ApiStack(JunokitStack):
    def __init__(self, scope: Construct, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, config=config, contract=CONTRACT)
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
                staging_dir=PROJECT_ROOT / "build" / "lambda",
            ),
        )
        stage_depends_on: tuple[ITerraformDependable, ...] = ()
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
            # Imported here: the WAFv2 bindings take ~45 ms to import, and the WAF is off by default.
            from stacks.api.waf import ApiWebAcl, ApiWebAclProps

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
        # What the monitoring stack's alarms and dashboard select metrics by.
        self.publish(
            ApiOutputs.REST_API_NAME, self.api.api.name, description="REST API name (the ApiName metric dimension)"
        )
        self.publish(
            ApiOutputs.STAGE_NAME, self.api.stage.stage_name, description="Stage name (the Stage metric dimension)"
        )
        function = self.profile.function
        self.publish(ApiOutputs.FUNCTION_NAME, function.function_name, description="Profile function name")
        self.publish(ApiOutputs.FUNCTION_TIMEOUT, function.timeout, description="Profile function timeout in seconds")
