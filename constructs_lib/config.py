"""The one validated configuration object every stack is built from.

`load_config` merges `environments.toml` (defaults, then the environment's own table) with a few
environment variables, checks every value, and returns frozen dataclasses. Anything wrong raises
`ConfigError` with a one-line message naming the problem and the allowed values; nothing is built
before the whole config is valid, so bad input never leaves half-written output behind.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from constructs_lib import validation

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "environments.toml"
DEFAULT_OUTDIR = PROJECT_ROOT / "cdktf.out"

ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
BACKENDS: tuple[str, ...] = ("local", "s3", "cloud")
DEFAULT_REGION = "eu-north-1"
EU_REGIONS = validation.EU_REGIONS
LOG_RETENTION_DAYS = validation.LOG_RETENTION_DAYS
# Terraform Cloud organization names: letters, digits, '-' and '_' (they appear in URLs and workspace paths).
_TFC_ORG_RE = re.compile(r"[A-Za-z0-9_-]{1,255}")
# A Terraform Cloud / Enterprise host as Terraform's service discovery takes it: a lower-case DNS name, optional port.
_TFC_HOST_RE = re.compile(r"(?=[^:]{1,253}(:|$))([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:\d{1,5})?")


class ConfigError(ValueError):
    """Bad configuration; the message is one line meant for the operator."""


def synth_outdir(environ: Mapping[str, str]) -> Path:
    """Where `main.py` writes the synthesized app, and so where the tools read it: JUNOKIT_OUTDIR, else cdktf.out/."""
    return Path(environ.get("JUNOKIT_OUTDIR") or DEFAULT_OUTDIR)


EMULATOR_ACCOUNT_ID = "123456789012"
"""The account the local emulator (moto server) answers as; stacks synthesized for an emulator refuse any other."""


@dataclass(frozen=True, kw_only=True)
class BackendConfig:
    """Where each stack keeps its state: one state per environment and stack."""

    kind: Literal["local", "s3", "cloud"] = "local"
    """Backend type. Default: local (no account needed)."""
    state_dir: str = "terraform-state"
    """local: folder (relative to the project root) holding `<stack>.tfstate` files."""
    state_bucket: str = ""
    """s3: the state bucket (created by the bootstrap stack). Required for s3."""
    state_region: str = ""
    """s3: the bucket's region. Default: the environment's region."""
    tfc_organization: str = ""
    """cloud: Terraform Cloud organization. Required for cloud."""
    tfc_hostname: str = "app.terraform.io"
    """cloud: Terraform Cloud or Enterprise host."""


@dataclass(frozen=True, kw_only=True)
class MessagingSettings:
    """SES settings for the messaging stack."""

    sender_local_part: str = "no-reply"
    """Local part of the sender address (`no-reply@<domain>`)."""
    hosted_zone_id: str = ""
    """Route 53 zone for the domain. Empty: DNS records are published as an output instead."""
    manage_identity_feedback: bool = True
    """Pin the identity's feedback forwarding on (SES v2 API) and send its bounce and complaint notifications to
    the feedback topic. False leaves SES's defaults (forwarding on, no identity topics) for emulators lacking
    those APIs; mail sent with the configuration set still reports to the topic."""


@dataclass(frozen=True, kw_only=True)
class IdentitySettings:
    """Cognito settings for the identity stack."""

    password_min_length: int = 12
    """Minimum password length; 12 or more."""
    temporary_password_validity_days: int = 3
    """How long an invitation's temporary password lasts; 1-365 days."""
    callback_urls: tuple[str, ...] = ("http://localhost:3000/auth/callback",)
    """OAuth callback URLs of the web app; https outside dev."""
    logout_urls: tuple[str, ...] = ("http://localhost:3000/",)
    """OAuth sign-out URLs of the web app; https outside dev."""
    custom_domain: str = ""
    """Custom hosted-UI domain (e.g. auth.junokit.com). Empty: a Cognito prefix domain."""
    custom_domain_certificate_arn: str = ""
    """ACM certificate (us-east-1) for the custom domain; required with it."""
    mfa: Literal["off", "optional", "required"] = "optional"
    """TOTP (authenticator app) MFA: off, optional (each user may turn it on) or required (every user sets it
    up at first sign-in). No SMS: it costs per message and is the weaker factor. prod allows only required."""
    domain_prefix: str = ""
    """Cognito prefix domain (`<prefix>.auth.<region>.amazoncognito.com`). Empty: `junokit` in prod, else
    `junokit-<env>`. Prefixes are unique per region across all AWS accounts, so a taken one is set here."""


