"""SES sending for one domain: a verified identity with Easy DKIM, a configuration set, and bounce and
complaint notifications to an SNS topic.

SES sends nothing until the domain's verification and DKIM records exist. With a Route 53 zone they are
created here and apply waits for verification; without one they are returned as zone-file lines
(`dns_records`) for an operator to paste at the domain's DNS host.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.route53_record import Route53Record
from cdktf_cdktf_provider_aws.ses_configuration_set import SesConfigurationSet, SesConfigurationSetDeliveryOptions
from cdktf_cdktf_provider_aws.ses_domain_dkim import SesDomainDkim
from cdktf_cdktf_provider_aws.ses_domain_identity import SesDomainIdentity
from cdktf_cdktf_provider_aws.ses_domain_identity_verification import (
    SesDomainIdentityVerification,
)
from cdktf_cdktf_provider_aws.ses_event_destination import (
    SesEventDestination,
    SesEventDestinationSnsDestination,
)
from cdktf_cdktf_provider_aws.ses_identity_notification_topic import (
    SesIdentityNotificationTopic,
)
from cdktf_cdktf_provider_aws.sesv2_email_identity_feedback_attributes import (
    Sesv2EmailIdentityFeedbackAttributes,
)
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from constructs import Construct

from constructs_lib import validation
from constructs_lib.encrypted_topic import EncryptedTopic, EncryptedTopicProps, TopicPublisher
from constructs_lib.moved import move_from

DNS_TTL = 600
"""Seconds; short, so a mistyped record is corrected quickly."""
DKIM_TOKEN_COUNT = 3
"""Easy DKIM always issues three tokens, one CNAME each."""
FEEDBACK_EVENTS: tuple[str, ...] = ("bounce", "complaint")
"""Configuration-set events sent to the feedback topic."""
NOTIFICATION_TYPES: tuple[str, ...] = ("Bounce", "Complaint")
"""Identity notifications sent to the feedback topic."""


@dataclass(frozen=True, kw_only=True)
class EmailDomainProps:
    domain: str
    """Domain mail is sent from (`junokit.com`)."""
    configuration_set_name: str
    """SES configuration set for mail that should report bounces and complaints."""
    feedback_topic_name: str
    """SNS topic receiving bounce and complaint notifications."""
    sender_local_part: str = "no-reply"
    """Local part of the sender address. Default: no-reply."""
    hosted_zone_id: str = ""
    """Route 53 zone of `domain`. Default: none, so the records are returned in `dns_records` instead."""
    manage_identity_feedback: bool = True
    """Set the identity's own feedback settings: forwarding (bounce and complaint mails to the sender) pinned on
    through the SES v2 API, and bounce and complaint notifications to the topic. Default: on. Off leaves SES's
    defaults (forwarding on, no identity topics); the configuration set still reports to the topic."""
    feedback_key_deletion_window_days: int = 30
    """Recovery window of the feedback topic's KMS key once deleted (7-30 days). Default: 30."""


