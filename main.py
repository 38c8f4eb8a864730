"""Synthesize the Junokit stacks of the selected environment(s) into cdktf.out/.

JUNOKIT_ENV selects dev (default), staging, prod or `all`; see README.md for the other settings.
Bad input prints one line naming the problem and exits 2 without touching cdktf.out/; a stack that
breaks a policy rule (constructs_lib/policy) prints one line per violation and exits 1, writing nothing.
When run by the cdktf CLI (which sets CDKTF_OUTDIR), output goes where the CLI asks; otherwise it is
written to a staging folder first and swapped in whole, so a failed synth never leaves a half-written
cdktf.out/.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import fastsynth
from constructs_lib.config import ENVIRONMENTS, ConfigError, EnvironmentConfig, load_config, synth_outdir

if TYPE_CHECKING:
    from cdktf import App

AppBuilder = Callable[["App", Sequence[EnvironmentConfig]], object]


class PolicyViolationError(Exception):
    """Synth refused: one or more stacks break a policy rule; `violations` holds one line each."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__(f"{len(violations)} policy violation(s)")
        self.violations = violations


def selected_configs(environ: Mapping[str, str]) -> list[EnvironmentConfig]:
    """JUNOKIT_ENV=<name> or `all`; every selected environment is validated before anything is built."""
    selection = environ.get("JUNOKIT_ENV") or "dev"
    names = ENVIRONMENTS if selection == "all" else (selection,)
    if selection != "all" and selection not in ENVIRONMENTS:
        raise ConfigError(f"environment {selection!r} is not allowed (allowed: {', '.join(ENVIRONMENTS)}, all)")
    return [load_config(name, environ=environ) for name in names]


def synth(configs: list[EnvironmentConfig], outdir: Path, *, build: AppBuilder | None = None) -> None:
    """Build and synthesize the app; raise PolicyViolationError if any stack breaks a policy rule.

    The rules run on the files cdktf writes, which the caller then discards, except under the cdktf CLI
    (CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS): there they run at synth time, as annotations for the CLI.
    """
    require_node()
    from cdktf import App

    from constructs_lib.policy import checked_after_synth, errors_may_be_ignored, policy_errors
    from stacks.app import build_app

    app = App(outdir=str(outdir))
    (build or build_app)(app, configs)
    if errors_may_be_ignored():  # the cdktf CLI: the annotations go into its manifest, as cdktf writes them
        app.synth()
        violations = policy_errors(app)
    else:  # this process owns `outdir`: the stacks are checked in the files cdktf wrote (see checked_after_synth)
        with checked_after_synth() as after_synth:
            try:
                app.synth()
            except RuntimeError:
                violations = policy_errors(app)
                if violations:
                    raise PolicyViolationError(violations) from None
                raise
        violations = policy_errors(app) if after_synth.check(outdir) else []
    if violations:
        raise PolicyViolationError(violations)


def require_node() -> None:
    if shutil.which("node") is None:
        raise ConfigError(
            "Node.js (node) is not on PATH; cdktf's Python bindings run on it (allowed: Node.js 20 or later)"
        )


def kernel_start_failure(error: ValueError, environ: Mapping[str, str]) -> str | None:
    """The one-line message for a jsii kernel (node) that broke off before its first message, else None.

    jsii reads that message as JSON, so all it reports is "Expecting value". Either node exited (its reason, say a
    flag NODE_OPTIONS may not hold, is on stderr already) or it wrote something else to stdout first (a flag such
    as --trace-gc). The process is stopped here, quietly: jsii's exit handler would write to its closed pipe and
    print a traceback.
    """
    if not isinstance(error, json.JSONDecodeError):
        return None
    node = _handshaking_kernel(error)
    if node is None:
        return None
    with contextlib.suppress(OSError):
        node._process.stdin.close()
    try:
        node._process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        node._process.kill()
    node.stop()  # waits for its stderr to be printed, so this line comes after node's
    options = f" (NODE_OPTIONS={environ['NODE_OPTIONS']!r})" if environ.get("NODE_OPTIONS") else ""
    if error.doc.strip():
        return (
            f"the jsii kernel (node) wrote {error.doc.strip()[:80]!r} where its first message belongs, "
            f"so it cannot be used{options}; allowed: nothing but jsii's messages on node's stdout"
        )
    status = node._process.returncode
    return f"the jsii kernel (node) exited with status {status} before it started{options}; node's reason is above"


def _handshaking_kernel(error: json.JSONDecodeError) -> Any:
    """jsii's `_NodeProcess` whose hello `error` broke off, if that is where `error` comes from (found by jsii's
    names; under a jsii that renames them, its own message is printed)."""
    for frame, _ in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_name == "handshake" and frame.f_globals.get("__name__") == "jsii._kernel.providers.process":
            return frame.f_locals.get("self")
    return None


def _swap_in(staging: Path, outdir: Path) -> None:
    """Replace `outdir` by `staging` with renames only, so readers see the old or the new output."""
    old = outdir.with_name(outdir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if outdir.exists():
        outdir.rename(old)
    staging.rename(outdir)
    shutil.rmtree(old, ignore_errors=True)


def main(environ: Mapping[str, str] = os.environ, *, build: AppBuilder | None = None) -> int:
    """Exit status: 0 synthesized, 1 a policy rule is broken, 2 bad input."""
    try:
        configs = selected_configs(environ)
        require_node()
        # jsii prints a banner on every start under Node 20; it says nothing about this project's output.
        os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        fastsynth.install(environ)  # before cdktf is imported; the kernel starts while Python imports the bindings
        if environ.get("CDKTF_OUTDIR"):
            synth(configs, Path(environ["CDKTF_OUTDIR"]), build=build)
            fastsynth.finish()
            return 0
        outdir = synth_outdir(environ)
        outdir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".cdktf.out.", dir=outdir.parent))
        try:
            synth(configs, staging, build=build)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _swap_in(staging, outdir)
        fastsynth.finish()
    except PolicyViolationError as error:
        for violation in error.violations:
            print(f"junokit: policy: {violation}", file=sys.stderr)
        return 1
    except (ConfigError, ValueError) as error:
        print(f"junokit: error: {kernel_start_failure(error, environ) or error}", file=sys.stderr)
        return 2
    return 0


def exit_now(status: int) -> NoReturn:
    """End the process once the synth is done, skipping the interpreter's teardown.

    Tearing down the bindings' modules and objects costs ~0.1 s (a tenth of a synth) and does nothing a caller
    can see: the output is on disk. What a normal exit does first still runs: the exit handlers (jsii's stops the
    kernel, which removes its temporary folder) and the flush of stdout and stderr.
    """
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    exit_now(main())
