"""The stacks really deploy: apply, verify, converge, lock, protect and destroy on a local AWS emulator.

Everything runs against moto server on loopback with the s3 backend (`use_lockfile`), so every cross-stack
read is a real `terraform_remote_state` read from S3. One module-scoped fixture applies once; the tests
then assert one property each, in lifecycle order (see `tests/e2e/harness.py`). The per-stack timings and
the emulator gaps are printed in the terminal summary.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# The checks live in helper modules; rewrite their asserts too, so a failure shows both sides.
pytest.register_assert_rewrite("tests.e2e.checks", "tests.e2e.harness")

from constructs_lib.config import PROJECT_ROOT  # noqa: E402  (after register_assert_rewrite)
from constructs_lib.contract import BOOTSTRAP_STACK, StackName  # noqa: E402  (after register_assert_rewrite)
from emulator.server import Emulator  # noqa: E402  (after register_assert_rewrite)
from emulator.shims import EMULATOR_GAPS  # noqa: E402  (after register_assert_rewrite)
from stacks.api.contract import ApiOutputs  # noqa: E402  (after register_assert_rewrite)
from stacks.app import STACK_TYPES  # noqa: E402  (after register_assert_rewrite)
from stacks.data.contract import DataOutputs  # noqa: E402  (after register_assert_rewrite)
from stacks.identity.contract import IdentityOutputs  # noqa: E402  (after register_assert_rewrite)
from tests.conftest import add_summary_section  # noqa: E402  (after register_assert_rewrite)
from tests.e2e.browser import WEB_APP_PAGE, Chromium, PageServer  # noqa: E402  (after register_assert_rewrite)
from tests.e2e.checks import CHECKS, Check  # noqa: E402  (after register_assert_rewrite)
from tests.e2e.harness import LOCK_STACK, EndToEnd  # noqa: E402  (after register_assert_rewrite)
from tests.e2e.smoke import MUTATIONS, smoke_target  # noqa: E402  (after register_assert_rewrite)
from tools.deploy import frontend_env  # noqa: E402  (after register_assert_rewrite)
from tools.smoke import Walk, run_smoke  # noqa: E402  (after register_assert_rewrite)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]

# Stacks of the dev environment by name, in the app's order (the bootstrap stack exists with the s3 backend).
STACKS: tuple[str, ...] = (BOOTSTRAP_STACK, *STACK_TYPES)
CHECK_CASES = [(stack, check) for stack in STACKS for check in CHECKS.get(stack, ())]


class _Summary:
    """The e2e timings and the emulator gaps, for the terminal summary (`add_summary_section`)."""

    def __init__(self, run: EndToEnd) -> None:
        self.run = run
        self.total = 0.0
        self.smoke: list[str] = []

    def lines(self) -> list[str]:
        lines = [
            *self.run.timing_lines(),
            f"e2e wall time: {self.total:.1f} s (emulator process CPU: {self.run.emulator.cpu_seconds:.1f} s)",
        ]
        if self.smoke:
            lines.append("make smoke's walk on the deployed dev stacks:")
            lines.extend(f"  {line}" for line in self.smoke)
        lines.append("emulator gaps (resource: gap; handling):")
        lines.extend(f"- {resource}: {gap}; {handling}" for resource, gap, handling in EMULATOR_GAPS)
        return lines


@pytest.fixture(scope="module")
def e2e(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EndToEnd]:
    started = time.monotonic()
    summary: _Summary | None = None
    try:
        with Emulator() as emulator:
            run = EndToEnd(emulator=emulator, workdir=tmp_path_factory.mktemp("e2e"))
            run.phase_seconds["emulator start"] = time.monotonic() - started
            summary = _Summary(run)
            run.smoke_lines = summary.smoke  # type: ignore[attr-defined]
            try:
                run.deploy()
                yield run
            finally:
                summary.total = time.monotonic() - started
    finally:
        if summary is not None:
            add_summary_section(request.config, "junokit e2e on the AWS emulator (moto server)", summary.lines())


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


def _operator(e2e: EndToEnd, module: str, *args: str, trust: bool = True) -> subprocess.CompletedProcess[str]:
    """An operator command as `make sandbox` tells the operator to run it: the emulator trusted only through
    AWS_CA_BUNDLE (its run's CA); the egress trap still catches anything not on loopback."""
    env = dict(e2e.env)
    if not trust:
        env.pop("AWS_CA_BUNDLE")
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_the_operator_commands_work_against_the_emulator_trusting_its_ca(e2e: EndToEnd, tmp_path: Path) -> None:
    """frontend-env, smoke and drift (set-secrets: tests/tools/test_sandbox.py) against the deployed stacks, with
    certificate checks on everywhere: Terraform, boto3 and the smoke test's HTTPS client."""
    _all_applied(e2e)
    outdir = str(e2e.settings.outdir)
    frontend = _operator(
        e2e,
        "tools.frontend_env",
        "--endpoint-url",
        e2e.emulator.url,
        "--outdir",
        outdir,
        "--output",
        str(tmp_path / "fe"),
    )
    assert frontend.returncode == 0, frontend.stderr
    pool = e2e.outputs[StackName.IDENTITY][IdentityOutputs.USER_POOL_ID]
    assert f"NEXT_PUBLIC_USER_POOL_ID={pool}" in (tmp_path / "fe").read_text().splitlines()
    assert e2e.emulator.ca_bundle is not None
    smoke = _operator(e2e, "tools.smoke", "--outdir", outdir, "--ca-bundle", str(e2e.emulator.ca_bundle))
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "FAIL" not in smoke.stdout and "cleanup: delete the user" in smoke.stdout
    identity = e2e.stack_id(StackName.IDENTITY)
    checked = _operator(
        e2e,
        "tools.drift",
        "--outdir",
        outdir,
        "--plans",
        str(tmp_path / "plans"),
        "--summary",
        str(tmp_path / "d.md"),
        identity,
    )
    assert checked.returncode == 0, checked.stderr + (tmp_path / "d.md").read_text()
    assert "No drift: every resource matches the last apply." in (tmp_path / "d.md").read_text()
    untrusted = _operator(
        e2e,
        "tools.drift",
        "--outdir",
        outdir,
        "--plans",
        str(tmp_path / "p2"),
        "--summary",
        str(tmp_path / "u.md"),
        identity,
        trust=False,
    )
    assert untrusted.returncode == 1, untrusted.stderr
    assert "certificate" in (tmp_path / "u.md").read_text(), (tmp_path / "u.md").read_text()


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


# --- the deployed system serves requests: make smoke's walk, and the mutations it must catch ---------


def _all_applied(e2e: EndToEnd) -> None:
    for stack in STACKS:
        _applied(e2e, stack)


def test_the_smoke_walk_passes_on_the_deployed_stacks(e2e: EndToEnd) -> None:
    """Invite, SRP sign-in, health, CORS, the authorizer, the profile round trip to the table, cleanup."""
    _all_applied(e2e)
    lines: list[str] = []
    run = run_smoke(smoke_target(e2e), say=lines.append)
    e2e.smoke_lines.extend(lines)  # type: ignore[attr-defined]
    assert run.ok, "\n".join(lines)
    assert [step.name for step in run.steps][-2:] == ["cleanup: delete the profile item", "cleanup: delete the user"]
    table = e2e.outputs[StackName.DATA][DataOutputs.TABLE_NAME]
    assert e2e.emulator.client("dynamodb").scan(TableName=table)["Count"] == 0, "the walk left an item behind"
    pool = e2e.outputs[StackName.IDENTITY][IdentityOutputs.USER_POOL_ID]
    assert e2e.emulator.client("cognito-idp").list_users(UserPoolId=pool)["Users"] == [], "the walk left a user"


def test_a_browser_on_the_web_origin_uses_the_api_and_another_origin_is_blocked(e2e: EndToEnd) -> None:
    """Headless Chromium: a page on the dev web origin saves and reads the profile with fetch and the user's
    ID token; the same page on another origin is stopped by the browser's CORS check."""
    _all_applied(e2e)
    target = smoke_target(e2e)
    web_origin = target.allowed_origins[0]
    profile = {"displayName": "Browser", "theme": "QA"}
    walk = Walk(target, say=lambda line: None)
    try:
        walk.sign_in(walk.invite())
        walk.item_written = True
        call = f"profileRoundTrip({json.dumps(target.api_url)}, {json.dumps(walk.id_token)}, {json.dumps(profile)})"
        with PageServer(WEB_APP_PAGE) as page:
            rules = [
                f"MAP {urlsplit(target.api_url).hostname} 127.0.0.1:{e2e.emulator.port}",
                f"MAP {urlsplit(web_origin).netloc} 127.0.0.1:{page.port}",
            ]
            with Chromium(host_rules=rules) as browser:
                browser.open(f"{web_origin}/")
                assert browser.evaluate("location.origin") == web_origin
                allowed = browser.evaluate(call)
                foreign_origin = f"http://127.0.0.1:{page.port}"
                browser.open(f"{foreign_origin}/")
                assert browser.evaluate("location.origin") == foreign_origin
                blocked = browser.evaluate(call)
                log = [str(entry.get("text", "")) for entry in browser.log]
    finally:
        walk.cleanup()
    assert allowed.get("put", {}).get("status") == 200, allowed
    assert allowed.get("get", {}).get("status") == 200, allowed
    assert {k: allowed["get"]["body"].get(k) for k in profile} == profile, allowed
    assert blocked == {"error": "TypeError: Failed to fetch"}, blocked
    assert any("blocked by CORS policy" in line and foreign_origin in line for line in log), log


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_the_smoke_walk_fails_on_a_broken_deployment(e2e: EndToEnd, mutation: str) -> None:
    _all_applied(e2e)
    make, first_failure = MUTATIONS[mutation]
    lines: list[str] = []
    with make(e2e):
        run = run_smoke(smoke_target(e2e), say=lines.append)
    failed = [step.name for step in run.failures()]
    assert failed and failed[0].startswith(first_failure), "\n".join(lines)
    assert all(step.ok for step in run.steps if step.name.startswith("cleanup")), "\n".join(lines)


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
