"""The whole program — vault, key, Adobe's service principal and role, the BYOK configuration —
under the real Pulumi CLI, with the Platform simulator for Adobe and the Azure stand-in plugins
(tests/azure_standins) for azure-native and azuread: the example stack (Pulumi.dev.yaml) planned,
deployed in the engine's own order, quiet afterwards, drift found and mended, and protected.

The tests of this module are steps of one stack's life, in order, on one xdist worker.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pulumi_cli.full_stack import FullStack, engine_steps, full_stack, step_named
from tests.simulator import Fault, PlatformSimulator

pytestmark = [pytest.mark.xdist_group("cli-full-stack"), pytest.mark.timeout(300)]

GROUP = "azure-native:resources:ResourceGroup"
VAULT = "azure-native:keyvault:Vault"
KEY = "azure-native:keyvault:Key"
ROLE = "azure-native:authorization:RoleAssignment"
SP = "azuread:index/servicePrincipal:ServicePrincipal"
APP = "pulumi-python:dynamic/adobe:AppRegistration"
BYOK = "pulumi-python:dynamic/adobe:ByokConfig"
#: What holds Adobe's access (README: protected by default).
ADOBE_ACCESS = {
    GROUP: "adobe-cmk-rg",
    VAULT: "adobe-cmk-vault",
    KEY: "adobe-cmk-key",
    SP: "adobe-cmk-sp",
    ROLE: "adobe-cmk-crypto-user",
    BYOK: "adobe-cmk-byok",
}
AZURE_WRITES = ("Create", "Update", "Delete")
# The CLI shows azuread's type without its module path.
SHOWN_TYPE = {SP: "azuread:index:ServicePrincipal"}


@pytest.fixture(scope="module")
def sim() -> Iterator[PlatformSimulator]:
    with PlatformSimulator(
        client_secret=secrets.token_urlsafe(24), job_durations=(0.0, 0.0, 0.0)
    ) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, sim: PlatformSimulator) -> FullStack:
    stack = full_stack(tmp_path_factory.mktemp("full-stack"), sim)
    stack.azure.set_latency(VAULT, 1.0)
    return stack


def shown(output: str, op: str, type_token: str, name: str, verb: str) -> bool:
    """Whether the CLI's progress lines show ``name`` with ``op`` and ``verb``."""
    shown_type = SHOWN_TYPE.get(type_token, type_token)
    pattern = rf"^\s*{re.escape(op)}\s+{re.escape(shown_type)}\s+{re.escape(name)}\s+{verb}"
    return re.search(pattern, output, re.M) is not None


def azure_writes(stack: FullStack) -> list[tuple[str, str]]:
    return [(c["method"], c["name"]) for c in stack.azure.calls() if c["method"] in AZURE_WRITES]


# --- 1. preview, then up in the engine's order -------------------------------------------------


def test_preview_plans_every_resource_and_writes_nothing(
    stack: FullStack, sim: PlatformSimulator
) -> None:
    result = stack.run("preview")
    for type_token, name in {**ADOBE_ACCESS, APP: "adobe-cmk-app"}.items():
        assert shown(result.stdout, "+", type_token, name, "create"), (name, result.stdout)
    assert "+ 11 to create" in result.stdout, result.stdout
    assert sim.requests == []
    assert azure_writes(stack) == []
    assert stack.azure.snapshot()["resources"] == {}


