"""`scripts/up sim --yes`, exactly as the README gives it, from a clean clone of this commit, with
the real CLI on the PATH: the offline demo in one command."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.pulumi_cli.cli import ROOT, offline_env

# The demo's simulator listens on Pulumi.sim.yaml's fixed port.
pytestmark = [pytest.mark.xdist_group("sim-port-8181"), pytest.mark.timeout(300)]


def readme_command() -> str:
    """The README's one-command demo, as written there."""
    (command,) = re.findall(r"^(scripts/up sim[^\n#]*)", (ROOT / "README.md").read_text(), re.M)
    return command.strip()


def test_readme_demo_runs_from_a_clean_clone(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    (clone / ".venv").symlink_to(ROOT / ".venv")  # what scripts/test creates first
    env = offline_env(clone / ".state")
    # As a user's shell has it: no backend set (scripts/up uses ./.state), no passphrase, and a
    # real-looking Adobe secret exported that the demo must not use or send.
    for name in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        env.pop(name)
    env["ADOBE_CLIENT_SECRET"] = "p8e-not-for-the-simulator"
    command = readme_command()
    assert command == "scripts/up sim --yes"
    result = subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True,
                            text=True, timeout=240, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"configStatus\s+COMPLETED", output), output
    assert re.search(r"Requests the simulator received \(\d+\):", output), output
    assert "POST /data/infrastructure/manager/customer/config → 200" in output
    assert "stopped the simulator" in output
    assert "p8e-not-for-the-simulator" not in output
    assert (clone / ".state").is_dir() and os.listdir(clone / ".state")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=clone,
                            capture_output=True, text=True, check=True)
    # The CLI rewrites the stack file it reads (values quoted, a salt): the only tracked change.
    assert set(status.stdout.split()) <= {"M", "Pulumi.sim.yaml"}, status.stdout
