"""The key's rotation policy under the real CLI, with the Azure stand-ins (tests/azure_standins),
which answer as Azure does: action types stored as ``Rotate`` / ``Notify``, and a ``Notify`` 30
days before expiry added to a policy without one. The program declares what Azure stores, so the
state's inputs are Azure's answer and `refresh` and `preview` are quiet; a state written before
that declaration (``rotate``, no ``Notify``) plans nothing for the key either (ARM's key PUT never
updates an existing key, and the program ignores the policy of a deployed key), with the stack's
own rotation (Pulumi.dev.yaml: 365 days, expiry 455, notice 30) and with rotation alone.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pulumi_cli.full_stack import FullStack, full_stack
from tests.simulator import PlatformSimulator

pytestmark = pytest.mark.timeout(300)

KEY = "azure-native:keyvault:Key"
#: Settings the example stack leaves out for each rotation.
UNSET = {
    "with-expiry": (),
    "without-expiry": ("adobe-cmk:keyExpiryDays", "adobe-cmk:keyNotifyDaysBeforeExpiry"),
}


@pytest.fixture
def sim() -> Iterator[PlatformSimulator]:
    with PlatformSimulator(
        client_secret=secrets.token_urlsafe(24), job_durations=(0.0, 0.0, 0.0)
    ) as simulator:
        yield simulator


def declared_policy(stack: FullStack) -> dict[str, Any]:
    return dict(stack.state_of(KEY, "adobe-cmk-key")["inputs"]["properties"]["rotationPolicy"])


def as_before(policy: dict[str, Any]) -> None:
    """The policy as the program sent it before: the SDK's lower-case action types, and no
    ``Notify`` without an expiry of its own."""
    actions = policy["lifetimeActions"]
    for action in actions:
        action["action"]["type"] = action["action"]["type"].lower()
    if "attributes" not in policy:
        policy["lifetimeActions"] = [a for a in actions if a["action"]["type"] != "notify"]


def import_older_state(stack: FullStack, directory: Path) -> dict[str, Any]:
    """The stack's state with the key's declared policy as an older release wrote it."""
    deployment = stack.project.export(stack.stack)
    (key,) = [r for r in deployment["deployment"]["resources"] if r["type"] == KEY]
    as_before(key["inputs"]["properties"]["rotationPolicy"])
    path = directory / "older-deployment.json"
    path.write_text(json.dumps(deployment))
    stack.run("stack", "import", "--file", str(path))
    return dict(key["inputs"]["properties"]["rotationPolicy"])


@pytest.mark.parametrize(
    "rotation",
    [
        pytest.param(name, marks=pytest.mark.xdist_group(f"cli-key-rotation-{name}"))
        for name in UNSET
    ],
)
def test_rotation_policy_is_what_azure_stores_and_an_older_states_plans_nothing(
    rotation: str, sim: PlatformSimulator, tmp_path: Path
) -> None:
    stack = full_stack(tmp_path / rotation, sim)
    for setting in UNSET[rotation]:
        stack.project.run("config", "rm", "--stack", stack.stack, setting)
    stack.run("up", "--yes")
    stored = stack.azure.one(KEY)["outputs"]["rotationPolicy"]
    assert declared_policy(stack) == stored
    assert [a["action"]["type"] for a in stored["lifetimeActions"]] == ["Rotate", "Notify"]
    stack.run("refresh", "--yes", "--skip-preview", "--expect-no-changes")
    stack.run("preview", "--expect-no-changes")

    older = import_older_state(stack, tmp_path)
    assert declared_policy(stack) == older != stored
    stack.azure.clear_calls()
    stack.run("refresh", "--yes", "--skip-preview", "--expect-no-changes")
    stack.run("preview", "--expect-no-changes")
    stack.run("up", "--yes", "--expect-no-changes")
    assert [c for c in stack.azure.calls() if c["method"] in ("Create", "Update", "Delete")] == []
    assert stack.azure.one(KEY)["outputs"]["rotationPolicy"] == stored
