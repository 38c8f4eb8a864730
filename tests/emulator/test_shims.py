"""The emulator's shims on their own, through boto3 against a running emulator: each behaves as AWS documents.

The end-to-end test shows the stacks apply with them; these show what each shim answers, including refusals.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from emulator.server import Emulator

pytestmark = pytest.mark.filterwarnings("error::urllib3.exceptions.InsecureRequestWarning")  # clients verify the CA


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


# --- SES configuration set delivery options (TLS policy) ------------------------------------------------------


def _delivery_options(emulator: Emulator, name: str) -> object:
    described = emulator.client("ses").describe_configuration_set(
        ConfigurationSetName=name, ConfigurationSetAttributeNames=["deliveryOptions"]
    )
    return described.get("DeliveryOptions")


def test_tls_policy_is_stored_and_described(emulator: Emulator) -> None:
    ses = emulator.client("ses")
    ses.create_configuration_set(ConfigurationSet={"Name": "tls-required"})
    assert not _delivery_options(emulator, "tls-required")
    ses.put_configuration_set_delivery_options(
        ConfigurationSetName="tls-required", DeliveryOptions={"TlsPolicy": "Require"}
    )
    assert _delivery_options(emulator, "tls-required") == {"TlsPolicy": "Require"}
    ses.put_configuration_set_delivery_options(
        ConfigurationSetName="tls-required", DeliveryOptions={"TlsPolicy": "Optional"}
    )
    assert _delivery_options(emulator, "tls-required") == {"TlsPolicy": "Optional"}


def test_tls_policy_of_an_unknown_set_is_refused(emulator: Emulator) -> None:
    with pytest.raises(ClientError) as refused:
        emulator.client("ses").put_configuration_set_delivery_options(
            ConfigurationSetName="nowhere", DeliveryOptions={"TlsPolicy": "Require"}
        )
    assert refused.value.response["Error"]["Code"] == "ConfigurationSetDoesNotExist"


def test_an_unknown_tls_policy_is_refused(emulator: Emulator) -> None:
    ses = emulator.client("ses")
    ses.create_configuration_set(ConfigurationSet={"Name": "tls-bad"})
    with pytest.raises(ClientError) as refused:
        ses.put_configuration_set_delivery_options(
            ConfigurationSetName="tls-bad", DeliveryOptions={"TlsPolicy": "Maybe"}
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert not _delivery_options(emulator, "tls-bad")
