"""Write the web app's environment file from the deployed stacks' outputs.

    make frontend-env                      # JUNOKIT_ENV=dev by default; writes frontend.env
    python -m tools.frontend_env [--output PATH] [--outdir DIR]

The outputs are read with `terraform output -json` in each synthesized stack folder, so this works for
every backend (local, s3, Terraform Cloud) exactly as deploying does; the region comes from the config.
The stacks must be synthesized for the same JUNOKIT_* settings (`make frontend-env` synthesizes first).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from constructs_lib.config import PROJECT_ROOT, ConfigError, EnvironmentConfig, load_config, synth_outdir
from constructs_lib.contract import StackName
from stacks.api.contract import ApiOutputs
from stacks.identity.contract import IdentityOutputs
from tools.terraform import TerraformSetupError, cli_env, needs_init, run_init

# Variable -> (stack, output) it is read from. NEXT_PUBLIC_REGION comes from the config instead.
FROM_OUTPUTS: dict[str, tuple[StackName, str]] = {
    "NEXT_PUBLIC_USER_POOL_ID": (StackName.IDENTITY, IdentityOutputs.USER_POOL_ID),
    "NEXT_PUBLIC_USER_POOL_CLIENT_ID": (StackName.IDENTITY, IdentityOutputs.USER_POOL_CLIENT_ID),
    "NEXT_PUBLIC_API_URL": (StackName.API, ApiOutputs.API_URL),
}
REGION_VARIABLE = "NEXT_PUBLIC_REGION"
_SAFE_VALUE = re.compile(r"[A-Za-z0-9_.:/@+=-]+")

Runner = Callable[[list[str], Path], subprocess.CompletedProcess[str]]


class FrontendEnvError(RuntimeError):
    """Something the operator must fix; the message is one line."""


def terraform_runner(environ: Mapping[str, str]) -> Runner:
    """Runs terraform offline through the provider mirror, non-interactively, capturing its output."""
    env = cli_env(environ)

    def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)

    return run


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def stack_outputs(stack_dir: Path, run: Runner) -> dict[str, object]:
    """The outputs of the stack synthesized in `stack_dir`, from its state through its own backend block."""
    if not (stack_dir / "cdk.tf.json").is_file():
        raise FrontendEnvError(f"{stack_dir} has no synthesized stack: run `make synth` for this environment first")
    if needs_init(stack_dir):
        init = run_init(
            stack_dir,
            lambda: run(["terraform", "init", "-input=false", "-no-color"], stack_dir),
            lambda done: done.returncode == 0,
        )
        if init.returncode != 0:
            raise FrontendEnvError(f"terraform init failed in {stack_dir}: {_last_line(init.stderr or init.stdout)}")
    output = run(["terraform", "output", "-json", "-no-color"], stack_dir)
    if output.returncode != 0:
        raise FrontendEnvError(f"terraform output failed in {stack_dir}: {_last_line(output.stderr or output.stdout)}")
    try:
        document = json.loads(output.stdout or "{}")
    except json.JSONDecodeError:
        raise FrontendEnvError(f"terraform output in {stack_dir} is not JSON") from None
    return {name: entry.get("value") for name, entry in document.items() if isinstance(entry, dict)}


def collect(config: EnvironmentConfig, outdir: Path, run: Runner) -> dict[str, str]:
    """The four NEXT_PUBLIC_ variables of `config`'s environment, in a fixed order."""
    outputs: dict[StackName, dict[str, object]] = {}
    values: dict[str, str] = {}
    for variable, (stack, output) in FROM_OUTPUTS.items():
        stack_id = config.stack_id(stack)
        if stack not in outputs:
            outputs[stack] = stack_outputs(outdir / "stacks" / stack_id, run)
        value = outputs[stack].get(output)
        if not isinstance(value, str) or not value:
            raise FrontendEnvError(
                f"stack {stack_id} has no output {output}: deploy it first (npx cdktf deploy {stack_id})"
            )
        values[variable] = value
    values[REGION_VARIABLE] = config.region
    return values


def check_endpoint(config: EnvironmentConfig, outdir: Path, endpoint_url: str) -> None:
    """The stacks' state lives where `endpoint_url` points: their S3 backend was synthesized for that endpoint."""
    for stack, _ in FROM_OUTPUTS.values():
        stack_id = config.stack_id(stack)
        path = outdir / "stacks" / stack_id / "cdk.tf.json"
        try:
            backend = json.loads(path.read_text()).get("terraform", {}).get("backend", {})
        except (OSError, ValueError):
            raise FrontendEnvError(
                f"stack {stack_id} is not synthesized in {outdir} (run the sandbox or make synth)"
            ) from None
        endpoint = (backend.get("s3") or {}).get("endpoints", {}).get("s3")
        if endpoint != endpoint_url:
            raise FrontendEnvError(
                f"stack {stack_id} in {outdir} keeps its state at {endpoint or 'AWS'}, not at {endpoint_url} "
                "(allowed: the folder the emulator's stacks were synthesized into, e.g. build/sandbox/cdktf.out)"
            )


def render(values: Mapping[str, str], *, environment: str) -> str:
    """The file's text: one `NAME=value` line each, values checked so no quoting is ever needed."""
    lines = [f"# Junokit {environment}: written by `make frontend-env` from the deployed stacks' outputs. Do not edit."]
    for name, value in values.items():
        if not _SAFE_VALUE.fullmatch(value):
            raise FrontendEnvError(f"{name} value {value!r} is not allowed (allowed: letters, digits and _.:/@+=-)")
        lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    """Replace `path` whole, so the web app never reads half a file."""
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(text)
    os.replace(scratch, path)


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ, run: Runner | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.frontend_env", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "frontend.env", help="file to write")
    parser.add_argument(
        "--outdir",
        type=Path,
        default=synth_outdir(environ),
        help="synthesized app (default: JUNOKIT_OUTDIR or cdktf.out)",
    )
    parser.add_argument(
        "--endpoint-url",
        help="an AWS emulator (e.g. make sandbox's): the stacks in --outdir must have been synthesized for it",
    )
    args = parser.parse_args(argv)
    try:
        config = load_config(
            environ={**environ, **({"JUNOKIT_AWS_ENDPOINT": args.endpoint_url} if args.endpoint_url else {})}
        )
        if args.endpoint_url:
            check_endpoint(config, args.outdir, args.endpoint_url)
        values = collect(config, args.outdir, run or terraform_runner(environ))
        write(args.output, render(values, environment=config.name))
    except (ConfigError, FrontendEnvError, TerraformSetupError) as error:
        print(f"junokit: error: {error}", file=sys.stderr)
        return 2
    print(f"junokit: wrote {args.output} ({', '.join(values)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
