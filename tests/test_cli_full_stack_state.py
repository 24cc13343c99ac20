"""States across releases for the whole program: each state the real CLI wrote for the example
stack with the Azure stand-ins at an earlier release (tests/fixtures/states/full-stack-*.json, see
tests/pulumi_cli/full_stack_fixtures.py) is imported into a fresh stack, with Azure and Adobe as
they were, and refreshed and previewed with today's code: nothing to change, nothing sent to
Adobe, nothing written in Azure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pulumi_cli import full_stack_fixtures
from tests.pulumi_cli.state_fixtures import FIXTURES

# One simulator on the fixtures' fixed port at a time.
pytestmark = [pytest.mark.xdist_group("cli-full-stack-state"), pytest.mark.timeout(300)]

FULL_STACK_FIXTURES = sorted(FIXTURES.glob("full-stack-*.json"))


def test_there_is_a_full_stack_fixture_of_this_release() -> None:
    assert FULL_STACK_FIXTURES, f"no full-stack-*.json in {FIXTURES}"


@pytest.mark.parametrize("fixture", FULL_STACK_FIXTURES, ids=[p.stem for p in FULL_STACK_FIXTURES])
def test_full_stack_state_of_an_earlier_release_refreshes_and_previews_quietly(
        fixture: Path, tmp_path: Path) -> None:
    written = json.loads(fixture.read_text())
    with full_stack_fixtures.simulator() as sim:
        stack = full_stack_fixtures.replay(written, tmp_path, sim)
        stack.azure.clear_calls()
        stack.run("refresh", "--yes", "--skip-preview", "--expect-no-changes")
        stack.run("preview", "--expect-no-changes")
        assert sim.count("POST", "config") == 0
        writes = [c for c in stack.azure.calls() if c["method"] in ("Create", "Update", "Delete")]
        assert writes == []
        assert {c["name"] for c in stack.azure.calls("Read")} == {
            "adobe-cmk-rg", "adobe-cmk-vault", "adobe-cmk-key", "adobe-cmk-sp",
            "adobe-cmk-crypto-user"}
        held = full_stack_fixtures.byok_outputs(written["deployment"])
        assert stack.outputs()["keyId"] == held["keyIdentifier"]
