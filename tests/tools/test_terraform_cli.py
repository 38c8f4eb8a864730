"""The Terraform CLI settings every command runs with (only the provider mirror, the GC target), and init once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tools import terraform


def _mirror(root: Path) -> Path:
    package = root / terraform.PROVIDER / terraform.PROVIDER_VERSION / "linux_amd64"
    package.mkdir(parents=True)
    (package / f"terraform-provider-aws_v{terraform.PROVIDER_VERSION}_x5").write_bytes(b"provider")
    return root


def test_the_cli_config_names_only_the_mirror(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "mirror")
    config = terraform.write_cli_config(tmp_path / "terraform.rc", {"JUNOKIT_PROVIDER_MIRROR": str(mirror)})
    text = config.read_text()
    assert f'path    = "{mirror}"' in text
    assert "direct" not in text  # nothing installs from anywhere but the mirror
    assert "disable_checkpoint = true" in text


def test_terraform_runs_with_a_higher_gc_target_unless_one_is_set(tmp_path: Path) -> None:
    mirror = str(_mirror(tmp_path / "mirror"))
    config = tmp_path / "terraform.rc"
    env = terraform.cli_env({"JUNOKIT_PROVIDER_MIRROR": mirror}, config)
    assert env["GOGC"] == terraform.GO_GC_PERCENT == "400"
    assert env["TF_CLI_CONFIG_FILE"] == str(config)
    assert terraform.cli_env({"JUNOKIT_PROVIDER_MIRROR": mirror, "GOGC": "100"}, config)["GOGC"] == "100"


def _stack(directory: Path, state: str = "state.tfstate") -> Path:
    """A stack folder as cdktf writes one: a local backend and the AWS provider from the mirror."""
    directory.mkdir(parents=True, exist_ok=True)
    config = {
        "terraform": {
            "required_providers": {"aws": {"source": "aws", "version": terraform.PROVIDER_VERSION}},
            "backend": {"local": {"path": state}},
        }
    }
    (directory / "cdk.tf.json").write_text(json.dumps(config))
    return directory


def _init(directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return terraform.run_init(
        directory,
        lambda: subprocess.run(
            ["terraform", "init", "-input=false", "-no-color"],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        ),
        lambda done: done.returncode == 0,
    )


def test_init_is_needed_once_per_configuration_and_lock_file(tmp_path: Path) -> None:
    env = terraform.cli_env(os.environ, tmp_path / "terraform.rc")
    stack = _stack(tmp_path / "stack")
    assert terraform.needs_init(stack)
    assert _init(stack, env).returncode == 0
    assert not terraform.needs_init(stack)  # a second init would re-check what the first set up
    lock = stack / terraform.LOCK_FILE
    original = lock.read_text()
    lock.write_text(original.replace("hashes = [", 'hashes = [\n    "h1:changed=",'))
    assert terraform.needs_init(stack)  # a lock file that changed
    lock.write_text(original)
    assert not terraform.needs_init(stack)
    _stack(stack, state="elsewhere.tfstate")
    assert terraform.needs_init(stack)  # a backend that changed
    _stack(stack)
    shutil.rmtree(stack / ".terraform")
    assert terraform.needs_init(stack)  # nothing installed any more


def test_an_init_that_fails_is_never_taken_for_a_good_one(tmp_path: Path) -> None:
    env = terraform.cli_env(os.environ, tmp_path / "terraform.rc")
    stack = _stack(tmp_path / "stack")
    assert _init(stack, env).returncode == 0
    # Then the same configuration's init fails: the provider is gone, and the only mirror holds a package that does
    # not match the lock file.
    shutil.rmtree(stack / ".terraform" / "providers")
    other = terraform.cli_env({"JUNOKIT_PROVIDER_MIRROR": str(_mirror(tmp_path / "other"))}, tmp_path / "other.rc")
    failed = _init(stack, {**env, "TF_CLI_CONFIG_FILE": other["TF_CLI_CONFIG_FILE"]})
    assert failed.returncode == 1, failed.stdout
    assert "checksum" in failed.stderr or "lock file" in failed.stderr, failed.stderr
    assert terraform.needs_init(stack)  # the record of the good init went with it
