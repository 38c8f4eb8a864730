"""The api stack's constructs on their own: bad props, the redeployment trigger and the function's code asset."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from cdktf import App, TerraformStack, Testing
from cdktf_cdktf_provider_aws.provider import AwsProvider

from constructs_lib.config import PROJECT_ROOT
from stacks.api.account_logging import ApiGatewayCloudWatchRole, ApiGatewayCloudWatchRoleProps
from stacks.api.profile_function import RUNTIME_DIR, ProfileFunction, ProfileFunctionProps, stage_runtime
from stacks.api.rest_api import LambdaProxy, MockResponse, RestApi, RestApiProps, Route

ACCOUNT = "111122223333"
POOL_ARN = f"arn:aws:cognito-idp:eu-north-1:{ACCOUNT}:userpool/eu-north-1_example"
TABLE_ARN = f"arn:aws:dynamodb:eu-north-1:{ACCOUNT}:table/junokit-user-context-test"
SECRET_ARN = f"arn:aws:secretsmanager:eu-north-1:{ACCOUNT}:secret:junokit-api-secrets-test-AbCdEf"
PROFILE = LambdaProxy(
    function_name="profile", function_arn="arn:aws:lambda:eu-north-1:1:function:profile", invoke_arn="x"
)
ROUTES = (
    Route(method="GET", path="/health", target=MockResponse(), authorized=False),
    Route(method="GET", path="/user/profile", target=PROFILE),
)
API = RestApiProps(
    api_name="junokit-api-test", routes=ROUTES, user_pool_arn=POOL_ARN, cors_allow_origins=("https://a.example",)
)


def _function_props(**changes: object) -> ProfileFunctionProps:
    base = ProfileFunctionProps(
        function_name="junokit-profile-test",
        table_name="junokit-user-context-test",
        table_arn=TABLE_ARN,
        table_index_arn=f"{TABLE_ARN}/index/contextType-index",
        secret_arn=SECRET_ARN,
        allowed_origins=("https://a.example",),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]  # props changed from a dict of test settings


def _stack() -> TerraformStack:
    return TerraformStack(Testing.app(), "test")


# --- bad props fail at construct time with one line naming field, value and what is allowed ---------------------

REST_API_ERRORS = {
    "no routes": ({"routes": ()}, "routes () is not allowed (allowed: at least one route)"),
    "options is reserved": (
        {"routes": (Route(method="OPTIONS", path="/x", target=MockResponse()),)},  # type: ignore[arg-type]  # a method the type refuses, on purpose
        "route method 'OPTIONS' is not allowed (allowed: GET, PUT, POST, PATCH, DELETE)",
    ),
    "bad path": (
        {"routes": (Route(method="GET", path="user/profile", target=MockResponse()),)},
        "route path 'user/profile' is not allowed (allowed: /segment/... of letters, digits, '._-' or {param})",
    ),
    "duplicate route": (
        {"routes": (ROUTES[0], ROUTES[0])},
        "route GET /health is defined twice (allowed: one target per route)",
    ),
    "no origins": (
        {"cors_allow_origins": ()},
        "cors_allow_origins () is not allowed (allowed: at least one web origin)",
    ),
    "origin with path": (
        {"cors_allow_origins": ("https://a.example/app",)},
        "cors_allow_origins entry 'https://a.example/app' is not allowed (allowed: scheme://host[:port] without path, e.g. https://app.junokit.com)",
    ),
    "burst below rate": (
        {"throttle_rate_limit": 1000, "throttle_burst_limit": 500},
        "throttle_burst_limit 500 is not allowed (allowed: 1000-10000)",
    ),
    "no throttle": ({"throttle_rate_limit": 0}, "throttle_rate_limit 0 is not allowed (allowed: 1-10000)"),
    "logging level": ({"logging_level": "DEBUG"}, "logging_level 'DEBUG' is not allowed (allowed: OFF, ERROR, INFO)"),
    "retention": (
        {"log_retention_days": 10},
        "log_retention_days 10 is not allowed (allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, "
        "1096, 1827, 2192, 2557, 2922, 3288, 3653)",
    ),
    "stage name": ({"stage_name": "v-1"}, "stage_name 'v-1' is not allowed (allowed: letters, digits or '_')"),
    "pool arn": (
        {"user_pool_arn": "junokit-users"},
        "user_pool_arn 'junokit-users' is not allowed (allowed: an ARN of cognito-idp)",
    ),
}


@pytest.mark.parametrize(("changes", "message"), REST_API_ERRORS.values(), ids=REST_API_ERRORS.keys())
def test_rest_api_refuses_bad_props(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        RestApi(_stack(), "api", props=dataclasses.replace(API, **changes))  # type: ignore[arg-type]  # props changed from a dict of test settings
    assert str(raised.value) == message


FUNCTION_ERRORS = {
    "no concurrency": ({"reserved_concurrency": 0}, "reserved_concurrency 0 is not allowed (allowed: 1-1000)"),
    "old runtime": (
        {"runtime": "python3.9"},
        "runtime 'python3.9' is not allowed (allowed: python3.13, python3.12, python3.11)",
    ),
    "timeout beyond api gateway": ({"timeout_seconds": 30}, "timeout_seconds 30 is not allowed (allowed: 1-29)"),
    "function name": (
        {"function_name": "junokit profile"},
        "function_name 'junokit profile' is not allowed (allowed: 1-64 letters, digits, '-' or '_')",
    ),
    "table arn": (
        {"table_arn": "junokit-user-context"},
        "table_arn 'junokit-user-context' is not allowed (allowed: an ARN of dynamodb)",
    ),
    "secret arn": (
        {"secret_arn": TABLE_ARN},
        f"secret_arn '{TABLE_ARN}' is not allowed (allowed: an ARN of secretsmanager)",
    ),
    "no origins": ({"allowed_origins": ()}, "allowed_origins () is not allowed (allowed: at least one web origin)"),
    "memory": ({"memory_mb": 64}, "memory_mb 64 is not allowed (allowed: 128-10240)"),
    "missing module": (
        {"handler_module": "nothing_here"},
        f"handler_module 'nothing_here' is not allowed (allowed: a module in {RUNTIME_DIR})",
    ),
}


@pytest.mark.parametrize(("changes", "message"), FUNCTION_ERRORS.values(), ids=FUNCTION_ERRORS.keys())
def test_profile_function_refuses_bad_props(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        ProfileFunction(_stack(), "profile", props=_function_props(**changes))
    assert str(raised.value) == message


def test_account_role_refuses_a_bad_role_name() -> None:
    with pytest.raises(ValueError) as raised:
        ApiGatewayCloudWatchRole(_stack(), "account", props=ApiGatewayCloudWatchRoleProps(role_name="api gateway"))
    assert str(raised.value) == "role_name 'api gateway' is not allowed (allowed: 1-64 IAM role name characters)"


def test_arns_still_unknown_at_synth_are_not_checked() -> None:
    stack = _stack()
    from cdktf import TerraformVariable

    unknown = TerraformVariable(stack, "table-arn", type="string").string_value
    function = ProfileFunction(stack, "profile", props=_function_props(table_arn=unknown, table_index_arn=unknown))
    assert function.name == "junokit-profile-test"


# --- the redeployment trigger -----------------------------------------------------------------------------------


def _hash(props: RestApiProps) -> str:
    return RestApi(_stack(), "api", props=props).redeployment_hash


def test_redeployment_hash_is_stable_for_the_same_routes() -> None:
    assert _hash(API) == _hash(API)


def test_redeployment_hash_changes_when_a_route_is_added() -> None:
    more = dataclasses.replace(API, routes=(*ROUTES, Route(method="PUT", path="/user/profile", target=PROFILE)))
    assert _hash(more) != _hash(API)


def test_redeployment_hash_changes_when_auth_changes() -> None:
    opened = (ROUTES[0], dataclasses.replace(ROUTES[1], authorized=False))
    assert _hash(dataclasses.replace(API, routes=opened)) != _hash(API)


def test_redeployment_hash_changes_when_the_cors_origin_changes() -> None:
    assert _hash(dataclasses.replace(API, cors_allow_origins=("https://b.example",))) != _hash(API)


def test_redeployment_hash_ignores_settings_that_live_on_the_stage() -> None:
    assert _hash(dataclasses.replace(API, throttle_rate_limit=10, throttle_burst_limit=20)) == _hash(API)


# --- the code asset ---------------------------------------------------------------------------------------------


def test_staging_zips_only_the_handler_module(tmp_path: Path) -> None:
    source = tmp_path / "runtime"
    (source / "__pycache__").mkdir(parents=True)
    (source / "handler.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    (source / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0")
    (source / "notes.txt").write_text("not code")
    staged = stage_runtime(source, "handler", tmp_path / "stage")
    with zipfile.ZipFile(staged) as archive:
        assert archive.namelist() == ["handler.py"]
        assert archive.getinfo("handler.py").date_time == (2020, 1, 1, 0, 0, 0)
    assert sorted(path.name for path in staged.parent.iterdir()) == ["archive.zip"]


def test_the_default_staging_folder_is_the_temporary_folder_of_the_time_props_are_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not fixed at import, where looking the folder up would probe the file system (and ignore a later TMPDIR)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert _function_props().staging_dir == tmp_path / "junokit-lambda"


def _synth_function(outdir: Path, source: Path, staging: Path) -> tuple[bytes, dict]:
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, "asset-test")
    AwsProvider(stack, "aws", region="eu-north-1")
    ProfileFunction(stack, "profile", props=_function_props(source_dir=source, staging_dir=staging))
    app.synth()
    stack_dir = outdir / "stacks" / "asset-test"
    function = next(
        iter(json.loads((stack_dir / "cdk.tf.json").read_text())["resource"]["aws_lambda_function"].values())
    )
    return (stack_dir / function["filename"]).read_bytes(), function


# The second synth runs in another process with another time zone, umask and file time, as on another machine.
_OTHER_MACHINE = """
import json, os, sys
from pathlib import Path
import fastsynth
fastsynth.install(warm_up=False)
os.umask(0o077)
from tests.stacks.api.test_constructs import _synth_function
zipped, function = _synth_function(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
Path(sys.argv[4]).write_bytes(zipped)
print(json.dumps(function))
"""


@pytest.fixture(scope="module")
def two_synths(tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple[bytes, dict], tuple[bytes, dict]]:
    """The function synthesized twice from the same code: here, and in a fresh process as another machine would."""
    root = tmp_path_factory.mktemp("asset")
    source = root / "runtime"
    source.mkdir()
    shutil.copy(RUNTIME_DIR / "handler.py", source / "handler.py")
    first = _synth_function(root / "out1", source, root / "stage1")
    os.utime(source / "handler.py", (1_700_000_000, 1_700_000_000))
    os.chmod(source / "handler.py", 0o600)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _OTHER_MACHINE,
            str(root / "out2"),
            str(source),
            str(root / "stage2"),
            str(root / "zip2"),
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TZ": "Pacific/Auckland", "LC_ALL": "C"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    second = ((root / "zip2").read_bytes(), json.loads(result.stdout.strip().splitlines()[-1]))
    return first, second


def test_code_archive_is_byte_identical_across_synths(
    two_synths: tuple[tuple[bytes, dict], tuple[bytes, dict]],
) -> None:
    (first_zip, first), (second_zip, second) = two_synths
    assert hashlib.sha256(first_zip).hexdigest() == hashlib.sha256(second_zip).hexdigest()
    assert first["filename"] == second["filename"]
    assert first["source_code_hash"] == second["source_code_hash"]


def test_code_archive_holds_exactly_the_handler(
    two_synths: tuple[tuple[bytes, dict], tuple[bytes, dict]], tmp_path: Path
) -> None:
    (archive, _), _ = two_synths
    path = tmp_path / "archive.zip"
    path.write_bytes(archive)
    with zipfile.ZipFile(path) as opened:
        assert opened.namelist() == ["handler.py"]
        assert opened.read("handler.py") == (RUNTIME_DIR / "handler.py").read_bytes()
