"""CmkKeyVault under mocks: every property of the vault and the key, for the defaults and each
option, read from the registration requests of ``__main__.py`` run as ``pulumi up`` runs it."""

from __future__ import annotations

import copy

import pytest

from components.key_vault import ROTATION_POLICY_INPUT, CmkKeyVault, CmkKeyVaultArgs
from tests.azure_standins.diffing import diff_inputs
from tests.azure_standins.keyvault import Key, stored_rotation_policy
from tests.mocks import GROUP, KEY, TENANT_ID, VAULT, run_main, run_program, valid_config

#: The settings of a rotating key, with and without an expiry of the program's.
ROTATIONS = {
    "with-expiry": {"keyRotationDays": 90, "keyExpiryDays": 120, "keyNotifyDaysBeforeExpiry": 14},
    "without-expiry": {"keyRotationDays": 365},
}


@pytest.fixture(scope="module")
def default_run():
    return run_main()


def test_vault_has_soft_delete_purge_protection_and_rbac(default_run):
    vault = default_run.one(VAULT)
    props = vault.inputs["properties"]
    assert props["enableSoftDelete"] is True, vault.urn
    assert props["enablePurgeProtection"] is True, vault.urn
    assert props["enableRbacAuthorization"] is True, f"{vault.urn}: the SDK default is off"
    assert props["accessPolicies"] == [], vault.urn


def test_vault_keeps_deleted_vaults_90_days(default_run):
    vault = default_run.one(VAULT)
    assert vault.inputs["properties"]["softDeleteRetentionInDays"] == 90, vault.urn


def test_vault_tenant_is_the_deploying_identitys(default_run):
    vault = default_run.one(VAULT)
    assert vault.inputs["properties"]["tenantId"] == TENANT_ID, vault.urn


def test_vault_tenant_follows_the_tenant_setting():
    tenant = "0b0b0b0b-1111-2222-3333-444444444444"
    vault = run_main(valid_config(tenantId=tenant)).one(VAULT)
    assert vault.inputs["properties"]["tenantId"] == tenant, vault.urn


def test_vault_is_standard_by_default(default_run):
    vault = default_run.one(VAULT)
    assert vault.inputs["properties"]["sku"] == {"family": "A", "name": "standard"}, vault.urn


def test_vault_network_is_open_by_default(default_run):
    vault = default_run.one(VAULT)
    props = vault.inputs["properties"]
    assert props["publicNetworkAccess"] == "Enabled", vault.urn
    assert props["networkAcls"] == {
        "bypass": "AzureServices",
        "defaultAction": "Allow",
        "ipRules": [],
        "virtualNetworkRules": [],
    }, vault.urn


def test_vault_restricted_network_denies_all_but_adobe_trusted_services_and_ranges():
    run = run_main(valid_config(allowedIpRanges=["203.0.113.0/24", "198.51.100.7"]))
    vault = run.one(VAULT)
    acls = vault.inputs["properties"]["networkAcls"]
    assert acls["defaultAction"] == "Deny", vault.urn
    assert acls["bypass"] == "AzureServices", vault.urn
    assert [rule["value"] for rule in acls["ipRules"]] == [
        "20.88.123.53/32",
        "203.0.113.0/24",
        "198.51.100.7/32",
    ], vault.urn


def test_vault_restricted_network_lists_adobe_once():
    run = run_main(valid_config(allowedIpRanges=["20.88.123.53"]))
    vault = run.one(VAULT)
    rules = [rule["value"] for rule in vault.inputs["properties"]["networkAcls"]["ipRules"]]
    assert rules == ["20.88.123.53/32"], vault.urn


def test_vault_is_auto_named_unless_a_name_is_set(default_run):
    vault = default_run.one(VAULT)
    assert "vaultName" not in vault.inputs, f"{vault.urn}: expected auto-naming"
    named = run_main(valid_config(keyVaultName="kv-adobe-cmk-prod")).one(VAULT)
    assert named.inputs["vaultName"] == "kv-adobe-cmk-prod", named.urn


def test_vault_lives_in_the_created_resource_group(default_run):
    vault, group = default_run.one(VAULT), default_run.one(GROUP)
    assert group.inputs["location"] == "westeurope", group.urn
    assert vault.inputs["resourceGroupName"] == group.outputs["name"], vault.urn
    assert vault.inputs["location"] == "westeurope", vault.urn
    assert group.urn in vault.dependencies, vault.urn


def test_vault_goes_into_an_existing_resource_group_when_asked():
    run = run_main(valid_config(createResourceGroup=False, resourceGroupName="rg-security"))
    assert run.of_type(GROUP) == [], [r.urn for r in run.of_type(GROUP)]
    vault = run.one(VAULT)
    assert vault.inputs["resourceGroupName"] == "rg-security", vault.urn


def test_vault_key_and_group_carry_the_tags():
    run = run_main(valid_config(tags=["owner=team-a", "env=prod"]))
    for registration in (run.one(GROUP), run.one(VAULT), run.one(KEY)):
        assert registration.inputs["tags"] == {"owner": "team-a", "env": "prod"}, registration.urn


