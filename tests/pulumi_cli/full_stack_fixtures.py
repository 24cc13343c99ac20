"""States the real CLI wrote for the whole program (the example stack, with the Azure stand-ins and
the Platform simulator) at a release of this project, kept as fixtures (tests/fixtures/states/
full-stack-*.json) so that today's code is proven to refresh and preview them quietly.

A fixture holds the deployment (`pulumi stack export`), what "Azure" held (the stand-ins' state:
resources and the deploying identity) and what Adobe held (the BYOK configuration), all written
after one `up` against a simulator on `PORT` (the state records the Platform URL). Write one for
each release that changes what the program declares or a provider's inputs or outputs:

    .venv/bin/python -m tests.pulumi_cli.full_stack_fixtures full-stack-<yyyy-mm-dd>
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.azure_standins.plugins import install
from tests.pulumi_cli.cli import pulumi_home
from tests.pulumi_cli.full_stack import FullStack, full_stack
from tests.pulumi_cli.machine_paths import scrub_deployment
from tests.pulumi_cli.state_fixtures import FIXTURES
from tests.simulator import PlatformSimulator

# A fixed port of its own (the offline fixtures use 18471), so replays never meet.
PORT = 18472
CLIENT_SECRET = "full-stack-fixture-client-secret"  # the simulator's, not a real secret
#: What "Azure" is made of in a fixture (the request log is not kept).
AZURE_KEYS = ("client", "resources", "deletedVaults")


def simulator() -> PlatformSimulator:
    return PlatformSimulator(port=PORT, client_secret=CLIENT_SECRET, job_durations=(0.0, 0.0, 0.0))


def stack(directory: Path, sim: PlatformSimulator) -> FullStack:
    """The example stack pointed at the simulator on `PORT`."""
    return full_stack(directory, sim)


def byok_outputs(deployment: dict[str, Any]) -> dict[str, Any]:
    (byok,) = [r for r in deployment["deployment"]["resources"]
               if r["type"] == "pulumi-python:dynamic/adobe:ByokConfig"]
    return dict(byok["outputs"])


def provider_versions(deployment: dict[str, Any]) -> dict[str, str]:
    """The provider plugin versions the state's providers were made with (what a replay loads)."""
    versions = {}
    for resource in deployment["deployment"]["resources"]:
        package = resource["type"].removeprefix("pulumi:providers:")
        if package in ("azure-native", "azuread"):
            versions[package] = resource["inputs"]["version"]
    return versions


def replay(fixture: dict[str, Any], directory: Path, sim: PlatformSimulator) -> FullStack:
    """A fresh stack holding the fixture's state, with Azure and Adobe as they were then."""
    install(pulumi_home(), provider_versions(fixture["deployment"]))
    held = byok_outputs(fixture["deployment"])
    sim.seed_config(held["configName"], held["keyIdentifier"], status="COMPLETED",
                    config_id=held["configId"])
    replayed = stack(directory, sim)
    with replayed.azure.transaction() as azure:
        azure.update({key: fixture["azure"][key] for key in AZURE_KEYS})
    path = directory / "deployment.json"
    path.write_text(json.dumps(fixture["deployment"]))
    replayed.project.run("stack", "import", "--stack", replayed.stack, "--file", str(path))
    return replayed


def write(name: str) -> Path:
    """Runs `up` on the example stack and writes the fixture `name`."""
    with tempfile.TemporaryDirectory() as scratch, simulator() as sim:
        written = stack(Path(scratch), sim)
        written.run("up", "--yes")
        fixture = {"deployment": scrub_deployment(written.project.export(written.stack)),
                   "azure": {key: written.azure.snapshot()[key] for key in AZURE_KEYS}}
    path = FIXTURES / f"{name}.json"
    path.write_text(json.dumps(fixture, indent=2, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":
    print(write(sys.argv[1]))