@dataclass(frozen=True, kw_only=True)
class ApiSettings:
    """API Gateway and Lambda settings for the api stack."""

    throttle_rate_limit: int = 1000
    """Stage-wide steady-state requests per second."""
    throttle_burst_limit: int = 2000
    """Stage-wide burst; at least the rate limit."""
    cors_allow_origins: tuple[str, ...] = ("http://localhost:3000",)
    """Origins of the web app allowed by CORS; never `*` in prod."""
    data_trace: bool = False
    """Log request/response bodies. Refused in prod (GDPR)."""
    manage_account_logging_role: bool = False
    """Whether this environment owns the account-wide API Gateway CloudWatch role."""
    lambda_reserved_concurrency: int = 5
    """Reserved concurrency of the profile function."""
    waf_enabled: bool = False
    """A WAFv2 web ACL on the stage (managed rule groups, per-IP rate limit); about 9 USD/month. Default: off."""
    waf_rate_limit: int = 2000
    """With the web ACL: requests one IP may send in five minutes before it is blocked (100 or more)."""
    custom_domain: str = ""
    """The API's own host name (e.g. api.junokit.com). Empty: the stage's execute-api URL is published."""
    custom_domain_certificate_arn: str = ""
    """ACM certificate for `custom_domain`, in the environment's region (a regional domain); required with it."""


@dataclass(frozen=True, kw_only=True)
class MonitoringSettings:
    """Alert recipients, alarm thresholds and the cost budget of the monitoring stack.

    The thresholds are the levels the alarms fire at; their periods are fixed in `stacks.monitoring.alarms`.
    """

    alert_emails: tuple[str, ...] = ()
    """Addresses subscribed to the alert topic (each confirms once by mail). May be empty outside prod."""
    monthly_budget_usd: int = 20
    """Monthly cost budget of the environment in USD (1-100000)."""
    api_5xx_rate_percent: float = 5.0
    """API 5XX responses as a share of requests over 5 minutes."""
    api_4xx_rate_percent: float = 25.0
    """API 4XX responses as a share of requests over 15 minutes."""
    api_p99_latency_ms: int = 3000
    """p99 API latency, breached in 3 of 5 one-minute periods."""
    function_errors: int = 1
    """Profile function errors in 5 minutes."""
    function_throttles: int = 1
    """Profile function throttles in 5 minutes."""
    function_duration_percent_of_timeout: int = 80
    """p99 profile function duration as a share of its timeout, over 5 minutes."""
    table_throttled_requests: int = 1
    """Throttled requests on the user-context table in 5 minutes."""
    table_system_errors: int = 1
    """DynamoDB system errors on the user-context table in 5 minutes."""
    ses_bounce_rate_percent: float = 4.0
    """SES account bounce rate (AWS reviews an account at 5 %, pauses sending at 10 %)."""
    ses_complaint_rate_percent: float = 0.08
    """SES account complaint rate (AWS reviews an account at 0.1 %, pauses sending at 0.5 %)."""


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Everything that differs between dev, staging and prod."""

    name: Literal["dev", "staging", "prod"]
    region: str = DEFAULT_REGION
    """AWS region; EU only. Default eu-north-1 (Stockholm)."""
    project: str = "junokit"
    cost_center: str = "junokit-platform"
    domain: str = "junokit.com"
    """Mail and web domain."""
    protect_stateful: bool = False
    """Deletion protection and `prevent_destroy` on the table, user pool and secret."""
    secret_recovery_window_days: int = 0
    """Secrets Manager recovery window: 0 (delete at once) or 7-30."""
    log_retention_days: int = 14
    """CloudWatch Logs retention for every log group."""
    backend: BackendConfig = field(default_factory=BackendConfig)
    messaging: MessagingSettings = field(default_factory=MessagingSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    aws_endpoint: str = ""
    """Send every AWS call (provider and S3 backend) to this URL, e.g. a local emulator. Empty: AWS.

    The S3 backend and remote-state reads name it; the AWS provider gets it from `AWS_ENDPOINT_URL` at run time and
    refuses any account but `EMULATOR_ACCOUNT_ID` (see `constructs_lib.stack.aws_provider`)."""

    @property
    def is_prod(self) -> bool:
        return self.name == "prod"

    def resource_name(self, base: str) -> str:
        """prod keeps the seed's names exactly; other environments append their name so all fit one account."""
        return base if self.is_prod else f"{base}-{self.name}"

    def stack_id(self, stack: str) -> str:
        """Stack id, state key and Terraform Cloud workspace name: `junokit-<env>-<stack>`."""
        return f"{self.project}-{self.name}-{stack}"

    @property
    def sender_address(self) -> str:
        return f"{self.messaging.sender_local_part}@{self.domain}"


