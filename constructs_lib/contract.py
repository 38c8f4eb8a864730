"""The cross-stack contract: stack names, and what each stack publishes and reads.

Each component declares its `Contract` in its own `contract.py` (`stacks/<component>/contract.py`): the output
names it publishes, the ones published only under some setting, and the outputs of other stacks it reads. A
producer publishes with those constants and a consumer reads with the same constants, so an output can only be
renamed in one place. `JunokitStack.publish` and `RemoteState.get_string` hold the stacks to it while they are
built, and `check_reads` refuses a synth in which a stack reads an output that its producer does not publish in
that environment. Importing this module loads no construct and starts no process.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class StackName(StrEnum):
    """Stacks of one environment, in deploy order."""

    DATA = "data"
    MESSAGING = "messaging"
    IDENTITY = "identity"
    API = "api"
    MONITORING = "monitoring"


BOOTSTRAP_STACK = "bootstrap"
"""The state bucket's stack: only with the s3 backend, always on local state, read by no stack."""


class ContractError(ValueError):
    """A stack publishes or reads an output its contract does not allow; the message is one line."""


@dataclass(frozen=True, kw_only=True)
class Contract:
    """What one stack publishes and what it reads from others."""

    stack: str
    """The stack's name (a `StackName`, or `BOOTSTRAP_STACK`)."""
    publishes: tuple[str, ...]
    """Every output name the stack may publish."""
    conditional: Mapping[str, str] = field(default_factory=dict)
    """Outputs of `publishes` that exist only under some setting: name -> when (for the README)."""
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Producer stack -> the output names this stack reads from it. Default: reads nothing."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.conditional) - set(self.publishes))
        if unknown:
            raise ContractError(f"stack {self.stack}: conditional output {unknown[0]} is not among its outputs")

    def check_published(self, output: str) -> None:
        if output not in self.publishes:
            raise ContractError(
                f"stack {self.stack} publishes output {str(output)!r}, which its contract does not list "
                f"(allowed: {', '.join(self.publishes)})"
            )

    def check_read(self, producer: str, output: str) -> None:
        allowed = self.reads.get(producer, ())
        if output not in allowed:
            raise ContractError(
                f"stack {self.stack} reads output {str(output)!r} of stack {producer}, which its contract does not list "
                f"(allowed: {', '.join(allowed) or 'none'})"
            )


@dataclass(frozen=True, kw_only=True)
class Read:
    """One output a stack read from another while it was built."""

    reader: str
    producer: str
    output: str


def check_reads(reads: Iterable[Read], published: Mapping[str, Iterable[str]]) -> None:
    """Refuse a read of an output that the producer did not publish in this environment (conditional ones included).

    `published` maps each stack of the environment to the outputs it actually published.
    """
    for read in reads:
        outputs = tuple(published.get(read.producer, ()))
        if read.output not in outputs:
            raise ContractError(
                f"stack {read.reader} reads output {str(read.output)!r} of stack {read.producer}, which {read.producer} "
                f"does not publish in this environment (published: {', '.join(outputs) or 'none'})"
            )


def contract_table(contracts: Iterable[Contract]) -> str:
    """The README's contract table: per stack, what it publishes (and when, if not always) and what it reads."""
    lines = ["| stack | publishes | reads |", "|---|---|---|"]
    for contract in contracts:
        published = []
        for output in contract.publishes:
            when = contract.conditional.get(output)
            published.append(f"`{output}` ({when})" if when else f"`{output}`")
        reads = [
            f"{producer}: " + ", ".join(f"`{output}`" for output in outputs)
            for producer, outputs in contract.reads.items()
        ]
        lines.append(f"| `{contract.stack}` | {', '.join(published)} | {'; '.join(reads) or '—'} |")
    return "\n".join(lines) + "\n"
