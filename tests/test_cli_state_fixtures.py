"""States across releases: each state the real CLI wrote at an earlier release of this project
(tests/fixtures/states/, see tests/pulumi_cli/state_fixtures.py) is imported into a fresh stack
and refreshed and previewed with today's code, which must find nothing to change and send Adobe
nothing — the pickled providers in it load today's classes, and their outputs read as today's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pulumi_cli import state_fixtures
from tests.pulumi_cli.state_fixtures import FIXTURES, STACK

# One simulator on the fixtures' fixed port at a time.
pytestmark = [pytest.mark.xdist_group("cli-state-fixtures"), pytest.mark.timeout(300)]

OFFLINE_FIXTURES = sorted(FIXTURES.glob("offline-*.json"))


def test_there_is_a_fixture_of_this_release() -> None:
    assert OFFLINE_FIXTURES, f"no offline-*.json in {FIXTURES}"


@pytest.mark.parametrize("fixture", OFFLINE_FIXTURES, ids=[p.stem for p in OFFLINE_FIXTURES])
def test_state_of_an_earlier_release_refreshes_and_previews_quietly(
        fixture: Path, tmp_path: Path) -> None:
    deployment = json.loads(fixture.read_text())
    held = state_fixtures.byok_outputs(deployment)
    with state_fixtures.simulator() as sim:
        # What Adobe held when the state was written: the configuration, COMPLETED.
        sim.seed_config(held["configName"], held["keyIdentifier"], status="COMPLETED",
                        config_id=held["configId"])
        project = state_fixtures.offline_project(tmp_path)
        project.run("stack", "import", "--stack", STACK, "--file", str(fixture))
        project.run("refresh", "--yes", "--skip-preview", "--expect-no-changes", "--stack", STACK)
        project.run("preview", "--expect-no-changes", "--stack", STACK)
        assert sim.count("POST", "config") == 0
        assert sim.count("GET", "config-status") == 1
        assert project.outputs(STACK)["configId"] == held["configId"]