class EmailDomain(Construct):
    """A domain identity SES can send from, with DKIM signing, feedback forwarding and a feedback topic."""

    def __init__(self, scope: Construct, id_: str, *, props: EmailDomainProps) -> None:
        super().__init__(scope, id_)
        validation.DOMAIN.check("EmailDomain domain", props.domain)
        validation.SENDER_LOCAL_PART.check("EmailDomain sender_local_part", props.sender_local_part)
        if props.hosted_zone_id:
            validation.ZONE_ID.check("EmailDomain hosted_zone_id", props.hosted_zone_id)

        self.identity = SesDomainIdentity(self, "identity", domain=props.domain)
        # References used several times, read once (each read is a call into the jsii kernel).
        self._identity_domain: str = self.identity.domain
        self._identity_arn: str = self.identity.arn
        # Easy DKIM: SES signs every message once the three CNAMEs resolve.
        self.dkim = SesDomainDkim(self, "dkim", domain=self._identity_domain)
        self.configuration_set = SesConfigurationSet(
            self,
            "configuration-set",
            name=props.configuration_set_name,
            reputation_metrics_enabled=True,
            sending_enabled=True,
            # Invitation mails carry temporary passwords: never hand them to a mail server over plain SMTP.
            delivery_options=SesConfigurationSetDeliveryOptions(tls_policy="Require"),
        )
        self.configuration_set_name: str = self.configuration_set.name
        # Under its own key; SES publishes as a service principal, only for this identity and configuration set.
        self.feedback = EncryptedTopic(
            self,
            "feedback",
            props=EncryptedTopicProps(
                topic_name=props.feedback_topic_name,
                description="SES bounce and complaint notifications",
                publishers=(
                    TopicPublisher(
                        service="ses.amazonaws.com", source_arns=(self._identity_arn, self.configuration_set.arn)
                    ),
                ),
                key_deletion_window_days=props.feedback_key_deletion_window_days,
            ),
        )
        self.feedback_topic = self.feedback.topic
        # The topic and its policy were plain resources of this construct (as `email` in the messaging stack)
        # before they moved into the encrypted topic: `moved` blocks from their former addresses keep the deployed
        # topic and its subscriptions instead of replacing them. Elsewhere the old address is unused: a no-op.
        move_from(self.feedback_topic, "aws_sns_topic.email_feedback-topic_7A4EF083")
        move_from(self.feedback.policy, "aws_sns_topic_policy.email_feedback-topic-policy_B9455B94")
        self.feedback_topic_arn: str = self.feedback.topic_arn
        topic_policy = self.feedback.policy
        SesEventDestination(
            self,
            "feedback-events",
            name="bounces-and-complaints",
            configuration_set_name=self.configuration_set_name,
            enabled=True,
            matching_types=list(FEEDBACK_EVENTS),
            sns_destination=SesEventDestinationSnsDestination(topic_arn=self.feedback_topic_arn),
            depends_on=[topic_policy],
        )
        # Identity-level feedback also covers mail sent without the configuration set.
        if props.manage_identity_feedback:
            self._identity_feedback(topic_policy)

        self.sender_address: str = f"{props.sender_local_part}@{props.domain}"
        self.dns_records: str | None = None
        """Zone-file lines to add at the DNS host; None when the records are created in Route 53."""
        if props.hosted_zone_id:
            self.identity_arn: str = self._route53_records(props).arn
        else:
            self.identity_arn = self._identity_arn
            self.dns_records = self._zone_file_lines(props.domain)

    def _identity_feedback(self, topic_policy: SnsTopicPolicy) -> None:
        """Feedback forwarding pinned on (SES v2 API) and the identity's bounce and complaint topics."""
        Sesv2EmailIdentityFeedbackAttributes(
            self, "feedback-forwarding", email_identity=self._identity_domain, email_forwarding_enabled=True
        )
        for notification_type in NOTIFICATION_TYPES:
            SesIdentityNotificationTopic(
                self,
                f"{notification_type.lower()}-notifications",
                identity=self._identity_domain,
                notification_type=notification_type,
                topic_arn=self.feedback_topic_arn,
                # Original headers carry recipients' addresses; the notification already names the bounced one.
                include_original_headers=False,
                depends_on=[topic_policy],
            )

    def _route53_records(self, props: EmailDomainProps) -> SesDomainIdentityVerification:
        """Verification and DKIM records in the zone; the returned verification completes once SES sees them."""
        verification_record = Route53Record(
            self,
            "verification-record",
            zone_id=props.hosted_zone_id,
            name=f"_amazonses.{props.domain}",
            type="TXT",
            ttl=DNS_TTL,
            records=[self.identity.verification_token],
        )
        for index in range(DKIM_TOKEN_COUNT):
            token = Token.as_string(Fn.element(self.dkim.dkim_tokens, index))
            Route53Record(
                self,
                f"dkim-record-{index}",
                zone_id=props.hosted_zone_id,
                name=f"{token}._domainkey.{props.domain}",
                type="CNAME",
                ttl=DNS_TTL,
                records=[f"{token}.dkim.amazonses.com"],
            )
        return SesDomainIdentityVerification(
            self, "verification", domain=self._identity_domain, depends_on=[verification_record]
        )

    def _zone_file_lines(self, domain: str) -> str:
        """One TXT and three CNAME lines in zone-file syntax, newline-separated, for one copy-paste."""
        # %q quotes the token as TXT data needs, without literal quotes inside the Terraform expression.
        verification = Fn.format(f"_amazonses.{domain}. {DNS_TTL} IN TXT %q", [self.identity.verification_token])
        tokens = self.dkim.dkim_tokens
        dkim = Fn.formatlist(f"%s._domainkey.{domain}. {DNS_TTL} IN CNAME %s.dkim.amazonses.com.", [tokens, tokens])
        return Fn.join("\n", Token.as_list(Fn.concat([[verification], dkim])))
