"""The messaging stack's contract: the SES identity, sender, configuration set and feedback topic; reads nothing."""

from __future__ import annotations

from enum import StrEnum

from constructs_lib.contract import Contract, StackName


class MessagingOutputs(StrEnum):
    """Published by the messaging stack."""

    IDENTITY_ARN = "JunokitEmailIdentityArn"
    SENDER_ADDRESS = "JunokitSenderAddress"
    CONFIGURATION_SET = "JunokitEmailConfigurationSet"
    DNS_RECORDS = "JunokitEmailDnsRecords"
    FEEDBACK_TOPIC_ARN = "JunokitEmailFeedbackTopicArn"


CONTRACT = Contract(
    stack=StackName.MESSAGING,
    publishes=tuple(MessagingOutputs),
    conditional={MessagingOutputs.DNS_RECORDS: "only without `messaging.hosted_zone_id`"},
)
