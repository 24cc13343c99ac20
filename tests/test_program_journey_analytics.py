"""The Journey Analytics key (``journeyAnalyticsKey``), ``__main__.py`` run under mocks: a second
vault and key by the Platform's rules, Adobe's second application and its role, protection, the
outputs (the support request above all), bring-your-own-key, and nothing at all when off."""

from __future__ import annotations

import pytest

from cmk_facts import CRYPTO_SERVICE_ENCRYPTION_USER, JOURNEY_ANALYTICS_APPLICATION_ID
from components.journey_analytics import support_request
from tests.mocks import (
    APP,
    BYOK,
    CLIENT_SECRET,
    GET_SERVICE_PRINCIPAL,
    GROUP,
    KEY,
    ORG_ID,
    ROLE,
    SP,
    SUBSCRIPTION_ID,
    TENANT_ID,
    VAULT,
    AzureMocks,
    ProgramRun,
    Registration,
    run_main,
    valid_config,
)
from tests.test_program import BYO_KEY_ID, BYO_VAULT_ID

CJA = "adobe-cmk:index:JourneyAnalyticsKey"
CJA_KEY_ID = "https://cja-vault.vault.azure.net/keys/cja-key/fedcba9876543210fedcba9876543210"
CJA_SUBSCRIPTION = "88888888-0000-0000-0000-000000000008"
CJA_VAULT_ID = (
    f"/subscriptions/{CJA_SUBSCRIPTION}/resourceGroups/cja-rg/providers/Microsoft.KeyVault/"
    "vaults/cja-vault"
)
CJA_BYOK = {
    "journeyAnalyticsExistingKeyId": CJA_KEY_ID,
    "journeyAnalyticsExistingVaultId": CJA_VAULT_ID,
}
#: Azure's auto-naming adds this many characters to a vault's logical name; a name has <= 24.
AUTO_NAME_SUFFIX, MAX_VAULT_NAME = 8, 24


def cja_config(**settings):
    return valid_config(journeyAnalyticsKey=True, **settings)


@pytest.fixture(scope="module")
def run() -> ProgramRun:
    return run_main(cja_config())


def in_cja(run: ProgramRun, registration: Registration) -> bool:
    """Whether ``registration`` hangs below the Journey Analytics component."""
    components = {r.urn: r for r in run.registrations if not r.custom}
    ancestor = components.get(registration.parent)
    while ancestor is not None:
        if ancestor.type == CJA:
            return True
        ancestor = components.get(ancestor.parent)
    return False


def under_cja(run: ProgramRun, type_: str) -> Registration:
    """The one ``type_`` below the Journey Analytics component."""
    found = [r for r in run.of_type(type_) if in_cja(run, r)]
    assert len(found) == 1, f"expected one {type_} under {CJA}, found {[r.urn for r in found]}"
    return found[0]


def platforms(run: ProgramRun, type_: str) -> Registration:
    """The one ``type_`` not below the Journey Analytics component."""
    found = [r for r in run.of_type(type_) if not in_cja(run, r)]
    assert len(found) == 1, f"expected one Platform {type_}, found {[r.urn for r in found]}"
    return found[0]


def test_journey_analytics_is_absent_by_default():
    run = run_main()
    assert run.of_type(CJA) == [], [r.urn for r in run.of_type(CJA)]
    assert not [k for k in run.stack_outputs if k.startswith("journeyAnalytics")]
    assert sorted(run.types()) == sorted([GROUP, VAULT, KEY, SP, ROLE, APP, BYOK])


def test_journey_analytics_adds_a_vault_key_principal_and_role(run):
    added = [VAULT, KEY, SP, ROLE]
    assert sorted(run.types()) == sorted([GROUP, APP, BYOK, *added, *added])
    for type_ in added:
        under_cja(run, type_)


def test_journey_analytics_vault_is_made_by_the_platform_vaults_rules(run):
    cja, platform = under_cja(run, VAULT), platforms(run, VAULT)
    assert cja.outputs["vaultName"] != platform.outputs["vaultName"], cja.urn
    for field in ("properties", "tags", "resourceGroupName", "location"):
        assert cja.inputs[field] == platform.inputs[field], f"{cja.urn}: {field} differs"
    assert cja.inputs["properties"]["enablePurgeProtection"] is True, cja.urn


def test_journey_analytics_vault_auto_name_fits_azures_limit(run):
    vault = under_cja(run, VAULT)
    assert "vaultName" not in vault.inputs, vault.urn
    assert len(vault.name) + AUTO_NAME_SUFFIX <= MAX_VAULT_NAME, f"{vault.name} is too long"


