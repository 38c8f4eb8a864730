"""An SNS topic encrypted under its own customer-managed KMS key, which only named AWS services may publish to.

AWS services cannot publish to a topic under the AWS-managed key `aws/sns` (its policy cannot be changed to
let them use it), so a topic that CloudWatch alarms, AWS Budgets or SES publish to needs a key of its own.
Each topic gets its own key, owned by the same stack: no stack depends on another stack's key, and deleting a
stack takes its key with it (after the deletion window).

Two policies say who may do what, and both name exactly the given publishers:
- the key policy lets the account administer the key (through IAM policies; no one may use it to encrypt or
  decrypt by that statement) and lets each publisher service `kms:GenerateDataKey` and `kms:Decrypt`, the two
  calls SNS makes on a publisher's behalf;
- the topic policy lets each publisher `sns:Publish`, and denies every request not made over TLS.
Both restrict each service to this account (`aws:SourceAccount`) and to the publisher's own resources
(`aws:SourceArn`), so another account's alarm or budget cannot use the topic (the confused-deputy problem).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from constructs import Construct

from constructs_lib import validation
from constructs_lib.iam import account_id, partition

KEY_USE_ACTIONS: tuple[str, ...] = ("kms:GenerateDataKey", "kms:Decrypt")
"""What a publisher may do with the key: SNS generates a data key to encrypt each message and decrypts it to
deliver. Named exactly (policy rule JK-004 refuses `kms:GenerateDataKey*`)."""
KEY_ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:UpdateKeyDescription",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:ListGrants",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
)
"""What the account (its IAM principals, as their IAM policies allow) may do with the key: manage it, not use it."""
TOPIC_ACTIONS: tuple[str, ...] = (
    "SNS:GetTopicAttributes",
    "SNS:SetTopicAttributes",
    "SNS:AddPermission",
    "SNS:RemovePermission",
    "SNS:DeleteTopic",
    "SNS:Subscribe",
    "SNS:ListSubscriptionsByTopic",
    "SNS:Publish",
)
"""Every action a topic policy can name; all of them are refused without TLS."""

TOPIC_KEY_DESCRIPTION = "Encrypts the SNS topic "
"""How every topic key's description starts (followed by the topic's name)."""
_SERVICE_RE = re.compile(r"^[a-z0-9-]+\.amazonaws\.com$")


def key_deletion_window_days(*, protected: bool) -> int:
    """How long a deleted topic key stays recoverable: the longest AWS allows where stateful resources are
    protected (prod), the shortest elsewhere."""
    return 30 if protected else 7


@dataclass(frozen=True, kw_only=True)
class TopicPublisher:
    """An AWS service allowed to publish to the topic, on behalf of some of its resources in this account."""

    service: str
    """Service principal, e.g. `cloudwatch.amazonaws.com`. Required."""
    source_arns: tuple[str, ...]
    """ARNs (`ArnLike` patterns: `*` allowed) of the publishing resources, e.g. this account's alarms. Required;
    every service here sets `aws:SourceArn` when it publishes."""

    @property
    def sid(self) -> str:
        """A statement id from the service name: `cloudwatch.amazonaws.com` -> `Cloudwatch`."""
        return "".join(part.capitalize() for part in self.service.removesuffix(".amazonaws.com").split("-"))


@dataclass(frozen=True, kw_only=True)
class EncryptedTopicProps:
    topic_name: str
    """Topic name; the key's alias is `alias/<topic_name>`. Required."""
    publishers: tuple[TopicPublisher, ...]
    """The services that may publish (and use the key), and nothing else. Required, at least one."""
    key_deletion_window_days: int = 30
    """Days a deleted key can still be recovered (7-30). Default: 30."""
    description: str = ""
    """What the topic carries, for the key's description. Default: the topic name."""


