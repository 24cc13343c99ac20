"""The stack policies on Adobe's access (its role assignment, protection), through the analyzer.

How the analyzer is driven, and the stacks it is given: :mod:`tests.policy_analyzer`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mocks import (
    ADOBE_APP_ID,
    APP,
    BYOK,
    GROUP,
    KEY,
    ROLE,
    SP,
    VAULT,
    AzureMocks,
    run_main,
    valid_config,
)
from tests.policy_analyzer import (
    UNKNOWN,
    Analyzer,
    Resource,
    Stack,
    first_preview,
    restricted_stack,
    running_analyzer,
)

CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
EXISTING_PRINCIPAL = "0f0f0f0f-1111-2222-3333-444444444444"
BYO_KEY_ID = "https://byo-vault.vault.azure.net/keys/byo-key/0123456789abcdef0123456789abcdef"
BYO_VAULT_ID = (
    "/subscriptions/77777777-0000-0000-0000-000000000007/resourceGroups/byo-rg/providers/"
    "Microsoft.KeyVault/vaults/byo-vault"
)
BYO_CONFIG = valid_config(existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID)


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Analyzer]:
    with running_analyzer() as pack:
        yield pack


@pytest.fixture
def stack() -> Stack:
    """A copy of the compliant restricted stack, for one test to break."""
    return restricted_stack()


# --- Adobe's role assignment -------------------------------------------------------------------


def test_adobe_role_assignment_rejects_other_role(analyzer, stack):
    role = stack.one(ROLE)
    other = role.inputs["roleDefinitionId"].replace(
        CRYPTO_SERVICE_ENCRYPTION_USER, KEY_VAULT_CRYPTO_USER
    )
    role.set("roleDefinitionId", other)
    (diagnostic,) = analyzer.check(stack).only("adobe-role-assignment")
    assert f"grants {other}" in diagnostic.message
    assert diagnostic.urn == role.urn


def test_adobe_role_assignment_rejects_user_principal_type(analyzer, stack):
    stack.one(ROLE).set("principalType", "User")
    (diagnostic,) = analyzer.check(stack).only("adobe-role-assignment")
    assert "principalType User" in diagnostic.message


def test_adobe_role_assignment_rejects_unset_principal_type(analyzer, stack):
    """The replication-lag guard (a new service principal may not be replicated yet when the role
    is assigned): the message says why the principal type matters."""
    stack.one(ROLE).remove("principalType")
    (diagnostic,) = analyzer.check(stack).only("adobe-role-assignment")
    assert "principalType unset; set principal_type='ServicePrincipal'" in diagnostic.message
    assert "may not be replicated yet" in diagnostic.message
    assert "PrincipalNotFound" in diagnostic.message
    assert diagnostic.urn == stack.one(ROLE).urn


def test_adobe_role_assignment_rejects_unset_principal_type_for_existing_principal(analyzer):
    """A looked-up service principal's assignment is Adobe's too (it depends on Adobe's app)."""
    existing = Stack.of(
        run_main(
            valid_config(servicePrincipal="existing"),
            mocks=AzureMocks(service_principals={ADOBE_APP_ID: EXISTING_PRINCIPAL}),
        )
    )
    existing.one(ROLE).remove("principalType")
    (diagnostic,) = analyzer.check(existing).only("adobe-role-assignment")
    assert "principalType unset" in diagnostic.message


def test_adobe_role_assignment_skips_principal_type_unknown_in_preview(analyzer, stack):
    stack.one(ROLE).set("principalType", UNKNOWN)
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_adobe_role_assignment_ignores_assignments_of_other_principals(analyzer, stack):
    """A role assignment that neither serves Adobe's app nor grants its role is not Adobe's."""
    role = stack.one(ROLE)
    stack.resources.append(
        Resource(
            type=ROLE,
            name="deployer-crypto-officer",
            urn=role.urn.replace("adobe-cmk-crypto-user", "deployer-crypto-officer"),
            inputs={
                "principalId": "99999999-8888-7777-6666-555555555555",
                "principalType": "User",
                "roleDefinitionId": role.inputs["roleDefinitionId"].replace(
                    CRYPTO_SERVICE_ENCRYPTION_USER, "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"
                ),
                "scope": role.inputs["scope"],
            },
            outputs={},
            custom=True,
            protect=False,
            parent=role.parent,
            dependencies=[stack.one(VAULT).urn],
        )
    )
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


# --- protection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "role"),
    [
        (VAULT, "vault"),
        (KEY, "key"),
        (GROUP, "resource group (holding a vault)"),
        (SP, "Adobe's service principal"),
        (ROLE, "Adobe's role assignment"),
        (BYOK, "BYOK configuration"),
    ],
    ids=["vault", "key", "resource-group", "service-principal", "role-assignment", "byok-config"],
)
def test_adobe_access_protected_rejects_unprotected_resource(analyzer, stack, type_, role):
    resource = stack.one(type_)
    resource.protect = False
    (diagnostic,) = analyzer.check(stack).only("adobe-access-protected")
    assert f"{role} {resource.name} is not protected" in diagnostic.message
    assert diagnostic.urn == resource.urn


