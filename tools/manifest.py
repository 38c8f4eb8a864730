"""The synthesized stacks, their folders and dependencies, and the orders to deploy and destroy them in.

The one reader of cdktf's `manifest.json`: deploy, plan, the sandbox and the tests all take stacks and their
order from here, so none keeps a list of stacks that could drift from `stacks/app.py`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from constructs_lib.config import EnvironmentConfig
from constructs_lib.contract import BOOTSTRAP_STACK


class ManifestError(ValueError):
    """The synthesized output is missing or not cdktf's, or its stacks form a cycle; one line."""


@dataclass(frozen=True, kw_only=True)
class StackInfo:
    stack_id: str
    directory: Path
    dependencies: tuple[str, ...]
    """Stacks whose outputs this one reads (from `add_dependency`)."""

    @property
    def is_bootstrap(self) -> bool:
        return self.stack_id.endswith(f"-{BOOTSTRAP_STACK}")


@dataclass(frozen=True, kw_only=True)
class Manifest:
    """The stacks `main.py` synthesized, in synth order."""

    outdir: Path
    stacks: Mapping[str, StackInfo]

    @classmethod
    def load(cls, outdir: Path) -> Manifest:
        manifest_file = outdir / "manifest.json"
        try:
            document = json.loads(manifest_file.read_text())
            entries = document["stacks"]
            stacks = {
                stack_id: StackInfo(
                    stack_id=stack_id,
                    directory=outdir / str(entry["workingDirectory"]),
                    dependencies=tuple(str(d) for d in entry.get("dependencies") or ()),
                )
                for stack_id, entry in entries.items()
            }
        except FileNotFoundError:
            raise ManifestError(f"{manifest_file} not found; synthesize first (make synth)") from None
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ManifestError(f"{manifest_file} is not a cdktf manifest: {error!r}") from None
        return cls(outdir=outdir, stacks=stacks)

    def in_order(self, *, bootstrap: bool = False) -> list[StackInfo]:
        """Every stack, producers before consumers (ties keep synth order); bootstrap stacks only if asked."""
        graph = {s.stack_id: s.dependencies for s in self.stacks.values() if bootstrap or not s.is_bootstrap}
        return [self.stacks[stack_id] for stack_id in deploy_order(graph)]

    def graph(self, config: EnvironmentConfig) -> dict[str, tuple[str, ...]]:
        """Each stack of `config`'s environment and what must be applied before it.

        Every stack but the bootstrap one also waits for the bootstrap stack: its backend needs the bucket.
        """
        bootstrap = config.stack_id(BOOTSTRAP_STACK)
        prefix = config.stack_id("")
        graph: dict[str, tuple[str, ...]] = {}
        for stack_id, info in self.stacks.items():
            if not stack_id.startswith(prefix):
                continue
            before = info.dependencies
            if stack_id != bootstrap and bootstrap in self.stacks:
                before = (bootstrap, *before)
            graph[stack_id] = before
        return graph


def deploy_order(graph: Mapping[str, Sequence[str]]) -> list[str]:
    """A topological order of `graph` (stack -> stacks before it): each step takes the first ready stack in the
    graph's own order, so independent stacks keep synth order. Dependencies outside `graph` are ignored."""
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(graph):
        ready = next(
            (
                s
                for s, before in graph.items()
                if s not in placed and all(b in placed or b not in graph for b in before)
            ),
            None,
        )
        if ready is None:
            raise ManifestError(f"stack dependencies form a cycle: {', '.join(sorted(set(graph) - placed))}")
        order.append(ready)
        placed.add(ready)
    return order


def destroy_graph(graph: Mapping[str, Sequence[str]], *, keep: Sequence[str] = ()) -> dict[str, tuple[str, ...]]:
    """The reverse of `graph` without `keep`: each stack is destroyed after every stack that reads it."""
    stacks = [stack for stack in graph if stack not in keep]
    return {stack: tuple(s for s in stacks if stack in graph[s]) for stack in stacks}
