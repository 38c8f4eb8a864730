"""The monitoring settings of the validated config: what each environment gets and what is refused, in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.config import PROJECT_ROOT, ConfigError, load_config


def test_budgets_are_20_usd_in_dev_and_staging_and_100_in_prod() -> None:
    assert [load_config(name).monitoring.monthly_budget_usd for name in ("dev", "staging", "prod")] == [20, 20, 100]


def test_thresholds_default_to_the_documented_levels() -> None:
    monitoring = load_config("prod").monitoring
    assert (monitoring.api_5xx_rate_percent, monitoring.api_4xx_rate_percent, monitoring.api_p99_latency_ms) == (
        5.0,
        25.0,
        3000,
    )
    assert (
        monitoring.function_errors,
        monitoring.function_throttles,
        monitoring.function_duration_percent_of_timeout,
    ) == (1, 1, 80)
    assert (monitoring.table_throttled_requests, monitoring.table_system_errors) == (1, 1)
    assert (monitoring.ses_bounce_rate_percent, monitoring.ses_complaint_rate_percent) == (4.0, 0.08)


def test_prod_mails_at_least_one_address() -> None:
    assert load_config("prod").monitoring.alert_emails


# What prod needs besides monitoring settings to pass validation (https web origins).
_PROD_BASICS = """
[defaults.api]
cors_allow_origins = ["https://app.junokit.com"]
[defaults.identity]
callback_urls = ["https://app.junokit.com/auth/callback"]
logout_urls = ["https://app.junokit.com/"]
mfa = "required"
"""


def _load(tmp_path: Path, environment: str, settings: str) -> object:
    path = tmp_path / "environments.toml"
    path.write_text(f"{_PROD_BASICS}\n[defaults.monitoring]\n{settings}\n")
    return load_config(environment, environ={"JUNOKIT_CONFIG": str(path)})


def test_an_empty_list_is_allowed_outside_prod(tmp_path: Path) -> None:
    assert _load(tmp_path, "dev", "alert_emails = []").monitoring.alert_emails == ()  # type: ignore[attr-defined]


def test_a_whole_number_is_accepted_where_a_percentage_may_have_decimals(tmp_path: Path) -> None:
    assert _load(tmp_path, "dev", "api_5xx_rate_percent = 3").monitoring.api_5xx_rate_percent == 3.0  # type: ignore[attr-defined]


BAD_MONITORING_SETTINGS = {
    "no address in prod": (
        "prod",
        "alert_emails = []",
        "monitoring.alert_emails () is not allowed (allowed: one or more addresses in prod, e.g. ops@junokit.com)",
    ),
    "not an address": (
        "dev",
        'alert_emails = ["ops@"]',
        "monitoring.alert_emails entry 'ops@' is not allowed (allowed: an email address such as ops@junokit.com)",
    ),
    "no domain": (
        "dev",
        'alert_emails = ["ops@localhost"]',
        "monitoring.alert_emails entry 'ops@localhost' is not allowed (allowed: an email address such as ops@junokit.com)",
    ),
    "space in address": (
        "dev",
        'alert_emails = ["o ps@junokit.com"]',
        "monitoring.alert_emails entry 'o ps@junokit.com' is not allowed (allowed: an email address such as ops@junokit.com)",
    ),
    "listed twice": (
        "dev",
        'alert_emails = ["ops@junokit.com", "Ops@junokit.com"]',
        "monitoring.alert_emails entry 'Ops@junokit.com' is not allowed (allowed: each address once)",
    ),
    "not a list": (
        "dev",
        'alert_emails = "ops@junokit.com"',
        "environments.dev.monitoring.alert_emails must be a list of strings, got 'ops@junokit.com'",
    ),
    "budget zero": (
        "dev",
        "monthly_budget_usd = 0",
        "monitoring.monthly_budget_usd 0 is not allowed (allowed: 1-100000)",
    ),
    "budget with cents": (
        "dev",
        "monthly_budget_usd = 20.5",
        "environments.dev.monitoring.monthly_budget_usd must be a whole number, got 20.5",
    ),
    "rate over 100": (
        "dev",
        "api_5xx_rate_percent = 150.0",
        "monitoring.api_5xx_rate_percent 150.0 is not allowed (allowed: 0.01-100)",
    ),
    "rate as text": (
        "dev",
        'ses_bounce_rate_percent = "4 %"',
        "environments.dev.monitoring.ses_bounce_rate_percent must be a number, got '4 %'",
    ),
    "duration over the timeout": (
        "dev",
        "function_duration_percent_of_timeout = 120",
        "monitoring.function_duration_percent_of_timeout 120 is not allowed (allowed: 1-100)",
    ),
    "unknown setting": (
        "dev",
        "api_5xx_percent = 5",
        "unknown setting environments.dev.monitoring.api_5xx_percent (allowed: alert_emails, api_4xx_rate_percent, "
        "api_5xx_rate_percent, api_p99_latency_ms, function_duration_percent_of_timeout, function_errors, function_throttles, "
        "monthly_budget_usd, ses_bounce_rate_percent, ses_complaint_rate_percent, table_system_errors, table_throttled_requests)",
    ),
}


@pytest.mark.parametrize(
    ("environment", "setting", "message"), BAD_MONITORING_SETTINGS.values(), ids=BAD_MONITORING_SETTINGS.keys()
)
def test_bad_monitoring_settings_are_refused(tmp_path: Path, environment: str, setting: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, environment, setting)
    assert str(raised.value) == message


def test_main_refuses_a_bad_address_in_one_line_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "environments.toml"
    path.write_text('[defaults.monitoring]\nalert_emails = ["ops at junokit.com"]\n')
    outdir = tmp_path / "out"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JUNOKIT_")}
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py")],
        env={**clean, "JUNOKIT_CONFIG": str(path), "JUNOKIT_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "junokit: error: monitoring.alert_emails entry 'ops at junokit.com' is not allowed "
        "(allowed: an email address such as ops@junokit.com)"
    ]
    assert not outdir.exists()
