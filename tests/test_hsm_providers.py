"""ManagedHsmKey and ManagedHsmRoleAssignment through the real dynamic-provider server
(``python -m pulumi.dynamic`` over gRPC), against the Managed HSM stand-in on loopback: the
data-plane calls each operation makes, adoption, refresh drift, and no token anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from providers.hsm_key import ManagedHsmKeyProvider
from providers.hsm_role_assignment import ManagedHsmRoleAssignmentProvider
from tests.hsm_simulator import SERVICE_ENCRYPTION_USER, HsmSimulator
from tests.hsm_simulator.server import Fault
from tests.provider_host import UNKNOWN, ProviderHost, failure, serialized, urn_for

TOKEN = "hsm-provider-test-token-77aa"
DEPLOYER = "99999999-8888-7777-6666-555555555555"
ADOBE_SP = "0a0b0c0d-1111-2222-3333-444444444444"
NAME = "6f1c1a54-7b55-5bb2-9a52-1f0ad6ad7e11"
KEY_URN = urn_for("pulumi-python:dynamic/hsm:ManagedHsmKey", "adobe-cmk-hsm-key")
ROLE_URN = urn_for("pulumi-python:dynamic/hsm:ManagedHsmRoleAssignment", "adobe-cmk-hsm-role")
KEY_PROVIDER = serialized(ManagedHsmKeyProvider())
ROLE_PROVIDER = serialized(ManagedHsmRoleAssignmentProvider())


@pytest.fixture
def hsm() -> Iterator[HsmSimulator]:
    with HsmSimulator({TOKEN: DEPLOYER}) as sim:
        yield sim


@pytest.fixture
def host() -> Iterator[ProviderHost]:
    with ProviderHost({}, env={"ADOBE_CMK_HSM_TOKEN": TOKEN}) as running:
        yield running


def key_news(sim: HsmSimulator, **overrides: Any) -> dict[str, Any]:
    return {
        "__provider": KEY_PROVIDER,
        "hsmUri": sim.url,
        "keyName": "adobe-cmk",
        "keySize": 3072,
        "tags": {"team": "data"},
        **overrides,
    }


def role_news(sim: HsmSimulator, **overrides: Any) -> dict[str, Any]:
    return {
        "__provider": ROLE_PROVIDER,
        "hsmUri": sim.url,
        "scope": "/keys/adobe-cmk",
        "principalId": ADOBE_SP,
        "roleDefinitionId": SERVICE_ENCRYPTION_USER,
        "assignmentName": NAME,
        **overrides,
    }


def calls(sim: HsmSimulator) -> list[tuple[str, str, int]]:
    return [(r.method, r.route, r.status) for r in sim.log]


# ---- the key ---------------------------------------------------------------------------------


def test_hsm_key_create_makes_one_post_and_returns_the_versioned_kid(hsm, host):
    hsm.hidden_after_write = 1
    _, key_id, outs = host.created(KEY_URN, key_news(hsm))
    assert key_id == f"{hsm.url}/keys/adobe-cmk"
    assert outs["keyId"].startswith(f"{key_id}/") and len(outs["version"]) == 32
    assert (outs["keyType"], outs["keySize"], outs["enabled"]) == ("RSA-HSM", 3072, True)
    assert calls(hsm) == [
        ("GET", "key", 404),
        ("POST", "create", 200),
        ("GET", "key", 404),
        ("GET", "key", 200),
    ]


def test_hsm_key_create_adopts_a_matching_key_without_a_post(hsm, host):
    hsm.state.create_key(
        "adobe-cmk", {"kty": "RSA-HSM", "key_size": 3072, "key_ops": ["wrapKey", "unwrapKey"]}
    )
    _, _, outs = host.created(KEY_URN, key_news(hsm))
    assert outs["version"] == hsm.state.keys["adobe-cmk"][0].version
    assert calls(hsm) == [("GET", "key", 200)]


def test_hsm_key_create_refuses_an_existing_key_of_another_size(hsm, host):
    hsm.state.create_key(
        "adobe-cmk", {"kty": "RSA-HSM", "key_size": 2048, "key_ops": ["wrapKey", "unwrapKey"]}
    )
    inputs = host.checked(KEY_URN, key_news(hsm))
    line = failure(lambda: host.create(KEY_URN, inputs))
    assert "2048 bits" in line and "adobe-cmk:keySize 3072" in line
    assert hsm.requests("POST") == []


def test_hsm_key_check_refuses_a_small_key_and_a_vault_address(hsm, host):
    _, failures = host.check(
        KEY_URN, key_news(hsm, keySize=2048, hsmUri="https://kv.vault.azure.net")
    )
    assert {name for name, _ in failures} == {"keySize", "hsmUri"}


def test_hsm_key_refresh_sees_a_disabled_key_and_diff_replaces(hsm, host):
    inputs, key_id, outs = host.created(KEY_URN, key_news(hsm))
    hsm.state.disable_key("adobe-cmk")
    read_id, read_outs, _ = host.read(KEY_URN, key_id, outs, inputs)
    assert read_id == key_id and read_outs["enabled"] is False
    diff = host.diff(KEY_URN, key_id, read_outs, inputs)
    assert list(diff.replaces) == ["enabled"]


def test_hsm_key_refresh_of_a_deleted_key_is_gone(hsm, host):
    inputs, key_id, outs = host.created(KEY_URN, key_news(hsm))
    hsm.state.soft_delete_key("adobe-cmk")
    assert host.read(KEY_URN, key_id, outs, inputs)[0] == ""


def test_hsm_key_no_change_is_an_update(hsm, host):
    _inputs, key_id, outs = host.created(KEY_URN, key_news(hsm))
    same = host.diff(KEY_URN, key_id, outs, key_news(hsm, tags={"team": "other"}))
    assert same.changes != same.DIFF_SOME and list(same.replaces) == []
    bigger = host.diff(KEY_URN, key_id, outs, key_news(hsm, keySize=4096))
    assert list(bigger.replaces) == ["keySize"]
    unknown = host.diff(KEY_URN, key_id, outs, key_news(hsm, hsmUri=UNKNOWN))
    assert list(unknown.replaces) == ["hsmUri"]


def test_hsm_key_delete_makes_no_call(hsm, host):
    _inputs, key_id, outs = host.created(KEY_URN, key_news(hsm))
    before = len(hsm.log)
    host.delete(KEY_URN, key_id, outs)
    assert len(hsm.log) == before and "adobe-cmk" in hsm.state.keys


def test_hsm_key_without_local_roles_fails_naming_who_must_grant_them(host):
    with HsmSimulator({TOKEN: DEPLOYER}, deployer_roles=False) as sim:
        inputs = host.checked(KEY_URN, key_news(sim))
        line = failure(lambda: host.create(KEY_URN, inputs))
    assert "HTTP 403" in line and "Crypto User" in line and "Policy Administrator" in line
    assert TOKEN not in line and TOKEN not in host.stderr


# ---- the role assignment ---------------------------------------------------------------------


def test_hsm_role_create_puts_once_and_waits_until_visible(hsm, host):
    hsm.hidden_after_write = 2
    unknown = {"error": {"code": "BadParameter", "message": "Unkown role definition"}}
    hsm.fail_next("PUT", "assignment", Fault(400, body=unknown))
    _, role_id, outs = host.created(ROLE_URN, role_news(hsm))
    path = f"/keys/adobe-cmk/providers/Microsoft.Authorization/roleAssignments/{NAME}"
    assert role_id == outs["assignmentId"] == path
    assert calls(hsm) == [
        ("GET", "assignment", 404),
        ("PUT", "assignment", 400),
        ("PUT", "assignment", 201),
        ("GET", "assignment", 404),
        ("GET", "assignment", 404),
        ("GET", "assignment", 200),
    ]
    assert hsm.state.allowed(ADOBE_SP, SERVICE_ENCRYPTION_USER, "/keys/adobe-cmk")


def test_hsm_role_create_adopts_an_identical_assignment(hsm, host):
    hsm.state.put_assignment(
        "/keys/adobe-cmk",
        NAME,
        {
            "properties": {
                "principalId": ADOBE_SP,
                "roleDefinitionId": f"/{SERVICE_ENCRYPTION_USER}",
            }
        },
    )
    host.created(ROLE_URN, role_news(hsm))
    assert calls(hsm) == [("GET", "assignment", 200)]


def test_hsm_role_create_refuses_a_name_holding_another_principal(hsm, host):
    other = "0a0b0c0d-1111-2222-3333-999999999999"
    hsm.state.put_assignment(
        "/keys/adobe-cmk",
        NAME,
        {"properties": {"principalId": other, "roleDefinitionId": SERVICE_ENCRYPTION_USER}},
    )
    inputs = host.checked(ROLE_URN, role_news(hsm))
    line = failure(lambda: host.create(ROLE_URN, inputs))
    assert other in line and ADOBE_SP in line
    assert hsm.requests("PUT") == []


def test_hsm_role_refresh_sees_a_removed_assignment(hsm, host):
    inputs, role_id, outs = host.created(ROLE_URN, role_news(hsm))
    assert host.read(ROLE_URN, role_id, outs, inputs)[0] == role_id
    hsm.state.remove_assignment("/keys/adobe-cmk", NAME)  # by hand, out of band
    assert host.read(ROLE_URN, role_id, outs, inputs)[0] == ""
    # refresh dropped it from the state; the next up creates it again, under the same name
    assert not hsm.state.allowed(ADOBE_SP, SERVICE_ENCRYPTION_USER, "/keys/adobe-cmk")
    _, again, _ = host.created(ROLE_URN, role_news(hsm))
    assert again == role_id
    assert hsm.state.allowed(ADOBE_SP, SERVICE_ENCRYPTION_USER, "/keys/adobe-cmk")


def test_hsm_role_delete_confirms_it_is_gone(hsm, host):
    _inputs, role_id, outs = host.created(ROLE_URN, role_news(hsm))
    hsm.lingering_after_delete = 1
    hsm.log.clear()
    host.delete(ROLE_URN, role_id, outs)
    assert (
        calls(hsm)
        == [("DELETE", "assignment", 200), ("GET", "assignment", 200)]
        + [("GET", "assignment", 404)] * 3
    )


def test_hsm_role_every_input_change_replaces(hsm, host):
    _inputs, role_id, outs = host.created(ROLE_URN, role_news(hsm))
    diff = host.diff(ROLE_URN, role_id, outs, role_news(hsm, principalId=UNKNOWN))
    assert list(diff.replaces) == ["principalId"]
    assert list(host.diff(ROLE_URN, role_id, outs, role_news(hsm)).replaces) == []


def test_hsm_role_check_refuses_a_bad_scope_and_a_client_id_shape(hsm, host):
    _, failures = host.check(ROLE_URN, role_news(hsm, scope="/secrets/x", principalId="adobe"))
    assert {name for name, _ in failures} == {"scope", "principalId"}


def test_hsm_no_token_reaches_outputs_or_the_provider_log(hsm, host):
    _, _, key_outs = host.created(KEY_URN, key_news(hsm))
    _, _, role_outs = host.created(ROLE_URN, role_news(hsm))
    assert TOKEN not in repr(key_outs) + repr(role_outs) + host.stderr + repr(hsm.log)
