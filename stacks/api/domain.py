"""The REST API's own domain (e.g. `api.junokit.com`): a regional custom domain name mapped to one stage.

API Gateway serves a regional custom domain with an ACM certificate in the API's own region (edge domains
would need us-east-1 and CloudFront). The stage is mapped under its own name as base path, so the URL
keeps the stage URL's shape (`https://api.junokit.com/v1/user/profile`) and a later `v2` stage can sit
beside it. With a Route 53 zone the alias record is created here; without one the operator points the
name at `regional_domain_name` (published by the stack).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.api_gateway_base_path_mapping import (
    ApiGatewayBasePathMapping,
)
from cdktf_cdktf_provider_aws.api_gateway_domain_name import (
    ApiGatewayDomainName,
    ApiGatewayDomainNameEndpointConfiguration,
)
from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordAlias
from constructs import Construct

from constructs_lib import validation


@dataclass(frozen=True, kw_only=True)
class ApiDomainProps:
    domain_name: str
    """The API's host name, e.g. `api.junokit.com`. Required."""
    certificate_arn: str
    """ACM certificate covering `domain_name`, in the API's region (regional endpoint). Required."""
    rest_api_id: str
    """The REST API to map. Required."""
    stage_name: str
    """The stage mapped; also the base path. Required."""
    hosted_zone_id: str = ""
    """Route 53 zone of the domain: creates the alias record. Default: empty (the operator adds the record)."""


class ApiDomain(Construct):
    """Custom domain, base path mapping of the stage, and (with a zone) the Route 53 alias."""

    def __init__(self, scope: Construct, id_: str, *, props: ApiDomainProps) -> None:
        super().__init__(scope, id_)
        _check(props)
        self.domain = ApiGatewayDomainName(
            self,
            "domain",
            domain_name=props.domain_name,
            regional_certificate_arn=props.certificate_arn,
            endpoint_configuration=ApiGatewayDomainNameEndpointConfiguration(types=["REGIONAL"]),
            security_policy="TLS_1_2",
        )
        self.mapping = ApiGatewayBasePathMapping(
            self,
            "mapping",
            api_id=props.rest_api_id,
            stage_name=props.stage_name,
            domain_name=self.domain.domain_name,
            base_path=props.stage_name,
        )
        self.regional_domain_name: str = self.domain.regional_domain_name
        if props.hosted_zone_id:
            Route53Record(
                self,
                "alias",
                zone_id=props.hosted_zone_id,
                name=props.domain_name,
                type="A",
                alias=Route53RecordAlias(
                    name=self.regional_domain_name,
                    zone_id=self.domain.regional_zone_id,
                    evaluate_target_health=False,
                ),
            )
        self.url: str = f"https://{props.domain_name}/{props.stage_name}"
        """The API's URL under its own domain, the stage's base path included."""


def _check(props: ApiDomainProps) -> None:
    validation.DOMAIN.check("domain_name", props.domain_name)
    validation.arn("certificate_arn", props.certificate_arn, "acm")
