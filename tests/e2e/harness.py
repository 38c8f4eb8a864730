"""The end-to-end run behind `tests/e2e/test_emulator.py`: the real stacks, the real Terraform, one emulator.

Terraform is driven directly in the synthesized stack folders (not through `cdktf deploy`, which `make
sandbox` uses): one `cdktf deploy` plans and applies in two Terraform processes and synthesizes again,
which would double the cost of every step, and the test needs control the CLI does not give (parallel
plans with `-detailed-exitcode`, an apply held at its approval prompt). Stacks, dependencies and settings
come from `tools.deploy`, the same code the sandbox uses; the synth is what `main.synth` does (one cdktf
App, `stacks.app.build_app`, synth), in this process (which has loaded cdktf already), for dev and prod at
once, keeping the stack objects for checks that need the code's own tables (the api's routes).

Two phases: in the fixture, one graph of applies, re-plans (each stack right after its apply) and the prod
destroy attempt (`EndToEnd.runs`); after the checks, when a test first needs it, the reverse-order teardown
(`EndToEnd.teardown`). The state-lock test
rides on the first apply of one stack (`LOCK_STACK`): that apply stops at its approval prompt holding the
lock while a second apply is refused, then goes on. A separate locked apply would cost another four
provider starts (~15 s of CPU) and prove nothing more; the re-plan afterwards shows the state is intact.
"""

from __future__ import annotations

import functools
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import ClientError
from cdktf import App

from constructs_lib.config import load_config
from constructs_lib.contract import BOOTSTRAP_STACK, StackName
from constructs_lib.stack import JunokitStack
from constructs_lib.state import state_location
from emulator.server import Emulator
from stacks.app import build_app
from tests.e2e.checks import Deployed, inventory
from tools.deploy import DeployError, DeploySettings, Run, Terraform, run_graph
from tools.manifest import Manifest, destroy_graph

# At most this many Terraform processes at once: each is CPU-bound while its provider starts.
WORKERS = 3
# Seconds one Terraform command may take; a loaded machine needs ~70 s for the slowest.
COMMAND_TIMEOUT = 300.0
# The stack whose first apply races a second apply for the state lock: off the longest dependency chain.
LOCK_STACK = StackName.DATA


@dataclass(frozen=True, kw_only=True)
class LockEvidence:
    """What happened when a second apply of a stack ran while the first one held the state lock."""

    held: bool
    """The S3 lock object existed while the first apply waited for approval."""
    refused: Run
    """The second apply, started with -lock-timeout=0s."""
    state_before: bytes | None
    """The state object when the first apply started (None: not written yet)."""
    state_while_refused: bytes | None
    """The state object right after the refused apply: must be identical to `state_before`."""
    state_after: dict[str, Any]
    lock_left: bool
    """The lock object still existed after the first apply finished."""


@dataclass(frozen=True, kw_only=True)
class ProtectionEvidence:
    """The prod table after `terraform destroy` was refused, before the test removed it through the API."""

    table_exists: bool
    deletion_protection: bool
    api_delete_error: str
    """Error code of a plain DeleteTable call on the protected table ('' if it was not refused)."""


