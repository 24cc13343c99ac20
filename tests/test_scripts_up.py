"""scripts/up runs a real stack's ``pulumi up`` with the policy pack, as the pipelines do, after
installing the pack's requirements into the virtualenv the pack uses (not observable here: the
stand-in records only the CLI's calls); the offline stack without it. A small executable stands
in for the Pulumi CLI on the PATH and records its arguments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "up"

FAKE_CLI = """#!{python}
import json, sys
with open({log!r}, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
"""


def run_script(tmp_path: Path, *args: str) -> list[list[str]]:
    """``scripts/up <args>`` with the stand-in CLI; the argument lists it was called with."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "cli.log"
    fake = bin_dir / "pulumi"
    fake.write_text(FAKE_CLI.format(python=sys.executable, log=str(log)))
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADOBE_", "PULUMI_"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["PULUMI_BACKEND_URL"] = f"file://{tmp_path}/state"
    result = subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.mark.parametrize("args", [(), ("dev", "--yes")])
def test_up_runs_the_policy_pack_after_installing_its_requirements(tmp_path, args):
    calls = run_script(tmp_path, *args)
    (up,) = [c for c in calls if c[:1] == ["up"]]
    assert up[:3] == ["up", "--stack", "dev"], up
    assert up[-2:] == ["--policy-pack", "policy"], up
    assert ("--yes" in up) == ("--yes" in args), up


def test_the_offline_stack_runs_without_the_policy_pack(tmp_path):
    # Pulumi.sim.yaml is unprotected on purpose and declares nothing of Azure to check.
    calls = run_script(tmp_path, "sim", "--yes")
    (up,) = [c for c in calls if c[:1] == ["up"]]
    assert up == ["up", "--stack", "sim", "--yes"], up
