"""Lambda function behind `GET`/`PUT /user/profile`, with a least-privilege role and its own log group.

The runtime code (`runtime/handler.py`, standard library and boto3 only) is zipped at synth time, in Python,
without network, and handed to a cdktf `TerraformAsset` as a file. The zip must be byte-identical on every
machine and every synth, because its base64 SHA-256 is the function's `source_code_hash`: a zip that changed
with file times would redeploy the code on every apply. So its one entry has a fixed time and mode and is
stored uncompressed (deflate output differs between zlib builds), and the archive is content-addressed.
(cdktf's own `AssetType.ARCHIVE` would start a second Node.js process per synth just to zip one file.)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cdktf import AssetType, Fn, ITerraformDependable, TerraformAsset
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionTracingConfig,
)
from constructs import Construct

from constructs_lib import validation
from constructs_lib.iam import assume_role_policy, aws_managed_policy_arn

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
# Any fixed time after 1980 (the zip format's epoch) will do.
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
# python3.13 is the newest Python runtime hashicorp/aws 5.100.0 accepts (its list ends there); AWS runs it on
# arm64 (Amazon Linux 2023). Older ones stay allowed for a function that must go back.
_RUNTIMES = ("python3.13", "python3.12", "python3.11")
_ARCHITECTURES = ("arm64", "x86_64")
# AWS-managed: xray:PutTraceSegments/PutTelemetryRecords/GetSampling*, which X-Ray only grants on Resource "*".
XRAY_WRITE_POLICY = "AWSXRayDaemonWriteAccess"


def _default_staging_dir() -> Path:
    """Looked up when props are made, not at import: `gettempdir` probes the candidate folders by writing to them."""
    return Path(tempfile.gettempdir()) / "junokit-lambda"


def stage_runtime(source: Path, module: str, staging_dir: Path) -> Path:
    """Zip `<module>.py` from `source` into `staging_dir/<content hash>/archive.zip`, reproducibly.

    Content-addressed, so concurrent synths write the same file and a stale one is never reused.
    """
    content = (source / f"{module}.py").read_bytes()
    target = staging_dir / hashlib.sha256(module.encode() + b"\0" + content).hexdigest()[:24] / "archive.zip"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    entry = zipfile.ZipInfo(f"{module}.py", date_time=_FIXED_TIME)
    entry.create_system = 3  # Unix, so the mode below is read
    entry.external_attr = (stat.S_IFREG | 0o644) << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(entry, content)
    handle, scratch = tempfile.mkstemp(prefix=".archive-", dir=target.parent)
    with os.fdopen(handle, "wb") as file:
        file.write(buffer.getvalue())
    os.replace(scratch, target)  # atomic: a concurrent synth sees no file or the whole one
    return target


@dataclass(frozen=True, kw_only=True)
class ProfileFunctionProps:
    function_name: str
    """Function name; also names its role and its log group `/aws/lambda/<name>`. Required."""
    table_name: str
    """User-context table the profile items live in. Required."""
    table_arn: str
    """ARN of that table: the only table the role may read and write. Required."""
    table_index_arn: str
    """ARN of the table's index: the only index the role may query. Required."""
    secret_arn: str
    """API secrets: the role may only `GetSecretValue` it. Required."""
    allowed_origins: tuple[str, ...]
    """Web origins the function echoes in `Access-Control-Allow-Origin`. Required, at least one."""
    reserved_concurrency: int = 5
    """Reserved concurrent executions: caps cost and protects the table. Default: 5 (allowed 1-1000)."""
    log_retention_days: int = 14
    """Retention of the function's log group. Default: 14 days."""
    runtime: Literal["python3.13", "python3.12", "python3.11"] = "python3.13"
    """Lambda Python runtime. Default: python3.13, the newest the pinned provider accepts."""
    architecture: Literal["arm64", "x86_64"] = "arm64"
    """Instruction set. Default: arm64 (cheaper per GB-second)."""
    memory_mb: int = 256
    """Memory (and so CPU). Default: 256 MB."""
    timeout_seconds: int = 10
    """Timeout; at most 29 s, API Gateway's integration limit. Default: 10 s."""
    tracing: bool = True
    """Active X-Ray tracing (attaches the AWS-managed X-Ray write policy). Default: on."""
    source_dir: Path = RUNTIME_DIR
    """Folder of the runtime code. Default: `runtime/` beside this module."""
    handler_module: str = "handler"
    """Module (one file, standard library and boto3 only) whose `lambda_handler` is the entry point."""
    staging_dir: Path = field(default_factory=_default_staging_dir)
    """Where the code is zipped before cdktf copies it into the stack. Default: `junokit-lambda` in the system's
    temporary folder; the api stack passes `build/lambda` of the project."""


