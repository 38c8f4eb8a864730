"""Messaging stack: SES sending for the configured domain. Reads nothing; the identity stack reads it."""

from __future__ import annotations

from constructs import Construct

from constructs_lib.config import EnvironmentConfig
from constructs_lib.encrypted_topic import key_deletion_window_days
from constructs_lib.stack import JunokitStack
from stacks.messaging.contract import CONTRACT, MessagingOutputs
from stacks.messaging.email_domain import EmailDomain, EmailDomainProps


class MessagingStack(JunokitStack):
    def __init__(self, scope: Construct, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, config=config, contract=CONTRACT)
        self.email = EmailDomain(
            self,
            "email",
            props=EmailDomainProps(
                domain=config.domain,
                sender_local_part=config.messaging.sender_local_part,
                configuration_set_name=config.resource_name("junokit-email"),
                feedback_topic_name=config.resource_name("junokit-email-feedback"),
                hosted_zone_id=config.messaging.hosted_zone_id,
                manage_identity_feedback=config.messaging.manage_identity_feedback,
                feedback_key_deletion_window_days=key_deletion_window_days(protected=config.protect_stateful),
            ),
        )
        self.publish(MessagingOutputs.IDENTITY_ARN, self.email.identity_arn, description="SES domain identity ARN")
        self.publish(
            MessagingOutputs.SENDER_ADDRESS, self.email.sender_address, description="Sender address for system mail"
        )
        self.publish(
            MessagingOutputs.CONFIGURATION_SET,
            self.email.configuration_set_name,
            description="SES configuration set reporting bounces and complaints",
        )
        self.publish(
            MessagingOutputs.FEEDBACK_TOPIC_ARN,
            self.email.feedback_topic_arn,
            description="SNS topic receiving bounce and complaint notifications",
        )
        if self.email.dns_records is not None:
            self.publish(
                MessagingOutputs.DNS_RECORDS,
                self.email.dns_records,
                description=f"Records to add at the DNS host (zone-file lines): terraform output -raw {MessagingOutputs.DNS_RECORDS}",
            )
