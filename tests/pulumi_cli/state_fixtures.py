"""States written by the real CLI at a release of this project, kept as fixtures
(tests/fixtures/states/) so that today's code is proven to refresh and preview them quietly.

A fixture is the offline stack's deployment (`pulumi stack export`) after `up` against a simulator
on `PORT` (the state records the Platform URL, so a replay needs the same address), with what the
simulator held beside it. Write one for each release that changes a provider's inputs or outputs:

    .venv/bin/python -m tests.pulumi_cli.state_fixtures offline-<yyyy-mm-dd>
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.pulumi_cli.cli import ROOT, Project
from tests.pulumi_cli.machine_paths import scrub_deployment
from tests.simulator import PlatformSimulator

FIXTURES = ROOT / "tests" / "fixtures" / "states"
STACK = "sim"
# A fixed port, not the simulator's usual 8181, so a fixture's replay meets nobody's simulator.
PORT = 18471
CLIENT_SECRET = "state-fixture-client-secret"  # the simulator's, not a real secret


def offline_project(directory: Path) -> Project:
    """The offline stack pointed at a simulator on `PORT`, its secret in the environment."""
    project = Project(directory, extra_env={"ADOBE_CLIENT_SECRET": CLIENT_SECRET})
    shutil.copy2(ROOT / "Pulumi.sim.yaml", directory / f"Pulumi.{STACK}.yaml")
    project.run("stack", "init", STACK)
    project.config_set(STACK, {"adobe-cmk:platformUrl": f"http://127.0.0.1:{PORT}",
                               "adobe-cmk:imsUrl": f"http://127.0.0.1:{PORT}/ims/token/v3"})
    return project


def simulator() -> PlatformSimulator:
    return PlatformSimulator(port=PORT, client_secret=CLIENT_SECRET)


def byok_outputs(deployment: dict[str, Any]) -> dict[str, Any]:
    """The outputs of the BYOK configuration the state holds."""
    (byok,) = [r for r in deployment["deployment"]["resources"]
               if r["type"] == "pulumi-python:dynamic/adobe:ByokConfig"]
    return dict(byok["outputs"])


def write(name: str) -> Path:
    """Runs `up` on the offline stack and writes its exported state as fixture `name`."""
    with tempfile.TemporaryDirectory() as scratch, simulator():
        project = offline_project(Path(scratch))
        project.run("up", "--yes", "--stack", STACK)
        deployment = scrub_deployment(project.export(STACK))
    path = FIXTURES / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(deployment, indent=2, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":
    print(write(sys.argv[1]))