def test_adobe_access_protected_rejects_program_with_protect_false(analyzer):
    run = run_main(valid_config(protect=False))
    unprotected = Stack.of(run)
    diagnostics = analyzer.check(unprotected).only("adobe-access-protected")
    expected = {unprotected.one(t).urn for t in (GROUP, VAULT, KEY, SP, ROLE, BYOK)}
    assert {d.urn for d in diagnostics} == expected


def test_adobe_access_protected_leaves_app_registration_alone(analyzer, stack):
    """The app registration is a lookup of Adobe's application: losing it cuts nobody off."""
    stack.one(APP).protect = False
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


# --- where Adobe's role is granted -------------------------------------------------------------


def _scopes(vault_id: str) -> dict[str, tuple[str, str]]:
    """Scopes other than the stack's vault and key, with what the message calls each."""
    subscription, group = vault_id.split("/providers/", 1)[0].rsplit("/resourceGroups/", 1)
    vault = vault_id.rsplit("/", 1)[1]
    return {
        "root": ("/", "the root scope"),
        "subscription": (subscription, "a whole subscription"),
        "resource-group": (f"{subscription}/resourceGroups/{group}", "a whole resource group"),
        "another-vault": (
            vault_id.replace(f"/vaults/{vault}", "/vaults/elsewhere-vault"),
            "vault elsewhere-vault, which this stack neither declares nor brings",
        ),
        "vault-name-as-prefix": (f"{vault_id}x", f"vault {vault}x, which this stack neither"),
        "same-name-in-another-group": (
            vault_id.replace(f"/resourceGroups/{group}/", "/resourceGroups/other-rg/"),
            f"vault {vault}, which this stack neither declares nor brings",
        ),
        "another-key-of-the-vault": (
            f"{vault_id}/keys/another-key",
            f"key another-key of vault {vault}, which this stack does not declare",
        ),
        "keys-without-separator": (f"{vault_id}/keysadobe-cmk", "not a vault or a key of one"),
        "below-the-key": (f"{vault_id}/keys/adobe-cmk/versions", "not a vault or a key of one"),
        "trailing-slash": (f"{vault_id}/", "not a vault or a key of one"),
    }


@pytest.mark.parametrize("case", sorted(_scopes(BYO_VAULT_ID)))
def test_adobe_role_assignment_rejects_scope_other_than_the_stacks_vault_or_key(
    analyzer, stack, case
):
    role = stack.one(ROLE)
    scope, what = _scopes(role.inputs["scope"])[case]
    role.set("scope", scope)
    (diagnostic,) = analyzer.check(stack).only("adobe-role-assignment")
    assert f"is at scope {scope}, " in diagnostic.message and what in diagnostic.message
    assert "on this stack's vault or key only" in diagnostic.message
    assert diagnostic.urn == role.urn


def test_adobe_role_assignment_accepts_the_stacks_key_and_any_letter_case(analyzer, stack):
    """ARM ids compare case-insensitively; the key scope is the vault's id and /keys/<key>."""
    role = stack.one(ROLE)
    role.set("scope", f"{role.inputs['scope']}/keys/{stack.one(KEY).outputs['keyName']}".upper())
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_adobe_role_assignment_accepts_scope_unknown_from_the_stacks_vault(analyzer, stack):
    """A first preview: the scope is the id of a vault not created yet."""
    role = stack.one(ROLE)
    role.set("scope", UNKNOWN)
    assert stack.one(VAULT).urn in role.dependencies
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_adobe_role_assignment_rejects_scope_unknown_from_no_vault_or_key(analyzer, stack):
    role = stack.one(ROLE)
    role.set("scope", UNKNOWN)
    role.dependencies = [urn for urn in role.dependencies if urn != stack.one(VAULT).urn]
    (diagnostic,) = analyzer.check(stack).only("adobe-role-assignment")
    assert "scope not known yet that comes from no vault or key of this stack" in (
        diagnostic.message
    )