def test_journey_analytics_vault_name_is_the_setting():
    vault = under_cja(run_main(cja_config(journeyAnalyticsVaultName="contoso-cja")), VAULT)
    assert vault.inputs["vaultName"] == "contoso-cja", vault.urn


def test_journey_analytics_key_is_made_by_the_platform_keys_rules():
    run = run_main(cja_config(keySize=4096, keyRotationDays=365, allowedIpRanges=["203.0.113.7"]))
    cja_key, platform_key = under_cja(run, KEY), platforms(run, KEY)
    assert cja_key.inputs["properties"] == platform_key.inputs["properties"], cja_key.urn
    assert cja_key.inputs["properties"]["keySize"] == 4096, cja_key.urn
    assert cja_key.inputs["properties"]["rotationPolicy"], cja_key.urn
    assert cja_key.inputs["vaultName"] == under_cja(run, VAULT).outputs["vaultName"], cja_key.urn
    rules = under_cja(run, VAULT).inputs["properties"]["networkAcls"]
    assert rules["defaultAction"] == "Deny", rules
    assert {"value": "20.88.123.53/32"} in rules["ipRules"], rules


def test_journey_analytics_service_principal_is_adobes_second_application(run):
    sp = under_cja(run, SP)
    assert sp.inputs["clientId"] == JOURNEY_ANALYTICS_APPLICATION_ID, sp.urn
    assert sp.inputs["useExisting"] is True, sp.urn
    assert platforms(run, SP).inputs["clientId"] != JOURNEY_ANALYTICS_APPLICATION_ID


def test_journey_analytics_role_is_the_crypto_user_on_its_own_vault(run):
    role, sp, vault = under_cja(run, ROLE), under_cja(run, SP), under_cja(run, VAULT)
    assert role.inputs["scope"] == vault.id, role.urn
    assert role.inputs["principalId"] == sp.outputs["objectId"], role.urn
    assert role.inputs["principalType"] == "ServicePrincipal", role.urn
    assert role.inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{CRYPTO_SERVICE_ENCRYPTION_USER}"
    ), role.urn
    assert "Journey Analytics" in role.inputs["description"], role.urn
    assert role.inputs["roleAssignmentName"] != platforms(run, ROLE).inputs["roleAssignmentName"]


def test_journey_analytics_role_scope_key_grants_on_its_key():
    run = run_main(cja_config(roleScope="key"))
    role = under_cja(run, ROLE)
    assert role.inputs["scope"] == under_cja(run, KEY).id, role.urn
    assert "on the key," in run.stack_outputs["journeyAnalyticsSupportRequest"]


def test_journey_analytics_resources_are_protected_like_the_platforms(run):
    for type_ in (VAULT, KEY, SP, ROLE):
        registration = under_cja(run, type_)
        assert registration.protect, f"{registration.urn} is not protected"
        assert registration.retain_on_delete is (type_ == SP), registration.urn
    unprotected = run_main(cja_config(protect=False))
    for type_ in (VAULT, KEY, SP, ROLE):
        assert not under_cja(unprotected, type_).protect, under_cja(unprotected, type_).urn


def test_journey_analytics_outputs(run):
    key, role = under_cja(run, KEY), under_cja(run, ROLE)
    outputs = {k: v for k, v in run.stack_outputs.items() if k.startswith("journeyAnalytics")}
    assert outputs == {
        "journeyAnalyticsVaultName": under_cja(run, VAULT).outputs["vaultName"],
        "journeyAnalyticsKeyId": key.outputs["keyUriWithVersion"],
        "journeyAnalyticsApplicationId": JOURNEY_ANALYTICS_APPLICATION_ID,
        "journeyAnalyticsRoleAssignmentId": role.id,
        "journeyAnalyticsConsentUrl": (
            f"https://login.microsoftonline.com/{TENANT_ID}/adminconsent"
            f"?client_id={JOURNEY_ANALYTICS_APPLICATION_ID}"
        ),
        "journeyAnalyticsSupportRequest": outputs["journeyAnalyticsSupportRequest"],
    }


def test_journey_analytics_support_request_carries_what_adobe_asks_for(run):
    request = run.stack_outputs["journeyAnalyticsSupportRequest"]
    key_id = under_cja(run, KEY).outputs["keyUriWithVersion"]
    lines = request.splitlines()
    assert f"IMS organisation id: {ORG_ID}" in lines, request
    assert f"Azure tenant id: {TENANT_ID}" in lines, request
    assert f"Key identifier: {key_id}" in lines, request
    assert "Customer Journey Analytics and Adobe Journey Optimizer" in request
    assert "Key Vault Crypto Service Encryption User on the key's vault" in request
    assert platforms(run, KEY).outputs["keyUriWithVersion"] not in request
    assert CLIENT_SECRET not in request


