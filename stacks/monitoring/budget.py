"""A monthly AWS cost budget over the resources of one environment, notifying an SNS topic.

Budgets can filter by cost-allocation tag: every Junokit resource carries `Environment=<env>` (the provider's
default tags), so the budget counts exactly what that tag covers once it is activated as a cost-allocation
tag in the Billing console (a one-time manual step; until then the budget sees no cost at all). A budget's
cost filter ORs the values of one tag key and cannot AND two keys, so the filter is the Environment tag alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.budgets_budget import (
    BudgetsBudget,
    BudgetsBudgetCostFilter,
    BudgetsBudgetNotification,
)
from constructs import Construct

from constructs_lib import validation

ACTUAL_PERCENT = 80
"""Notify when the month's actual cost passes this share of the budget."""
FORECAST_PERCENT = 100
"""Notify when the month's forecast cost passes the whole budget."""


@dataclass(frozen=True, kw_only=True)
class MonthlyBudgetProps:
    budget_name: str
    """Budget name, unique in the account. Required."""
    limit_usd: int
    """The month's budget in USD. Required (1-100000)."""
    tag_key: str
    """Cost-allocation tag the budget filters on (`Environment`). Required."""
    tag_value: str
    """Its value (`dev`). Required."""
    topic_arn: str
    """SNS topic notified at 80 % actual and 100 % forecast. Required."""


class MonthlyBudget(Construct):
    """A monthly cost budget filtered to one tag value, notifying the topic at 80 % actual and 100 % forecast."""

    def __init__(self, scope: Construct, id_: str, *, props: MonthlyBudgetProps) -> None:
        super().__init__(scope, id_)
        validation.matches(
            "budget_name", props.budget_name, r"[A-Za-z0-9_.-]{1,100}", "letters, digits, '.', '-' or '_'"
        )
        validation.in_range("limit_usd", props.limit_usd, 1, 100000)
        validation.matches("tag_key", props.tag_key, r"[A-Za-z0-9_.:/=+@-]{1,128}", "a tag key")
        validation.matches("tag_value", props.tag_value, r"[A-Za-z0-9_.:/=+@-]{1,256}", "a tag value")
        validation.arn("topic_arn", props.topic_arn, "sns")
        self.budget = BudgetsBudget(
            self,
            "budget",
            name=props.budget_name,
            budget_type="COST",
            limit_amount=str(props.limit_usd),
            limit_unit="USD",
            time_unit="MONTHLY",
            # Budgets names a user-defined cost-allocation tag `user:<key>$<value>`.
            cost_filter=[
                BudgetsBudgetCostFilter(name="TagKeyValue", values=[f"user:{props.tag_key}${props.tag_value}"])
            ],
            notification=[
                BudgetsBudgetNotification(
                    notification_type=kind,
                    comparison_operator="GREATER_THAN",
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                    subscriber_sns_topic_arns=[props.topic_arn],
                )
                for kind, percent in (("ACTUAL", ACTUAL_PERCENT), ("FORECASTED", FORECAST_PERCENT))
            ],
        )
