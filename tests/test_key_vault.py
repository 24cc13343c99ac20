"""CmkKeyVault under mocks: every property of the vault and the key, for the defaults and each
option, read from the registration requests of ``__main__.py`` run as ``pulumi up`` runs it."""

from __future__ import annotations

import pytest

from components.key_vault import CmkKeyVault, CmkKeyVaultArgs
from tests.mocks import GROUP, KEY, TENANT_ID, VAULT, run_main, run_program, valid_config


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
    config = valid_config(keyRotationDays=90, keyExpiryDays=120, keyNotifyDaysBeforeExpiry=14)
    key = run_main(config).one(KEY)
    assert key.inputs["properties"]["rotationPolicy"] == {
        "attributes": {"expiryTime": "P120D"},
        "lifetimeActions": [
            {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P90D"}},
            {"action": {"type": "notify"}, "trigger": {"timeBeforeExpiry": "P14D"}},
        ],
    }, key.urn


def test_key_rotation_without_expiry_only_rotates():
    key = run_main(valid_config(keyRotationDays=365)).one(KEY)
    assert key.inputs["properties"]["rotationPolicy"] == {
        "lifetimeActions": [
            {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P365D"}},
        ],
    }, key.urn


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
