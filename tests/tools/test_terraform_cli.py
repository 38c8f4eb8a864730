"""The Terraform CLI settings every command runs with: only the provider mirror, and the GC target."""

from __future__ import annotations

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
