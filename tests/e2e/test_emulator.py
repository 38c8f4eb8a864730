"""The stacks really deploy: apply, verify, converge, lock, protect and destroy on a local AWS emulator.

Everything runs against moto server on loopback with the s3 backend (`use_lockfile`), so every cross-stack
read is a real `terraform_remote_state` read from S3. One module-scoped fixture applies once; the tests
then assert one property each, in lifecycle order (see `tests/e2e/harness.py`). The per-stack timings and
the emulator gaps are printed in the terminal summary.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

# The checks live in helper modules; rewrite their asserts too, so a failure shows both sides.
pytest.register_assert_rewrite("tests.e2e.checks", "tests.e2e.harness")

from constructs_lib.contract import BOOTSTRAP_STACK, StackName  # noqa: E402  (after register_assert_rewrite)
from emulator.server import Emulator  # noqa: E402  (after register_assert_rewrite)
from emulator.shims import EMULATOR_GAPS  # noqa: E402  (after register_assert_rewrite)
from stacks.api.contract import ApiOutputs  # noqa: E402  (after register_assert_rewrite)
from stacks.app import STACK_TYPES  # noqa: E402  (after register_assert_rewrite)
from stacks.identity.contract import IdentityOutputs  # noqa: E402  (after register_assert_rewrite)
from tests.e2e.checks import CHECKS, Check  # noqa: E402  (after register_assert_rewrite)
from tests.e2e.harness import LOCK_STACK, EndToEnd  # noqa: E402  (after register_assert_rewrite)
from tools.deploy import frontend_env  # noqa: E402  (after register_assert_rewrite)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]

# Stacks of the dev environment by name, in the app's order (the bootstrap stack exists with the s3 backend).
STACKS: tuple[str, ...] = (BOOTSTRAP_STACK, *STACK_TYPES)
CHECK_CASES = [(stack, check) for stack in STACKS for check in CHECKS.get(stack, ())]


class _Summary:
    """Prints the e2e timings and the emulator gaps after the test session, whatever the capture mode."""

    def __init__(self, run: EndToEnd) -> None:
        self.run = run
        self.total = 0.0

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.section("junokit e2e on the AWS emulator (moto server)")
        for line in self.run.timing_lines():
            terminalreporter.write_line(line)
        terminalreporter.write_line(
            f"e2e wall time: {self.total:.1f} s (emulator process CPU: {self.run.emulator.cpu_seconds:.1f} s)"
        )
        terminalreporter.write_line("emulator gaps (resource: gap; handling):")
        for resource, gap, handling in EMULATOR_GAPS:
            terminalreporter.write_line(f"- {resource}: {gap}; {handling}")


@pytest.fixture(scope="module")
def e2e(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EndToEnd]:
    started = time.monotonic()
    with Emulator() as emulator:
        run = EndToEnd(emulator=emulator, workdir=tmp_path_factory.mktemp("e2e"))
        run.phase_seconds["emulator start"] = time.monotonic() - started
        summary = _Summary(run)
        request.config.pluginmanager.register(summary, "junokit-e2e-summary")
        try:
            run.deploy()
            yield run
        finally:
            summary.total = time.monotonic() - started


def _applied(e2e: EndToEnd, stack: str) -> None:
    run = e2e.runs[e2e.stack_id(stack)]
    assert run.ok, run.explain()


# --- 1. apply ------------------------------------------------------------------------------------


def test_the_app_deploys_exactly_the_expected_stacks(e2e: EndToEnd) -> None:
    assert sorted(e2e.graph) == sorted(e2e.stack_id(stack) for stack in STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_applies(e2e: EndToEnd, stack: str) -> None:
    _applied(e2e, stack)


# --- 2. verify -----------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_stack_has_verifications(stack: str) -> None:
    assert CHECKS.get(stack), f"stack {stack} is deployed but tests/e2e/checks.py has no CHECKS for it"


@pytest.mark.parametrize(("stack", "check"), CHECK_CASES, ids=[f"{s}-{c.__name__}" for s, c in CHECK_CASES])
def test_deployed(e2e: EndToEnd, stack: str, check: Check) -> None:
    _applied(e2e, stack)
    check(e2e.deployed)


def _unwrap(value: Any) -> Any:
    """Dynamic attributes of terraform_remote_state are stored as {"value": ..., "type": ...}."""
    return value["value"] if isinstance(value, dict) and set(value) == {"value", "type"} else value


@pytest.mark.parametrize("stack", tuple(STACK_TYPES))
def test_reads_exactly_its_producers_through_s3_remote_state(e2e: EndToEnd, stack: str) -> None:
    """The consumer's state holds one terraform_remote_state read per producer, from the producer's S3 key,
    with the producer's current outputs; a stack that reads nothing holds none."""
    _applied(e2e, stack)
    stack_id = e2e.stack_id(stack)
    bucket, key = e2e.state_of(stack_id)
    state = json.loads(e2e.emulator.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    reads = {}
    for resource in state["resources"]:
        if resource["mode"] == "data" and resource["type"] == "terraform_remote_state":
            attributes = resource["instances"][0]["attributes"]
            assert attributes["backend"] == "s3", attributes["backend"]
            config = _unwrap(attributes["config"])
            reads[config["key"]] = _unwrap(attributes["outputs"])
    producers = [e2e.name_of(p) for p in e2e.terraform.manifest.stacks[stack_id].dependencies]
    expected = {e2e.state_of(e2e.stack_id(p))[1]: e2e.outputs[p] for p in producers}
    assert reads == expected


def test_frontend_env_comes_from_the_deployed_outputs(e2e: EndToEnd) -> None:
    """What `make sandbox` prints for the web app, from the same outputs."""
    for stack in STACKS:
        _applied(e2e, stack)
    by_stack_id = {e2e.stack_id(name): outputs for name, outputs in e2e.outputs.items()}
    lines = frontend_env(e2e.config, by_stack_id).splitlines()
    assert lines[1:] == [
        f"NEXT_PUBLIC_USER_POOL_ID={e2e.outputs[StackName.IDENTITY][IdentityOutputs.USER_POOL_ID]}",
        f"NEXT_PUBLIC_USER_POOL_CLIENT_ID={e2e.outputs[StackName.IDENTITY][IdentityOutputs.USER_POOL_CLIENT_ID]}",
        f"NEXT_PUBLIC_API_URL={e2e.outputs[StackName.API][ApiOutputs.API_URL]}",
        f"NEXT_PUBLIC_REGION={e2e.config.region}",
    ]


# --- 3./4. lock and convergence ------------------------------------------------------------------


def test_a_second_apply_is_refused_while_the_state_is_locked(e2e: EndToEnd) -> None:
    """Two concurrent applies of one stack: the second is refused by the S3 lock and changes nothing."""
    _applied(e2e, LOCK_STACK)
    lock = e2e.lock
    assert lock is not None
    assert lock.held, "the first apply did not hold an S3 lock object while waiting for approval"
    assert lock.refused.returncode == 1, lock.refused.explain()
    assert "Error acquiring the state lock" in lock.refused.stderr, lock.refused.explain()
    assert lock.state_while_refused == lock.state_before, "the refused apply changed the state"
    assert not lock.lock_left, "the lock object is still there after the first apply finished"
    if lock.state_before is not None:
        assert lock.state_after["lineage"] == json.loads(lock.state_before)["lineage"]
    assert lock.state_after["resources"], "the first apply's resources are not in the state"


@pytest.mark.parametrize("stack", STACKS)
def test_replan_shows_no_changes(e2e: EndToEnd, stack: str) -> None:
    """Refreshed against the emulator, every stack matches its configuration: no perpetual diff, and
    the stack whose apply raced a second one has a consistent state."""
    _applied(e2e, stack)
    plan = e2e.runs[f"plan {e2e.stack_id(stack)}"]
    assert plan.returncode == 0, f"{plan.explain()}\n--- plan output ---\n{plan.stdout[-3000:]}"


# --- 5. protection and teardown ------------------------------------------------------------------


def test_a_protected_prod_table_cannot_be_destroyed_by_terraform(e2e: EndToEnd) -> None:
    applied = e2e.runs[e2e.prod_data]
    assert applied.ok, applied.explain()
    attempt = e2e.runs["prod destroy"]
    assert attempt.returncode == 1, attempt.explain()
    assert "prevent_destroy" in attempt.stderr, attempt.explain()
    protection = e2e.protection  # recorded just before the test removed prod's resources by API
    assert e2e.runs["prod removal"].ok, e2e.runs["prod removal"].explain()
    assert protection is not None
    assert protection.table_exists, "terraform destroy removed the protected table"
    assert protection.deletion_protection is e2e.prod_config.protect_stateful is True
    assert protection.api_delete_error, "DeleteTable succeeded on a table with deletion protection"


def test_stacks_are_destroyed_readers_first(e2e: EndToEnd) -> None:
    destroyed = e2e.teardown
    for stack, readers in e2e.destroy_order.items():
        run = destroyed[stack]
        assert run.ok, run.explain()
        for reader in readers:
            assert destroyed[reader].finished <= run.started, f"{stack} destroyed before its reader {reader}"


def test_nothing_but_the_state_bucket_is_left(e2e: EndToEnd) -> None:
    e2e.teardown  # noqa: B018  (reading the property runs the teardown)
    left = {kind: names - e2e.baseline.get(kind, set()) for kind, names in e2e.destroyed_inventory.items()}
    left = {kind: names for kind, names in left.items() if names}
    assert left == {"s3 buckets": {e2e.config.backend.state_bucket}}


def test_nothing_outside_loopback_was_contacted(e2e: EndToEnd) -> None:
    e2e.teardown  # noqa: B018  (reading the property runs the teardown)
    assert e2e.emulator.egress == []