class EndToEnd:
    """One lifecycle of the dev stacks (plus the prod data stack) on one emulator."""

    def __init__(self, *, emulator: Emulator, workdir: Path) -> None:
        self.emulator = emulator
        self.settings = DeploySettings(workdir=workdir)
        self.env = self.settings.environ(emulator.env())
        self.config = self.settings.config(self.env)
        # prod's data stack shares the state bucket under its own key, like a second environment would.
        self.prod_config = load_config("prod", environ={**self.env, "JUNOKIT_ENV": "prod"})
        self.bootstrap = self.config.stack_id(BOOTSTRAP_STACK)
        self.prod_data = self.prod_config.stack_id(StackName.DATA)
        self.phase_seconds: dict[str, float] = {}
        self.synths: list[Run] = []
        self.runs: dict[str, Run] = {}
        """The deploy graph's results: applies by stack id, `plan <stack id>`, `prod destroy`, `prod removal`."""
        self.outputs: dict[str, dict[str, Any]] = {}
        self.lock: LockEvidence | None = None
        self.protection: ProtectionEvidence | None = None
        self._terraform: Terraform | None = None
        self.stacks: dict[str, JunokitStack] = {}
        self.graph: dict[str, tuple[str, ...]] = {}
        self.destroyed_inventory: dict[str, set[str]] = {}
        self.baseline = inventory(emulator)

    @contextmanager
    def _phase(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.phase_seconds[name] = time.monotonic() - started

    @property
    def terraform(self) -> Terraform:
        """Terraform in the synthesized stack folders (after `deploy` synthesized them)."""
        if self._terraform is None:
            raise DeployError("nothing synthesized yet")
        return self._terraform

    def stack_id(self, name: str) -> str:
        return self.config.stack_id(name)

    def name_of(self, stack_id: str) -> str:
        return stack_id.removeprefix(self.config.stack_id(""))

    # --- apply -------------------------------------------------------------------------------------

    def deploy(self) -> None:
        """Synthesize dev and prod, then apply the bootstrap stack and every other stack in dependency order."""
        with self._phase("synth"):
            started = time.monotonic()
            app = App(outdir=str(self.settings.outdir))
            self.stacks = build_app(app, [self.config, self.prod_config])[self.config.name]
            app.synth()
            seconds = time.monotonic() - started
            self.synths = [Run(stack_id="dev+prod", action="synth", returncode=0, started=started, seconds=seconds)]
        manifest = Manifest.load(self.settings.outdir)
        self._terraform = Terraform(manifest=manifest, env=self.env, timeout=COMMAND_TIMEOUT)
        self.graph = self.terraform.manifest.graph(self.config)

        steps: dict[str, Callable[[], Run]] = {
            stack: functools.partial(self._apply_and_read_outputs, stack, self.terraform.apply) for stack in self.graph
        }
        locked = self.stack_id(LOCK_STACK)
        steps[locked] = functools.partial(self._apply_and_read_outputs, locked, self._apply_against_a_second_apply)
        after: dict[str, tuple[str, ...]] = dict(self.graph)
        # Each stack is re-planned as soon as it is applied (the stacks it reads are applied before it), so
        # plans fill the cores while the longest dependency chain is still applying.
        for stack in self.graph:
            steps[f"plan {stack}"] = functools.partial(self.terraform.plan, stack)
            after[f"plan {stack}"] = (stack,)
        # The prod protection demo needs only the bucket; it runs alongside the dev stacks.
        steps[self.prod_data] = functools.partial(self.terraform.apply, self.prod_data)
        after[self.prod_data] = (self.bootstrap,)
        # -refresh=false: prevent_destroy stops the destroy plan either way; refreshing adds a provider start.
        steps["prod destroy"] = functools.partial(
            self.terraform.run,
            self.prod_data,
            "destroy (must fail)",
            "destroy",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-refresh=false",
        )
        after["prod destroy"] = (self.prod_data,)
        steps["prod removal"] = self._remove_prod_data
        after["prod removal"] = ("prod destroy",)
        # A plan's or the destroy attempt's result is judged by the tests; it holds nothing back.
        judged = {name for name in steps if name.startswith("plan ")} | {"prod destroy"}
        with self._phase("apply, re-plans, prod destroy attempt"):
            self.runs = run_graph(steps, after, workers=WORKERS, order_only=judged)

    def _apply_and_read_outputs(self, stack_id: str, apply: Callable[[str], Run]) -> Run:
        """Apply, then keep the stack's outputs (`terraform output`, read from its state) for the checks."""
        run = apply(stack_id)
        if run.ok:
            self.outputs[self.name_of(stack_id)] = self.terraform.outputs(stack_id)
        return run

    @property
    def deployed(self) -> Deployed:
        return Deployed(config=self.config, outputs=self.outputs, emulator=self.emulator, stacks=self.stacks)

    def state_of(self, stack_id: str) -> tuple[str, str]:
        """Bucket and key of a dev stack's state."""
        return self.config.backend.state_bucket, state_location(self.config, stack_id).s3_key

    def _apply_against_a_second_apply(self, stack_id: str) -> Run:
        """Apply `stack_id`, and while that apply holds the state lock, start a second apply of it.

        The first apply runs without -auto-approve and stops at its approval prompt, holding the lock: the
        window is deterministic, no race against timing. The second apply (-lock-timeout=0s) must be
        refused and leave the state as it was; then the first one is approved and completes.
        """
        init = self.terraform.init(stack_id)
        if not init.ok:
            return init
        s3 = self.emulator.client("s3")
        bucket, key = self.state_of(stack_id)
        before = _read(s3, bucket, key)
        started = time.monotonic()
        holder = subprocess.Popen(
            self.terraform.command(stack_id, "apply", "-input=true", "-lock-timeout=0s", "-no-color"),
            env={**self.terraform.env, "TF_INPUT": "1"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        stdout, stderr = _Collector(holder.stdout, until=b"Enter a value:"), _Collector(holder.stderr)
        try:
            stdout.done.wait(timeout=self.terraform.timeout)
            if not stdout.found or holder.poll() is not None:
                holder.kill()
                returncode = holder.wait()
                stdout.join()
                stderr.join()
                return self.terraform.record(
                    Run(
                        stack_id=stack_id,
                        action="apply",
                        returncode=returncode or -1,
                        stdout=stdout.text(),
                        stderr="the apply never asked for approval:\n" + stderr.text(),
                        started=started,
                        seconds=time.monotonic() - started,
                    )
                )
            held = _exists(s3, bucket, f"{key}.tflock")
            refused = self.terraform.run(
                stack_id, "apply (refused)", "apply", "-auto-approve", "-input=false", "-lock-timeout=0s", "-no-color"
            )
            during = _read(s3, bucket, key)
            assert holder.stdin is not None
            holder.stdin.write(b"yes\n")
            holder.stdin.close()
            returncode = holder.wait(timeout=self.terraform.timeout)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
        stdout.join()
        stderr.join()
        after = _read(s3, bucket, key)
        self.lock = LockEvidence(
            held=held,
            refused=refused,
            state_before=before,
            state_while_refused=during,
            state_after=json.loads(after) if after else {},
            lock_left=_exists(s3, bucket, f"{key}.tflock"),
        )
        return self.terraform.record(
            Run(
                stack_id=stack_id,
                action="apply",
                returncode=returncode,
                stdout=stdout.text(),
                stderr=stderr.text(),
                started=started,
                seconds=time.monotonic() - started,
            )
        )

    # --- after the checks: teardown ----------------------------------------------------------------

    @functools.cached_property
    def teardown(self) -> dict[str, Run]:
        """Destroy every dev stack but the bootstrap one, each after every stack that reads it (by stack id).

        The state bucket stays: it holds the (now empty) states and refuses deletion while it does
        (`force_destroy` is off on purpose).
        """
        # -refresh=false: each stack's re-plan refreshed it and found no drift.
        steps = {
            stack: functools.partial(self.terraform.destroy, stack, "-refresh=false") for stack in self.destroy_order
        }
        with self._phase("teardown"):
            results = run_graph(steps, self.destroy_order, workers=WORKERS)
        self.destroyed_inventory = inventory(self.emulator)
        return results

    @property
    def destroy_order(self) -> Mapping[str, tuple[str, ...]]:
        """Each destroyable dev stack and the stacks reading it, which go first."""
        return destroy_graph(self.graph, keep=[self.bootstrap])

    def _remove_prod_data(self) -> Run:
        """Take away the prod data stack's resources through the API, after recording their protection.

        Terraform refuses to destroy them (that is what the test shows), so this is what an operator would
        have to do on purpose: lift deletion protection, then delete. The secret goes without recovery so
        the emulator ends empty.
        """
        started = time.monotonic()
        dynamodb = self.emulator.client("dynamodb")
        table = self.prod_config.resource_name("junokit-user-context")
        try:
            description = dynamodb.describe_table(TableName=table)["Table"]
        except ClientError:
            self.protection = ProtectionEvidence(table_exists=False, deletion_protection=False, api_delete_error="")
            return Run(stack_id=self.prod_data, action="removal", returncode=1, stderr=f"no table {table}")
        try:
            dynamodb.delete_table(TableName=table)
            refused = ""
        except ClientError as error:
            refused = error.response["Error"]["Code"]
        self.protection = ProtectionEvidence(
            table_exists=True,
            deletion_protection=bool(description.get("DeletionProtectionEnabled")),
            api_delete_error=refused,
        )
        if refused:
            dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False)
            dynamodb.delete_table(TableName=table)
        secrets = self.emulator.client("secretsmanager")
        try:
            secrets.delete_secret(
                SecretId=self.prod_config.resource_name("junokit-api-secrets"), ForceDeleteWithoutRecovery=True
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
        seconds = time.monotonic() - started
        return Run(stack_id=self.prod_data, action="removal", returncode=0, started=started, seconds=seconds)

    # --- report ------------------------------------------------------------------------------------

    def timing_lines(self) -> list[str]:
        runs = [*self.synths, *(self._terraform.runs if self._terraform else ())]
        columns = ("init", "apply", "plan", "destroy")
        table: dict[str, dict[str, float]] = {}
        extra: list[str] = []
        for run in runs:
            if run.action in columns:
                table.setdefault(run.stack_id, {})[run.action] = run.seconds
            elif run.action != "output":
                extra.append(f"{run.action} {run.stack_id}: {run.seconds:.1f} s")
        lines = [f"{'stack':<26}" + "".join(f"{c:>9}" for c in columns)]
        for stack, times in table.items():
            lines.append(f"{stack:<26}" + "".join(f"{times[c]:>8.1f}s" if c in times else f"{'-':>9}" for c in columns))
        lines.extend(extra)
        lines.append("phases: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.phase_seconds.items()))
        return lines


class _Collector:
    """Reads a child's pipe on a thread; `done` is set once `until` appeared (`found`) or the pipe closed."""

    def __init__(self, pipe: IO[bytes] | None, *, until: bytes | None = None) -> None:
        self._buffer = bytearray()
        self._until = until
        self.found = False
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def _read(self, pipe: IO[bytes] | None) -> None:
        try:
            while pipe is not None and (chunk := pipe.read1(4096)):  # type: ignore[attr-defined]  # a BufferedReader, typed as IO
                self._buffer.extend(chunk)
                if self._until is not None and not self.found and self._until in self._buffer:
                    self.found = True
                    self.done.set()
        finally:
            self.done.set()

    def text(self) -> str:
        return self._buffer.decode("utf-8", "replace")

    def join(self) -> None:
        self._thread.join(timeout=10)


def _read(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey"):
            return None
        raise


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True
