"""The whole program, ``__main__.py`` run through ``runpy`` under mocks exactly as ``pulumi up``
runs it: the resource graph, its dependencies, protect/retain flags, the BYOK configuration's
inputs, the stack outputs, bring-your-own-key and the offline stack."""

from __future__ import annotations

import base64
from typing import Any

import pulumi
import pytest

from components.settings import SettingsError
from tests.mocks import (
    ADOBE_APP_ID,
    APP,
    BYOK,
    CLIENT_ID,
    CLIENT_SECRET,
    GET_CLIENT_CONFIG,
    GET_SERVICE_PRINCIPAL,
    GROUP,
    KEY,
    ORG_ID,
    ROLE,
    SP,
    TENANT_ID,
    TOP,
    VAULT,
    AzureMocks,
    run_main,
    valid_config,
)

#: What cuts Adobe off from the key if deleted or replaced (docs/runbooks.md).
HOLDS_ACCESS = (GROUP, VAULT, KEY, SP, ROLE, BYOK)

BYO_KEY_ID = "https://byo-vault.vault.azure.net/keys/byo-key/0123456789abcdef0123456789abcdef"
BYO_SUBSCRIPTION = "77777777-0000-0000-0000-000000000007"
BYO_VAULT_ID = (
    f"/subscriptions/{BYO_SUBSCRIPTION}/resourceGroups/byo-rg/providers/"
    "Microsoft.KeyVault/vaults/byo-vault"
)


@pytest.fixture(scope="module")
def default_run():
    return run_main()


def test_program_declares_the_design_graph(default_run):
    assert sorted(default_run.types()) == sorted([GROUP, VAULT, KEY, SP, ROLE, APP, BYOK])


def test_program_children_hang_under_one_top_level_component(default_run):
    top = default_run.one(TOP)
    for registration in default_run.registrations:
        ancestor = registration
        while ancestor.parent and ancestor is not top:
            ancestor = default_run.by_urn(ancestor.parent)
        assert ancestor is top, f"{registration.urn} is not under {top.urn}"


def test_app_registration_waits_for_nothing_of_azures(default_run):
    app = default_run.one(APP)
    assert app.dependencies == (), f"{app.urn} depends on {app.dependencies}"
    assert {k: v for k, v in app.inputs.items() if k != "__provider"} == {
        "orgId": ORG_ID,
        "platformUrl": "https://platform.adobe.io",
        "apiGeneration": "current",
    }, app.urn


def test_byok_config_waits_for_the_role_assignment_and_the_key(default_run):
    byok = default_run.one(BYOK)
    role, key = default_run.one(ROLE), default_run.one(KEY)
    assert role.urn in byok.dependencies, f"{byok.urn} does not wait for {role.urn}"
    assert key.urn in byok.dependencies, f"{byok.urn} does not wait for {key.urn}"


def test_byok_config_takes_the_versioned_key_identifier(default_run):
    byok, key = default_run.one(BYOK), default_run.one(KEY)
    assert byok.inputs["keyIdentifier"] == key.outputs["keyUriWithVersion"], byok.urn
    assert byok.inputs["keyIdentifier"] != key.outputs["keyUri"], byok.urn


def test_byok_config_inputs_come_from_the_settings():
    config = valid_config(
        configName="Cmk_Prod",
        waitTimeoutMinutes=30,
        apiGeneration="beta",
        region="nld2",
        failedResends=1,
    )
    byok = run_main(config).one(BYOK)
    assert {k: v for k, v in byok.inputs.items() if k not in ("__provider", "keyIdentifier")} == {
        "orgId": ORG_ID,
        "platformUrl": "https://platform-nld2.adobe.io",
        "configName": "Cmk_Prod",
        "apiGeneration": "beta",
        "waitTimeoutMinutes": 30,
        "failedResends": 1,
    }, byok.urn


def test_resources_holding_adobes_access_are_protected(default_run):
    for type_ in HOLDS_ACCESS:
        registration = default_run.one(type_)
        assert registration.protect, f"{registration.urn} is not protected"
    app = default_run.one(APP)
    assert not app.protect, f"{app.urn}: nothing is lost by deleting it"


def test_service_principal_and_configuration_are_retained_on_delete(default_run):
    for registration in default_run.registrations:
        expected = registration.type in (SP, BYOK)
        assert registration.retain_on_delete is expected, (
            f"{registration.urn}: retainOnDelete {registration.retain_on_delete}"
        )


def test_protect_false_unprotects_everything_but_still_retains():
    run = run_main(valid_config(protect=False))
    for registration in run.registrations:
        assert not registration.protect, f"{registration.urn} is still protected"
    assert run.one(SP).retain_on_delete and run.one(BYOK).retain_on_delete, run.types()


def test_no_credential_reaches_any_resource_or_serialized_provider():
    environ = {"ADOBE_CLIENT_ID": "env-id-5150", "ADOBE_CLIENT_SECRET": "env-secret-8086"}
    run = run_main(valid_config(clientId=None, clientSecret=None), environ=environ)
    run_with_config = run_main()
    secrets = (CLIENT_ID, CLIENT_SECRET, *environ.values())
    for registration in run.registrations + run_with_config.registrations:
        text = repr(registration.inputs)
        provider = registration.inputs.get("__provider")
        if provider is not None:
            text += base64.b64decode(provider["value"]).decode("latin-1")
        for secret in secrets:
            assert secret not in text, f"{registration.urn} carries a credential"