def _one_of(what: str, value: object, allowed: typing.Iterable[object]) -> None:
    try:
        validation.one_of(what, value, allowed)
    except ValueError as error:
        raise ConfigError(str(error)) from None


def _coerce(cls: type, data: Mapping[str, object], where: str) -> object:
    """Build dataclass `cls` from a TOML table, refusing unknown keys and wrong types."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} must be a table, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"unknown setting {where}.{unknown[0]} (allowed: {', '.join(sorted(fields))})")
    values: dict[str, object] = {}
    for name, raw in data.items():
        hint = hints[name]
        origin = typing.get_origin(hint)
        key = f"{where}.{name}"
        if dataclasses.is_dataclass(hint):
            values[name] = _coerce(hint, raw, key)  # type: ignore[arg-type]  # a TOML table, checked inside
        elif origin is tuple:
            if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
                raise ConfigError(f"{key} must be a list of strings, got {raw!r}")
            values[name] = tuple(raw)
        elif origin is Literal:
            _one_of(key, raw, typing.get_args(hint))
            values[name] = raw
        elif hint is bool:
            if not isinstance(raw, bool):
                raise ConfigError(f"{key} must be true or false, got {raw!r}")
            values[name] = raw
        elif hint is int:
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise ConfigError(f"{key} must be a whole number, got {raw!r}")
            values[name] = raw
        elif hint is float:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise ConfigError(f"{key} must be a number, got {raw!r}")
            values[name] = float(raw)
        else:
            if not isinstance(raw, str):
                raise ConfigError(f"{key} must be a string, got {raw!r}")
            values[name] = raw
    return cls(**values)


def _merge(base: Mapping[str, object], over: Mapping[str, object]) -> dict[str, object]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)  # type: ignore[arg-type]  # both checked to be tables above
        else:
            merged[key] = value
    return merged


def read_config_file(path: Path = DEFAULT_CONFIG_FILE) -> dict[str, object]:
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found (set JUNOKIT_CONFIG to an environments.toml)") from None
    except IsADirectoryError:
        raise ConfigError(
            f"config file {path} is a directory (set JUNOKIT_CONFIG to an environments.toml file)"
        ) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start}; "
            "TOML files are UTF-8)"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"config file {path} cannot be read: {error.strerror or error}") from None
    allowed = ("defaults", "environments", "project")
    for key in document:
        _one_of("config file section", key, allowed)
    return document


def load_config(
    environment: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> EnvironmentConfig:
    """Validated config of one environment.

    `environment` defaults to JUNOKIT_ENV, then dev. `environ` defaults to an empty mapping (tests pass
    their own); `main.py` passes `os.environ`, so nothing here reads the process environment by itself.
    """
    env = dict(environ or {})
    name = environment or env.get("JUNOKIT_ENV") or "dev"
    _one_of("environment", name, ENVIRONMENTS)
    document = read_config_file(path or Path(env.get("JUNOKIT_CONFIG") or DEFAULT_CONFIG_FILE))

    project = document.get("project", {})
    if not isinstance(project, Mapping):
        raise ConfigError("config file section project must be a table")
    for key in project:
        _one_of("project setting", key, ("cost_center", "domain", "name"))
    environments = document.get("environments", {})
    if not isinstance(environments, Mapping):
        raise ConfigError("config file section environments must be a table")
    for key in environments:
        _one_of("environment table", key, ENVIRONMENTS)
    merged = _merge(document.get("defaults", {}), environments.get(name, {}) or {})  # type: ignore[arg-type]  # TOML tables, coerced below
    merged["name"] = name
    if "name" in project:
        merged["project"] = project["name"]
    for key in ("cost_center", "domain"):
        if key in project:
            merged.setdefault(key, project[key])

    backend = dict(typing.cast(Mapping[str, object], merged.get("backend") or {}))
    overrides = {
        "JUNOKIT_BACKEND": "kind",
        "JUNOKIT_STATE_BUCKET": "state_bucket",
        "JUNOKIT_STATE_REGION": "state_region",
        "JUNOKIT_STATE_DIR": "state_dir",
        "JUNOKIT_TFC_ORG": "tfc_organization",
        "JUNOKIT_TFC_HOSTNAME": "tfc_hostname",
    }
    for variable, key in overrides.items():
        if env.get(variable):
            backend[key] = env[variable]
    if "kind" in backend:
        _one_of("backend", backend["kind"], BACKENDS)
    merged["backend"] = backend
    if env.get("JUNOKIT_REGION"):
        merged["region"] = env["JUNOKIT_REGION"]
    if env.get("JUNOKIT_AWS_ENDPOINT"):
        merged["aws_endpoint"] = env["JUNOKIT_AWS_ENDPOINT"]

    config = typing.cast(EnvironmentConfig, _coerce(EnvironmentConfig, merged, "environments." + name))
    _validate(config)
    return config


def _validate(config: EnvironmentConfig) -> None:
    """Every rule of the whole config; the first broken one raises `ConfigError` in validation's format."""
    try:
        _check(config)
    except ConfigError:
        raise
    except ValueError as error:
        raise ConfigError(str(error)) from None


