"""The Azure stand-in plugins themselves (tests/azure_standins): Azure's rules they apply, how they
diff and refresh as azure-native does (pure, no engine), and the plugin process as the engine
starts it (the launcher installed at the SDK's version, the port first, SIGINT quiet, any type or
function not modelled refused in one line naming it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests import mocks
from tests.azure_standins import STATE_ENV, AzureState
from tests.azure_standins.arm import ArmError, Context
from tests.azure_standins.diffing import DELETE_REPLACE, UPDATE, diff_inputs, refreshed_inputs
from tests.azure_standins.keyvault import Key, Vault, stored_rotation_policy
from tests.azure_standins.plugins import install, launcher_path, sdk_version
from tests.azure_standins.provider import PLUGINS
from tests.azure_standins.resource_types import TYPES
from tests.azure_standins.state import empty_state
from tests.azure_standins.wire import struct

Plugin = tuple[subprocess.Popen[str], provider_pb2_grpc.ResourceProviderStub]
SUB = empty_state()["client"]["subscriptionId"]
GROUP_ID = f"/subscriptions/{SUB}/resourceGroups/rg"
VAULT_ID = f"{GROUP_ID}/providers/Microsoft.KeyVault/vaults/kv-one"
VAULT_INPUTS: dict[str, Any] = {
    "resourceGroupName": "rg",
    "vaultName": "kv-one",
    "location": "westeurope",
    "properties": {
        "tenantId": "t",
        "sku": {"family": "A", "name": "standard"},
        "enablePurgeProtection": True,
        "enableRbacAuthorization": True,
    },
}
KEY_INPUTS: dict[str, Any] = {
    "resourceGroupName": "rg",
    "vaultName": "kv-one",
    "keyName": "adobe-cmk",
    "properties": {
        "kty": "RSA",
        "keySize": 3072,
        "keyOps": ["wrapKey", "unwrapKey"],
        "rotationPolicy": {
            "lifetimeActions": [
                {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P90D"}}
            ]
        },
    },
}


@pytest.fixture
def ctx() -> Context:
    """A state holding the resource group ``rg``."""
    context = Context.of(empty_state(), {"location": "westeurope"})
    group = TYPES["azure-native:resources:ResourceGroup"]
    context.store(
        GROUP_ID,
        group.token,
        group.put(context, GROUP_ID, {"resourceGroupName": "rg", "location": "westeurope"}, None),
    )
    return context


def _vault(ctx: Context, **properties: Any) -> dict[str, Any]:
    inputs = {**VAULT_INPUTS, "properties": {**VAULT_INPUTS["properties"], **properties}}
    found = ctx.find(VAULT_ID)
    outputs = Vault().put(ctx, VAULT_ID, inputs, found["outputs"] if found else None)
    ctx.store(VAULT_ID, Vault.token, outputs)
    return outputs


# --- Azure's rules -------------------------------------------------------------------------------


def test_vault_purge_protection_cannot_be_turned_off(ctx: Context) -> None:
    _vault(ctx)
    with pytest.raises(ArmError, match=r"enablePurgeProtection.*irreversible"):
        _vault(ctx, enablePurgeProtection=False)
    held = ctx.find(VAULT_ID)
    assert held is not None and held["outputs"]["properties"]["enablePurgeProtection"] is True


def test_deleted_vaults_name_stays_reserved(ctx: Context) -> None:
    _vault(ctx)
    Vault().delete(ctx, VAULT_ID)
    assert ctx.state["deletedVaults"]["kv-one"]["purgeProtectionEnabled"] is True
    with pytest.raises(ArmError, match="already exists in deleted state") as refused:
        _vault(ctx)
    assert refused.value.status == 409


def test_vault_name_is_one_vault_in_all_of_azure(ctx: Context) -> None:
    _vault(ctx)
    other = VAULT_ID.replace("/rg/", "/rg2/")
    ctx.store(other.rsplit("/providers", 1)[0], "azure-native:resources:ResourceGroup", {})
    with pytest.raises(ArmError, match="already in use"):
        Vault().put(ctx, other, {**VAULT_INPUTS, "resourceGroupName": "rg2"}, None)


def test_key_put_returns_the_existing_key_unchanged(ctx: Context) -> None:
    _vault(ctx)
    key_id = f"{VAULT_ID}/keys/adobe-cmk"
    first = Key().put(ctx, key_id, KEY_INPUTS, None)
    ctx.store(key_id, Key.token, first)
    changed = {
        **KEY_INPUTS,
        "properties": {
            **KEY_INPUTS["properties"],
            "kty": "RSA-HSM",
            "attributes": {"enabled": False},
        },
    }
    assert Key().put(ctx, key_id, changed, first) == first


def test_key_rotation_policy_is_answered_as_azure_stores_it(ctx: Context) -> None:
    _vault(ctx)
    key = Key().put(ctx, f"{VAULT_ID}/keys/adobe-cmk", KEY_INPUTS, None)
    assert key["rotationPolicy"]["lifetimeActions"] == [
        {"action": {"type": "Rotate"}, "trigger": {"timeAfterCreate": "P90D"}},
        {"action": {"type": "Notify"}, "trigger": {"timeBeforeExpiry": "P30D"}},
    ]
    # A policy with a Notify of its own gets none added.
    own = {
        "lifetimeActions": [{"action": {"type": "notify"}, "trigger": {"timeBeforeExpiry": "P10D"}}]
    }
    assert stored_rotation_policy(own)["lifetimeActions"] == [
        {"action": {"type": "Notify"}, "trigger": {"timeBeforeExpiry": "P10D"}}
    ]


def test_rotation_makes_a_new_version(tmp_path: Path, ctx: Context) -> None:
    _vault(ctx)
    key_id = f"{VAULT_ID}/keys/adobe-cmk"
    state = AzureState(tmp_path / "azure.json")
    with state.transaction() as held:
        held.update(ctx.state)
        held["resources"][key_id.lower()] = {
            "id": key_id,
            "type": Key.token,
            "outputs": Key().put(ctx, key_id, KEY_INPUTS, None),
        }
    before = state.one(Key.token)["outputs"]["keyUriWithVersion"]
    version = state.rotate_key(key_id)
    after = state.one(Key.token)["outputs"]["keyUriWithVersion"]
    assert after != before and after.endswith(f"/adobe-cmk/{version}")


def test_role_assignment_principal_role_and_scope_replace_it() -> None:
    role = TYPES["azure-native:authorization:RoleAssignment"]
    olds = {
        "scope": VAULT_ID,
        "roleAssignmentName": "n",
        "principalId": "p",
        "roleDefinitionId": "r",
    }
    for changed in ("scope", "principalId", "roleDefinitionId"):
        diff = diff_inputs(olds, {**olds, changed: "other"}, role.replace_on())
        assert diff.replaces == [changed], changed
    assert diff_inputs(olds, {**olds, "description": "d"}, role.replace_on()).replaces == []


def test_vault_location_and_name_replace_it_and_location_ignores_case_and_spaces() -> None:
    replace_on = Vault.replace_on()
    moved = diff_inputs(VAULT_INPUTS, {**VAULT_INPUTS, "location": "northeurope"}, replace_on)
    renamed = diff_inputs(VAULT_INPUTS, {**VAULT_INPUTS, "vaultName": "kv-two"}, replace_on)
    assert moved.replaces == ["location"] and renamed.replaces == ["vaultName"]
    assert (
        diff_inputs(VAULT_INPUTS, {**VAULT_INPUTS, "location": "West Europe"}, replace_on).detailed
        == {}
    )
    dropped = diff_inputs(
        VAULT_INPUTS, {k: v for k, v in VAULT_INPUTS.items() if k != "vaultName"}, replace_on
    )
    assert dropped.detailed == {"vaultName": DELETE_REPLACE}


# --- refresh as azure-native refreshes ------------------------------------------------------------


def test_refresh_keeps_inputs_where_azure_did_not_change() -> None:
    """A value stored otherwise than sent (``Rotate``) is the same in the old and new outputs:
    no drift. A value Azure changed (disabled) lands in the inputs: drift."""
    sent = {
        "properties": {
            "kty": "RSA",
            "attributes": {"enabled": True},
            "rotationPolicy": {"lifetimeActions": [{"action": {"type": "rotate"}}]},
        }
    }
    stored = {
        "kty": "RSA",
        "attributes": {"enabled": True, "created": 1},
        "rotationPolicy": {"lifetimeActions": [{"action": {"type": "Rotate"}}]},
    }
    key = Key()
    assert refreshed_inputs(sent, key.to_inputs(stored), key.to_inputs(stored)) == sent
    disabled = {**stored, "attributes": {"enabled": False, "created": 1}}
    inputs = refreshed_inputs(sent, key.to_inputs(stored), key.to_inputs(disabled))
    assert inputs["properties"]["attributes"] == {"enabled": False}
    assert inputs["properties"]["rotationPolicy"] == sent["properties"]["rotationPolicy"]
    assert diff_inputs(inputs, sent, Key.replace_on()).detailed == {
        "properties.attributes.enabled": UPDATE
    }


# --- the plugin process ---------------------------------------------------------------------------


def test_install_puts_both_launchers_at_the_sdks_versions_and_is_idempotent(tmp_path: Path) -> None:
    first = install(tmp_path)
    stamps = [p.stat().st_mtime_ns for p in first]
    assert install(tmp_path) == first
    assert [p.stat().st_mtime_ns for p in first] == stamps
    for name, path in zip(("azure-native", "azuread"), first, strict=True):
        assert path == launcher_path(tmp_path, name)
        assert path.parent.name == f"resource-{name}-v{sdk_version(name)}"
        assert os.access(path, os.X_OK)


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[Plugin]:
    (launcher, _) = install(tmp_path / "home")
    process = subprocess.Popen(
        [str(launcher), "127.0.0.1:1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, STATE_ENV: str(tmp_path / "azure.json")},
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield process, provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_plugin_prints_its_port_first_answers_its_version_and_stops_quietly_on_sigint(
    plugin: Plugin,
) -> None:
    process, stub = plugin
    assert stub.GetPluginInfo(empty_pb2.Empty()).version == sdk_version("azure-native")
    configured = stub.Configure(provider_pb2.ConfigureRequest(acceptSecrets=True))
    assert configured.supportsPreview and not configured.acceptSecrets
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0 and stderr == "", stderr


@pytest.mark.parametrize(
    ("call", "named"),
    [
        ("type", "azure-native:storage:StorageAccount"),
        ("function", "azure-native:storage:listStorageAccountKeys"),
    ],
)
def test_plugin_refuses_what_it_does_not_model_in_one_line_naming_it(
    plugin: Plugin, call: str, named: str
) -> None:
    _, stub = plugin
    with pytest.raises(grpc.RpcError) as refused:
        if call == "type":
            stub.Check(
                provider_pb2.CheckRequest(
                    urn=f"urn:pulumi:dev::adobe-cmk::{named}::x", type=named, news=struct({})
                )
            )
        else:
            stub.Invoke(provider_pb2.InvokeRequest(tok=named, args=struct({})))
    message = refused.value.details()
    assert named in message and "\n" not in message, message


def test_plugin_without_a_state_file_fails_in_one_line(tmp_path: Path) -> None:
    (launcher, _) = install(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != STATE_ENV}
    result = subprocess.run(
        [str(launcher), "127.0.0.1:1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and STATE_ENV in result.stderr, result.stderr


# --- what the program uses is what the stand-ins serve ---------------------------------------


def test_every_azure_type_the_programs_variants_declare_is_modelled() -> None:
    """From every variant's URNs (tests/fixtures/urns.json, recorded under the mocks)."""
    recorded = json.loads((Path(__file__).parent / "fixtures" / "urns.json").read_text())
    declared = {
        urn.split("::")[2].split("$")[-1]
        for pairs in recorded.values()
        for pair in pairs
        for urn in pair
    }
    azure = {t for t in declared if t.startswith(("azure-native:", "azuread:"))}
    assert len(azure) >= 10, azure
    served = {t for plugin in PLUGINS.values() for t in plugin.types}
    assert azure <= served, azure - served


