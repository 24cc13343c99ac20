"""`scripts/demo`, the README's first experience: the whole program deployed offline by the real
CLI in one command, with each step's place in the engine's event log, what the Azure stand-ins
were asked and what the Platform simulator received — leaving the checkout and the user's
`PULUMI_HOME` as they were."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.pulumi_cli.cli import ROOT, cli_bin

pytestmark = [pytest.mark.xdist_group("cli-demo"), pytest.mark.timeout(300)]


def test_demo_deploys_every_resource_in_one_command_and_leaves_nothing_behind(
        tmp_path: Path) -> None:
    home = tmp_path / "users-pulumi-home"
    home.mkdir()
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if not (Path(p) / "pulumi").exists())
    cli_bin()  # built (or found) before the demo's clock starts, as scripts/test does
    result = subprocess.run([str(ROOT / "scripts" / "demo")], capture_output=True, text=True,
                            timeout=240, check=False,
                            env={**os.environ, "PATH": path, "PULUMI_HOME": str(home)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert re.search(r'configStatus\s*: "COMPLETED"', out), out
    assert "+ 11 created" in out
    order = re.findall(r"^  events\s+\d+ to\s+\d+\s+(\S+) (\S+)$", out, re.M)
    assert order[-1] == ("pulumi-python:dynamic/adobe:ByokConfig", "adobe-cmk-byok"), order
    assert len(order) == 7, order
    assert re.findall(r"^  Create (\S+) (\S+)$", out, re.M)[0] == (
        "azure-native:resources:ResourceGroup", "adobe-cmk-rg")
    assert "POST /data/infrastructure/manager/customer/config → 200" in out
    assert list(home.iterdir()) == []  # the user's plugins are never shadowed
    assert not (ROOT / "Pulumi.demo.yaml").exists()