def _check(config: EnvironmentConfig) -> None:
    fail = validation.fail
    validation.one_of("region", config.region, EU_REGIONS)
    validation.DOMAIN.check("domain", config.domain)
    validation.PROJECT_NAME.check("project name", config.project)
    validation.recovery_window("secret_recovery_window_days", config.secret_recovery_window_days)
    validation.one_of("log_retention_days", config.log_retention_days, LOG_RETENTION_DAYS)
    backend = config.backend
    if backend.kind == "s3":
        if not backend.state_bucket:
            raise ConfigError("backend s3 needs a state bucket: set JUNOKIT_STATE_BUCKET or backend.state_bucket")
        validation.S3_BUCKET.check("state bucket", backend.state_bucket)
        if backend.state_region:
            validation.one_of("state region", backend.state_region, EU_REGIONS)
    if backend.kind == "cloud" and not backend.tfc_organization:
        raise ConfigError("backend cloud needs an organization: set JUNOKIT_TFC_ORG or backend.tfc_organization")
    if backend.tfc_organization and not _TFC_ORG_RE.fullmatch(backend.tfc_organization):
        raise ConfigError(
            f"Terraform Cloud organization {backend.tfc_organization!r} is not allowed "
            "(allowed: letters, digits, '-' and '_', e.g. acme-platform)"
        )
    if not _TFC_HOST_RE.fullmatch(backend.tfc_hostname):
        raise ConfigError(
            f"Terraform Cloud hostname {backend.tfc_hostname!r} is not allowed "
            "(allowed: a lower-case host name with an optional port, e.g. app.terraform.io or tfe.example.com:8443)"
        )
    if config.aws_endpoint:
        validation.LOOPBACK_URL.check("aws_endpoint", config.aws_endpoint)
    api = config.api
    if config.is_prod and api.data_trace:
        fail("api.data_trace", api.data_trace, "false in prod: request bodies would reach the logs")
    validation.not_empty(
        "api.cors_allow_origins", api.cors_allow_origins, "the web app's origins, e.g. https://app.junokit.com"
    )
    for origin in api.cors_allow_origins:
        if origin == "*" and config.is_prod:
            fail("api.cors_allow_origins entry", origin, "the web app's https origins; '*' only outside prod")
        if origin != "*":
            validation.ORIGIN.check("api.cors_allow_origins entry", origin)
        if config.name != "dev" and origin.startswith("http://"):
            fail("api.cors_allow_origins entry", origin, "https origins outside dev")
    validation.in_range("api.lambda_reserved_concurrency", api.lambda_reserved_concurrency, 1, 1000)
    validation.in_range("api.waf_rate_limit", api.waf_rate_limit, 100, 2_000_000_000)
    validation.in_range("api.throttle_rate_limit", api.throttle_rate_limit, 1, 10000)
    validation.in_range("api.throttle_burst_limit", api.throttle_burst_limit, api.throttle_rate_limit, 10000)
    identity = config.identity
    validation.in_range("identity.password_min_length", identity.password_min_length, 12, 99)
    validation.in_range("identity.temporary_password_validity_days", identity.temporary_password_validity_days, 1, 365)
    validation.not_empty("identity.callback_urls", identity.callback_urls, "one or more URLs of the web app")
    for url in identity.callback_urls + identity.logout_urls:
        if config.name != "dev" and not url.startswith("https://"):
            fail("callback/logout URL", url, "https URLs outside dev")
        validation.APP_URL.check("callback/logout URL", url)
    if bool(identity.custom_domain) != bool(identity.custom_domain_certificate_arn):
        raise ConfigError("identity.custom_domain and identity.custom_domain_certificate_arn must be set together")
    if identity.domain_prefix:
        validation.DOMAIN_PREFIX.check("identity.domain_prefix", identity.domain_prefix)
    if identity.custom_domain:
        validation.DOMAIN.check("identity.custom_domain", identity.custom_domain)
        validation.US_EAST_1_CERTIFICATE.check(
            "identity.custom_domain_certificate_arn", identity.custom_domain_certificate_arn
        )
    messaging = config.messaging
    validation.SENDER_LOCAL_PART.check("messaging.sender_local_part", messaging.sender_local_part)
    if messaging.hosted_zone_id:
        validation.ZONE_ID.check("messaging.hosted_zone_id", messaging.hosted_zone_id)
    if config.is_prod and config.identity.mfa != "required":
        validation.fail("identity.mfa", config.identity.mfa, "required in prod")
    if bool(api.custom_domain) != bool(api.custom_domain_certificate_arn):
        raise ConfigError("api.custom_domain and api.custom_domain_certificate_arn must be set together")
    if api.custom_domain:
        validation.DOMAIN.check("api.custom_domain", api.custom_domain)
        # A regional API domain takes a certificate of the API's own region (edge domains would need us-east-1).
        validation.certificate_in(config.region).check(
            "api.custom_domain_certificate_arn", api.custom_domain_certificate_arn
        )
    _check_monitoring(config)


