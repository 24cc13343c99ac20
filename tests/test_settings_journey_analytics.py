"""Settings of the Journey Analytics key (``journeyAnalytics*``): off by default, its own vault
(never the Platform's), its own bring-your-own-key pair, nothing silently ignored."""

from __future__ import annotations

import pytest

from components.settings.journey_analytics import JOURNEY_ANALYTICS_ONLY
from tests.settings_support import KEY_ID, SUBSCRIPTION, VAULT_ID, assert_names, build, error_of

CJA_KEY_ID = "https://cja-vault.vault.azure.net/keys/cja-key/fedcba9876543210fedcba9876543210"
CJA_VAULT_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/cja-rg/providers/Microsoft.KeyVault/vaults/"
    "cja-vault"
)
HSM_KEY_ID = "https://cja-hsm.managedhsm.azure.net/keys/cja-key/fedcba9876543210fedcba9876543210"
HSM_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/cja-rg/providers/Microsoft.KeyVault/"
    "managedHSMs/cja-hsm"
)
#: The Platform key brought by the user (bring-your-own-key), as the settings tests' base gives it.
PLATFORM_BYOK = {"existingKeyId": KEY_ID, "existingVaultId": VAULT_ID}
CJA_BYOK = {
    "journeyAnalyticsExistingKeyId": CJA_KEY_ID,
    "journeyAnalyticsExistingVaultId": CJA_VAULT_ID,
}


def test_journey_analytics_is_off_by_default():
    assert build().journey_analytics is None


def test_journey_analytics_false_spelled_out_is_off():
    assert build(journeyAnalyticsKey="false").journey_analytics is None


def test_journey_analytics_key_creates_an_auto_named_vault():
    key = build(journeyAnalyticsKey="true").journey_analytics
    assert key is not None
    assert (key.vault_name, key.existing_key) == (None, None)


def test_journey_analytics_vault_name_is_kept():
    key = build(journeyAnalyticsKey=True, journeyAnalyticsVaultName="contoso-cja").journey_analytics
    assert key is not None and key.vault_name == "contoso-cja"


def test_journey_analytics_vault_name_follows_azures_rules():
    error = error_of(journeyAnalyticsKey=True, journeyAnalyticsVaultName="cja_vault")
    assert_names(error, "journeyAnalyticsVaultName", "'cja_vault'", "3-24 letters")


def test_journey_analytics_vault_name_refuses_the_platform_vaults_name():
    error = error_of(
        journeyAnalyticsKey=True,
        keyVaultName="contoso-cmk",
        journeyAnalyticsVaultName="Contoso-CMK",
    )
    assert_names(error, "journeyAnalyticsVaultName", "adobe-cmk:keyVaultName", "vault of its own")


@pytest.mark.parametrize("name", JOURNEY_ANALYTICS_ONLY)
def test_journey_analytics_settings_are_refused_while_it_is_off(name):
    value = CJA_KEY_ID if name == "journeyAnalyticsExistingKeyId" else CJA_VAULT_ID
    if name == "journeyAnalyticsVaultName":
        value = "contoso-cja"
    error = error_of(**{name: value})
    assert_names(error, name, "adobe-cmk:journeyAnalyticsKey is false", "pulumi config rm")


def test_journey_analytics_brings_its_own_key():
    key = build(journeyAnalyticsKey=True, **CJA_BYOK).journey_analytics
    assert key is not None and key.existing_key is not None and key.vault_name is None
    assert key.existing_key.key_id == CJA_KEY_ID
    assert key.existing_key.vault_id == CJA_VAULT_ID
    assert key.existing_key.key_resource_id == f"{CJA_VAULT_ID}/keys/cja-key"
    assert key.existing_key.subscription_id == SUBSCRIPTION


def test_journey_analytics_with_a_brought_platform_key_needs_its_own_brought_key():
    error = error_of(journeyAnalyticsKey=True, **PLATFORM_BYOK)
    assert_names(
        error,
        "journeyAnalyticsExistingKeyId",
        "no resource group",
        "adobe-cmk:journeyAnalyticsExistingVaultId",
    )


def test_journey_analytics_and_platform_may_both_bring_keys():
    settings = build(journeyAnalyticsKey=True, **PLATFORM_BYOK, **CJA_BYOK)
    assert settings.existing_key is not None and settings.journey_analytics is not None
    assert settings.journey_analytics.existing_key is not None
    assert settings.journey_analytics.existing_key.key_id == CJA_KEY_ID


