"""The API's own domain (`api.custom_domain`): regional domain, base path mapping of v1, Route 53 alias, the
published URL; and the settings refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cdktf import Testing

from constructs_lib.config import PROJECT_ROOT, ConfigError, load_config
from stacks.api.contract import ApiOutputs
from stacks.app import build_environment
from tests.support import build, resources, synth

CERT = "arn:aws:acm:eu-north-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
ZONE = "Z0123456789ABCDEFGHIJ"


def _config_file(tmp_path: Path, *, zone: str = "", domain: str = "api.junokit.com", cert: str = CERT) -> Path:
    """The project's environments file with prod's API domain (and optionally a zone) set."""
    text = (PROJECT_ROOT / "environments.toml").read_text()
    text = text.replace(
        "[environments.prod.api]\n",
        f'[environments.prod.api]\ncustom_domain = "{domain}"\ncustom_domain_certificate_arn = "{cert}"\n',
    )
    text = text.replace('hosted_zone_id = ""', f'hosted_zone_id = "{zone}"')
    path = tmp_path / "environments.toml"
    path.write_text(text)
    return path


def _api(tmp_path: Path, **kwargs: str) -> str:
    config = load_config("prod", environ={"JUNOKIT_CONFIG": str(_config_file(tmp_path, **kwargs))})
    return synth(build_environment(Testing.app(), config)["api"])


def test_a_regional_domain_maps_stage_v1_and_the_custom_url_is_published(tmp_path: Path) -> None:
    synthesized = _api(tmp_path)
    (domain,) = resources(synthesized, "aws_api_gateway_domain_name").values()
    assert domain["domain_name"] == "api.junokit.com"
    assert domain["regional_certificate_arn"] == CERT
    assert domain["endpoint_configuration"] == {"types": ["REGIONAL"]}
    assert domain["security_policy"] == "TLS_1_2"
    assert "certificate_arn" not in domain  # an edge (us-east-1) certificate is not used
    (mapping,) = resources(synthesized, "aws_api_gateway_base_path_mapping").values()
    assert (mapping["stage_name"], mapping["base_path"]) == ("v1", "v1")
    assert mapping["api_id"].startswith("${aws_api_gateway_rest_api.")
    assert mapping["domain_name"].startswith("${aws_api_gateway_domain_name.")
    assert json.loads(synthesized)["output"][ApiOutputs.API_URL]["value"] == "https://api.junokit.com/v1"
    assert resources(synthesized, "aws_route53_record") == {}  # no zone configured


def test_with_a_zone_the_alias_record_points_at_the_regional_domain(tmp_path: Path) -> None:
    (record,) = resources(_api(tmp_path, zone=ZONE), "aws_route53_record").values()
    assert (record["zone_id"], record["name"], record["type"]) == (ZONE, "api.junokit.com", "A")
    alias = record["alias"]
    assert alias["name"].endswith(".regional_domain_name}")
    assert alias["zone_id"].endswith(".regional_zone_id}")
    assert alias["evaluate_target_health"] is False


def test_without_a_domain_the_stage_url_is_published_and_nothing_is_added() -> None:
    synthesized = synth(build("prod")["api"])
    assert resources(synthesized, "aws_api_gateway_domain_name") == {}
    assert resources(synthesized, "aws_api_gateway_base_path_mapping") == {}
    assert json.loads(synthesized)["output"][ApiOutputs.API_URL]["value"].endswith(".invoke_url}")


BAD = {
    "domain without certificate": (
        {"cert": ""},
        "api.custom_domain and api.custom_domain_certificate_arn must be set together",
    ),
    "not a DNS name": (
        {"domain": "API.junokit"},
        "api.custom_domain 'API.junokit' is not allowed (allowed: a lower-case DNS name such as junokit.com)",
    ),
    "certificate in us-east-1": (
        {"cert": CERT.replace("eu-north-1", "us-east-1")},
        f"api.custom_domain_certificate_arn {CERT.replace('eu-north-1', 'us-east-1')!r} is not allowed "
        "(allowed: an ACM certificate ARN in eu-north-1, the API's region)",
    ),
}


@pytest.mark.parametrize(("settings", "message"), BAD.values(), ids=BAD.keys())
def test_bad_domain_settings_are_refused_in_one_line(tmp_path: Path, settings: dict[str, str], message: str) -> None:
    path = _config_file(tmp_path, **settings)
    with pytest.raises(ConfigError) as raised:
        load_config("prod", environ={"JUNOKIT_CONFIG": str(path)})
    assert str(raised.value) == message
