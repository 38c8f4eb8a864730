"""`make sandbox`: the whole backend on a local AWS emulator, deployed with `cdktf deploy`, no AWS account.

Starts moto server on loopback, creates the state bucket with the bootstrap stack, deploys every other
stack in dependency order (S3 backend with `use_lockfile`, so each cross-stack read is a real
`terraform_remote_state` read from S3), prints the outputs, the frontend env file and how the operator
commands reach the emulator (its CA certificate is published in the work folder), then keeps the emulator
running until it is stopped: Ctrl-C, SIGTERM or SIGHUP (a closed terminal) all stop the emulator and free
its port. `--teardown` destroys the stacks in reverse order and exits instead. While it runs, `operator-env.json`
in the work folder holds the environment the operator commands need to reach the emulator (as the `export` line it
prints); it is removed when the emulator stops.

    python -m tools.sandbox [--teardown] [--port PORT] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from constructs_lib.config import PROJECT_ROOT, EnvironmentConfig
from emulator.server import CREDENTIALS, Emulator
from emulator.shims import EMULATOR_GAPS
from tools.deploy import DeployError, DeploySettings, cdktf, frontend_env
from tools.manifest import Manifest, ManifestError, deploy_order, destroy_graph

DEFAULT_WORKDIR = PROJECT_ROOT / "build" / "sandbox"
OPERATOR_ENV_FILE = "operator-env.json"
"""In the work folder while the emulator runs: `operator_env()`, for scripts (`make bench BENCH_ARGS=--plans`)."""
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)
"""Besides Ctrl-C (SIGINT): what a process manager or a closed terminal sends."""

Deploy = Callable[[Emulator, DeploySettings, bool], None]
"""Deploys (and with `teardown` destroys) the stacks on a running emulator."""


def _say(message: str) -> None:
    print(f"\n== {message}", flush=True)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP end the sandbox as Ctrl-C does (KeyboardInterrupt), so the emulator is stopped."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        # Once stopping, further signals must not cut the emulator's shutdown short.
        for sig in (*STOP_SIGNALS, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (*STOP_SIGNALS, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def deploy_stacks(emulator: Emulator, settings: DeploySettings, teardown: bool) -> None:
    """Synth, bootstrap, every other stack; print outputs and the env file; destroy again with `teardown`."""
    env = settings.environ(emulator.env())
    config = settings.config(env)
    workdir = settings.workdir
    cdktf(["synth"], settings=settings, env=env)
    graph = Manifest.load(settings.outdir).graph(config)
    order = deploy_order(graph)
    bootstrap, stacks = order[0], order[1:]
    outputs_file = workdir / "outputs.json"

    _say(f"cdktf deploy {bootstrap} (creates the state bucket; its own state stays in {workdir / 'terraform-state'})")
    cdktf(["deploy", bootstrap, "--auto-approve", "--skip-synth"], settings=settings, env=env)
    _say(f"cdktf deploy {' '.join(stacks)}")
    cdktf(
        [
            "deploy",
            *stacks,
            "--auto-approve",
            "--skip-synth",
            "--outputs-file",
            str(outputs_file),
            "--outputs-file-include-sensitive-outputs",
        ],
        settings=settings,
        env=env,
    )

    outputs = json.loads(outputs_file.read_text())
    _say(f"outputs ({outputs_file})")
    print(json.dumps(outputs, indent=2, sort_keys=True))
    env_file = workdir / "frontend.env"
    env_file.write_text(frontend_env(config, outputs))
    _say(f"frontend env file ({env_file})")
    print(env_file.read_text(), end="")
    _say("emulator gaps worked around (see emulator/shims.py)")
    for resource, gap, handling in EMULATOR_GAPS:
        print(f"- {resource}: {gap}; {handling}")
    if emulator.egress:
        print(f"warning: requests for non-loopback hosts were refused: {', '.join(sorted(set(emulator.egress)))}")

    if teardown:
        reverse = deploy_order(destroy_graph(graph, keep=[bootstrap]))
        _say(f"cdktf destroy {' '.join(reverse)} (the state bucket stays: it holds their states)")
        cdktf(["destroy", *reverse, "--auto-approve", "--skip-synth"], settings=settings, env=env)
        _say("torn down; stopping the emulator")


def operator_env(emulator: Emulator, config: EnvironmentConfig) -> dict[str, str]:
    """What the operator commands (Terraform, the AWS CLI, boto3) need to reach the emulator and trust it."""
    assert emulator.tls is not None
    return {
        "AWS_ENDPOINT_URL": emulator.url,
        "AWS_CA_BUNDLE": str(emulator.tls.ca_bundle),
        **CREDENTIALS,
        "AWS_REGION": config.region,
    }


def operator_instructions(emulator: Emulator, settings: DeploySettings, config: EnvironmentConfig) -> str:
    """How the operator commands reach the emulator and trust its certificate (no verification turned off)."""
    assert emulator.tls is not None
    root = PROJECT_ROOT
    outdir = settings.outdir.relative_to(root) if settings.outdir.is_relative_to(root) else settings.outdir
    exported = " ".join(f"{name}={value}" for name, value in operator_env(emulator, config).items())
    return "\n".join(
        [
            "running; the emulator's certificate is signed by a CA made for this run. In another shell:",
            f"   export {exported}",
            f"   aws --endpoint-url {emulator.url} dynamodb list-tables",
            f'   make set-secrets SECRETS_ARGS="--endpoint-url {emulator.url}"',
            f"   .venv/bin/python -m tools.frontend_env --endpoint-url {emulator.url} --outdir {outdir}",
            f"   make smoke JUNOKIT_AWS_ENDPOINT={emulator.url} "
            f'SMOKE_ARGS="--outputs {settings.workdir / "outputs.json"} --ca-bundle {emulator.tls.ca_bundle}"',
            f"   .venv/bin/python -m tools.drift --outdir {outdir} --plans {settings.workdir / 'drift'}",
            "   Ctrl-C (or SIGTERM, or closing the terminal) stops the emulator; everything in it is gone.",
        ]
    )


def run(*, workdir: Path, port: int | None, teardown: bool, deploy: Deploy = deploy_stacks) -> int:
    # The emulator keeps everything in memory, so each sandbox starts from nothing: old state would lie.
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    settings = DeploySettings(workdir=workdir)
    holding = False
    published = workdir / OPERATOR_ENV_FILE
    with stop_on_signals():
        try:
            with Emulator(port=port, tls_dir=workdir / "tls") as emulator:
                config = settings.config(settings.environ(emulator.env()))
                _say(
                    f"AWS emulator (moto server, pid {emulator.pid}) at {emulator.url}; "
                    f"state bucket {settings.state_bucket}; CA certificate {emulator.tls.ca_bundle if emulator.tls else '-'}"
                )
                deploy(emulator, settings, teardown)
                if teardown:
                    return 0
                holding = True
                scratch = published.with_name(published.name + ".tmp")  # renamed whole: a reader sees all or none
                scratch.write_text(json.dumps(operator_env(emulator, config), indent=2) + "\n")
                scratch.replace(published)
                _say(operator_instructions(emulator, settings, config))
                while True:
                    time.sleep(3600)
        except KeyboardInterrupt as stopped:
            _say(f"stopping the emulator ({stopped or 'SIGINT'})")
            return 0 if holding else 130
        finally:
            # The emulator has stopped here (its context exited); say so for whoever watches the port.
            published.unlink(missing_ok=True)
            print("junokit: emulator stopped", flush=True)


def main(argv: list[str] | None = None, *, deploy: Deploy = deploy_stacks) -> int:
    parser = argparse.ArgumentParser(prog="make sandbox", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--teardown", action="store_true", help="destroy the stacks in reverse order and exit")
    parser.add_argument("--port", type=int, default=None, help="emulator port (default: a free one)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="synth output and bootstrap state")
    args = parser.parse_args(argv)
    try:
        return run(workdir=args.workdir.resolve(), port=args.port, teardown=args.teardown, deploy=deploy)
    except (DeployError, ManifestError) as error:
        print(f"junokit: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