def test_every_function_the_program_calls_is_modelled() -> None:
    """The invokes the mocks answer (tests/mocks.py, and the HSM lookup of tests/test_urns.py)
    are those the program calls; each is served by its plugin."""
    answered = {value for name, value in vars(mocks).items() if name.startswith("GET_")}
    answered.add("azure-native:keyvault:getManagedHsm")
    for token in answered:
        plugin = PLUGINS["azuread" if token.startswith("azuread:") else "azure-native"]
        assert token in plugin.invokes, token


def test_a_provider_for_another_subscription_looks_up_there() -> None:
    """azure-native's lookups build the id from the provider's own subscription."""
    from tests.azure_standins.invokes import AZURE_NATIVE

    other = "77777777-0000-0000-0000-000000000007"
    state = empty_state()
    vault_id = f"/subscriptions/{other}/resourceGroups/byo-rg/providers/Microsoft.KeyVault/vaults/v"
    state["resources"][vault_id.lower()] = {"id": vault_id, "type": Vault.token,
                                            "outputs": {"name": "v"}}
    lookup = AZURE_NATIVE["azure-native:keyvault:getVault"]
    args = {"resourceGroupName": "byo-rg", "vaultName": "v"}
    with pytest.raises(ArmError, match="was not found"):
        lookup(Context.of(state, {}), args)
    assert lookup(Context.of(state, {"subscriptionId": other}), args)["id"] == vault_id
