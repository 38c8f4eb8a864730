"""`move_from`: Terraform `moved` blocks written into the stack, the same list cdktf's `move_from_id` writes."""

from __future__ import annotations

import pytest
from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy

from constructs_lib.moved import move_from
from tests.support import document


def test_each_move_adds_a_block_from_the_old_address_to_the_resource() -> None:
    stack = TerraformStack(Testing.app(), "moves")
    topic = SnsTopic(stack, "topic", name="t")
    policy = SnsTopicPolicy(stack, "policy", arn=topic.arn, policy="{}")
    move_from(topic, "aws_sns_topic.old")
    move_from(policy, "aws_sns_topic_policy.old")
    assert document(Testing.synth(stack))["moved"] == [
        {"from": "aws_sns_topic.old", "to": f"aws_sns_topic.{topic.friendly_unique_id}"},
        {"from": "aws_sns_topic_policy.old", "to": f"aws_sns_topic_policy.{policy.friendly_unique_id}"},
    ]


def test_moves_of_one_stack_do_not_reach_another() -> None:
    app = Testing.app()
    first, second = TerraformStack(app, "first"), TerraformStack(app, "second")
    move_from(SnsTopic(first, "topic", name="a"), "aws_sns_topic.old")
    SnsTopic(second, "topic", name="b")
    assert len(document(Testing.synth(first))["moved"]) == 1
    assert "moved" not in document(Testing.synth(second))


def test_a_move_across_resource_types_is_refused_in_one_line() -> None:
    topic = SnsTopic(TerraformStack(Testing.app(), "moves"), "topic", name="t")
    with pytest.raises(ValueError, match=r"^moved block from 'aws_sqs_queue\.old' to a aws_sns_topic: .*allowed: "):
        move_from(topic, "aws_sqs_queue.old")