def test_journey_analytics_brought_key_refuses_the_platform_keys_vault():
    same_vault_key = KEY_ID.replace("/byo-key/", "/another-key/")
    error = error_of(
        journeyAnalyticsKey=True,
        journeyAnalyticsExistingKeyId=same_vault_key,
        journeyAnalyticsExistingVaultId=VAULT_ID,
        **PLATFORM_BYOK,
    )
    assert_names(
        error, "journeyAnalyticsExistingVaultId", "'byo-vault'", "adobe-cmk:existingVaultId"
    )


def test_journey_analytics_brought_key_refuses_the_created_platform_vaults_name():
    error = error_of(journeyAnalyticsKey=True, keyVaultName="CJA-vault", **CJA_BYOK)
    assert_names(error, "journeyAnalyticsExistingVaultId", "adobe-cmk:keyVaultName")


def test_journey_analytics_key_id_needs_its_vault_id():
    error = error_of(journeyAnalyticsKey=True, journeyAnalyticsExistingKeyId=CJA_KEY_ID)
    assert_names(
        error, "journeyAnalyticsExistingVaultId", "adobe-cmk:journeyAnalyticsExistingKeyId is set"
    )


def test_journey_analytics_vault_id_needs_its_key_id():
    error = error_of(journeyAnalyticsKey=True, journeyAnalyticsExistingVaultId=CJA_VAULT_ID)
    assert_names(
        error, "journeyAnalyticsExistingKeyId", "adobe-cmk:journeyAnalyticsExistingVaultId is set"
    )


def test_journey_analytics_key_and_vault_must_be_the_same_vault():
    error = error_of(
        journeyAnalyticsKey=True,
        journeyAnalyticsExistingKeyId=CJA_KEY_ID,
        journeyAnalyticsExistingVaultId=VAULT_ID,
    )
    assert_names(
        error,
        "journeyAnalyticsExistingVaultId",
        "adobe-cmk:journeyAnalyticsExistingKeyId is in https://cja-vault.vault.azure.net",
        "the same vault",
    )


def test_journey_analytics_key_id_must_be_versioned():
    error = error_of(
        journeyAnalyticsKey=True,
        journeyAnalyticsExistingKeyId=CJA_KEY_ID.rsplit("/", 1)[0],
        journeyAnalyticsExistingVaultId=CJA_VAULT_ID,
    )
    assert_names(error, "journeyAnalyticsExistingKeyId", "no version")


def test_journey_analytics_vault_name_is_refused_with_a_brought_key():
    error = error_of(journeyAnalyticsKey=True, journeyAnalyticsVaultName="contoso-cja", **CJA_BYOK)
    assert_names(error, "journeyAnalyticsVaultName", "adobe-cmk:journeyAnalyticsExistingKeyId")


def test_journey_analytics_managed_hsm_key_is_refused_when_the_program_grants_access():
    hsm = {"journeyAnalyticsExistingKeyId": HSM_KEY_ID, "journeyAnalyticsExistingVaultId": HSM_ID}
    error = error_of(journeyAnalyticsKey=True, **hsm)
    assert_names(error, "journeyAnalyticsExistingKeyId", "Managed HSM", "servicePrincipal none")
    settings = build(journeyAnalyticsKey=True, servicePrincipal="none", **hsm)
    assert settings.journey_analytics is not None
    assert settings.journey_analytics.existing_key is not None
    assert settings.journey_analytics.existing_key.managed_hsm


def test_journey_analytics_makes_an_otherwise_offline_stack_use_azure():
    """The support request needs the tenant: a stack with Adobe's access managed elsewhere and
    both keys brought still asks Azure for the deploying identity's tenant."""
    offline = {**PLATFORM_BYOK, "servicePrincipal": "none", "location": None}
    assert not build(**offline).uses_azure
    assert build(journeyAnalyticsKey=True, **offline, **CJA_BYOK).uses_azure


def test_platform_existing_key_errors_still_name_the_platform_pair():
    error = error_of(existingKeyId=KEY_ID)
    assert_names(error, "existingVaultId", "adobe-cmk:existingKeyId is set")


def test_journey_analytics_with_a_managed_hsm_platform_key_needs_a_brought_key():
    hsm = {"managedHsmUri": "https://hsm-shared.managedhsm.azure.net"}
    error = error_of(journeyAnalyticsKey=True, **hsm)
    assert_names(error, "journeyAnalyticsExistingKeyId", "Managed HSM", "no resource group")
    settings = build(journeyAnalyticsKey=True, **hsm, **CJA_BYOK)
    assert settings.journey_analytics is not None
    assert settings.journey_analytics.existing_key is not None
