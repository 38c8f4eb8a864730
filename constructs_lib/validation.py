"""Every validation rule, defined once, for the config and for the constructs' props.

Errors are one-line `ValueError`s in one format: what, the bad value, what is allowed
(`domain 'junokit_com' is not allowed (allowed: a lower-case DNS name such as junokit.com)`). Values that are
still cdktf tokens (known only at apply time) are not checked. Importing this module loads no construct.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

# How cdktf encodes a token in a string (cdktf/lib/tokens/private/encoding.js, STRING_TOKEN_REGEX): the same
# test `Token.is_unresolved` makes for a string, without a call into the jsii kernel per checked prop.
_STRING_TOKEN = re.compile(r"\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}")

# Regions in EU member states only: GDPR data residency. London (eu-west-2) and Zurich (eu-central-2)
# are outside the EU and therefore refused.
EU_REGIONS: tuple[str, ...] = ("eu-north-1", "eu-west-1", "eu-west-3", "eu-central-1", "eu-south-1", "eu-south-2")
# CloudWatch Logs retention periods AWS accepts.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


def is_token(value: object) -> bool:
    """Whether `value` is a string holding a cdktf token (`Token.is_unresolved` for strings)."""
    return isinstance(value, str) and _STRING_TOKEN.search(value) is not None


def fail(field: str, value: object, allowed: str) -> NoReturn:
    """Raise the one error format: what, the bad value, what is allowed."""
    raise ValueError(f"{field} {value!r} is not allowed (allowed: {allowed})")


@dataclass(frozen=True)
class Pattern:
    """A rule for strings: the whole value must match `regex` and contain none of `forbidden`."""

    regex: str
    allowed: str
    """What the error says is allowed."""
    forbidden: tuple[str, ...] = ()

    def ok(self, value: object) -> bool:
        return (
            isinstance(value, str)
            and re.fullmatch(self.regex, value) is not None
            and not any(word in value for word in self.forbidden)
        )

    def check(self, field: str, value: object) -> None:
        if not is_token(value) and not self.ok(value):
            fail(field, value, self.allowed)


DOMAIN = Pattern(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", "a lower-case DNS name such as junokit.com"
)
# Cognito accepts plain http only for localhost.
APP_URL = Pattern(r"(https://[^\s/]+|http://localhost(:\d+)?)(/\S*)?", "https URLs, or http://localhost")
# A web origin as browsers send it: scheme, lower-case host, optional port; no path, no trailing slash.
ORIGIN = Pattern(
    r"https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?",
    "scheme://host[:port] without path, e.g. https://app.junokit.com",
)
# Cognito prefix domains: unique per region across all accounts; AWS refuses these words in them.
DOMAIN_PREFIX = Pattern(
    r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?",
    "lower-case letters, digits and dashes, without aws, amazon or cognito",
    forbidden=("aws", "amazon", "cognito"),
)
SENDER_LOCAL_PART = Pattern(
    r"[a-z0-9]([a-z0-9._+-]{0,62}[a-z0-9])?", "lower-case letters, digits and . _ + -, e.g. no-reply"
)
ZONE_ID = Pattern(r"[A-Z0-9]{1,32}", "a Route 53 zone id such as Z0123456789ABC, or empty")
US_EAST_1_CERTIFICATE = Pattern(
    r"arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+",
    "an ACM certificate ARN in us-east-1, as Cognito custom domains require",
)
S3_BUCKET = Pattern(
    r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-'"
)
LOOPBACK_URL = Pattern(
    r"https?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?/?", "a loopback URL such as http://127.0.0.1:5000"
)
# An address SNS can mail: a plain local part (RFC 5322 atext and dots) at a lower-case DNS name.
EMAIL = Pattern(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    "an email address such as ops@junokit.com",
)
PROJECT_NAME = Pattern(r"[a-z][a-z0-9-]{1,20}", "2-21 lower-case letters, digits or dashes, starting with a letter")


def one_of(field: str, value: object, allowed: Iterable[object]) -> None:
    allowed = tuple(allowed)
    if not is_token(value) and value not in allowed:
        fail(field, value, ", ".join(map(str, allowed)))


def in_range(field: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(field, value, f"{low}-{high}")


def number_in_range(field: str, value: float, low: float, high: float) -> None:
    """Like `in_range`, for settings that may have decimals (percentages)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        fail(field, value, f"{low:g}-{high:g}")


def recovery_window(field: str, value: int) -> None:
    """Secrets Manager deletes a secret at once (0) or after a 7-30 day recovery window."""
    if value != 0 and not (isinstance(value, int) and 7 <= value <= 30):
        fail(field, value, "0 or 7-30")


def matches(field: str, value: str, pattern: str, allowed: str) -> None:
    """A one-off pattern of a single construct; shared rules are the `Pattern`s above."""
    Pattern(pattern, allowed).check(field, value)


def arn(field: str, value: str, service: str) -> None:
    """An ARN of `service`, unless it is a token (the usual case: read from another stack's state)."""
    matches(field, value, rf"arn:aws[a-z-]*:{service}:.+", f"an ARN of {service}")


def not_empty(field: str, values: tuple[object, ...], allowed: str) -> None:
    if not values:
        fail(field, values, allowed)


def certificate_in(region: str) -> Pattern:
    """An ACM certificate ARN in `region`: a regional API Gateway domain takes a certificate of its own region."""
    return Pattern(
        rf"arn:aws:acm:{re.escape(region)}:\d{{12}}:certificate/[0-9a-f-]+",
        f"an ACM certificate ARN in {region}, the API's region",
    )
