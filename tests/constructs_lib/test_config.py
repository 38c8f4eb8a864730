"""The validated config object, and bad input through `main.py`: one line, exit 2, no traceback, output untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.config import EU_REGIONS, PROJECT_ROOT, ConfigError, load_config

MAIN = str(PROJECT_ROOT / "main.py")


def test_defaults_to_dev_in_stockholm_on_local_state() -> None:
    config = load_config()
    assert (config.name, config.region, config.backend.kind) == ("dev", "eu-north-1", "local")


def test_prod_uses_the_seed_names_and_other_environments_add_theirs() -> None:
    assert load_config("prod").resource_name("junokit-users") == "junokit-users"
    assert load_config("staging").resource_name("junokit-users") == "junokit-users-staging"


def test_prod_protects_stateful_resources_and_dev_does_not() -> None:
    assert load_config("prod").protect_stateful is True
    assert load_config("dev").protect_stateful is False


def test_environment_variable_selects_environment() -> None:
    assert load_config(environ={"JUNOKIT_ENV": "staging"}).name == "staging"


def test_backend_settings_come_from_the_environment() -> None:
    config = load_config(environ={"JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-tfstate"})
    assert (config.backend.kind, config.backend.state_bucket) == ("s3", "junokit-tfstate")


def test_mfa_is_optional_outside_prod_and_required_in_prod() -> None:
    assert [load_config(name).identity.mfa for name in ("dev", "staging", "prod")] == [
        "optional",
        "optional",
        "required",
    ]


@pytest.mark.parametrize("mode", ["optional", "off"])
def test_prod_refuses_anything_but_required_mfa(tmp_path: Path, mode: str) -> None:
    text = (PROJECT_ROOT / "environments.toml").read_text()
    assert text.count('mfa = "required"') == 1
    path = tmp_path / "environments.toml"
    path.write_text(text.replace('mfa = "required"', f'mfa = "{mode}"'))
    with pytest.raises(ConfigError) as raised:
        load_config("prod", environ={"JUNOKIT_CONFIG": str(path)})
    assert str(raised.value) == f"identity.mfa {mode!r} is not allowed (allowed: required in prod)"


@pytest.mark.parametrize("region", EU_REGIONS)
def test_every_eu_region_is_accepted(region: str) -> None:
    assert load_config(environ={"JUNOKIT_REGION": region}).region == region


BAD_INPUT = {
    "unknown environment": (
        {"JUNOKIT_ENV": "qa"},
        "environment 'qa' is not allowed (allowed: dev, staging, prod",
    ),
    "non-EU region": (
        {"JUNOKIT_REGION": "us-east-1"},
        "region 'us-east-1' is not allowed (allowed: eu-north-1, eu-west-1, eu-west-3, eu-central-1, eu-south-1, eu-south-2)",
    ),
    "London is outside the EU": ({"JUNOKIT_REGION": "eu-west-2"}, "region 'eu-west-2' is not allowed"),
    "unknown backend": ({"JUNOKIT_BACKEND": "gcs"}, "backend 'gcs' is not allowed (allowed: local, s3, cloud)"),
    "s3 without bucket": (
        {"JUNOKIT_BACKEND": "s3"},
        "backend s3 needs a state bucket: set JUNOKIT_STATE_BUCKET or backend.state_bucket",
    ),
    "invalid bucket name": (
        {"JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "Bad_Bucket"},
        "state bucket 'Bad_Bucket' is not allowed (allowed: an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-')",
    ),
    "cloud without organization": (
        {"JUNOKIT_BACKEND": "cloud"},
        "backend cloud needs an organization: set JUNOKIT_TFC_ORG or backend.tfc_organization",
    ),
    "Terraform Cloud organization with a space": (
        {"JUNOKIT_BACKEND": "cloud", "JUNOKIT_TFC_ORG": "acme corp"},
        "Terraform Cloud organization 'acme corp' is not allowed (allowed: letters, digits, '-' and '_', e.g. acme-platform)",
    ),
    "Terraform Cloud organization with a bang": (
        {"JUNOKIT_BACKEND": "cloud", "JUNOKIT_TFC_ORG": "acme!"},
        "Terraform Cloud organization 'acme!' is not allowed",
    ),
    "Terraform Cloud hostname with a space": (
        {"JUNOKIT_BACKEND": "cloud", "JUNOKIT_TFC_ORG": "acme", "JUNOKIT_TFC_HOSTNAME": "app terraform.io"},
        "Terraform Cloud hostname 'app terraform.io' is not allowed (allowed: a lower-case host name with an optional port",
    ),
    "Terraform Cloud hostname as a URL": (
        {"JUNOKIT_BACKEND": "cloud", "JUNOKIT_TFC_ORG": "acme", "JUNOKIT_TFC_HOSTNAME": "https://app.terraform.io"},
        "Terraform Cloud hostname 'https://app.terraform.io' is not allowed",
    ),
    "Terraform Cloud hostname with a bang": (
        {"JUNOKIT_BACKEND": "cloud", "JUNOKIT_TFC_ORG": "acme", "JUNOKIT_TFC_HOSTNAME": "tfe!.example.com"},
        "Terraform Cloud hostname 'tfe!.example.com' is not allowed",
    ),
    "emulator outside loopback": (
        {"JUNOKIT_AWS_ENDPOINT": "http://10.0.0.1:5000"},
        "aws_endpoint 'http://10.0.0.1:5000' is not allowed (allowed: a loopback URL such as http://127.0.0.1:5000)",
    ),
}


@pytest.mark.parametrize(("environ", "message"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_raises_a_one_line_config_error(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(environ=environ)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


MALFORMED = {
    "not TOML": ("region = [", "is not valid TOML"),
    "unknown section": (
        "[servers]\n",
        "config file section 'servers' is not allowed (allowed: defaults, environments, project)",
    ),
    "unknown environment table": (
        "[environments.qa]\n",
        "environment table 'qa' is not allowed (allowed: dev, staging, prod)",
    ),
    "unknown setting": ("[defaults]\nregoin = 'eu-north-1'\n", "unknown setting environments.dev.regoin (allowed:"),
    "wrong type": (
        "[defaults]\nprotect_stateful = 'yes'\n",
        "environments.dev.protect_stateful must be true or false, got 'yes'",
    ),
    "short passwords": (
        "[defaults.identity]\npassword_min_length = 8\n",
        "identity.password_min_length 8 is not allowed (allowed: 12-99)",
    ),
    "unknown MFA mode": (
        "[defaults.identity]\nmfa = 'sms'\n",
        "environments.dev.identity.mfa 'sms' is not allowed (allowed: off, optional, required)",
    ),
    "data trace in prod": (
        "[environments.prod.api]\ndata_trace = true\n",
        "api.data_trace True is not allowed (allowed: false in prod: request bodies would reach the logs)",
    ),
    "bad recovery window": (
        "[defaults]\nsecret_recovery_window_days = 3\n",
        "secret_recovery_window_days 3 is not allowed (allowed: 0 or 7-30)",
    ),
}


@pytest.mark.parametrize(("text", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_config_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "environments.toml"
    path.write_text(text)
    environment = "prod" if "prod" in text else "dev"
    with pytest.raises(ConfigError) as raised:
        load_config(environment, environ={"JUNOKIT_CONFIG": str(path)})
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("organization", "hostname"),
    [("acme", "app.terraform.io"), ("Acme_Platform-2", "tfe.example.com"), ("acme", "tfe.internal.example.com:8443")],
)
def test_terraform_cloud_names_and_hosts_it_accepts_are_accepted(organization: str, hostname: str) -> None:
    environ = {"JUNOKIT_BACKEND": "cloud", "JUNOKIT_TFC_ORG": organization, "JUNOKIT_TFC_HOSTNAME": hostname}
    backend = load_config(environ=environ).backend
    assert (backend.tfc_organization, backend.tfc_hostname) == (organization, hostname)


def _unreadable_config(tmp_path: Path, kind: str) -> Path:
    """A JUNOKIT_CONFIG that cannot be read as an environments file, of the given kind."""
    if kind == "a directory":
        return tmp_path
    if kind == "not UTF-8":
        path = tmp_path / "latin1.toml"
        path.write_bytes('[project]\nname = "junokit"\ncost_center = "Försäljning"\n'.encode("latin-1"))
        return path
    loop = tmp_path / "loop.toml"  # unreadable even for root, unlike a file without read permission
    loop.symlink_to(loop)
    return loop


UNREADABLE = {
    "a directory": "is a directory (set JUNOKIT_CONFIG to an environments.toml file)",
    "not UTF-8": "is not UTF-8 text (byte 0xf6 at offset 43; TOML files are UTF-8)",
    "unreadable": "cannot be read: Too many levels of symbolic links",
}


@pytest.mark.parametrize(("kind", "reason"), UNREADABLE.items(), ids=UNREADABLE.keys())
def test_an_unreadable_config_file_is_named_with_the_reason_in_one_line(
    tmp_path: Path, previous_output: Path, kind: str, reason: str
) -> None:
    path = _unreadable_config(tmp_path, kind)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JUNOKIT_")}
    result = subprocess.run(
        [sys.executable, MAIN],
        env={**clean, "JUNOKIT_CONFIG": str(path), "JUNOKIT_OUTDIR": str(previous_output)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [f"junokit: error: config file {path} {reason}"]
    assert (previous_output / "manifest.json").read_text() == '{"previous": true}'
    assert [p.name for p in previous_output.parent.iterdir()] == ["cdktf.out"]


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file .*nowhere.toml not found"):
        load_config(environ={"JUNOKIT_CONFIG": str(tmp_path / "nowhere.toml")})


@pytest.fixture(scope="module")
def previous_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An existing cdktf.out/ that a failed synth must leave exactly as it was."""
    outdir = tmp_path_factory.mktemp("synth") / "cdktf.out"
    (outdir / "stacks").mkdir(parents=True)
    (outdir / "manifest.json").write_text('{"previous": true}')
    return outdir


@pytest.mark.parametrize(("environ", "message"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_main_reports_bad_input_in_one_line_and_leaves_output_alone(
    previous_output: Path, environ: dict[str, str], message: str
) -> None:
    before = sorted(str(p) for p in previous_output.parent.rglob("*"))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JUNOKIT_")}
    result = subprocess.run(
        [sys.executable, MAIN],
        env={**clean, **environ, "JUNOKIT_OUTDIR": str(previous_output)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("junokit: error: ") and message in lines[0]
    assert "Traceback" not in result.stderr
    assert sorted(str(p) for p in previous_output.parent.rglob("*")) == before
    assert (previous_output / "manifest.json").read_text() == '{"previous": true}'
