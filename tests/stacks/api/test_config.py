"""The api settings of the validated config: what each environment gets and what is refused, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from constructs_lib.config import ConfigError, load_config


def test_stage_throttling_defaults_to_the_seeds_limits() -> None:
    api = load_config("prod").api
    assert (api.throttle_rate_limit, api.throttle_burst_limit) == (1000, 2000)


def test_prod_allows_only_the_web_apps_https_origin() -> None:
    assert load_config("prod").api.cors_allow_origins == ("https://app.junokit.com",)


def test_only_dev_owns_the_account_logging_role() -> None:
    owners = [name for name in ("dev", "staging", "prod") if load_config(name).api.manage_account_logging_role]
    assert owners == ["dev"]


BAD_API_SETTINGS = {
    "no origins": (
        "dev",
        "cors_allow_origins = []",
        "api.cors_allow_origins () is not allowed (allowed: the web app's origins, e.g. https://app.junokit.com)",
    ),
    "origin with a path": (
        "dev",
        'cors_allow_origins = ["https://app.junokit.com/"]',
        "api.cors_allow_origins entry 'https://app.junokit.com/' is not allowed "
        "(allowed: scheme://host[:port] without path, e.g. https://app.junokit.com)",
    ),
    "plain http outside dev": (
        "staging",
        'cors_allow_origins = ["http://staging.app.junokit.com"]',
        "api.cors_allow_origins entry 'http://staging.app.junokit.com' is not allowed (allowed: https origins outside dev)",
    ),
    "any origin in prod": (
        "prod",
        'cors_allow_origins = ["*"]',
        "api.cors_allow_origins entry '*' is not allowed (allowed: the web app's https origins; '*' only outside prod)",
    ),
    "no concurrency": (
        "dev",
        "lambda_reserved_concurrency = 0",
        "api.lambda_reserved_concurrency 0 is not allowed (allowed: 1-1000)",
    ),
    "burst below rate": (
        "dev",
        "throttle_rate_limit = 1000\nthrottle_burst_limit = 10",
        "api.throttle_burst_limit 10 is not allowed (allowed: 1000-10000)",
    ),
    "data trace in prod": (
        "prod",
        "data_trace = true",
        "api.data_trace True is not allowed (allowed: false in prod: request bodies would reach the logs)",
    ),
}


@pytest.mark.parametrize(("environment", "setting", "message"), BAD_API_SETTINGS.values(), ids=BAD_API_SETTINGS.keys())
def test_bad_api_settings_are_refused(tmp_path: Path, environment: str, setting: str, message: str) -> None:
    path = tmp_path / "environments.toml"
    path.write_text(f"[defaults.api]\n{setting}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(environment, environ={"JUNOKIT_CONFIG": str(path)})
    assert str(raised.value) == message
