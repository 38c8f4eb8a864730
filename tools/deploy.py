"""Deploying an environment's stacks: synth, dependency order, Terraform and cdktf runs, outputs.

Used by `make sandbox` (which deploys with `cdktf deploy`, as an operator does) and by the end-to-end test
(which runs `terraform` itself in the synthesized stack folders, for parallel applies, plans with
`-detailed-exitcode` and the state-lock test). Both take the stacks, their dependencies and their order from
`tools.manifest`, so neither keeps its own list of stacks that could drift from `stacks/app.py`.
With the s3 backend every stack needs the state bucket, so the bootstrap stack always comes first.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from constructs_lib.config import PROJECT_ROOT, EnvironmentConfig, load_config
from tools.manifest import Manifest
from tools.terraform import cli_env, needs_init, run_init

SANDBOX_STATE_BUCKET = "junokit-tfstate-sandbox"


class DeployError(RuntimeError):
    """A synth or deploy step failed; the message ends with the tail of the tool's output."""


def tail(text: str, lines: int = 25) -> str:
    """The last `lines` non-empty lines of a tool's output: where Terraform puts its error."""
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


@dataclass(frozen=True, kw_only=True)
class DeploySettings:
    """One environment deployed with the s3 backend into `workdir` (synth output and bootstrap state)."""

    workdir: Path
    """Holds `cdktf.out/` and, next to it, `terraform-state/` with the bootstrap stack's local state."""
    environment: str = "dev"
    state_bucket: str = SANDBOX_STATE_BUCKET

    @property
    def outdir(self) -> Path:
        return self.workdir / "cdktf.out"

    def environ(self, base: Mapping[str, str]) -> dict[str, str]:
        """`base` (e.g. an emulator's `env()`) plus the settings `main.py` and Terraform read."""
        env = cli_env(base)
        env.pop("CDKTF_OUTDIR", None)
        env.update(
            JUNOKIT_ENV=self.environment,
            JUNOKIT_BACKEND="s3",
            JUNOKIT_STATE_BUCKET=self.state_bucket,
            # Relative to the parent of cdktf.out/ (see constructs_lib.state): workdir/terraform-state.
            JUNOKIT_STATE_DIR="terraform-state",
            JUNOKIT_OUTDIR=str(self.outdir),
            # An emulator answers at once or not at all: an unsupported call fails fast instead of backing off
            # through the provider's default 25 attempts (minutes).
            AWS_MAX_ATTEMPTS=env.get("AWS_MAX_ATTEMPTS", "3"),
        )
        return env

    def config(self, env: Mapping[str, str]) -> EnvironmentConfig:
        return load_config(self.environment, environ=env)


@dataclass(frozen=True, kw_only=True)
class Run:
    """One finished command (or a step that could not start because a prerequisite failed)."""

    stack_id: str
    action: str
    returncode: int
    stdout: str = ""
    stderr: str = ""
    started: float = 0.0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def finished(self) -> float:
        return self.started + self.seconds

    def explain(self) -> str:
        """What an assertion message shows: the command's exit code and the tail of its output."""
        output = tail(self.stderr or self.stdout)
        if self.stderr and self.stdout and "timed out" in self.stderr:
            output = f"{tail(self.stdout, 15)}\n{output}"  # what it was still doing when it was stopped
        return f"{self.action} {self.stack_id} exited {self.returncode}:\n{output}"


def run_graph(
    steps: Mapping[str, Callable[[], Run]],
    after: Mapping[str, Sequence[str]],
    *,
    workers: int = 3,
    order_only: Collection[str] = (),
) -> dict[str, Run]:
    """Run each step as soon as the steps it comes after have succeeded, up to `workers` at once.

    A step whose prerequisite failed is not run; its `Run` has returncode -1 and names the failed step.
    Steps named in `order_only` (e.g. checks whose result is judged elsewhere) only have to finish.
    """
    results: dict[str, Run] = {}
    waiting = dict(steps)
    running: dict[Future[Run], str] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while waiting or running:
            changed = True
            while changed:  # a skipped step may in turn skip or release others
                changed = False
                for name in list(waiting):
                    before = [b for b in after.get(name, ()) if b in steps]
                    failed = [b for b in before if b in results and not results[b].ok and b not in order_only]
                    if failed:
                        results[name] = Run(
                            stack_id=name, action="skipped", returncode=-1, stderr=f"not run: {failed[0]} failed"
                        )
                        del waiting[name]
                        changed = True
                    elif all(b in results for b in before):
                        running[pool.submit(waiting.pop(name))] = name
            if not running:
                if waiting:
                    raise DeployError(f"steps wait for each other: {', '.join(sorted(waiting))}")
                continue
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
                try:
                    results[name] = future.result()
                except Exception as error:
                    results[name] = Run(stack_id=name, action="error", returncode=-1, stderr=repr(error))
    return results


