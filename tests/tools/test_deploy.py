"""Deploy orchestration without Terraform: stack order, teardown order, step scheduling, egress trap."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from emulator.server import EgressTrap
from tests.support import config_for
from tools.deploy import Run, run_graph
from tools.manifest import Manifest, ManifestError, deploy_order, destroy_graph

S3 = {"JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-tfstate-test"}


def _manifest(tmp_path: Path, dependencies: dict[str, list[str]]) -> Manifest:
    stacks = {
        stack: {"workingDirectory": f"stacks/{stack}", "dependencies": needs} for stack, needs in dependencies.items()
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"stacks": stacks, "version": "0.21.0"}))
    return Manifest.load(tmp_path)


def test_every_stack_waits_for_the_bootstrap_stack_and_its_producers(tmp_path: Path) -> None:
    manifest = _manifest(
        tmp_path,
        {
            "junokit-dev-bootstrap": [],
            "junokit-dev-data": [],
            "junokit-dev-api": ["junokit-dev-data"],
            "junokit-prod-data": [],
        },
    )
    assert manifest.graph(config_for("dev", **S3)) == {
        "junokit-dev-bootstrap": (),
        "junokit-dev-data": ("junokit-dev-bootstrap",),
        "junokit-dev-api": ("junokit-dev-bootstrap", "junokit-dev-data"),
    }
    assert manifest.stacks["junokit-dev-api"].directory == tmp_path / "stacks" / "junokit-dev-api"


def test_deploy_order_puts_producers_first_and_keeps_the_app_order_otherwise() -> None:
    graph = {"api": ("data", "identity"), "identity": ("messaging",), "data": (), "messaging": ()}
    assert deploy_order(graph) == ["data", "messaging", "identity", "api"]


def test_deploy_order_refuses_a_cycle() -> None:
    with pytest.raises(ManifestError, match="cycle: a, b"):
        deploy_order({"a": ("b",), "b": ("a",)})


def test_destroy_graph_destroys_readers_first_and_keeps_the_bootstrap_stack() -> None:
    graph = {"boot": (), "data": ("boot",), "identity": ("boot",), "api": ("boot", "data", "identity")}
    reverse = destroy_graph(graph, keep=["boot"])
    assert reverse == {"data": ("api",), "identity": ("api",), "api": ()}
    assert deploy_order(reverse) == ["api", "data", "identity"]


def _step(name: str, log: list[str], *, returncode: int = 0, pause: float = 0.0):
    def run() -> Run:
        log.append(f"start {name}")
        time.sleep(pause)
        log.append(f"end {name}")
        return Run(stack_id=name, action="apply", returncode=returncode)

    return run


def test_run_graph_starts_a_step_only_after_its_prerequisites() -> None:
    log: list[str] = []
    steps = {"a": _step("a", log, pause=0.05), "b": _step("b", log), "c": _step("c", log)}
    results = run_graph(steps, {"c": ("a", "b")}, workers=3)
    assert all(run.ok for run in results.values())
    assert log.index("start c") > max(log.index("end a"), log.index("end b"))


def test_run_graph_runs_independent_steps_at_the_same_time() -> None:
    both = threading.Barrier(2, timeout=5)

    def step(name: str):
        def run() -> Run:
            both.wait()  # raises BrokenBarrierError unless the other step is running too
            return Run(stack_id=name, action="apply", returncode=0)

        return run

    results = run_graph({"a": step("a"), "b": step("b")}, {}, workers=2)
    assert [results[name].ok for name in "ab"] == [True, True]


def test_run_graph_skips_the_dependents_of_a_failed_step() -> None:
    log: list[str] = []
    steps = {"a": _step("a", log, returncode=1), "b": _step("b", log), "c": _step("c", log)}
    results = run_graph(steps, {"b": ("a",), "c": ("b",)}, workers=2)
    assert results["b"].returncode == -1 and results["b"].stderr == "not run: a failed"
    assert results["c"].stderr == "not run: b failed"
    assert "start b" not in log


def test_run_graph_skips_a_step_whose_prerequisite_was_skipped_earlier_in_the_same_pass() -> None:
    log: list[str] = []
    steps = {
        "api": _step("api", log),
        "identity": _step("identity", log),
        "messaging": _step("messaging", log, returncode=1),
    }
    results = run_graph(steps, {"api": ("identity",), "identity": ("messaging",)}, workers=2)
    assert results["api"].stderr == "not run: identity failed"


def test_run_graph_lets_an_order_only_step_fail_without_stopping_its_dependents() -> None:
    log: list[str] = []
    steps = {"plan": _step("plan", log, returncode=2), "destroy": _step("destroy", log)}
    results = run_graph(steps, {"destroy": ("plan",)}, workers=2, order_only={"plan"})
    assert results["plan"].returncode == 2 and results["destroy"].ok
    assert log.index("start destroy") > log.index("end plan")


def test_run_graph_reports_an_exception_as_a_failed_step() -> None:
    def broken() -> Run:
        raise OSError("terraform not found")

    results = run_graph({"a": broken}, {}, workers=1)
    assert results["a"].returncode == -1 and "terraform not found" in results["a"].stderr


def test_run_explains_itself_with_the_tail_of_its_output() -> None:
    run = Run(
        stack_id="junokit-dev-api", action="apply", returncode=1, stderr="\n".join(f"line {i}" for i in range(40))
    )
    explanation = run.explain()
    assert explanation.startswith("apply junokit-dev-api exited 1:")
    assert "line 39" in explanation and "line 10" not in explanation


def test_egress_trap_refuses_and_records_a_non_loopback_request() -> None:
    trap = EgressTrap().start()
    try:
        proxy = urllib.request.ProxyHandler({"http": trap.url, "https": trap.url})
        opener = urllib.request.build_opener(proxy)
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open("http://kms.eu-north-1.amazonaws.com/", timeout=5)
        assert refused.value.code == 403
        assert trap.hosts == ["kms.eu-north-1.amazonaws.com"]
    finally:
        trap.stop()
