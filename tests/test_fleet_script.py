"""``scripts/fleet`` as a user runs it, without a Pulumi CLI: one line saying where to get it.

With the real CLI on the PATH, the script's commands are tests/test_cli_fleet.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "fleet"


def test_script_without_a_cli_exits_1(tmp_path):
    # A PATH with what the wrapper itself needs, and no pulumi.
    for tool in ("bash", "dirname"):
        found = shutil.which(tool)
        assert found, tool
        (tmp_path / tool).symlink_to(found)
    env = {**os.environ, "PATH": str(tmp_path), "PULUMI_BACKEND_URL": "file://unused"}
    result = subprocess.run(
        [str(SCRIPT), "list"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 1
    assert "Pulumi CLI is not on the PATH" in result.stderr