def test_up_runs_vault_and_app_side_by_side_and_byok_after_the_role(
    stack: FullStack, sim: PlatformSimulator, tmp_path: Path
) -> None:
    # Adobe's app registration answers in 2 s and a vault takes 1 s to create, as the real ones
    # take a while: long enough that two steps the engine runs side by side overlap in its event
    # log whatever the machine's load (the vault starts once the group exists).
    sim.inject("app-registration", Fault("slow", delay=2.0))
    log = tmp_path / "up-events.jsonl"
    stack.run("up", "--yes", "--event-log", str(log))
    assert stack.outputs()["configStatus"] == "COMPLETED"
    assert sim.count("POST", "config") == 1
    steps = engine_steps(log)
    named = {**ADOBE_ACCESS, APP: "adobe-cmk-app"}
    step = {t: step_named(steps, t, name) for t, name in named.items()}
    vault, app, key, role = step[VAULT], step[APP], step[KEY], step[ROLE]
    principal, byok = step[SP], step[BYOK]
    assert {s.op for s in steps.values()} == {"create"}
    assert vault.overlaps(app), (vault, app)
    assert key.started > (vault.finished or 0) and principal.started > (app.finished or 0)
    # The role is on the vault (roleScope vault): it waits for the vault, not the key.
    assert role.started > max(vault.finished or 0, principal.finished or 0)
    assert byok.started > max(role.finished or 0, key.finished or 0), (role, key, byok)


def test_what_azure_holds_is_what_the_outputs_name(stack: FullStack) -> None:
    outputs = stack.outputs()
    vault = stack.azure.one(VAULT)
    key = stack.azure.one(KEY)
    role = stack.azure.one(ROLE)
    assert outputs["vaultId"] == vault["id"]
    assert outputs["keyId"] == key["outputs"]["keyUriWithVersion"]
    assert role["outputs"]["scope"] == vault["id"]
    assert role["outputs"]["principalId"] == outputs["servicePrincipalObjectId"]
    assert vault["outputs"]["properties"]["enablePurgeProtection"] is True
    # Azure answers the rotation policy as it stores it, not as the program sent it.
    actions = [a["action"]["type"] for a in key["outputs"]["rotationPolicy"]["lifetimeActions"]]
    assert actions == ["Rotate", "Notify"]


# --- 2. quiet afterwards -------------------------------------------------------------------------


def test_preview_after_up_expects_no_changes(stack: FullStack, sim: PlatformSimulator) -> None:
    sim.clear_log()
    stack.azure.clear_calls()
    stack.run("preview", "--expect-no-changes")
    assert sim.requests == []
    assert azure_writes(stack) == []


def test_refresh_after_up_expects_no_changes_and_reads_each_resource_once_per_pass(
    stack: FullStack,
) -> None:
    stack.azure.clear_calls()
    stack.run("refresh", "--yes", "--expect-no-changes")
    reads = [c["name"] for c in stack.azure.calls("Read")]
    azure_resources = [n for t, n in ADOBE_ACCESS.items() if t not in (BYOK,)]
    # `refresh --yes` previews first: the engine reads every resource twice.
    assert sorted(reads) == sorted(azure_resources * 2)
    assert azure_writes(stack) == []


# --- 3. drift: the role assignment deleted in Azure --------------------------------------------


def test_deleted_role_assignment_is_found_planned_and_made_again_without_resending_byok(
    stack: FullStack, sim: PlatformSimulator
) -> None:
    stack.azure.remove(stack.outputs()["roleAssignmentId"])
    refresh = stack.run("refresh", "--yes", "--skip-preview")
    assert shown(refresh.stdout, "-", ROLE, "adobe-cmk-crypto-user", "deleted"), refresh.stdout
    preview = stack.run("preview")
    assert shown(preview.stdout, "+", ROLE, "adobe-cmk-crypto-user", "create"), preview.stdout
    assert "+ 1 to create" in preview.stdout, preview.stdout
    sim.clear_log()
    stack.run("up", "--yes")
    assert len(stack.azure.resources(ROLE)) == 1
    assert sim.count("POST", "config") == 0
    stack.run("preview", "--expect-no-changes")


def test_purge_protection_reported_off_is_found_and_turned_on_again(stack: FullStack) -> None:
    vault_id = stack.outputs()["vaultId"]
    stack.azure.report_purge_protection_off(vault_id)
    refresh = stack.run("refresh", "--yes", "--skip-preview")
    assert shown(refresh.stdout, "~", VAULT, "adobe-cmk-vault", "updated"), refresh.stdout
    preview = stack.run("preview", "--diff")
    assert "enablePurgeProtection" in preview.stdout and "~ 1 to update" in preview.stdout
    stack.run("up", "--yes")
    assert stack.azure.one(VAULT)["outputs"]["properties"]["enablePurgeProtection"] is True
    stack.run("preview", "--expect-no-changes")