class ProfileFunction(Construct):
    """The profile API's function, its role (only its table, index, secret and log group), and its log group."""

    def __init__(self, scope: Construct, id_: str, *, props: ProfileFunctionProps) -> None:
        super().__init__(scope, id_)
        _check(props)
        self.name: str = props.function_name

        self.log_group = CloudwatchLogGroup(
            self, "log-group", name=f"/aws/lambda/{props.function_name}", retention_in_days=props.log_retention_days
        )
        self.role = IamRole(
            self,
            "role",
            name=props.function_name,
            description=f"Runs the {props.function_name} Lambda function",
            assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
        )
        self.policy_document: dict[str, object] = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ProfileItems",
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
                    "Resource": [props.table_arn],
                },
                {
                    "Sid": "ContextTypeIndex",
                    "Effect": "Allow",
                    "Action": ["dynamodb:Query"],
                    "Resource": [props.table_index_arn],
                },
                {
                    "Sid": "ApiSecrets",
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue"],
                    "Resource": [props.secret_arn],
                },
                {
                    "Sid": "OwnLogGroup",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    # Streams are named by Lambda at run time; the pattern stays inside this function's group.
                    "Resource": [self.log_group.arn, f"{self.log_group.arn}:log-stream:*"],
                },
            ],
        }
        policy = IamRolePolicy(
            self, "policy", name="profile-function", role=self.role.id, policy=json.dumps(self.policy_document)
        )
        depends_on: list[ITerraformDependable] = [self.log_group, policy]
        if props.tracing:
            depends_on.append(
                IamRolePolicyAttachment(
                    self, "xray", role=self.role.name, policy_arn=aws_managed_policy_arn(self, XRAY_WRITE_POLICY)
                )
            )

        staged = stage_runtime(props.source_dir, props.handler_module, props.staging_dir)
        self.asset = TerraformAsset(self, "code", path=str(staged), type=AssetType.FILE)
        self.function = LambdaFunction(
            self,
            "function",
            function_name=props.function_name,
            description="Junokit profile API (GET/PUT /user/profile)",
            role=self.role.arn,
            runtime=props.runtime,
            architectures=[props.architecture],
            handler=f"{props.handler_module}.lambda_handler",
            filename=self.asset.path,
            source_code_hash=Fn.filebase64sha256(self.asset.path),
            memory_size=props.memory_mb,
            timeout=props.timeout_seconds,
            reserved_concurrent_executions=props.reserved_concurrency,
            tracing_config=LambdaFunctionTracingConfig(mode="Active" if props.tracing else "PassThrough"),
            environment=LambdaFunctionEnvironment(
                variables={
                    "TABLE_NAME": props.table_name,
                    "SECRETS_ARN": props.secret_arn,
                    "ALLOWED_ORIGINS": ",".join(props.allowed_origins),
                    "LOG_LEVEL": "INFO",
                }
            ),
            depends_on=depends_on,
        )
        self.function_arn: str = self.function.arn
        self.invoke_arn: str = self.function.invoke_arn
        self.role_arn: str = self.role.arn
        self.log_group_name: str = self.log_group.name


def _check(props: ProfileFunctionProps) -> None:
    validation.matches("function_name", props.function_name, r"[A-Za-z0-9_-]{1,64}", "1-64 letters, digits, '-' or '_'")
    validation.arn("table_arn", props.table_arn, "dynamodb")
    validation.arn("table_index_arn", props.table_index_arn, "dynamodb")
    validation.arn("secret_arn", props.secret_arn, "secretsmanager")
    if not props.allowed_origins:
        raise ValueError("allowed_origins () is not allowed (allowed: at least one web origin)")
    validation.in_range("reserved_concurrency", props.reserved_concurrency, 1, 1000)
    validation.one_of("log_retention_days", props.log_retention_days, validation.LOG_RETENTION_DAYS)
    validation.one_of("runtime", props.runtime, _RUNTIMES)
    validation.one_of("architecture", props.architecture, _ARCHITECTURES)
    validation.in_range("memory_mb", props.memory_mb, 128, 10240)
    validation.in_range("timeout_seconds", props.timeout_seconds, 1, 29)
    validation.matches("handler_module", props.handler_module, r"[a-z_][a-z0-9_]*", "a Python module name")
    if not (props.source_dir / f"{props.handler_module}.py").is_file():
        raise ValueError(
            f"handler_module {props.handler_module!r} is not allowed (allowed: a module in {props.source_dir})"
        )