# (setting, lowest, highest) of the alarm thresholds and the budget; outside these an alarm could never or
# always fire.
_MONITORING_RANGES: tuple[tuple[str, float, float], ...] = (
    ("api_5xx_rate_percent", 0.01, 100),
    ("api_4xx_rate_percent", 0.01, 100),
    ("api_p99_latency_ms", 1, 29000),
    ("function_errors", 1, 100000),
    ("function_throttles", 1, 100000),
    ("function_duration_percent_of_timeout", 1, 100),
    ("table_throttled_requests", 1, 100000),
    ("table_system_errors", 1, 100000),
    ("ses_bounce_rate_percent", 0.01, 100),
    ("ses_complaint_rate_percent", 0.001, 100),
    ("monthly_budget_usd", 1, 100000),
)


def _check_monitoring(config: EnvironmentConfig) -> None:
    monitoring = config.monitoring
    if config.is_prod:
        validation.not_empty(
            "monitoring.alert_emails", monitoring.alert_emails, "one or more addresses in prod, e.g. ops@junokit.com"
        )
    seen: set[str] = set()
    for address in monitoring.alert_emails:
        validation.EMAIL.check("monitoring.alert_emails entry", address)
        if address.lower() in seen:
            validation.fail("monitoring.alert_emails entry", address, "each address once")
        seen.add(address.lower())
    for name, low, high in _MONITORING_RANGES:
        validation.number_in_range(f"monitoring.{name}", getattr(monitoring, name), low, high)


def state_region(config: EnvironmentConfig) -> str:
    """Region of the s3 state bucket: its own setting, else the environment's."""
    return config.backend.state_region or config.region
