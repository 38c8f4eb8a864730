"""Test-only fixes for the monitoring stack, applied inside the emulator (moto server) process.

moto 5.2.1 stores alarms but never runs their actions, and its Budgets API lacks the calls Terraform makes to
read a budget's subscribers and tags. These shims add them as AWS documents them. Alarm actions are
delivered only when AWS would deliver them: the topic's policy must let `cloudwatch.amazonaws.com` publish
for this alarm and, for an encrypted topic, its key's policy must let the service use the key. So a topic or
key policy that would silently drop notifications on AWS drops them here too (the outcome is kept on the
alarm object; moto has no DescribeAlarmHistory to read it back).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

CLOUDWATCH = "cloudwatch.amazonaws.com"

MONITORING_GAPS: tuple[tuple[str, str, str], ...] = (
    (
        "aws_cloudwatch_metric_alarm actions (monitoring)",
        "SetAlarmState (and any state change) never runs the alarm's actions",
        (
            "shim: a state change publishes CloudWatch's notification to the SNS topics of the new state's actions, "
            "if the topic policy and the topic key's policy allow cloudwatch.amazonaws.com for that alarm"
        ),
    ),
    (
        "aws_budgets_budget (monitoring)",
        (
            "no DescribeSubscribersForNotification, UpdateBudget, UpdateNotification, UpdateSubscriber, "
            "CreateSubscriber, DeleteSubscriber, TagResource, UntagResource, ListTagsForResource; "
            "CreateBudget drops ResourceTags"
        ),
        "shim: subscribers are kept per notification, tags per budget ARN",
    ),
)

_REGION_NAMES = {
    "eu-north-1": "EU (Stockholm)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-3": "EU (Paris)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-south-1": "EU (Milan)",
    "eu-south-2": "EU (Spain)",
}


# --- a small resource-policy evaluator for service principals -------------------------------------


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _principal_matches(principal: object, service: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return service in _as_list(principal.get("Service")) or "*" in _as_list(principal.get("AWS"))
    return False


_OPERATORS = ("StringEquals", "ArnEquals", "StringEqualsIgnoreCase", "StringLike", "ArnLike", "Bool")


def _condition_holds(operator: str, key: str, expected: object, context: Mapping[str, str]) -> bool:
    if operator not in _OPERATORS:
        raise NotImplementedError(f"condition operator {operator} is not evaluated by the emulator")
    actual = {k.lower(): v for k, v in context.items()}.get(key.lower())
    if actual is None:
        return False
    values = [str(value) for value in _as_list(expected)]
    if operator in ("StringEquals", "ArnEquals"):
        return actual in values
    if operator == "StringEqualsIgnoreCase":
        return actual.lower() in (value.lower() for value in values)
    if operator in ("StringLike", "ArnLike"):
        return any(fnmatch.fnmatchcase(actual, value) for value in values)
    return actual.lower() in (value.lower() for value in values)  # Bool


def _statement_applies(
    statement: Mapping[str, Any], service: str, action: str, resource: str, context: Mapping[str, str]
) -> bool:
    if not _principal_matches(statement.get("Principal"), service):
        return False
    if not any(fnmatch.fnmatch(action.lower(), str(pattern).lower()) for pattern in _as_list(statement.get("Action"))):
        return False
    if not any(fnmatch.fnmatchcase(resource, str(pattern)) for pattern in _as_list(statement.get("Resource"))):
        return False
    for operator, conditions in (statement.get("Condition") or {}).items():
        for key, expected in conditions.items():
            if not _condition_holds(operator, key, expected, context):
                return False
    return True


def service_allowed(
    policy: str | Mapping[str, Any], *, service: str, actions: Sequence[str], resource: str, context: Mapping[str, str]
) -> bool:
    """Whether a resource policy lets `service` do every one of `actions` on `resource` in `context`:
    some Allow applies to each action and no Deny applies to any (the same-account evaluation AWS does for a
    service principal, which has no identity policy of its own)."""
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = _as_list(document.get("Statement"))
    for action in actions:
        applying = [s for s in statements if _statement_applies(s, service, action, resource, context)]
        if any(s.get("Effect") == "Deny" for s in applying) or not any(s.get("Effect") == "Allow" for s in applying):
            return False
    return True


# --- alarm actions ----------------------------------------------------------------------------------


def _deliver(alarm: Any, old_state: str, account_id: str) -> None:
    """Publish the state change to each SNS action of the alarm's new state, as CloudWatch does."""
    from moto.kms.models import kms_backends
    from moto.sns.models import sns_backends

    actions = {
        "ALARM": alarm.alarm_actions,
        "OK": alarm.ok_actions,
        "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
    }
    region = alarm.region_name
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    message = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account_id,
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": now,
        "Region": _REGION_NAMES.get(region, region),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions or []),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
    }
    subject = f'{alarm.state_value}: "{alarm.name}" in {_REGION_NAMES.get(region, region)}'[:100]
    context = {"aws:SourceArn": alarm.alarm_arn, "aws:SourceAccount": account_id, "aws:SecureTransport": "true"}
    for action in actions.get(alarm.state_value) or []:
        if not str(action).startswith("arn:aws:sns:"):
            continue
        topic_region, topic_account = action.split(":")[3], action.split(":")[4]
        sns = sns_backends[topic_account][topic_region]
        outcome = "published"
        try:
            topic = sns.get_topic(action)
            if not service_allowed(
                topic.policy, service=CLOUDWATCH, actions=["SNS:Publish"], resource=action, context=context
            ):
                outcome = f"not authorized to perform SNS:Publish on {action}"
            elif topic.kms_master_key_id:
                kms = kms_backends[topic_account][topic_region]
                key = kms.describe_key(kms.any_id_to_key_id(topic.kms_master_key_id))
                allowed = service_allowed(
                    key.policy,
                    service=CLOUDWATCH,
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resource=key.arn,
                    context=context,
                )
                if key.key_state != "Enabled" or not allowed:
                    outcome = "CloudWatch Alarms does not have authorization to access the SNS topic encryption key"
            if outcome == "published":
                sns.publish(json.dumps(message), arn=action, subject=subject)
        except Exception as error:
            outcome = f"{type(error).__name__}: {error}"
        alarm.junokit_action_outcomes = [*getattr(alarm, "junokit_action_outcomes", []), (action, outcome)]


