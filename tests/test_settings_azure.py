"""Settings of the Azure side, one test per rule from the shared valid base: tenant, location,
resource group and tags; the vault and key; the firewall; bring-your-own-key; Adobe's access."""

from __future__ import annotations

import ipaddress

import pytest

from components.settings import KeyRotation
from components.settings.firewall import NOT_PUBLIC
from tests.settings_support import KEY_ID, SUBSCRIPTION, VAULT_ID, assert_names, build, error_of


def test_settings_tenant_id_must_be_a_guid():
    assert_names(error_of(tenantId="contoso.onmicrosoft.com"), "tenantId", "GUID")


def test_settings_location_is_needed_to_create_a_resource_group():
    assert_names(error_of(location=None), "location", "azure-native:location")


def test_settings_location_falls_back_to_the_azure_provider_setting():
    settings = build(location=None, raw={"azure-native:location": "West Europe"})
    assert settings.location == "westeurope"


def test_settings_location_must_be_a_region_name():
    assert_names(error_of(location="west-europe!"), "location", "westeurope")


def test_settings_location_from_the_azure_setting_is_reported_under_its_key():
    error = error_of(location=None, raw={"azure-native:location": "West-Europe"})
    assert_names(error, "azure-native:location", "'West-Europe'", "westeurope")
    assert "adobe-cmk:location" not in str(error), str(error)


def test_settings_own_location_wins_over_the_azure_setting():
    settings = build(location="northeurope", raw={"azure-native:location": "West-Europe"})
    assert settings.location == "northeurope"


def test_settings_existing_resource_group_needs_its_name():
    assert_names(error_of(createResourceGroup=False), "resourceGroupName", "createResourceGroup")


def test_settings_existing_resource_group_needs_no_location():
    settings = build(createResourceGroup=False, resourceGroupName="rg-cmk", location=None)
    assert settings.create_resource_group is False
    assert settings.location is None


def test_settings_resource_group_name_must_be_valid_for_azure():
    assert_names(error_of(resourceGroupName="rg."), "resourceGroupName", "not ending in '.'")


def test_settings_tags_are_key_value_entries():
    assert_names(error_of(tags=["owner"]), "tags", "key=value")


def test_settings_tags_must_be_a_list():
    assert_names(error_of(tags="owner=me"), "tags", "list of strings")


@pytest.mark.parametrize("name", ["kv", "1vault", "my--vault", "vault-", "a" * 25, "my_vault"])
def test_settings_vault_name_must_be_valid_for_azure(name):
    assert_names(error_of(keyVaultName=name), "keyVaultName", "3-24")


def test_settings_vault_sku_must_be_known():
    assert_names(error_of(keyVaultSku="gold"), "keyVaultSku", "auto, standard, premium")


def test_settings_rsa_hsm_on_a_standard_vault_is_refused():
    assert_names(error_of(keyType="RSA-HSM", keyVaultSku="standard"), "keyVaultSku", "premium")


def test_settings_rsa_hsm_picks_a_premium_vault():
    assert build(keyType="RSA-HSM").key_vault_sku == "premium"


def test_settings_key_type_must_be_rsa():
    assert_names(error_of(keyType="EC"), "keyType", "RSA, RSA-HSM")


def test_settings_key_name_must_be_valid_for_key_vault():
    assert_names(error_of(keyName="adobe_cmk"), "keyName", "letters, digits and hyphens")


def test_settings_key_size_under_3072_is_refused():
    assert_names(error_of(keySize="2048"), "keySize", "Adobe refuses keys under 3072")


def test_settings_key_size_must_be_a_key_vault_size():
    assert_names(error_of(keySize="3500"), "keySize", "3072 or 4096")


def test_settings_rotation_days_have_a_floor():
    assert_names(error_of(keyRotationDays="3"), "keyRotationDays", "at least 7")


def test_settings_expiry_days_have_a_floor():
    assert_names(error_of(keyRotationDays="7", keyExpiryDays="20"), "keyExpiryDays", "28")


def test_settings_expiry_without_rotation_is_refused():
    assert_names(error_of(keyExpiryDays="365"), "keyExpiryDays", "expire unrotated")


def test_settings_expiry_must_leave_room_after_rotation():
    error = error_of(keyRotationDays="90", keyExpiryDays="95")
    assert_names(error, "keyExpiryDays", "at least 97")


def test_settings_notify_must_fall_inside_the_lifetime():
    error = error_of(keyRotationDays="90", keyExpiryDays="120", keyNotifyDaysBeforeExpiry="120")
    assert_names(error, "keyNotifyDaysBeforeExpiry", "less than adobe-cmk:keyExpiryDays")


def test_settings_rotation_with_expiry_and_notice():
    settings = build(keyRotationDays=90, keyExpiryDays=120, keyNotifyDaysBeforeExpiry=14)
    assert settings.rotation == KeyRotation(90, 120, 14)


def test_settings_rotation_without_expiry_has_no_notice():
    assert build(keyRotationDays=365).rotation == KeyRotation(365, None, None)


@pytest.mark.parametrize("entry", ["10.0.0.1/24", "2001:db8::/32", "10.0.0.300", "any"])
def test_settings_allowed_ip_ranges_must_be_ipv4_networks(entry):
    assert_names(error_of(allowedIpRanges=[entry]), "allowedIpRanges", repr(entry))


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        ("10.20.0.0/16", "private (RFC 1918)"),
        ("172.20.0.0/14", "private (RFC 1918)"),
        ("192.168.1.10", "private (RFC 1918)"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255", "reserved"),
        ("0.0.0.0/8", "'this network'"),
        ("8.0.0.0/5", "private (RFC 1918)"),
    ],
)
def test_settings_allowed_ip_ranges_refuse_addresses_that_are_not_public(entry, kind):
    error = error_of(allowedIpRanges=["203.0.113.0/24", entry])
    assert_names(error, "allowedIpRanges", repr(entry), kind, "public addresses only")


