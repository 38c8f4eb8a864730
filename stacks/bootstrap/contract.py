"""The bootstrap stack's contract: the state bucket's name; it reads nothing and no stack reads it."""

from __future__ import annotations

from enum import StrEnum

from constructs_lib.contract import BOOTSTRAP_STACK, Contract


class BootstrapOutputs(StrEnum):
    """Published by the bootstrap stack."""

    STATE_BUCKET = "JunokitStateBucket"


CONTRACT = Contract(stack=BOOTSTRAP_STACK, publishes=tuple(BootstrapOutputs))
