"""The policy pack as the app uses it: the real stacks pass, a violation stops synth with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from cdktf import App, Aspects, TerraformStack, Testing
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.provider import AwsProvider

import main
from constructs_lib.config import ENVIRONMENTS, PROJECT_ROOT, EnvironmentConfig
from constructs_lib.policy import PolicyPack, checked_after_synth, enforce, policy_errors
from constructs_lib.policy.pack import PolicyCheckpoint
from stacks.app import build_app
from tests.support import build, synth

S3 = {"JUNOKIT_BACKEND": "s3", "JUNOKIT_STATE_BUCKET": "junokit-tfstate-test"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_stack_of_every_environment_complies(environment: str) -> None:
    stacks = build(environment, **(S3 if environment == "prod" else {}))
    for stack in stacks.values():
        synth(stack)
        assert policy_errors(stack) == [], stack.stack_id


def _with_unbounded_logs(app: App, configs: Sequence[EnvironmentConfig]) -> None:
    """The real app plus two log groups without retention in each data stack."""
    for stacks in build_app(app, configs).values():
        CloudwatchLogGroup(stacks["data"], "debug-logs", name="/junokit/debug")
        CloudwatchLogGroup(stacks["data"], "trace-logs", name="/junokit/trace", retention_in_days=0)


def test_synth_is_refused_naming_rule_path_and_address() -> None:
    app = Testing.app()
    stack = TerraformStack(app, "fixture")
    AwsProvider(stack, "aws", region="eu-north-1")
    CloudwatchLogGroup(stack, "logs", name="/x")
    Aspects.of(stack).add(PolicyPack(environment="dev"))
    with pytest.raises(RuntimeError) as refused:
        app.synth()
    assert (
        "[fixture/logs] [JK-003] LogGroupRetention: fixture/logs (aws_cloudwatch_log_group.logs): "
        "log retention must be set to a number of days (retention_in_days is None)"
    ) in str(refused.value)


def test_after_synth_the_same_violation_is_found_in_the_file_cdktf_wrote(tmp_path: Path) -> None:
    """Under `checked_after_synth()` nothing is checked (nor refused) at synth; `check` finds what the aspect would."""
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "fixture")
    AwsProvider(stack, "aws", region="eu-north-1")
    CloudwatchLogGroup(stack, "logs", name="/x")
    enforce(stack, environment="dev")
    with checked_after_synth() as after_synth:
        app.synth()
    assert [pending.node.id for _, pending in after_synth.pending] == ["fixture"]
    assert policy_errors(app) == []
    assert after_synth.check(tmp_path)
    assert policy_errors(app) == [
        "[JK-003] LogGroupRetention: fixture/logs (aws_cloudwatch_log_group.logs): "
        "log retention must be set to a number of days (retention_in_days is None)"
    ]
    assert not after_synth.check(tmp_path)  # reported once


def test_main_prints_one_line_per_violation_exits_1_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "out"
    status = main.main({"JUNOKIT_ENV": "prod", "JUNOKIT_OUTDIR": str(outdir)}, build=_with_unbounded_logs)
    assert status == 1
    assert capsys.readouterr().err.splitlines() == [
        "junokit: policy: [JK-003] LogGroupRetention: junokit-prod-data/debug-logs (aws_cloudwatch_log_group.debug-logs): "
        "log retention must be set to a number of days (retention_in_days is None)",
        "junokit: policy: [JK-003] LogGroupRetention: junokit-prod-data/trace-logs (aws_cloudwatch_log_group.trace-logs): "
        "log retention must be set to a number of days (retention_in_days is 0)",
    ]
    assert not outdir.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_main_refuses_even_when_cdktf_is_told_to_continue(tmp_path: Path) -> None:
    # The cdktf CLI sets this so cdktf writes the stacks and leaves the annotations to the CLI; main.py must still
    # refuse. A fresh process, because cdktf's runtime reads the variable only when it starts. It imports this
    # module (and so the provider's bindings) only inside the build, after main.main has installed the synth
    # speed-ups: imported first, the whole provider package loads (about 19 s).
    outdir = tmp_path / "out"
    script = (
        "import importlib, sys, main; "
        "build = lambda *a: importlib.import_module('tests.constructs_lib.policy.test_pack')._with_unbounded_logs(*a); "
        f"sys.exit(main.main({{'JUNOKIT_ENV': 'dev', 'JUNOKIT_OUTDIR': {str(outdir)!r}}}, build=build))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert [line.split(" (")[0] for line in result.stderr.splitlines()] == [
        "junokit: policy: [JK-003] LogGroupRetention: junokit-dev-data/debug-logs",
        "junokit: policy: [JK-003] LogGroupRetention: junokit-dev-data/trace-logs",
    ]
    assert not outdir.exists()


def test_a_violation_is_reported_once_however_often_the_stack_is_synthesized() -> None:
    stack = TerraformStack(Testing.app(), "fixture")
    AwsProvider(stack, "aws", region="eu-north-1")
    CloudwatchLogGroup(stack, "logs", name="/x")
    pack = PolicyPack(environment="dev")
    Aspects.of(stack).add(pack)
    Testing.synth(stack)
    Testing.synth(stack)
    assert len(pack.violations) == 1
    assert len(policy_errors(stack)) == 1


class _CountingPack(PolicyPack):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]  # passes the pack's keyword arguments through
        self.visits = 0

    def visit(self, node):
        self.visits += 1
        super().visit(node)


def test_the_apps_way_calls_the_pack_once_per_stack_not_per_construct() -> None:
    stack = TerraformStack(Testing.app(), "fixture")
    AwsProvider(stack, "aws", region="eu-north-1")
    CloudwatchLogGroup(stack, "logs", name="/x")
    CloudwatchLogGroup(stack, "kept", name="/y", retention_in_days=7)
    pack = _CountingPack(environment="dev")
    PolicyCheckpoint(stack, pack=pack)
    Testing.synth(stack)
    assert pack.visits == 1
    assert [(v.rule.id, v.path) for v in pack.violations] == [("JK-003", "fixture/logs")]