def test_settings_allowed_ip_ranges_refuse_a_range_admitting_everyone():
    error = error_of(allowedIpRanges=["0.0.0.0/0"])
    assert_names(error, "allowedIpRanges", "'0.0.0.0/0'", "admits every address", "empty")


def test_settings_allowed_ip_ranges_refuse_entries_admitting_everyone_together():
    public = [ipaddress.IPv4Network("0.0.0.0/0")]
    for special in NOT_PUBLIC:
        public = [
            part
            for network in public
            for part in (
                network.address_exclude(special) if special.subnet_of(network) else [network]
            )
        ]
    error = error_of(allowedIpRanges=[str(network) for network in public])
    assert_names(error, "allowedIpRanges", "admits every public address", "empty")
    assert build(allowedIpRanges=[str(network) for network in public[1:]]).allowed_ip_ranges


def test_settings_allowed_ip_ranges_accept_wide_public_ranges():
    assert build(allowedIpRanges=["1.0.0.0/8"]).allowed_ip_ranges == ("1.0.0.0/8",)


def test_settings_allowed_ip_ranges_are_normalised_for_azure():
    settings = build(allowedIpRanges=["198.51.100.7", "203.0.113.0/24", "198.51.100.7/32"])
    assert settings.allowed_ip_ranges == ("198.51.100.7/32", "203.0.113.0/24")


def test_settings_existing_key_needs_its_vault():
    assert_names(error_of(existingKeyId=KEY_ID), "existingVaultId", "existingKeyId")


def test_settings_existing_vault_needs_its_key():
    assert_names(error_of(existingVaultId=VAULT_ID), "existingKeyId", "versioned")


def test_settings_existing_key_must_be_versioned():
    key = KEY_ID.rsplit("/", 1)[0]
    assert_names(error_of(existingKeyId=key, existingVaultId=VAULT_ID), "existingKeyId", "version")


def test_settings_existing_vault_id_must_be_an_arm_id():
    error = error_of(existingKeyId=KEY_ID, existingVaultId="byo-vault")
    assert_names(error, "existingVaultId", "/subscriptions/")


def test_settings_existing_key_and_vault_must_match():
    other = VAULT_ID.replace("/vaults/byo-vault", "/vaults/other-vault")
    error = error_of(existingKeyId=KEY_ID, existingVaultId=other)
    assert_names(error, "existingVaultId", "same vault")


def test_settings_existing_managed_hsm_key_needs_access_managed_elsewhere():
    hsm_key = KEY_ID.replace("byo-vault.vault.azure.net", "byo-hsm.managedhsm.azure.net")
    hsm_id = VAULT_ID.replace("vaults/byo-vault", "managedHSMs/byo-hsm")
    error = error_of(existingKeyId=hsm_key, existingVaultId=hsm_id)
    assert_names(error, "servicePrincipal", "Managed HSM", "none")
    settings = build(existingKeyId=hsm_key, existingVaultId=hsm_id, servicePrincipal="none")
    assert settings.existing_key is not None and settings.existing_key.managed_hsm


def test_settings_existing_key_refuses_settings_for_a_created_vault():
    error = error_of(existingKeyId=KEY_ID, existingVaultId=VAULT_ID, allowedIpRanges=["1.2.3.4"])
    assert_names(error, "allowedIpRanges", "existingKeyId", "pulumi config rm")


@pytest.mark.parametrize(
    ("name", "value"),
    [("tags", ["owner=team"]), ("createResourceGroup", False), ("keyNotifyDaysBeforeExpiry", 14)],
)
def test_settings_existing_key_refuses_group_and_rotation_settings(name, value):
    error = error_of(existingKeyId=KEY_ID, existingVaultId=VAULT_ID, **{name: value})
    assert_names(error, name, "existingKeyId", "pulumi config rm")


def test_settings_access_managed_elsewhere_refuses_a_role_scope():
    error = error_of(servicePrincipal="none", roleScope="key")
    assert_names(error, "roleScope", "servicePrincipal", "none", "pulumi config rm")


def test_settings_existing_key_is_described_in_every_shape():
    settings = build(existingKeyId=KEY_ID, existingVaultId=VAULT_ID, location=None)
    key = settings.existing_key
    assert key is not None
    assert key.key_id == KEY_ID
    assert key.key_id_versionless == "https://byo-vault.vault.azure.net/keys/byo-key"
    assert key.vault_uri == "https://byo-vault.vault.azure.net/"
    assert key.subscription_id == SUBSCRIPTION
    assert key.key_resource_id == f"{VAULT_ID}/keys/byo-key"
    assert settings.create_resource_group is False
    assert settings.key_name == "byo-key"
    assert settings.resource_group_name == "byo-rg"


def test_settings_service_principal_mode_must_be_known():
    assert_names(error_of(servicePrincipal="manual"), "servicePrincipal", "create, existing, none")


def test_settings_role_scope_must_be_vault_or_key():
    assert_names(error_of(roleScope="subscription"), "roleScope", "vault, key")


def test_settings_protect_must_be_a_boolean():
    assert_names(error_of(protect="yes"), "protect", "true or false")


def test_settings_offline_stack_uses_no_azure():
    settings = build(existingKeyId=KEY_ID, existingVaultId=VAULT_ID, servicePrincipal="none")
    assert not settings.uses_azure