class Terraform:
    """`terraform` in the stack folders of one synth; keeps every run so the caller can report timings."""

    def __init__(self, *, manifest: Manifest, env: Mapping[str, str], timeout: float = 600.0) -> None:
        self.manifest = manifest
        self.env = dict(env)
        self.timeout = timeout
        self.runs: list[Run] = []
        self._lock = threading.Lock()

    def directory(self, stack_id: str) -> Path:
        return self.manifest.stacks[stack_id].directory

    def command(self, stack_id: str, *args: str) -> list[str]:
        return ["terraform", f"-chdir={self.directory(stack_id)}", *args]

    def run(self, stack_id: str, action: str, *args: str) -> Run:
        started = time.monotonic()
        try:
            done = subprocess.run(
                self.command(stack_id, *args),
                env=self.env,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
            returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as expired:
            returncode, stdout = -9, _text(expired.stdout)
            stderr = f"{_text(expired.stderr)}\ntimed out after {self.timeout:.0f} s"
        return self.record(
            Run(
                stack_id=stack_id,
                action=action,
                returncode=returncode,
                stdout=stdout,
                stderr=stderr,
                started=started,
                seconds=time.monotonic() - started,
            )
        )

    def record(self, run: Run) -> Run:
        """Keep `run` for the timing report (also for commands the caller ran itself)."""
        with self._lock:
            self.runs.append(run)
        return run

    def init(self, stack_id: str) -> Run:
        return run_init(
            self.directory(stack_id),
            lambda: self.run(stack_id, "init", "init", "-input=false", "-no-color"),
            lambda run: run.ok,
        )

    def _ensure_init(self, stack_id: str) -> Run | None:
        """Init unless the stack's folder is initialized for this configuration (`tools.terraform.needs_init`)."""
        if not needs_init(self.directory(stack_id)):
            return None
        result = self.init(stack_id)
        return None if result.ok else result

    def apply(self, stack_id: str, *extra: str) -> Run:
        return self._ensure_init(stack_id) or self.run(
            stack_id, "apply", "apply", "-auto-approve", "-input=false", "-no-color", *extra
        )

    def plan(self, stack_id: str, *extra: str) -> Run:
        """`plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error."""
        return self._ensure_init(stack_id) or self.run(
            stack_id, "plan", "plan", "-detailed-exitcode", "-input=false", "-no-color", *extra
        )

    def destroy(self, stack_id: str, *extra: str) -> Run:
        return self._ensure_init(stack_id) or self.run(
            stack_id, "destroy", "destroy", "-auto-approve", "-input=false", "-no-color", *extra
        )

    def outputs(self, stack_id: str) -> dict[str, object]:
        """The stack's outputs from its state (no provider involved)."""
        result = self.run(stack_id, "output", "output", "-json", "-no-color")
        if not result.ok:
            raise DeployError(result.explain())
        return {name: entry["value"] for name, entry in json.loads(result.stdout or "{}").items()}


def _text(output: str | bytes | None) -> str:
    return output.decode("utf-8", "replace") if isinstance(output, bytes) else output or ""


def synth(env: Mapping[str, str], *, outdir: Path, label: str) -> Run:
    """`main.py` into `outdir`, as `make synth` runs it; a `Run` (named `label`) so it shows in the timings."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py")],
        cwd=PROJECT_ROOT,
        env={**env, "JUNOKIT_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        check=False,
    )
    return Run(
        stack_id=label,
        action="synth",
        returncode=done.returncode,
        stdout=done.stdout,
        stderr=done.stderr,
        started=started,
        seconds=time.monotonic() - started,
    )


def cdktf_command() -> list[str]:
    """The project's own cdktf CLI (node_modules), else whatever `npx` finds."""
    local = PROJECT_ROOT / "node_modules" / ".bin" / "cdktf"
    return [str(local)] if local.exists() else [shutil.which("npx") or "npx", "cdktf"]


def cdktf(args: Sequence[str], *, settings: DeploySettings, env: Mapping[str, str]) -> None:
    """Run the cdktf CLI on the project (output streams to the terminal); raise if it fails.

    `--skip-provider-lock` because `terraform providers lock` asks the public registry for checksums,
    which an offline run with a provider mirror cannot (and need not) reach.
    """
    argv = [*cdktf_command(), *args, "--output", str(settings.outdir)]
    if args and args[0] in ("deploy", "destroy"):
        argv.append("--skip-provider-lock")
    done = subprocess.run(argv, cwd=PROJECT_ROOT, env={**env, "FORCE_COLOR": "0"}, check=False)
    if done.returncode != 0:
        raise DeployError(f"{' '.join(argv[1:3])} failed with exit code {done.returncode}")


def frontend_env(config: EnvironmentConfig, outputs: Mapping[str, Mapping[str, object]]) -> str:
    """The web app's env file from deployed outputs (`outputs[stack_id][output_name]`), as `make frontend-env`
    writes it (same variables, same format), for a deployment whose outputs are already at hand."""
    from tools.frontend_env import FROM_OUTPUTS, REGION_VARIABLE, render

    values: dict[str, str] = {}
    for variable, (stack, output) in FROM_OUTPUTS.items():
        value = outputs.get(config.stack_id(stack), {}).get(output)
        if not isinstance(value, str) or not value:
            raise DeployError(f"stack {config.stack_id(stack)} has no output {output}")
        values[variable] = value
    values[REGION_VARIABLE] = config.region
    body = render(values, environment=config.name).split("\n", 1)[1]
    return f"# Junokit {config.name}: from the deployed stacks' outputs\n{body}"