def test_key_is_rsa_3072_for_wrap_and_unwrap_only(default_run):
    key = default_run.one(KEY)
    props = key.inputs["properties"]
    assert props["kty"] == "RSA", key.urn
    assert props["keySize"] == 3072, key.urn
    assert props["keyOps"] == ["wrapKey", "unwrapKey"], key.urn
    assert props["attributes"]["enabled"] is True, key.urn
    assert key.inputs["keyName"] == "adobe-cmk", key.urn


def test_key_is_in_the_vault(default_run):
    key, vault = default_run.one(KEY), default_run.one(VAULT)
    assert key.inputs["vaultName"] == vault.outputs["name"], key.urn
    assert vault.urn in key.dependencies, key.urn


def test_key_rsa_hsm_gets_a_premium_vault():
    run = run_main(valid_config(keyType="RSA-HSM", keySize=4096))
    key, vault = run.one(KEY), run.one(VAULT)
    assert key.inputs["properties"]["kty"] == "RSA-HSM", key.urn
    assert key.inputs["properties"]["keySize"] == 4096, key.urn
    assert vault.inputs["properties"]["sku"]["name"] == "premium", vault.urn


def test_key_has_no_rotation_policy_by_default(default_run):
    key = default_run.one(KEY)
    assert "rotationPolicy" not in key.inputs["properties"], key.urn


def test_key_rotation_policy_rotates_before_versions_expire():
    key = run_main(valid_config(**ROTATIONS["with-expiry"])).one(KEY)
    assert key.inputs["properties"]["rotationPolicy"] == {
        "attributes": {"expiryTime": "P120D"},
        "lifetimeActions": [
            {"action": {"type": "Rotate"}, "trigger": {"timeAfterCreate": "P90D"}},
            {"action": {"type": "Notify"}, "trigger": {"timeBeforeExpiry": "P14D"}},
        ],
    }, key.urn


def test_key_rotation_without_expiry_rotates_and_keeps_key_vaults_own_notify():
    key = run_main(valid_config(**ROTATIONS["without-expiry"])).one(KEY)
    assert key.inputs["properties"]["rotationPolicy"] == {
        "lifetimeActions": [
            {"action": {"type": "Rotate"}, "trigger": {"timeAfterCreate": "P365D"}},
            {"action": {"type": "Notify"}, "trigger": {"timeBeforeExpiry": "P30D"}},
        ],
    }, key.urn


@pytest.mark.parametrize("rotation", sorted(ROTATIONS))
def test_key_rotation_policy_is_declared_as_key_vault_stores_it(rotation):
    """What Azure answers for the policy sent (the stand-in's rules: action types capitalised, a
    Notify 30 days before expiry added to a policy without one) is what was sent."""
    key = run_main(valid_config(**ROTATIONS[rotation])).one(KEY)
    declared = key.inputs["properties"]["rotationPolicy"]
    assert stored_rotation_policy(declared) == declared, key.urn


def test_key_rotation_policy_is_never_planned_for_an_existing_key(default_run):
    # ARM's key PUT never updates an existing key: an update of the policy would do nothing.
    for run in (default_run, run_main(valid_config(**ROTATIONS["with-expiry"]))):
        key = run.one(KEY)
        assert key.ignore_changes == (ROTATION_POLICY_INPUT,), key.urn
        assert key.protect, key.urn


@pytest.mark.parametrize("rotation", sorted(ROTATIONS))
def test_key_of_a_stack_made_before_the_declaration_changed_is_not_replaced(rotation):
    """A key in a state written before the policy was declared as Azure stores it (``rotate``,
    no Notify of Key Vault's): even without ``ignore_changes`` the difference is an update of
    the key, as azure-native diffs (the stand-in's model), never a replacement."""
    new = run_main(valid_config(**ROTATIONS[rotation])).one(KEY).inputs
    old = copy.deepcopy(new)
    actions = old["properties"]["rotationPolicy"]["lifetimeActions"]
    for action in actions:
        action["action"]["type"] = action["action"]["type"].lower()
    if "attributes" not in old["properties"]["rotationPolicy"]:
        actions.pop()  # the program sent no Notify without an expiry
    diff = diff_inputs(old, new, Key.replace_on())
    assert diff.changes == ["properties"] and diff.replaces == [], diff.detailed


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"key_size": 2048}, "3072"),
        ({"key_type": "EC"}, "key type"),
        ({"key_type": "RSA-HSM"}, "premium"),
    ],
)
def test_cmk_key_vault_refuses_what_adobe_cannot_use(change, reason):
    args = {
        "resource_group_name": "rg",
        "tenant_id": TENANT_ID,
        "sku": "standard",
        "key_name": "k",
        "key_type": "RSA",
        "key_size": 3072,
        "allowed_ip_ranges": (),
        "tags": {},
        "protect": True,
    }
    with pytest.raises(ValueError, match=reason):
        run_program(lambda: CmkKeyVault("kv", CmkKeyVaultArgs(**{**args, **change})))


def test_cmk_key_vault_exposes_both_key_identifiers(default_run):
    outputs = default_run.stack_outputs
    key = default_run.one(KEY)
    assert outputs["keyId"] == key.outputs["keyUriWithVersion"], key.urn
    assert outputs["keyIdVersionless"] == key.outputs["keyUri"], key.urn
    assert outputs["keyId"].startswith(outputs["keyIdVersionless"] + "/"), key.urn
    assert outputs["keyResourceId"] == key.id, key.urn