@pytest.fixture(scope="module")
def byo_analyzer() -> Iterator[Analyzer]:
    """The analyzer as the CLI starts it for the bring-your-own-key stack: with its config."""
    with running_analyzer(BYO_CONFIG) as pack:
        yield pack


@pytest.mark.parametrize(
    ("scope", "what"),
    [
        (
            BYO_VAULT_ID.replace("/vaults/byo-vault", "/vaults/byo-vault2"),
            "vault byo-vault2, which this stack neither declares nor brings (its vaults: "
            "byo-vault)",
        ),
        (
            BYO_VAULT_ID.replace("/byo-rg/", "/other-rg/"),
            "vault byo-vault, which this stack neither declares nor brings",
        ),
        (f"{BYO_VAULT_ID}/keys/other-key", "key other-key of vault byo-vault"),
        (BYO_VAULT_ID.split("/resourceGroups/")[0], "a whole subscription"),
    ],
    ids=["another-vault", "another-group", "another-key", "subscription"],
)
def test_adobe_role_assignment_holds_a_brought_key_to_its_settings(byo_analyzer, scope, what):
    """A brought vault is no resource of the stack: its settings (existingVaultId with
    existingKeyId), which the CLI hands the pack, say where it is, whole id compared."""
    brought = Stack.of(run_main(BYO_CONFIG))
    role = brought.one(ROLE)
    assert role.inputs["scope"] == BYO_VAULT_ID, role.urn
    role.set("scope", scope)
    (diagnostic,) = byo_analyzer.check(brought).only("adobe-role-assignment")
    assert what in diagnostic.message


def test_adobe_role_assignment_accepts_the_brought_key_itself(byo_analyzer):
    brought = Stack.of(run_main(BYO_CONFIG))
    brought.one(ROLE).set("scope", f"{BYO_VAULT_ID}/keys/byo-key".lower())
    verdict = byo_analyzer.check(brought)
    assert verdict.diagnostics == [], verdict.describe()


def test_adobe_role_assignment_refuses_a_brought_vault_the_settings_do_not_name(analyzer):
    """Without the stack's settings, a vault the stack does not declare is nobody's."""
    verdict = analyzer.check(Stack.of(run_main(BYO_CONFIG)))
    # The BYOK configuration names that vault too, which no setting brings either.
    assert verdict.policies == {"adobe-role-assignment", "byok-config-key-declared"}
    (diagnostic,) = [d for d in verdict.diagnostics if d.policy == "adobe-role-assignment"]
    assert "vault byo-vault, which this stack neither declares nor brings" in diagnostic.message


def test_adobe_role_assignment_rejects_first_preview_scope_of_another_vault(analyzer, stack):
    """At a first preview the vault's outputs name no vault (any vault could be it): the name it
    was registered with tells the stack's vault from another."""
    role = stack.one(ROLE)
    scope, what = _scopes(role.inputs["scope"])["another-vault"]
    first_preview(stack)
    role.set("scope", scope)
    (diagnostic,) = analyzer.check(stack).only("adobe-role-assignment")
    assert what in diagnostic.message and diagnostic.urn == role.urn


def test_adobe_role_assignment_accepts_first_preview_scope_of_the_stacks_vault(analyzer, stack):
    vault = stack.one(VAULT)
    scope = stack.one(ROLE).outputs["scope"]
    first_preview(stack)
    assert vault.outputs["name"] == UNKNOWN and scope.lower().endswith(
        f"/vaults/{vault.inputs['vaultName']}".lower()
    )
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_adobe_role_assignment_skips_an_assignment_left_out_of_the_run(analyzer, stack):
    """``--exclude`` on a first up: the assignment reaches the pack with no properties."""
    role = stack.one(ROLE)
    role.inputs, role.outputs = {}, {}
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()
