"""Running Terraform offline: the provider mirror, the CLI config that uses it, and version checks.

There is no route to the Terraform registry where this project is built and tested, so `terraform init`
installs hashicorp/aws from a local filesystem mirror. `cli_env()` writes a CLI config naming only that
mirror (no direct installation, so nothing is ever downloaded) and returns the environment to run with.
`terraform init` links the provider from the mirror's unpacked folder; it copies nothing.

Every command here (deploy, plans, drift, outputs, the tests) runs Terraform and the provider it starts with
`GOGC=400` unless GOGC is set: starting the AWS provider builds its whole schema, and collecting garbage four times
less often cuts about a quarter of that CPU (4.4 s to 3.3 s for one `terraform validate` here) for ~40 MB more
resident memory per provider process. Only memory management differs.

`terraform init` runs once per configuration in a stack folder (`needs_init`, `run_init`): deploy, plans, drift
and `make frontend-env` skip it where the last init there succeeded for the same `terraform` block and lock
file. A second init would only re-check what the first set up, the provider against the lock file included (about
1.6 s of CPU per stack here); every later command still checks the provider against the lock file itself.

    python -m tools.terraform cli-config PATH   # write the CLI config (the Makefile exports it)
    python -m tools.terraform check             # terraform on PATH and new enough?
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from constructs_lib.config import PROJECT_ROOT

PROVIDER = "registry.terraform.io/hashicorp/aws"
PROVIDER_VERSION = "5.100.0"
MIN_TERRAFORM = (1, 10)
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)
DEFAULT_CLI_CONFIG = PROJECT_ROOT / "build" / "terraform.rc"
# Go's garbage collector target for Terraform and its provider (Go's default is 100); see the module docstring.
GO_GC_PERCENT = "400"
# Inside .terraform, so removing .terraform (or a new synth folder) means a fresh init.
INIT_RECORD = Path(".terraform") / "junokit-init.sha256"
LOCK_FILE = ".terraform.lock.hcl"

_Result = TypeVar("_Result")


class TerraformSetupError(RuntimeError):
    """Terraform or its provider mirror is missing; the message says what to do."""


def find_mirror(environ: Mapping[str, str] = os.environ) -> Path:
    """The provider mirror: JUNOKIT_PROVIDER_MIRROR, else the first well-known folder holding hashicorp/aws."""
    candidates = [environ["JUNOKIT_PROVIDER_MIRROR"]] if environ.get("JUNOKIT_PROVIDER_MIRROR") else MIRROR_CANDIDATES
    for candidate in candidates:
        root = Path(candidate).expanduser()
        if (root / PROVIDER / PROVIDER_VERSION).is_dir():
            return root
    raise TerraformSetupError(
        f"no provider mirror with {PROVIDER} {PROVIDER_VERSION} in {', '.join(candidates)} "
        "(set JUNOKIT_PROVIDER_MIRROR to a `terraform providers mirror` folder)"
    )


def write_cli_config(path: Path = DEFAULT_CLI_CONFIG, environ: Mapping[str, str] = os.environ) -> Path:
    mirror = find_mirror(environ)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# Written by tools.terraform: providers come only from the local mirror.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n"
        "disable_checkpoint = true\n"
    )
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def terraform_version(binary: str = "terraform") -> tuple[int, int, int]:
    path = shutil.which(binary)
    if path is None:
        raise TerraformSetupError(
            f"terraform is not on PATH (need >= {MIN_TERRAFORM[0]}.{MIN_TERRAFORM[1]}; "
            "install it from your package manager or releases.hashicorp.com)"
        )
    out = subprocess.run([path, "version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"Terraform v(\d+)\.(\d+)\.(\d+)", out)
    if not match:
        raise TerraformSetupError(f"could not read the version of {path}: {out.strip()[:80]!r}")
    version = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if version[:2] < MIN_TERRAFORM:
        raise TerraformSetupError(
            f"terraform {'.'.join(map(str, version))} is too old (need >= {MIN_TERRAFORM[0]}.{MIN_TERRAFORM[1]} "
            "for S3 native state locking)"
        )
    return version


def cli_env(environ: Mapping[str, str] = os.environ, config_path: Path = DEFAULT_CLI_CONFIG) -> dict[str, str]:
    """`environ` plus what offline, non-interactive Terraform runs need."""
    env = dict(environ)
    env["TF_CLI_CONFIG_FILE"] = str(write_cli_config(config_path, environ))
    env.setdefault("TF_IN_AUTOMATION", "1")
    env.setdefault("TF_INPUT", "0")
    env["CHECKPOINT_DISABLE"] = "1"
    env.setdefault("GOGC", GO_GC_PERCENT)
    return env


def _init_fingerprint(directory: Path) -> str | None:
    """A digest of what `terraform init` acts on in `directory`: the `terraform` block of its `cdk.tf.json`
    (backend or cloud, required providers), its modules' sources, and the lock file. None if one is missing."""
    try:
        config = json.loads((directory / "cdk.tf.json").read_text())
        lock = (directory / LOCK_FILE).read_bytes()
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    modules = config.get("module")
    modules = modules if isinstance(modules, dict) else {}
    inputs = {
        "terraform": config.get("terraform"),
        "modules": {
            name: [block.get(key) for key in ("source", "version")] if isinstance(block, dict) else block
            for name, block in sorted(modules.items())
        },
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode())
    digest.update(lock)
    return digest.hexdigest()


def needs_init(directory: Path) -> bool:
    """False only if the last `terraform init` in `directory` succeeded (`run_init`) for this configuration."""
    fingerprint = _init_fingerprint(directory)
    try:
        return fingerprint is None or (directory / INIT_RECORD).read_text() != fingerprint
    except OSError:
        return True


def run_init(directory: Path, init: Callable[[], _Result], succeeded: Callable[[_Result], bool]) -> _Result:
    """Run `init` (a `terraform init` in `directory`) and record it if `succeeded` says so.

    The record goes first, so an init that fails or is stopped halfway is never taken for a good one.
    """
    record = directory / INIT_RECORD
    record.unlink(missing_ok=True)
    result = init()
    fingerprint = _init_fingerprint(directory)
    if succeeded(result) and fingerprint is not None and record.parent.is_dir():
        record.write_text(fingerprint)
    return result


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["cli-config"] and len(argv) == 2:
            print(write_cli_config(Path(argv[1])))
        elif argv == ["check"]:
            version = terraform_version()
            print(f"terraform {'.'.join(map(str, version))}, provider mirror {find_mirror()}")
        else:
            print("usage: python -m tools.terraform (cli-config PATH | check)", file=sys.stderr)
            return 2
    except TerraformSetupError as error:
        print(f"junokit: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
