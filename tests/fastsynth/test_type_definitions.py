"""The kernel reads each type definition from jsii's cache file when asked, instead of holding the whole file.

That the synthesized files stay the same is proven by the naive comparison in test_provider_loader.py.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from constructs_lib.config import PROJECT_ROOT
from tests.fastsynth import run_node

HOOK = PROJECT_ROOT / "fastsynth" / "type_definitions.cjs"

# Installs the hook on `fs` and prints, for each [start, end] given, what it answers and what a Buffer of the whole
# file answers; then what readFileSync returns for the same file with an encoding, and for another file.
_COMPARE = """
const fs = require("fs");
const [hook, defs, other, ranges] = process.argv.slice(1);
const whole = fs.readFileSync(defs);
require(hook).install(fs);
const served = fs.readFileSync(defs);
console.log(JSON.stringify({
  kind: served.constructor.name,
  pairs: JSON.parse(ranges).map(([start, end]) => [served.toString("utf-8", start, end), whole.toString("utf-8", start, end)]),
  withEncoding: typeof fs.readFileSync(defs, "utf-8"),
  other: Buffer.isBuffer(fs.readFileSync(other)),
}));
"""


def _defs(tmp_path: Path, lines: list[dict[str, object]]) -> Path:
    path = tmp_path / "pkg" / ".jsii.runtime-defs.v1.jsonl"
    path.parent.mkdir()
    path.write_bytes(b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines))
    return path


def _node(*args: str) -> subprocess.CompletedProcess[str]:
    return run_node("-e", _COMPARE, *args)


def test_each_range_reads_as_the_whole_buffer_would(tmp_path: Path) -> None:
    defs = _defs(tmp_path, [{"fqn": "a.A", "docs": "ä ø"}, {"fqn": "b.B"}, {"fqn": "c.€"}])
    other = tmp_path / "other.json"
    other.write_text("{}")
    content = defs.read_bytes()
    cuts = [0, content.index(b"\n") + 1, content.rindex(b"{"), len(content)]
    ranges = [[cuts[0], cuts[1]], [cuts[1], cuts[2]], [cuts[2], cuts[3]], [0, len(content)], [5, 5]]
    result = _node(str(HOOK), str(defs), str(other), json.dumps(ranges))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["kind"] == "DefinitionsFile"
    assert [served for served, _ in answer["pairs"]] == [whole for _, whole in answer["pairs"]]
    assert json.loads(answer["pairs"][2][0]) == {"fqn": "c.€"}
    assert answer["withEncoding"] == "string" and answer["other"] is True


def test_a_range_past_the_end_is_an_error_naming_the_file(tmp_path: Path) -> None:
    defs = _defs(tmp_path, [{"fqn": "a.A"}])
    size = defs.stat().st_size
    result = _node(str(HOOK), str(defs), str(defs), json.dumps([[0, size + 10]]))
    assert result.returncode != 0
    assert f"junokit: {defs} ends before byte {size + 10}, where its index says a definition ends" in result.stderr


def test_this_sessions_kernel_reads_the_providers_definitions_from_the_open_file() -> None:
    """A provider type looked up in the kernel leaves the provider's definitions file open there, not read."""
    from cdktf import App, TerraformStack
    from cdktf_cdktf_provider_aws.provider import AwsProvider
    from jsii._runtime import kernel

    AwsProvider(TerraformStack(App(), "lookup"), "aws", region="eu-north-1")
    process = kernel.provider._process._process  # type: ignore[attr-defined]  # jsii's ProcessProvider internals
    fds = Path(f"/proc/{process.pid}/fd")
    opened = {os.readlink(fd) for fd in fds.iterdir()}
    assert any("provider-aws" in path and path.endswith(".jsii.runtime-defs.v1.jsonl") for path in opened), sorted(
        opened
    )
