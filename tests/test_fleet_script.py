"""``scripts/fleet`` as a user runs it: the wrapper, ``python -m fleet`` and the SDK finding the
Pulumi CLI on the PATH. A small executable stands in for the CLI here; where the real CLI is
installed, the same command runs against it on a throwaway local backend."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "fleet"

FAKE_CLI = """#!{python}
import json, sys
args = [a for a in sys.argv[1:] if a != "--non-interactive"]
if args == ["version"]:
    print("v3.272.0")
elif args[:3] == ["stack", "ls", "--json"]:
    print(json.dumps([{{"name": "sim", "current": True, "resourceCount": 3,
                       "lastUpdate": "2026-11-30T08:15:05.000Z"}},
                      {{"name": "gone", "current": False}}]))
else:
    sys.stderr.write("error: unexpected " + " ".join(args) + "\\n")
    sys.exit(255)
"""


def run_script(*argv: str, path: str, backend: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": path,
        "PULUMI_BACKEND_URL": backend,
        "PULUMI_SKIP_UPDATE_CHECK": "1",
    }
    return subprocess.run(
        [str(SCRIPT), *argv], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_script_lists_through_the_cli_on_the_path(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text(FAKE_CLI.format(python=sys.executable), encoding="utf-8")
    fake.chmod(0o755)
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    result = run_script("list", "--stack", "sim", "--json", path=path, backend="file://unused")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    (sim,) = doc["stacks"]
    assert (sim["stack"], sim["in_backend"], sim["resources"]) == ("sim", True, 3)
    assert sim["org_id"] == "1234ABCD5678@AdobeOrg"
    assert doc["orphans"] == ["gone"]


def test_script_without_a_cli_exits_1(tmp_path):
    # A PATH with what the wrapper itself needs, and no pulumi.
    for tool in ("bash", "dirname"):
        found = shutil.which(tool)
        assert found, tool
        (tmp_path / tool).symlink_to(found)
    result = run_script("list", path=str(tmp_path), backend="file://unused")
    assert result.returncode == 1
    assert "Pulumi CLI is not on the PATH" in result.stderr


@pytest.mark.skipif(shutil.which("pulumi") is None, reason="the Pulumi CLI is not installed")
def test_script_lists_the_offline_stack_with_the_real_cli(tmp_path):
    result = run_script(
        "list", "--stack", "sim", "--json", path=os.environ["PATH"], backend=f"file://{tmp_path}"
    )
    assert result.returncode == 0, result.stderr
    (sim,) = json.loads(result.stdout)["stacks"]
    assert sim["stack"] == "sim" and sim["in_backend"] is False, "a fresh backend has no stack"
