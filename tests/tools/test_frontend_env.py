"""`make frontend-env`: the web app's environment file from the deployed stacks' `terraform output`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tools import frontend_env

OUTPUTS = {
    "junokit-dev-identity": {
        "JunokitUserPoolId": "eu-north-1_AbCdEf123",
        "JunokitUserPoolClientId": "1example23456789abcdefghij",
        "JunokitUserPoolArn": "arn:aws:cognito-idp:eu-north-1:111122223333:userpool/eu-north-1_AbCdEf123",
    },
    "junokit-dev-api": {"JunokitApiUrl": "https://a1b2c3d4e5.execute-api.eu-north-1.amazonaws.com/v1"},
}
EXPECTED = (
    "# Junokit dev: written by `make frontend-env` from the deployed stacks' outputs. Do not edit.\n"
    "NEXT_PUBLIC_USER_POOL_ID=eu-north-1_AbCdEf123\n"
    "NEXT_PUBLIC_USER_POOL_CLIENT_ID=1example23456789abcdefghij\n"
    "NEXT_PUBLIC_API_URL=https://a1b2c3d4e5.execute-api.eu-north-1.amazonaws.com/v1\n"
    "NEXT_PUBLIC_REGION=eu-north-1\n"
)


class FakeTerraform:
    """Answers `terraform init` and `terraform output -json` like Terraform does, from OUTPUTS."""

    def __init__(self, outputs: dict[str, dict[str, str]], fail: str = "") -> None:
        self.outputs = outputs
        self.fail = fail
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
        self.calls.append((cwd.name, *args[1:2]))
        if self.fail and self.fail == args[1]:
            return subprocess.CompletedProcess(args, 1, "", "\nError: Backend initialization required\n\n")
        if args[1] == "init":
            (cwd / ".terraform").mkdir(exist_ok=True)  # what an init leaves behind
            (cwd / ".terraform.lock.hcl").write_text('provider "registry.terraform.io/hashicorp/aws" {}\n')
            return subprocess.CompletedProcess(args, 0, "Terraform has been successfully initialized!", "")
        values = self.outputs.get(cwd.name, {})
        document = {name: {"sensitive": False, "type": "string", "value": value} for name, value in values.items()}
        return subprocess.CompletedProcess(args, 0, json.dumps(document), "")


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    for stack in ("junokit-dev-data", "junokit-dev-identity", "junokit-dev-api"):
        (tmp_path / "stacks" / stack).mkdir(parents=True)
        (tmp_path / "stacks" / stack / "cdk.tf.json").write_text("{}")
    return tmp_path


def run(outdir: Path, output: Path, terraform: FakeTerraform, **environ: str) -> int:
    return frontend_env.main(
        ["--outdir", str(outdir), "--output", str(output)], {"JUNOKIT_ENV": "dev", **environ}, run=terraform
    )


def test_writes_the_four_variables(outdir: Path, tmp_path: Path) -> None:
    assert run(outdir, tmp_path / "frontend.env", FakeTerraform(OUTPUTS)) == 0
    assert (tmp_path / "frontend.env").read_text() == EXPECTED


def test_reads_each_stack_once_through_terraform(outdir: Path, tmp_path: Path) -> None:
    terraform = FakeTerraform(OUTPUTS)
    run(outdir, tmp_path / "frontend.env", terraform)
    assert terraform.calls == [
        ("junokit-dev-identity", "init"),
        ("junokit-dev-identity", "output"),
        ("junokit-dev-api", "init"),
        ("junokit-dev-api", "output"),
    ]


def test_a_stack_folder_initialized_for_this_configuration_is_not_initialized_again(
    outdir: Path, tmp_path: Path
) -> None:
    run(outdir, tmp_path / "frontend.env", FakeTerraform(OUTPUTS))
    again = FakeTerraform(OUTPUTS)
    assert run(outdir, tmp_path / "frontend.env", again) == 0
    assert again.calls == [("junokit-dev-identity", "output"), ("junokit-dev-api", "output")]


def test_region_comes_from_the_config(outdir: Path, tmp_path: Path) -> None:
    run(outdir, tmp_path / "frontend.env", FakeTerraform(OUTPUTS), JUNOKIT_REGION="eu-central-1")
    assert "NEXT_PUBLIC_REGION=eu-central-1\n" in (tmp_path / "frontend.env").read_text()


def test_missing_output_names_the_stack_and_leaves_no_file(
    outdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    partial = {"junokit-dev-identity": OUTPUTS["junokit-dev-identity"]}
    assert run(outdir, tmp_path / "frontend.env", FakeTerraform(partial)) == 2
    assert capsys.readouterr().err == (
        "junokit: error: stack junokit-dev-api has no output JunokitApiUrl: deploy it first (npx cdktf deploy junokit-dev-api)\n"
    )
    assert not (tmp_path / "frontend.env").exists()


def test_unsynthesized_stack_asks_for_a_synth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path / "empty", tmp_path / "frontend.env", FakeTerraform(OUTPUTS)) == 2
    stack_dir = tmp_path / "empty" / "stacks" / "junokit-dev-identity"
    assert capsys.readouterr().err == (
        f"junokit: error: {stack_dir} has no synthesized stack: run `make synth` for this environment first\n"
    )


def test_terraform_failure_is_reported_in_one_line(
    outdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(outdir, tmp_path / "frontend.env", FakeTerraform(OUTPUTS, fail="output")) == 2
    stack_dir = outdir / "stacks" / "junokit-dev-identity"
    assert capsys.readouterr().err == (
        f"junokit: error: terraform output failed in {stack_dir}: Error: Backend initialization required\n"
    )


def test_values_that_would_need_quoting_are_refused() -> None:
    with pytest.raises(frontend_env.FrontendEnvError) as raised:
        frontend_env.render({"NEXT_PUBLIC_API_URL": "https://x/v1\nEVIL=1"}, environment="dev")
    assert str(raised.value) == (
        "NEXT_PUBLIC_API_URL value 'https://x/v1\\nEVIL=1' is not allowed (allowed: letters, digits and _.:/@+=-)"
    )


def _state(outputs: dict[str, str]) -> str:
    return json.dumps(
        {
            "version": 4,
            "terraform_version": "1.11.4",
            "serial": 1,
            "lineage": "00000000-0000-0000-0000-000000000000",
            "outputs": {name: {"value": value, "type": "string"} for name, value in outputs.items()},
            "resources": [],
            "check_results": None,
        }
    )


def test_reads_real_terraform_state_through_the_stacks_backend(tmp_path: Path) -> None:
    """Real `terraform init` + `terraform output -json` on stack folders whose local backend points at state files."""
    outdir = tmp_path / "cdktf.out"
    for stack, outputs in OUTPUTS.items():
        stack_dir = outdir / "stacks" / stack
        stack_dir.mkdir(parents=True)
        (tmp_path / f"{stack}.tfstate").write_text(_state(outputs))
        backend = {"terraform": {"backend": {"local": {"path": f"../../../{stack}.tfstate"}}}}
        (stack_dir / "cdk.tf.json").write_text(json.dumps(backend))
    environ = {**{k: v for k, v in os.environ.items() if not k.startswith("JUNOKIT_")}, "JUNOKIT_ENV": "dev"}
    code = frontend_env.main(["--outdir", str(outdir), "--output", str(tmp_path / "frontend.env")], environ)
    assert code == 0
    assert (tmp_path / "frontend.env").read_text() == EXPECTED
