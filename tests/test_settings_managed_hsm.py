"""Settings for the Managed HSM tier: an existing HSM by ARM id or by URI, and what it rules out."""

from __future__ import annotations

import pytest

from components.settings.managed_hsm import VAULT_ONLY
from tests.settings_support import assert_names, build, error_of

HSM_SUB = "22222222-0000-0000-0000-000000000002"
HSM_ID = (
    f"/subscriptions/{HSM_SUB}/resourceGroups/rg-security/providers/Microsoft.KeyVault/"
    "managedHSMs/hsm-shared"
)
HSM_URI = "https://hsm-shared.managedhsm.azure.net"


def test_settings_managed_hsm_is_off_by_default():
    settings = build()
    assert settings.managed_hsm is None
    assert settings.creates_vault


def test_settings_managed_hsm_by_arm_id():
    settings = build(location=None, managedHsmId=HSM_ID)
    hsm = settings.managed_hsm
    assert hsm is not None
    assert (hsm.arm_id, hsm.uri, hsm.name) == (HSM_ID, None, "hsm-shared")
    assert (hsm.subscription_id, hsm.resource_group_name) == (HSM_SUB, "rg-security")
    assert not settings.creates_vault and not settings.create_resource_group
    assert settings.key_type == "RSA-HSM"
    assert settings.location is None


def test_settings_managed_hsm_by_uri_only():
    hsm = build(managedHsmUri=HSM_URI + "/").managed_hsm
    assert hsm is not None
    assert (hsm.arm_id, hsm.uri, hsm.name, hsm.subscription_id) == (
        None,
        HSM_URI,
        "hsm-shared",
        None,
    )


def test_settings_managed_hsm_uri_in_a_sovereign_cloud():
    hsm = build(managedHsmUri="https://hsm-gov.managedhsm.usgovcloudapi.net").managed_hsm
    assert hsm is not None and hsm.uri == "https://hsm-gov.managedhsm.usgovcloudapi.net"


def test_settings_managed_hsm_uri_on_loopback_for_a_stand_in():
    hsm = build(managedHsmUri="http://127.0.0.1:8443").managed_hsm
    assert hsm is not None and hsm.uri == "http://127.0.0.1:8443"


def test_settings_managed_hsm_id_must_be_an_hsm_arm_id():
    vault_id = HSM_ID.replace("managedHSMs/hsm-shared", "vaults/kv-shared")
    assert_names(error_of(managedHsmId=vault_id), "managedHsmId", "managedHSMs/<name>")


@pytest.mark.parametrize(
    "uri",
    [
        "https://hsm-shared.vault.azure.net",
        "http://hsm-shared.managedhsm.azure.net",
        "https://hsm-shared.managedhsm.azure.net/keys/k",
        "https://user@hsm-shared.managedhsm.azure.net",
    ],
)
def test_settings_managed_hsm_uri_must_be_an_hsm_address(uri):
    assert_names(error_of(managedHsmUri=uri), "managedHsmUri")


def test_settings_managed_hsm_id_and_uri_must_name_the_same_hsm():
    error = error_of(managedHsmId=HSM_ID, managedHsmUri="https://other.managedhsm.azure.net")
    assert_names(error, "managedHsmUri", "hsm-shared", "same HSM")
    both = build(managedHsmId=HSM_ID, managedHsmUri=HSM_URI).managed_hsm
    assert both is not None and (both.arm_id, both.uri) == (HSM_ID, HSM_URI)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("createResourceGroup", False),
        ("resourceGroupName", "rg-x"),
        ("keyVaultName", "kv-x"),
        ("keyVaultSku", "premium"),
        ("keyRotationDays", 90),
        ("keyExpiryDays", 365),
        ("keyNotifyDaysBeforeExpiry", 14),
        ("allowedIpRanges", ["203.0.113.7"]),
    ],
)
def test_settings_managed_hsm_refuses_vault_only_settings(name, value):
    assert name in VAULT_ONLY
    assert_names(error_of(managedHsmId=HSM_ID, **{name: value}), name, "managedHsmId", "config rm")


def test_settings_managed_hsm_refuses_an_existing_key_too():
    key = "https://hsm-shared.managedhsm.azure.net/keys/k/0123456789abcdef0123456789abcdef"
    error = error_of(
        managedHsmUri=HSM_URI, existingKeyId=key, existingVaultId=HSM_ID, servicePrincipal="none"
    )
    assert_names(error, "existingKeyId", "managedHsmUri")


def test_settings_managed_hsm_key_is_rsa_hsm_whatever_key_type_says():
    assert build(managedHsmId=HSM_ID).key_type == "RSA-HSM"
    assert build(managedHsmId=HSM_ID, keyType="RSA-HSM").key_type == "RSA-HSM"
    assert_names(error_of(managedHsmId=HSM_ID, keyType="EC"), "keyType", "RSA, RSA-HSM")


def test_settings_managed_hsm_keeps_key_name_size_tags_and_access():
    settings = build(
        managedHsmId=HSM_ID,
        keyName="aep-cmk",
        keySize=4096,
        tags=["team=data"],
        servicePrincipal="existing",
        roleScope="key",
    )
    assert (settings.key_name, settings.key_size, settings.tags) == (
        "aep-cmk",
        4096,
        {"team": "data"},
    )
    assert settings.manages_access and settings.uses_azure