def test_rotated_key_needs_nothing_from_adobe(stack: FullStack, sim: PlatformSimulator) -> None:
    """docs/runbooks.md#key-rotation: refresh records the new version, up updates `keyId`, and
    the BYOK configuration shows no change."""
    before = stack.outputs()["keyId"]
    version = stack.azure.rotate_key(stack.outputs()["keyResourceId"])
    stack.run("refresh", "--yes", "--skip-preview", "--expect-no-changes")
    sim.clear_log()
    stack.run("up", "--yes")
    assert stack.outputs()["keyId"] == f"{before.rsplit('/', 1)[0]}/{version}"
    assert sim.count("POST", "config") == 0
    stack.run("preview", "--expect-no-changes")


def test_disabled_key_is_found_by_refresh_and_planned_enabled_again(stack: FullStack) -> None:
    key_id = stack.outputs()["keyResourceId"]
    stack.azure.disable_key(key_id)
    refresh = stack.run("refresh", "--yes", "--skip-preview")
    assert shown(refresh.stdout, "~", KEY, "adobe-cmk-key", "updated"), refresh.stdout
    preview = stack.run("preview", "--diff")
    assert re.search(r"~ enabled\s*: false => true", preview.stdout), preview.stdout
    # A person enables it again (an ARM key PUT would not: it never updates an existing key).
    stack.azure.change(key_id, lambda key: key["attributes"].update(enabled=True))
    stack.run("refresh", "--yes", "--skip-preview")
    stack.run("preview", "--expect-no-changes")


# --- 4. protection -------------------------------------------------------------------------------


def test_destroy_is_refused_and_deletes_nothing(stack: FullStack, sim: PlatformSimulator) -> None:
    """The engine refuses the first protected resource it meets (the BYOK configuration, which
    everything else is beneath): nothing is deleted, and every resource holding Adobe's access
    carries `protect` in the state, so each would be refused in turn."""
    stack.azure.clear_calls()
    sim.clear_log()
    result = stack.run("destroy", "--yes", check=False)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "cannot be deleted because it is protected" in output, output
    assert stack.azure.calls("Delete") == []
    assert sim.requests == []
    for type_token, name in ADOBE_ACCESS.items():
        assert stack.state_of(type_token, name).get("protect") is True, name
    assert len(stack.azure.resources(VAULT)) == 1 and len(stack.azure.resources(ROLE)) == 1


@pytest.mark.parametrize(
    ("setting", "value", "replaced"),
    [
        (
            "azure-native:location",
            "northeurope",
            [(GROUP, "adobe-cmk-rg"), (VAULT, "adobe-cmk-vault")],
        ),
        ("adobe-cmk:keyVaultName", "kv-adobe-cmk-moved", [(VAULT, "adobe-cmk-vault")]),
    ],
)
def test_a_change_that_replaces_the_vault_is_refused_by_protect_at_preview(
    stack: FullStack, setting: str, value: str, replaced: list[tuple[str, str]]
) -> None:
    held = stack.project.run("config", "get", "--stack", stack.stack, setting, check=False)
    stack.set({setting: value})
    try:
        result = stack.run("preview", check=False)
    finally:
        if held.returncode == 0:
            stack.set({setting: held.stdout.strip()})
        else:
            stack.project.run("config", "rm", "--stack", stack.stack, setting)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for type_token, name in replaced:
        assert re.search(rf"\+-\s+{re.escape(type_token)}\s+{re.escape(name)}\s", output), output
    assert "as it is currently marked for protection" in output, output
    assert azure_writes(stack) == [] or all(m != "Delete" for m, _ in azure_writes(stack))
    stack.run("preview", "--expect-no-changes")
