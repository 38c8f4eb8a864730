"""Test-only fixes applied inside the emulator (moto server) process, one per documented moto gap.

Each shim makes moto behave as AWS documents, so the real stacks apply unchanged; none changes what the
stacks synthesize. `EMULATOR_GAPS` lists every gap the end-to-end test works around (it prints the list).
"""

from __future__ import annotations

import json
from typing import Any

# (resource, gap, how it is handled)
EMULATOR_GAPS: tuple[tuple[str, str, str], ...] = (
    (
        "aws_s3_bucket_policy (state bucket, TLS-only)",
        "moto ignores the Bool operator, so a Deny conditioned on aws:SecureTransport=false denies every request",
        "shim: bucket policies are evaluated with aws:SecureTransport=true (the emulator serves HTTPS only)",
    ),
)


def _secure_transport_permission(bucket: Any, action: str, resource: str) -> Any:
    """Bucket policy evaluation with `Bool: aws:SecureTransport` understood; everything else as moto does it."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy)
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    permitted = False
    for statement in statements:
        condition = dict(statement.get("Condition") or {})
        secure = condition.get("Bool", {}).get("aws:SecureTransport")
        if secure is not None:
            if str(secure).lower() != "true":
                continue  # the condition cannot hold over HTTPS: the statement does not apply
            condition["Bool"] = {k: v for k, v in condition["Bool"].items() if k != "aws:SecureTransport"}
            condition = {k: v for k, v in condition.items() if v}
        effective = {k: v for k, v in statement.items() if k != "Condition"}
        if condition:
            effective["Condition"] = condition
        result = IAMPolicyStatement(effective).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return result
        permitted = permitted or result == PermissionResult.PERMITTED
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


def apply() -> None:
    from moto.s3.models import FakeBucket

    FakeBucket.get_permission = lambda self, action, resource: _secure_transport_permission(self, action, resource)  # type: ignore[method-assign]
