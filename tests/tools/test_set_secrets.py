"""`make set-secrets`: sets the API secrets through Secrets Manager (moto in-process), never showing a value."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from constructs_lib.config import PROJECT_ROOT, load_config
from stacks.data.contract import SECRET_KEYS
from tools import set_secrets

SECRET = "junokit-api-secrets-dev"
VALUES = {key: f"value-of-{key.lower()}-s3cr3t" for key in SECRET_KEYS}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        created = boto3.client("secretsmanager", region_name="eu-north-1")
        created.create_secret(Name=SECRET, Description="created empty, as the data stack does")
        yield created


def stored(client: Any) -> dict[str, str]:
    return json.loads(client.get_secret_value(SecretId=SECRET)["SecretString"])


def run(client: Any, *, stdin: io.StringIO, prompt: Any = None, argv: list[str] | None = None) -> int:
    def refuse(_: str) -> str:
        raise AssertionError("must not prompt when stdin is not a terminal")

    return set_secrets.main(argv or [], {"JUNOKIT_ENV": "dev"}, stdin=stdin, prompt=prompt or refuse, client=client)


def test_json_on_stdin_sets_every_key(client: Any) -> None:
    assert run(client, stdin=io.StringIO(json.dumps(VALUES))) == 0
    assert stored(client) == VALUES


def test_values_are_never_printed(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run(client, stdin=io.StringIO(json.dumps(VALUES)))
    out, err = capsys.readouterr()
    assert "s3cr3t" not in out + err
    assert "changed: OPENROUTER_API_KEY, SLACK_BOT_TOKEN" in out


def test_interactive_prompts_for_each_key_with_hidden_input(client: Any) -> None:
    prompts: list[str] = []

    def hidden(prompt: str) -> str:
        prompts.append(prompt)
        return VALUES[prompt.split(" ")[0]]

    assert run(client, stdin=Terminal(), prompt=hidden) == 0
    assert [prompt.split(" ")[0] for prompt in prompts] == list(SECRET_KEYS)
    assert stored(client) == VALUES


def test_empty_answer_keeps_the_current_value(client: Any) -> None:
    client.put_secret_value(SecretId=SECRET, SecretString=json.dumps(VALUES))
    answers = {"GITHUB_TOKEN": "new-github-token"}
    assert run(client, stdin=Terminal(), prompt=lambda prompt: answers.get(prompt.split(" ")[0], "")) == 0
    assert stored(client) == {**VALUES, "GITHUB_TOKEN": "new-github-token"}


def test_keys_left_out_of_stdin_keep_their_value(client: Any) -> None:
    client.put_secret_value(SecretId=SECRET, SecretString=json.dumps(VALUES))
    assert run(client, stdin=io.StringIO('{"SLACK_BOT_TOKEN": "xoxb-new"}')) == 0
    assert stored(client) == {**VALUES, "SLACK_BOT_TOKEN": "xoxb-new"}


def test_unchanged_values_write_no_new_version(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    client.put_secret_value(SecretId=SECRET, SecretString=json.dumps(VALUES))
    assert run(client, stdin=io.StringIO("{}")) == 0
    assert capsys.readouterr().out == f"junokit: secret {SECRET} unchanged\n"
    assert len(client.list_secret_version_ids(SecretId=SECRET)["Versions"]) == 1


def test_keys_outside_the_contract_are_dropped_and_named(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    client.put_secret_value(SecretId=SECRET, SecretString=json.dumps({**VALUES, "LEGACY_KEY": "old-s3cr3t"}))
    assert run(client, stdin=io.StringIO("{}")) == 0
    assert stored(client) == VALUES
    assert capsys.readouterr().out.endswith("; changed: none; dropped unknown: LEGACY_KEY\n")


def _refused(client: Any, capsys: pytest.CaptureFixture[str], stdin: str) -> str:
    assert run(client, stdin=io.StringIO(stdin)) == 2
    err = capsys.readouterr().err
    assert client.list_secret_version_ids(SecretId=SECRET)["Versions"] == [], "nothing may be written"
    return err


def test_unknown_key_is_refused(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(client, capsys, json.dumps({**VALUES, "OPENAI_KEY": "sk-s3cr3t"}))
    assert err == f"junokit: error: unknown secret key OPENAI_KEY (allowed: {', '.join(SECRET_KEYS)})\n"


def test_first_value_must_name_every_key(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(client, capsys, json.dumps({"GITHUB_TOKEN": "ghp-s3cr3t"}))
    assert err == (
        "junokit: error: no value for OPENROUTER_API_KEY, SLACK_BOT_TOKEN, GOOGLE_OAUTH_CLIENT_ID, "
        f"GOOGLE_OAUTH_CLIENT_SECRET (every key needs one: {', '.join(SECRET_KEYS)})\n"
    )


def test_empty_value_is_refused(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(client, capsys, json.dumps({**VALUES, "GITHUB_TOKEN": " "}))
    assert err == "junokit: error: secret key GITHUB_TOKEN needs a non-empty string value\n"


def test_malformed_stdin_is_refused_without_echoing_it(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(client, capsys, '{"GITHUB_TOKEN": "ghp-s3cr3t"')
    assert err == 'junokit: error: stdin is not a JSON object of secret values (expected {"KEY": "value", ...})\n'


def test_missing_secret_points_at_the_data_stack(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(client, stdin=io.StringIO(json.dumps(VALUES)), argv=["--secret-id", "nowhere"]) == 2
    assert (
        capsys.readouterr().err
        == "junokit: error: secret nowhere not found: deploy the data stack of this environment first\n"
    )


def test_prod_targets_the_seed_secret_name(client: Any) -> None:
    client.create_secret(Name="junokit-api-secrets")
    assert set_secrets.main([], {"JUNOKIT_ENV": "prod"}, stdin=io.StringIO(json.dumps(VALUES)), client=client) == 0
    assert json.loads(client.get_secret_value(SecretId="junokit-api-secrets")["SecretString"]) == VALUES


def test_endpoint_url_reaches_the_client() -> None:
    config = load_config("dev")
    created = set_secrets.secretsmanager_client(config, "http://127.0.0.1:5000")
    assert created.meta.endpoint_url == "http://127.0.0.1:5000"
    assert created.meta.region_name == "eu-north-1"


def test_the_command_loads_no_construct_and_starts_no_kernel() -> None:
    """It needs only names (the secret's and its keys): importing it must not boot cdktf's Node.js kernel."""
    code = (
        "import sys, tools.set_secrets\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_aws'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
