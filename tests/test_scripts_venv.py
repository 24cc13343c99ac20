"""scripts/up and scripts/preflight in a clone without the virtualenv: one line telling the user
to run scripts/test, exit status 1 (not the shell's 127), and nothing run or created."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script", ["up", "preflight"])
def test_script_without_venv_says_run_scripts_test_in_one_line(tmp_path: Path, script: str):
    clone = tmp_path / "clone"
    (clone / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / script, clone / "scripts" / script)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADOBE_", "PULUMI_"))}
    result = subprocess.run(
        [str(clone / "scripts" / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert ".venv/bin/python is missing" in lines[0] and "scripts/test" in lines[0], lines[0]
    assert result.stdout == ""
    assert not (clone / ".state").exists(), "nothing is created before the check"