def _alarm_actions() -> None:
    from moto.cloudwatch.models import CloudWatchBackend

    original = CloudWatchBackend.set_alarm_state

    def set_alarm_state(self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
        old_state = self.alarms[alarm_name].state_value if alarm_name in self.alarms else None
        original(self, alarm_name, reason, reason_data, state_value)
        alarm = self.alarms[alarm_name]
        if alarm.actions_enabled and old_state != alarm.state_value:
            _deliver(alarm, old_state or "INSUFFICIENT_DATA", self.account_id)

    CloudWatchBackend.set_alarm_state = set_alarm_state  # type: ignore[method-assign]


# --- budgets ----------------------------------------------------------------------------------------


def _budgets() -> None:
    from moto.budgets.models import BudgetsBackend
    from moto.budgets.responses import BudgetsResponse

    def subscriber_table(backend: Any) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
        if not hasattr(backend, "junokit_subscribers"):
            backend.junokit_subscribers = {}
        table: dict[tuple[str, str, str], list[dict[str, Any]]] = backend.junokit_subscribers
        return table

    def tags(backend: Any) -> dict[str, list[dict[str, str]]]:
        if not hasattr(backend, "junokit_tags"):
            backend.junokit_tags = {}
        table: dict[str, list[dict[str, str]]] = backend.junokit_tags
        return table

    def key(account: str, budget: str, notification: Mapping[str, Any]) -> tuple[str, str, str]:
        wanted = {
            k: notification.get(k) for k in ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")
        }
        wanted["Threshold"] = float(wanted["Threshold"] or 0)
        wanted["ThresholdType"] = wanted["ThresholdType"] or "PERCENTAGE"
        return account, budget, json.dumps(wanted, sort_keys=True)

    original_create_budget = BudgetsBackend.create_budget
    original_create_notification = BudgetsBackend.create_notification
    original_delete_notification = BudgetsBackend.delete_notification
    original_delete_budget = BudgetsBackend.delete_budget

    def create_budget(self: Any, account_id: str, budget: dict[str, Any], notifications: list[dict[str, Any]]) -> None:
        original_create_budget(self, account_id, budget, notifications)
        for entry in notifications:
            subscriber_table(self)[key(account_id, budget["BudgetName"], entry["Notification"])] = list(
                entry["Subscribers"]
            )

    def create_notification(
        self: Any, account_id: str, budget_name: str, notification: dict[str, Any], subscribers: Any
    ) -> None:
        original_create_notification(self, account_id, budget_name, notification, subscribers)
        subscriber_table(self)[key(account_id, budget_name, notification)] = list(subscribers)

    def delete_notification(self: Any, account_id: str, budget_name: str, notification: dict[str, Any]) -> None:
        wanted = key(account_id, budget_name, notification)
        budget = self.budgets[account_id].get(budget_name)
        if budget is not None:
            budget.notifications = [
                n for n in budget.notifications if key(account_id, budget_name, n.details) != wanted
            ]
        else:
            original_delete_notification(self, account_id, budget_name, notification)
        subscriber_table(self).pop(wanted, None)

    def delete_budget(self: Any, account_id: str, budget_name: str) -> None:
        original_delete_budget(self, account_id, budget_name)
        for entry in [k for k in subscriber_table(self) if k[:2] == (account_id, budget_name)]:
            subscriber_table(self).pop(entry)
        tags(self).pop(f"arn:aws:budgets::{account_id}:budget/{budget_name}", None)

    for function in (create_budget, create_notification, delete_notification, delete_budget):
        setattr(BudgetsBackend, function.__name__, function)

    def _params(self: Any) -> dict[str, Any]:
        return dict(json.loads(self.body)) if self.body else {}

    def describe_subscribers_for_notification(self: Any) -> str:
        params = _params(self)
        found = subscriber_table(self.backend).get(
            key(params["AccountId"], params["BudgetName"], params["Notification"])
        )
        if found is None:
            self.backend.describe_budget(params["AccountId"], params["BudgetName"])  # NotFoundException if no budget
            found = []
        return json.dumps({"Subscribers": found})

    def create_subscriber(self: Any) -> str:
        params = _params(self)
        entry = key(params["AccountId"], params["BudgetName"], params["Notification"])
        subscriber_table(self.backend).setdefault(entry, []).append(params["Subscriber"])
        return "{}"

    def delete_subscriber(self: Any) -> str:
        params = _params(self)
        entry = key(params["AccountId"], params["BudgetName"], params["Notification"])
        subscriber_table(self.backend)[entry] = [
            s for s in subscriber_table(self.backend).get(entry, []) if s != params["Subscriber"]
        ]
        return "{}"

    def update_subscriber(self: Any) -> str:
        params = _params(self)
        entry = key(params["AccountId"], params["BudgetName"], params["Notification"])
        current = [s for s in subscriber_table(self.backend).get(entry, []) if s != params["OldSubscriber"]]
        subscriber_table(self.backend)[entry] = [*current, params["NewSubscriber"]]
        return "{}"

    def update_notification(self: Any) -> str:
        params = _params(self)
        account, name = params["AccountId"], params["BudgetName"]
        old = key(account, name, params["OldNotification"])
        moved = subscriber_table(self.backend).pop(old, [])
        self.backend.delete_notification(account, name, params["OldNotification"])
        self.backend.create_notification(account, name, params["NewNotification"], moved)
        return "{}"

    def update_budget(self: Any) -> str:
        params = _params(self)
        account, new = params["AccountId"], params["NewBudget"]
        budget = self.backend.budgets[account][new["BudgetName"]]
        budget.budget.update(new)
        return "{}"

    def tag_resource(self: Any) -> str:
        params = _params(self)
        current = {t["Key"]: t["Value"] for t in tags(self.backend).get(params["ResourceARN"], [])}
        current.update({t["Key"]: t["Value"] for t in params.get("ResourceTags", [])})
        tags(self.backend)[params["ResourceARN"]] = [{"Key": k, "Value": v} for k, v in current.items()]
        return "{}"

    def untag_resource(self: Any) -> str:
        params = _params(self)
        removed = set(params.get("ResourceTagKeys", []))
        kept = [t for t in tags(self.backend).get(params["ResourceARN"], []) if t["Key"] not in removed]
        tags(self.backend)[params["ResourceARN"]] = kept
        return "{}"

    original_create_budget_response = BudgetsResponse.create_budget

    def create_budget_response(self: Any) -> str:
        """CreateBudget also takes the budget's tags (ResourceTags), which moto drops."""
        result = original_create_budget_response(self)
        params = _params(self)
        arn = f"arn:aws:budgets::{params['AccountId']}:budget/{params['Budget']['BudgetName']}"
        tags(self.backend)[arn] = list(params.get("ResourceTags") or [])
        return str(result)

    BudgetsResponse.create_budget = create_budget_response  # type: ignore[method-assign]

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"ResourceTags": tags(self.backend).get(_params(self)["ResourceARN"], [])})

    for handler in (
        describe_subscribers_for_notification,
        create_subscriber,
        delete_subscriber,
        update_subscriber,
        update_notification,
        update_budget,
        tag_resource,
        untag_resource,
        list_tags_for_resource,
    ):
        setattr(BudgetsResponse, handler.__name__, handler)


def apply() -> None:
    """Patch moto's classes (once per process)."""
    from moto.cloudwatch.models import CloudWatchBackend

    if getattr(CloudWatchBackend, "junokit_monitoring_shims", False):
        return
    CloudWatchBackend.junokit_monitoring_shims = True  # type: ignore[attr-defined]
    _alarm_actions()
    _budgets()