def test_journey_analytics_leaves_the_platform_configuration_alone(run):
    byok = run.one(BYOK)
    assert byok.inputs["keyIdentifier"] == platforms(run, KEY).outputs["keyUriWithVersion"]
    assert run.stack_outputs["keyId"] == platforms(run, KEY).outputs["keyUriWithVersion"]


def test_journey_analytics_existing_principal_is_looked_up_not_created():
    principal = "0e0e0e0e-1111-2222-3333-444444444444"
    mocks = AzureMocks(
        service_principals={
            "e463a445-c6ac-4ca2-b36a-b5146fcf6a52": "0f0f0f0f-1111-2222-3333-444444444444",
            JOURNEY_ANALYTICS_APPLICATION_ID: principal,
        }
    )
    run = run_main(cja_config(servicePrincipal="existing"), mocks=mocks)
    assert run.of_type(SP) == [], [r.urn for r in run.of_type(SP)]
    asked = [call.args.get("clientId") for call in run.invoked(GET_SERVICE_PRINCIPAL)]
    assert JOURNEY_ANALYTICS_APPLICATION_ID in asked, asked
    assert under_cja(run, ROLE).inputs["principalId"] == principal


def test_journey_analytics_missing_existing_principal_names_the_consent_url():
    mocks = AzureMocks(
        service_principals={
            "e463a445-c6ac-4ca2-b36a-b5146fcf6a52": "0f0f0f0f-1111-2222-3333-444444444444"
        }
    )
    with pytest.raises(Exception) as caught:
        run_main(cja_config(servicePrincipal="existing"), mocks=mocks)
    message = str(caught.value)
    assert JOURNEY_ANALYTICS_APPLICATION_ID in message, message
    assert f"/{TENANT_ID}/adminconsent?client_id={JOURNEY_ANALYTICS_APPLICATION_ID}" in message


def test_journey_analytics_with_access_managed_elsewhere_declares_no_grant():
    run = run_main(cja_config(servicePrincipal="none"))
    assert sorted(run.types()) == sorted([GROUP, VAULT, KEY, APP, BYOK, VAULT, KEY])
    assert run.stack_outputs["journeyAnalyticsRoleAssignmentId"] is None
    assert run.stack_outputs["journeyAnalyticsSupportRequest"].count("Key identifier: https://")


def test_journey_analytics_brought_key_creates_no_vault():
    run = run_main(cja_config(**CJA_BYOK))
    assert sorted(run.types()) == sorted([GROUP, VAULT, KEY, SP, ROLE, APP, BYOK, SP, ROLE])
    role = under_cja(run, ROLE)
    assert role.inputs["scope"] == CJA_VAULT_ID, role.urn
    assert role.inputs["roleDefinitionId"].startswith(f"/subscriptions/{CJA_SUBSCRIPTION}/")
    assert run.stack_outputs["journeyAnalyticsKeyId"] == CJA_KEY_ID
    assert run.stack_outputs["journeyAnalyticsVaultName"] == "cja-vault"


def test_journey_analytics_and_platform_both_brought():
    config = cja_config(existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID, **CJA_BYOK)
    run = run_main(config, mocks=AzureMocks(subscription_id=BYO_VAULT_ID.split("/")[2]))
    assert sorted(run.types()) == sorted([SP, ROLE, APP, BYOK, SP, ROLE])
    assert platforms(run, ROLE).inputs["scope"] == BYO_VAULT_ID
    assert under_cja(run, ROLE).inputs["scope"] == CJA_VAULT_ID
    assert run.one(BYOK).inputs["keyIdentifier"] == BYO_KEY_ID


def test_journey_analytics_previews_the_same_graph(run):
    preview = run_main(cja_config(), preview=True)
    assert sorted(preview.types()) == sorted(run.types())


def test_support_request_words_a_managed_hsm_role():
    text = support_request(
        org_id=ORG_ID,
        tenant_id=TENANT_ID,
        key_id=CJA_KEY_ID,
        granted_on="the key",
        managed_hsm=True,
    )
    assert "the role Managed HSM Crypto Service Encryption User on the key," in text, text


def test_journey_analytics_next_to_a_managed_hsm_platform_key():
    hsm = "https://hsm-shared.managedhsm.azure.net"
    run = run_main(cja_config(managedHsmUri=hsm, **CJA_BYOK))
    assert run.of_type(VAULT) == [] and run.of_type(KEY) == [], run.types()
    role = under_cja(run, ROLE)
    assert role.inputs["scope"] == CJA_VAULT_ID, role.urn
    assert under_cja(run, SP).inputs["clientId"] == JOURNEY_ANALYTICS_APPLICATION_ID
    assert run.stack_outputs["journeyAnalyticsKeyId"] == CJA_KEY_ID
