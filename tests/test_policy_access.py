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
    restricted_stack,
    running_analyzer,
)

CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
EXISTING_PRINCIPAL = "0f0f0f0f-1111-2222-3333-444444444444"


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
