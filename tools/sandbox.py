"""`make sandbox`: the whole backend on a local AWS emulator, deployed with `cdktf deploy`, no AWS account.

Starts moto server on loopback, creates the state bucket with the bootstrap stack, deploys every other
stack in dependency order (S3 backend with `use_lockfile`, so each cross-stack read is a real
`terraform_remote_state` read from S3), prints the outputs and the frontend env file, then keeps the
emulator running until Ctrl-C. `--teardown` destroys the stacks in reverse order and exits instead.

    python -m tools.sandbox [--teardown] [--port PORT] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from constructs_lib.config import PROJECT_ROOT
from emulator.server import Emulator
from emulator.shims import EMULATOR_GAPS
from tools.deploy import DeployError, DeploySettings, cdktf, frontend_env
from tools.manifest import Manifest, ManifestError, deploy_order, destroy_graph

DEFAULT_WORKDIR = PROJECT_ROOT / "build" / "sandbox"


def _say(message: str) -> None:
    print(f"\n== {message}", flush=True)


def run(*, workdir: Path, port: int | None, teardown: bool) -> int:
    # The emulator keeps everything in memory, so each sandbox starts from nothing: old state would lie.
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    settings = DeploySettings(workdir=workdir)
    with Emulator(port=port) as emulator:
        env = settings.environ(emulator.env())
        config = settings.config(env)
        _say(f"AWS emulator (moto server) at {emulator.url}; state bucket {settings.state_bucket}")
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
            return 0
        _say(
            f"running; try: AWS_ENDPOINT_URL={emulator.url} AWS_ACCESS_KEY_ID=testing "
            f"AWS_SECRET_ACCESS_KEY=testing aws --region {config.region} --no-verify-ssl dynamodb list-tables\n"
            "   Ctrl-C stops the emulator (everything in it is gone)."
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            _say("stopping the emulator")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make sandbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--teardown", action="store_true", help="destroy the stacks in reverse order and exit")
    parser.add_argument("--port", type=int, default=None, help="emulator port (default: a free one)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="synth output and bootstrap state")
    args = parser.parse_args(argv)
    try:
        return run(workdir=args.workdir.resolve(), port=args.port, teardown=args.teardown)
    except (DeployError, ManifestError) as error:
        print(f"junokit: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
