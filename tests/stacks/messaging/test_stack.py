"""Messaging stack: SES for the configured domain, DKIM, feedback to SNS, and the DNS records step."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cdktf import Testing

from constructs_lib.config import ConfigError, load_config
from stacks.messaging.contract import MessagingOutputs
from stacks.messaging.email_domain import EmailDomain, EmailDomainProps
from stacks.messaging.stack import MessagingStack
from tests.support import build, config_for, document, only_resource, resources, synth

IDENTITY = "aws_ses_domain_identity"
DKIM = "aws_ses_domain_dkim"
FORWARDING = "aws_sesv2_email_identity_feedback_attributes"
CONFIGURATION_SET = "aws_ses_configuration_set"
EVENT_DESTINATION = "aws_ses_event_destination"
NOTIFICATION_TOPIC = "aws_ses_identity_notification_topic"
TOPIC = "aws_sns_topic"
RECORD = "aws_route53_record"
VERIFICATION = "aws_ses_domain_identity_verification"
ZONE = "Z0123456789ABCDEFGHIJ"


def _messaging(**settings: Any) -> str:
    """The dev messaging stack with some messaging settings changed."""
    config = config_for("dev")
    config = replace(config, messaging=replace(config.messaging, **settings))
    return synth(MessagingStack(Testing.app(), config=config))


def _ref(synthesized: str, resource_type: str, attribute: str) -> str:
    """`${type.id.attribute}` of the only resource of a type."""
    (logical_id,) = resources(synthesized, resource_type)
    return f"${{{resource_type}.{logical_id}.{attribute}}}"


@pytest.fixture(scope="module")
def dev() -> str:
    return synth(build("dev")["messaging"])


@pytest.fixture(scope="module")
def prod() -> str:
    return synth(build("prod")["messaging"])


@pytest.fixture(scope="module")
def zoned() -> str:
    return _messaging(hosted_zone_id=ZONE)


@pytest.fixture(scope="module")
def unmanaged_feedback() -> str:
    return _messaging(manage_identity_feedback=False)


def test_domain_identity_is_the_configured_domain(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(prod, IDENTITY, {"domain": "junokit.com"})


def test_dkim_signing_is_set_up_for_the_identity(dev: str) -> None:
    assert only_resource(dev, DKIM)["domain"] == _ref(dev, IDENTITY, "domain")


def test_feedback_forwarding_is_enabled_for_the_identity(dev: str) -> None:
    forwarding = only_resource(dev, FORWARDING)
    assert forwarding["email_identity"] == _ref(dev, IDENTITY, "domain")
    assert forwarding["email_forwarding_enabled"] is True


def test_configuration_set_carries_the_environment_name(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev,
        CONFIGURATION_SET,
        {"name": "junokit-email-dev", "sending_enabled": True, "reputation_metrics_enabled": True},
    )


def test_configuration_set_requires_tls(dev: str) -> None:
    assert Testing.to_have_resource_with_properties(
        dev, CONFIGURATION_SET, {"delivery_options": {"tls_policy": "Require"}}
    )


def test_prod_configuration_set_and_topic_use_plain_names(prod: str) -> None:
    assert Testing.to_have_resource_with_properties(prod, CONFIGURATION_SET, {"name": "junokit-email"})
    assert Testing.to_have_resource_with_properties(prod, TOPIC, {"name": "junokit-email-feedback"})


def test_configuration_set_sends_exactly_bounces_and_complaints_to_the_topic(dev: str) -> None:
    destination = only_resource(dev, EVENT_DESTINATION)
    assert destination["configuration_set_name"] == _ref(dev, CONFIGURATION_SET, "name")
    assert destination["enabled"] is True
    assert destination["matching_types"] == ["bounce", "complaint"]
    assert destination["sns_destination"] == {"topic_arn": _ref(dev, TOPIC, "arn")}


def test_identity_bounce_and_complaint_notifications_go_to_the_topic(dev: str) -> None:
    topics = {n["notification_type"]: n for n in resources(dev, NOTIFICATION_TOPIC).values()}
    assert sorted(topics) == ["Bounce", "Complaint"]
    for notification in topics.values():
        assert notification["identity"] == _ref(dev, IDENTITY, "domain")
        assert notification["topic_arn"] == _ref(dev, TOPIC, "arn")
        assert notification["include_original_headers"] is False


def test_only_ses_may_publish_and_only_for_this_identity_and_configuration_set(dev: str) -> None:
    statements = json.loads(only_resource(dev, "aws_sns_topic_policy")["policy"])["Statement"]
    [statement] = [s for s in statements if s["Effect"] == "Allow"]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Action"] == "SNS:Publish"
    assert statement["Resource"] == _ref(dev, TOPIC, "arn")
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "${data.aws_caller_identity.aws-caller.account_id}"},
        "ArnLike": {"aws:SourceArn": [_ref(dev, IDENTITY, "arn"), _ref(dev, CONFIGURATION_SET, "arn")]},
    }


def test_feedback_topic_is_encrypted_under_its_own_key_only_ses_may_use(dev: str) -> None:
    assert only_resource(dev, TOPIC)["kms_master_key_id"] == _ref(dev, "aws_kms_key", "arn")
    key = only_resource(dev, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    [use] = [s for s in json.loads(key["policy"])["Statement"] if "Service" in s["Principal"]]
    assert use["Principal"] == {"Service": "ses.amazonaws.com"}
    assert use["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert use["Condition"]["ArnLike"] == {
        "aws:SourceArn": [_ref(dev, IDENTITY, "arn"), _ref(dev, CONFIGURATION_SET, "arn")]
    }


def test_feedback_topic_keeps_its_address_from_before_it_was_encrypted(dev: str) -> None:
    """`moved` blocks: an applied messaging stack keeps its topic (and its subscriptions) instead of replacing it."""
    moved = {entry["from"]: entry["to"] for entry in document(dev)["moved"]}
    assert moved == {
        "aws_sns_topic.email_feedback-topic_7A4EF083": f"{TOPIC}.{next(iter(resources(dev, TOPIC)))}",
        "aws_sns_topic_policy.email_feedback-topic-policy_B9455B94": (
            f"aws_sns_topic_policy.{next(iter(resources(dev, 'aws_sns_topic_policy')))}"
        ),
    }


def test_key_deletion_window_is_longest_in_prod(dev: str, prod: str) -> None:
    assert only_resource(prod, "aws_kms_key")["deletion_window_in_days"] == 30
    assert only_resource(dev, "aws_kms_key")["deletion_window_in_days"] == 7


def test_identity_feedback_settings_can_be_left_to_ses_defaults(unmanaged_feedback: str) -> None:
    assert not Testing.to_have_resource(unmanaged_feedback, FORWARDING)
    assert not Testing.to_have_resource(unmanaged_feedback, NOTIFICATION_TOPIC)


def test_configuration_set_still_reports_feedback_when_identity_settings_are_unmanaged(unmanaged_feedback: str) -> None:
    assert Testing.to_have_resource_with_properties(
        unmanaged_feedback, EVENT_DESTINATION, {"matching_types": ["bounce", "complaint"]}
    )


def test_without_a_zone_no_dns_records_are_created(dev: str) -> None:
    assert not Testing.to_have_resource(dev, RECORD)
    assert not Testing.to_have_resource(dev, VERIFICATION)


def test_without_a_zone_the_records_to_add_are_published_as_zone_file_lines(dev: str) -> None:
    value = document(dev)["output"][MessagingOutputs.DNS_RECORDS]["value"]
    token = _ref(dev, IDENTITY, "verification_token")[2:-1]
    dkim_tokens = _ref(dev, DKIM, "dkim_tokens")[2:-1]
    assert value == (
        '${join("\\n", concat([format("_amazonses.junokit.com. 600 IN TXT %q", '
        f"{token})], "
        'formatlist("%s._domainkey.junokit.com. 600 IN CNAME %s.dkim.amazonses.com.", '
        f"{dkim_tokens}, {dkim_tokens})))}}"
    )


def test_with_a_zone_the_verification_record_is_created(zoned: str) -> None:
    assert Testing.to_have_resource_with_properties(
        zoned,
        RECORD,
        {
            "zone_id": ZONE,
            "name": "_amazonses.junokit.com",
            "type": "TXT",
            "records": [_ref(zoned, IDENTITY, "verification_token")],
        },
    )


def test_with_a_zone_the_three_dkim_cnames_are_created(zoned: str) -> None:
    dkim_tokens = _ref(zoned, DKIM, "dkim_tokens")[2:-1]
    cnames = sorted(
        ((r["name"], r["records"]) for r in resources(zoned, RECORD).values() if r["type"] == "CNAME"),
    )
    assert cnames == [
        (
            f"${{element({dkim_tokens}, {index})}}._domainkey.junokit.com",
            [f"${{element({dkim_tokens}, {index})}}.dkim.amazonses.com"],
        )
        for index in range(3)
    ]


def test_with_a_zone_the_published_identity_is_the_verified_one(zoned: str) -> None:
    verification = only_resource(zoned, VERIFICATION)
    assert verification["domain"] == _ref(zoned, IDENTITY, "domain")
    assert document(zoned)["output"][MessagingOutputs.IDENTITY_ARN]["value"] == _ref(zoned, VERIFICATION, "arn")


def test_with_a_zone_no_records_are_published(zoned: str) -> None:
    assert MessagingOutputs.DNS_RECORDS not in document(zoned)["output"]


def test_outputs_follow_the_contract(dev: str) -> None:
    outputs = document(dev)["output"]
    assert set(outputs) == {str(name) for name in MessagingOutputs}
    assert outputs[MessagingOutputs.IDENTITY_ARN]["value"] == _ref(dev, IDENTITY, "arn")
    assert outputs[MessagingOutputs.CONFIGURATION_SET]["value"] == _ref(dev, CONFIGURATION_SET, "name")
    assert outputs[MessagingOutputs.FEEDBACK_TOPIC_ARN]["value"] == _ref(dev, TOPIC, "arn")


def test_sender_address_is_no_reply_at_the_domain(prod: str) -> None:
    assert document(prod)["output"][MessagingOutputs.SENDER_ADDRESS]["value"] == "no-reply@junokit.com"


def test_messaging_reads_no_other_stack() -> None:
    stack = build("dev")["messaging"]
    assert stack.producers == []
    data_sources = document(synth(stack)).get("data", {})
    assert "terraform_remote_state" not in data_sources, sorted(data_sources)


# Bad input: one line naming the field, the value and what is allowed.


def _construct(**props: object) -> None:
    from cdktf import TerraformStack

    settings: dict[str, object] = {
        "domain": "junokit.com",
        "configuration_set_name": "junokit-email-test",
        "feedback_topic_name": "junokit-email-feedback-test",
    }
    EmailDomain(TerraformStack(Testing.app(), "test"), "email", props=EmailDomainProps(**{**settings, **props}))  # type: ignore[arg-type]  # props from a dict of test settings


CONSTRUCT_ERRORS = {
    "invalid domain": (
        {"domain": "junokit..com"},
        "EmailDomain domain 'junokit..com' is not allowed (allowed: a lower-case DNS name such as junokit.com)",
    ),
    "invalid sender": (
        {"sender_local_part": "No Reply"},
        "EmailDomain sender_local_part 'No Reply' is not allowed (allowed: lower-case letters, digits and . _ + -, e.g. no-reply)",
    ),
    "zone id with prefix": (
        {"hosted_zone_id": "/hostedzone/Z123"},
        "EmailDomain hosted_zone_id '/hostedzone/Z123' is not allowed (allowed: a Route 53 zone id such as Z0123456789ABC, or empty)",
    ),
}


@pytest.mark.parametrize(("props", "message"), CONSTRUCT_ERRORS.values(), ids=CONSTRUCT_ERRORS.keys())
def test_construct_refuses_bad_input(props: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        _construct(**props)
    assert str(raised.value) == message


CONFIG_ERRORS = {
    "invalid domain": (
        '[project]\ndomain = "junokit_com"\n',
        "domain 'junokit_com' is not allowed (allowed: a lower-case DNS name such as junokit.com)",
    ),
    "invalid sender": (
        '[defaults.messaging]\nsender_local_part = "no reply"\n',
        "messaging.sender_local_part 'no reply' is not allowed (allowed: lower-case letters, digits and . _ + -, e.g. no-reply)",
    ),
    "invalid zone id": (
        '[defaults.messaging]\nhosted_zone_id = "zone-1"\n',
        "messaging.hosted_zone_id 'zone-1' is not allowed (allowed: a Route 53 zone id such as Z0123456789ABC, or empty)",
    ),
}


@pytest.mark.parametrize(("text", "message"), CONFIG_ERRORS.values(), ids=CONFIG_ERRORS.keys())
def test_config_refuses_bad_messaging_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "environments.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config("dev", environ={"JUNOKIT_CONFIG": str(path)})
    assert str(raised.value) == message
