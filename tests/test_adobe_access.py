"""AdobeKeyAccess under mocks: the service principal of Adobe's app (create / existing / none) and
its role assignment, read from the registration requests of ``__main__.py``."""

from __future__ import annotations

import uuid

import pulumi
import pytest

from components.adobe_access import role_assignment_name
from tests.mocks import (
    ADOBE_APP_ID,
    GET_SERVICE_PRINCIPAL,
    KEY,
    ROLE,
    SP,
    SUBSCRIPTION_ID,
    TENANT_ID,
    VAULT,
    AzureMocks,
    run_main,
    valid_config,
)

ROLE_GUID = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
BYO_SUBSCRIPTION = "77777777-0000-0000-0000-000000000007"
BYO_VAULT_ID = (
    f"/subscriptions/{BYO_SUBSCRIPTION}/resourceGroups/byo-rg/providers/Microsoft.KeyVault/"
    "vaults/byo-vault"
)
BYO_KEY_ID = "https://byo-vault.vault.azure.net/keys/byo-key/0123456789abcdef0123456789abcdef"
CONSENTED_OBJECT_ID = "12121212-3434-5656-7878-909090909090"


@pytest.fixture(scope="module")
def default_run():
    return run_main()


def test_service_principal_is_created_for_adobes_app_adopting_a_consented_one(default_run):
    sp = default_run.one(SP)
    assert sp.inputs["clientId"] == ADOBE_APP_ID, sp.urn
    assert sp.inputs["useExisting"] is True, f"{sp.urn}: a consent done earlier must be adopted"


def test_role_assignment_grants_crypto_service_encryption_user_on_the_vault(default_run):
    role, vault = default_run.one(ROLE), default_run.one(VAULT)
    assert role.inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{ROLE_GUID}"
    ), role.urn
    assert role.inputs["scope"] == vault.id, role.urn


def test_role_assignment_is_for_the_service_principal_by_type(default_run):
    role, sp = default_run.one(ROLE), default_run.one(SP)
    assert role.inputs["principalId"] == sp.outputs["objectId"], role.urn
    assert role.inputs["principalType"] == "ServicePrincipal", f"{role.urn}: Entra replication"
    assert sp.urn in role.dependencies, role.urn


def test_role_assignment_name_is_derived_from_scope_principal_and_role(default_run):
    role = default_run.one(ROLE)
    expected = role_assignment_name(
        role.inputs["scope"], role.inputs["principalId"], role.inputs["roleDefinitionId"]
    )
    assert role.inputs["roleAssignmentName"] == expected, role.urn
    assert uuid.UUID(expected).version == 5, role.urn
    again = run_main().one(ROLE)
    assert again.inputs["roleAssignmentName"] == expected, f"{role.urn}: not stable across runs"


def test_role_assignment_name_ignores_letter_case_but_not_scope():
    name = role_assignment_name("/Sub/Vault", "ABC", "/Role")
    assert name == role_assignment_name("/sub/vault", "abc", "/role")
    assert name != role_assignment_name("/sub/vault/keys/k", "abc", "/role")


def test_role_assignment_can_be_scoped_to_the_key():
    run = run_main(valid_config(roleScope="key"))
    role, key = run.one(ROLE), run.one(KEY)
    assert role.inputs["scope"] == key.id, role.urn
    assert role.inputs["scope"].endswith("/keys/adobe-cmk"), role.urn


def test_existing_service_principal_is_looked_up_not_created():
    mocks = AzureMocks(service_principals={ADOBE_APP_ID: CONSENTED_OBJECT_ID})
    run = run_main(valid_config(servicePrincipal="existing"), mocks=mocks)
    assert run.of_type(SP) == [], [r.urn for r in run.of_type(SP)]
    lookups = run.invoked(GET_SERVICE_PRINCIPAL)
    assert [call.args.get("clientId") for call in lookups] == [ADOBE_APP_ID]
    role = run.one(ROLE)
    assert role.inputs["principalId"] == CONSENTED_OBJECT_ID, role.urn
    assert run.stack_outputs["servicePrincipalObjectId"] == CONSENTED_OBJECT_ID


def test_existing_service_principal_missing_fails_with_the_tenant_consent_url():
    with pytest.raises(pulumi.RunError) as caught:
        run_main(valid_config(servicePrincipal="existing"))
    message = str(caught.value)
    assert "\n" not in message, message
    assert "adobe-cmk:servicePrincipal" in message, message
    assert f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/authorize" in message, message
    assert "select Accept" in message, message


def test_service_principal_none_declares_no_access():
    run = run_main(valid_config(servicePrincipal="none"))
    assert run.of_type(SP) == [] and run.of_type(ROLE) == [], run.types()
    assert run.stack_outputs["servicePrincipalObjectId"] is None
    assert run.stack_outputs["roleAssignmentId"] is None


def test_role_on_an_existing_vault_uses_the_vaults_subscription():
    run = run_main(valid_config(existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID))
    role = run.one(ROLE)
    assert role.inputs["scope"] == BYO_VAULT_ID, role.urn
    assert role.inputs["roleDefinitionId"].startswith(f"/subscriptions/{BYO_SUBSCRIPTION}/"), (
        f"{role.urn}: the role must be referenced in the vault's subscription"
    )


def test_role_on_an_existing_key_scope_is_the_keys_arm_id():
    config = valid_config(existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID, roleScope="key")
    role = run_main(config).one(ROLE)
    assert role.inputs["scope"] == f"{BYO_VAULT_ID}/keys/byo-key", role.urn
