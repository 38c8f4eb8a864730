"""Set the API secrets' values from the operator's shell: never echoed, never printed, never in Terraform state.

    make set-secrets                                  # asks for each key; input is hidden
    make set-secrets < secrets.json                   # or one JSON object on stdin (e.g. from a password manager)
    python -m tools.set_secrets [--secret-id ID] [--endpoint-url http://127.0.0.1:5000]

The data stack creates the secret empty (`junokit-api-secrets`, with the environment's suffix outside prod);
this writes a new version of its value straight through the Secrets Manager API. The value is one JSON
object holding every key in `stacks.data.contract.SECRET_KEYS`. Asked interactively, an empty answer
keeps the current value; on stdin, keys left out keep theirs. Keys outside SECRET_KEYS already in the
secret are dropped (and named). Only key names are ever printed.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from constructs_lib.config import ConfigError, EnvironmentConfig, load_config
from stacks.data.contract import SECRET_BASE_NAME, SECRET_KEYS


class SecretsError(RuntimeError):
    """Something the operator must fix; the message is one line and never contains a secret value."""


def secretsmanager_client(config: EnvironmentConfig, endpoint_url: str | None) -> Any:
    import boto3

    endpoint = endpoint_url or config.aws_endpoint or None
    return boto3.client("secretsmanager", region_name=config.region, endpoint_url=endpoint)


def current_values(client: Any, secret_id: str) -> dict[str, str]:
    """The secret's current JSON object; {} while it has no value yet (as the data stack creates it)."""
    errors = client.exceptions
    try:
        client.describe_secret(SecretId=secret_id)
    except errors.ResourceNotFoundException:
        raise SecretsError(f"secret {secret_id} not found: deploy the data stack of this environment first") from None
    try:
        raw = client.get_secret_value(SecretId=secret_id).get("SecretString") or ""
    except errors.ResourceNotFoundException:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {key: value for key, value in parsed.items() if isinstance(value, str)}


def read_stdin(stream: TextIO) -> dict[str, object]:
    try:
        parsed = json.loads(stream.read())
    except ValueError:
        raise SecretsError('stdin is not a JSON object of secret values (expected {"KEY": "value", ...})') from None
    if not isinstance(parsed, dict):
        raise SecretsError('stdin is not a JSON object of secret values (expected {"KEY": "value", ...})')
    return parsed


def ask(current: Mapping[str, str], prompt: Callable[[str], str]) -> dict[str, object]:
    """One hidden prompt per key; an empty answer keeps the current value (or leaves the key missing)."""
    given: dict[str, object] = {}
    for key in SECRET_KEYS:
        hint = "empty keeps the current value" if key in current else "not set yet"
        answer = prompt(f"{key} ({hint}): ")
        if answer:
            given[key] = answer
    return given


def merge(current: Mapping[str, str], given: Mapping[str, object]) -> dict[str, str]:
    """The new value: the current one with the given keys replaced; every key must end up set."""
    unknown = sorted(set(given) - set(SECRET_KEYS))
    if unknown:
        raise SecretsError(f"unknown secret key {unknown[0]} (allowed: {', '.join(SECRET_KEYS)})")
    for key, value in given.items():
        if not isinstance(value, str) or not value.strip():
            raise SecretsError(f"secret key {key} needs a non-empty string value")
    merged = {key: str(given.get(key, current.get(key, ""))) for key in SECRET_KEYS}
    missing = [key for key, value in merged.items() if not value]
    if missing:
        raise SecretsError(f"no value for {', '.join(missing)} (every key needs one: {', '.join(SECRET_KEYS)})")
    return merged


def main(
    argv: list[str] | None = None,
    environ: Mapping[str, str] = os.environ,
    *,
    stdin: TextIO | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
    client: Any = None,
) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.set_secrets", description=__doc__.splitlines()[0])
    parser.add_argument("--secret-id", help="secret name or ARN (default: the environment's junokit-api-secrets)")
    parser.add_argument("--endpoint-url", help="Secrets Manager endpoint, e.g. a local emulator (default: AWS)")
    args = parser.parse_args(argv)
    stream = stdin or sys.stdin
    try:
        config = load_config(environ=environ)
        secret_id = args.secret_id or config.resource_name(SECRET_BASE_NAME)
        client = client or secretsmanager_client(config, args.endpoint_url)
        current = current_values(client, secret_id)
        given = ask(current, prompt) if stream.isatty() else read_stdin(stream)
        merged = merge(current, given)
        changed = [key for key in SECRET_KEYS if merged[key] != current.get(key)]
        dropped = sorted(set(current) - set(SECRET_KEYS))
        if not changed and not dropped:
            print(f"junokit: secret {secret_id} unchanged")
            return 0
        version = client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(merged))["VersionId"]
    except (ConfigError, SecretsError) as error:
        print(f"junokit: error: {error}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:
        # AWS error messages name the operation and the secret, never the value sent.
        print(f"junokit: error: Secrets Manager: {error}", file=sys.stderr)
        return 1
    summary = f"changed: {', '.join(changed) or 'none'}" + (
        f"; dropped unknown: {', '.join(dropped)}" if dropped else ""
    )
    print(f"junokit: stored a new version of {secret_id} ({version}); {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