def test_stack_outputs_name_everything_a_person_needs(default_run):
    outputs = default_run.stack_outputs
    group, vault, key, sp, role, byok = (
        default_run.one(t) for t in (GROUP, VAULT, KEY, SP, ROLE, BYOK)
    )
    assert outputs == {
        "vaultId": vault.id,
        "vaultName": vault.outputs["vaultName"],
        "vaultUri": vault.outputs["properties"]["vaultUri"],
        "resourceGroupName": group.outputs["name"],
        "keyName": key.outputs["name"],
        "keyId": key.outputs["keyUriWithVersion"],
        "keyIdVersionless": key.outputs["keyUri"],
        "keyResourceId": key.id,
        "tenantId": TENANT_ID,
        "applicationId": ADOBE_APP_ID,
        "manualConsentUrl": outputs["manualConsentUrl"],
        "servicePrincipalObjectId": sp.outputs["objectId"],
        "roleAssignmentId": role.id,
        "configName": "adobe-cmk",
        "configId": byok.outputs["configId"],
        "configStatus": "COMPLETED",
    }
    assert outputs["configId"], "Adobe's configId is empty"
    assert f"/{TENANT_ID}/oauth2/" in outputs["manualConsentUrl"], "consent URL is not the tenant's"


def test_tenant_is_not_an_input_of_the_app_registration():
    # A dynamic resource's in-place update has unknown outputs in preview, which would replace
    # the protected service principal: the tenant only words the consent URL, here.
    tenant = "99999999-8888-7777-6666-555555555555"
    run = run_main(valid_config(tenantId=tenant))
    app = run.one(APP)
    assert "tenantId" not in app.inputs, app.inputs
    assert run.stack_outputs["tenantId"] == tenant
    consent = run.stack_outputs["manualConsentUrl"]
    assert f"login.microsoftonline.com/{tenant}/oauth2/" in consent, consent
    assert f"client_id={ADOBE_APP_ID}" in consent, consent


def test_bring_your_own_key_creates_no_group_vault_or_key():
    # Deploying in the vault's subscription: nothing but the default provider.
    run = run_main(
        valid_config(existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID),
        mocks=AzureMocks(subscription_id=BYO_SUBSCRIPTION),
    )
    assert sorted(run.types()) == sorted([SP, ROLE, APP, BYOK])
    byok = run.one(BYOK)
    assert byok.inputs["keyIdentifier"] == BYO_KEY_ID, byok.urn
    assert run.stack_outputs["vaultId"] == BYO_VAULT_ID
    assert run.stack_outputs["vaultUri"] == "https://byo-vault.vault.azure.net/"
    assert run.stack_outputs["keyIdVersionless"] == BYO_KEY_ID.rsplit("/", 1)[0]
    names = {k: run.stack_outputs[k] for k in ("vaultName", "keyName", "resourceGroupName")}
    assert names == {"vaultName": "byo-vault", "keyName": "byo-key", "resourceGroupName": "byo-rg"}


def test_offline_stack_declares_and_asks_nothing_of_azure():
    config = valid_config(
        existingKeyId=BYO_KEY_ID,
        existingVaultId=BYO_VAULT_ID,
        servicePrincipal="none",
        platformUrl="http://127.0.0.1:8089",
        location=None,
    )
    run = run_main(config)
    assert sorted(run.types()) == [APP, BYOK]
    assert run.invokes == [], [call.token for call in run.invokes]
    byok = run.one(BYOK)
    assert byok.dependencies == (), f"{byok.urn} depends on {byok.dependencies}"
    assert byok.inputs["platformUrl"] == "http://127.0.0.1:8089", byok.urn
    app = run.one(APP)
    assert app.inputs.get("tenantId") is None, app.urn


def test_client_config_is_asked_once_when_azure_is_used(default_run):
    assert len(default_run.invoked(GET_CLIENT_CONFIG)) == 1, default_run.invokes


def test_invalid_setting_fails_the_preview_before_any_resource():
    mocks = AzureMocks()
    with pytest.raises(SettingsError) as caught:
        run_main(valid_config(keySize="2048"), preview=True, mocks=mocks)
    assert isinstance(caught.value, pulumi.RunError)
    assert str(caught.value).startswith("adobe-cmk:keySize"), str(caught.value)
    assert mocks.created == [], f"registered before the settings failed: {mocks.created[0].name}"
    assert run_main(preview=True, mocks=mocks) and mocks.created, "the counter counts nothing"


def test_program_previews_the_same_graph(default_run):
    assert sorted(run_main(preview=True).types()) == sorted(default_run.types())


class EchoingEntra(AzureMocks):
    """The service principal lookup fails with a reason echoing the stack's secret across the
    300th character of the invoke's error, where the program shortens Azure's reason."""

    def call(self, args: Any) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == GET_SERVICE_PRINCIPAL:
            self.calls.append(args)
            prefix = f"invoke of {GET_SERVICE_PRINCIPAL} failed: "
            return {}, [("clientId", "x" * (290 - len(prefix)) + CLIENT_SECRET + " tail")]
        return super().call(args)


def test_a_missing_service_principal_masks_azures_reason_before_cutting_it():
    with pytest.raises(pulumi.RunError) as caught:
        run_main(valid_config(servicePrincipal="existing"), mocks=EchoingEntra())
    message = str(caught.value)
    assert "adobe-cmk:servicePrincipal is 'existing'" in message, message
    assert "***" in message and CLIENT_SECRET[:5] not in message, message