class EncryptedTopic(Construct):
    """An SNS topic under its own rotated KMS key; only `publishers` may publish, and only over TLS."""

    def __init__(self, scope: Construct, id_: str, *, props: EncryptedTopicProps) -> None:
        super().__init__(scope, id_)
        _check(props)
        self.props = props
        self.account_id = account_id(self)
        self.partition = partition(self)
        self.key_policy_document = self._key_policy()
        self.key = KmsKey(
            self,
            "key",
            description=f"{TOPIC_KEY_DESCRIPTION}{props.topic_name}: {props.description or props.topic_name}",
            enable_key_rotation=True,
            is_enabled=True,
            deletion_window_in_days=props.key_deletion_window_days,
            policy=json.dumps(self.key_policy_document),
        )
        self.key_arn: str = self.key.arn
        self.alias = KmsAlias(self, "alias", name=f"alias/{props.topic_name}", target_key_id=self.key.key_id)
        self.topic = SnsTopic(self, "topic", name=props.topic_name, kms_master_key_id=self.key_arn)
        self.topic_arn: str = self.topic.arn
        self.topic_policy_document = self._topic_policy()
        self.policy = SnsTopicPolicy(self, "policy", arn=self.topic_arn, policy=json.dumps(self.topic_policy_document))

    def _conditions(self, publisher: TopicPublisher) -> dict[str, object]:
        return {
            "StringEquals": {"aws:SourceAccount": self.account_id},
            "ArnLike": {"aws:SourceArn": list(publisher.source_arns)},
        }

    def _key_policy(self) -> dict[str, object]:
        statements: list[dict[str, object]] = [
            {
                "Sid": "AccountAdministersTheKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{self.partition}:iam::{self.account_id}:root"},
                "Action": list(KEY_ADMIN_ACTIONS),
                "Resource": "*",
            }
        ]
        for publisher in self.props.publishers:
            statements.append(
                {
                    "Sid": f"{publisher.sid}PublishesEncrypted",
                    "Effect": "Allow",
                    "Principal": {"Service": publisher.service},
                    "Action": list(KEY_USE_ACTIONS),
                    "Resource": "*",
                    "Condition": self._conditions(publisher),
                }
            )
        return {"Version": "2012-10-17", "Statement": statements}

    def _topic_policy(self) -> dict[str, object]:
        statements: list[dict[str, object]] = [
            {
                "Sid": f"{publisher.sid}Publishes",
                "Effect": "Allow",
                "Principal": {"Service": publisher.service},
                "Action": "SNS:Publish",
                "Resource": self.topic_arn,
                "Condition": self._conditions(publisher),
            }
            for publisher in self.props.publishers
        ]
        statements.append(
            {
                "Sid": "DenyWithoutTls",
                "Effect": "Deny",
                "Principal": "*",
                "Action": list(TOPIC_ACTIONS),
                "Resource": self.topic_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
        return {"Version": "2012-10-17", "Statement": statements}


def _check(props: EncryptedTopicProps) -> None:
    validation.matches("topic_name", props.topic_name, r"[A-Za-z0-9_-]{1,256}", "1-256 letters, digits, '-' or '_'")
    if not props.publishers:
        raise ValueError("publishers () is not allowed (allowed: at least one AWS service principal)")
    services = [publisher.service for publisher in props.publishers]
    for publisher in props.publishers:
        validation.matches(
            "publisher service",
            publisher.service,
            _SERVICE_RE.pattern,
            "a service principal such as cloudwatch.amazonaws.com",
        )
        if services.count(publisher.service) > 1:
            raise ValueError(f"publisher service {publisher.service!r} is listed twice (allowed: each service once)")
        if not publisher.source_arns:
            raise ValueError(f"publisher {publisher.service!r} has no source_arns (allowed: one or more ARN patterns)")
        for source in publisher.source_arns:
            validation.matches("publisher source ARN", source, r"arn:.+", "an ARN or ARN pattern")
    validation.in_range("key_deletion_window_days", props.key_deletion_window_days, 7, 30)
