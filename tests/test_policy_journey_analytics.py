"""The policy pack on the Journey Analytics set (``journeyAnalyticsKey``), through the analyzer:
the second application's grant is Adobe's (role, principal type, protection), its vault and key
meet every rule, and it may not be granted on the Experience Platform key's vault.

How the analyzer is driven, and the stacks it is given: :mod:`tests.policy_analyzer`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from cmk_facts import JOURNEY_ANALYTICS_APPLICATION_ID
from tests.mocks import BYOK, KEY, ROLE, SP, VAULT, run_main, valid_config
from tests.policy_analyzer import (
    UNKNOWN,
    Analyzer,
    Resource,
    Stack,
    first_preview,
    running_analyzer,
)
from tests.test_program import BYO_KEY_ID, BYO_VAULT_ID
from tests.test_program_journey_analytics import CJA_BYOK

CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Analyzer]:
    with running_analyzer() as pack:
        yield pack


@functools.cache
def _cja_stack() -> Stack:
    return Stack.of(
        run_main(valid_config(journeyAnalyticsKey=True, allowedIpRanges=["203.0.113.0/24"]))
    )


@pytest.fixture
def stack() -> Stack:
    """A copy of the compliant stack with both keys, for one test to break."""
    return _cja_stack().copy()


def cja(stack: Stack, type_: str) -> Resource:
    """The Journey Analytics set's ``type_``: its service principal (Adobe's second application),
    the role assignment that depends on it, its vault (auto-named ``adobe-cja-vault…``) or the
    key in that vault."""
    if type_ in (SP, ROLE):
        (anchor,) = [r.urn for r in stack.resources if r.type == SP and _is_cja_sp(r)]
    else:
        (anchor,) = [
            r.urn
            for r in stack.resources
            if r.type == VAULT and r.outputs["vaultName"].startswith("adobe-cja-vault")
        ]
    found = [
        r
        for r in stack.resources
        if r.type == type_ and (r.urn == anchor or anchor in r.dependencies)
    ]
    assert len(found) == 1, f"expected one Journey Analytics {type_}: {[r.urn for r in found]}"
    return found[0]


def platform(stack: Stack, type_: str) -> Resource:
    journey = cja(stack, type_)
    (found,) = [r for r in stack.resources if r.type == type_ and r is not journey]
    return found


def _is_cja_sp(resource: Resource) -> bool:
    return resource.inputs.get("clientId") == JOURNEY_ANALYTICS_APPLICATION_ID


def test_journey_analytics_stack_passes_every_policy(analyzer, stack):
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_journey_analytics_role_with_another_role_is_refused(analyzer, stack):
    """Without the crypto role, only its principal (Adobe's second application) makes the grant
    Adobe's."""
    role = cja(stack, ROLE)
    other = role.inputs["roleDefinitionId"].replace(
        CRYPTO_SERVICE_ENCRYPTION_USER, KEY_VAULT_CRYPTO_USER
    )
    role.set("roleDefinitionId", other)
    (diagnostic,) = analyzer.check(stack).only("adobe-role-assignment")
    assert f"grants {other}" in diagnostic.message
    assert diagnostic.urn == role.urn


def test_journey_analytics_role_with_user_principal_type_is_refused(analyzer, stack):
    role = cja(stack, ROLE)
    role.set("principalType", "User")
    (diagnostic,) = analyzer.check(stack).only("adobe-role-assignment")
    assert "principalType User" in diagnostic.message
    assert diagnostic.urn == role.urn


@pytest.mark.parametrize(
    ("type_", "role"),
    [
        (VAULT, "vault"),
        (KEY, "key"),
        (SP, "Adobe's service principal"),
        (ROLE, "Adobe's role assignment"),
    ],
    ids=["vault", "key", "service-principal", "role-assignment"],
)
def test_journey_analytics_unprotected_resource_is_refused(analyzer, stack, type_, role):
    resource = cja(stack, type_)
    resource.protect = False
    (diagnostic,) = analyzer.check(stack).only("adobe-access-protected")
    assert f"{role} {resource.name} is not protected" in diagnostic.message
    assert diagnostic.urn == resource.urn


def test_journey_analytics_vault_without_purge_protection_is_refused(analyzer, stack):
    vault = cja(stack, VAULT)
    vault.set("properties.enablePurgeProtection", False)
    (diagnostic,) = analyzer.check(stack).only("vault-purge-protection")
    assert f"vault {vault.name}" in diagnostic.message


def test_journey_analytics_key_without_adobes_operations_is_refused(analyzer, stack):
    cja(stack, KEY).set("properties.keyOps", ["encrypt", "decrypt"])
    assert analyzer.check(stack).only("adobe-key-operations")


def test_journey_analytics_grant_on_the_platform_vault_is_refused(analyzer, stack):
    role, platform_vault = cja(stack, ROLE), platform(stack, VAULT)
    role.set("scope", platform(stack, ROLE).inputs["scope"])  # the Platform vault's id
    (diagnostic,) = analyzer.check(stack).only("journey-analytics-vault-separate")
    assert f"vault {platform_vault.outputs['vaultName'].lower()}" in diagnostic.message
    assert "a vault of its own" in diagnostic.message
    assert diagnostic.urn == role.urn


def test_journey_analytics_grant_on_a_platform_key_is_refused(analyzer, stack):
    role = cja(stack, ROLE)
    role.set("scope", f"{platform(stack, ROLE).inputs['scope']}/keys/adobe-cmk")
    (diagnostic,) = analyzer.check(stack).only("journey-analytics-vault-separate")
    assert diagnostic.urn == role.urn


def test_journey_analytics_grant_depending_on_the_platform_vault_is_refused_in_preview(
    analyzer, stack
):
    """A first preview knows no ids: the graph says which vault the grant is on."""
    role = cja(stack, ROLE)
    role.set("scope", UNKNOWN)
    role.dependencies = [d for d in role.dependencies if d != cja(stack, VAULT).urn]
    role.dependencies.append(platform(stack, VAULT).urn)
    (diagnostic,) = analyzer.check(stack).only("journey-analytics-vault-separate")
    assert platform(stack, VAULT).name in diagnostic.message


def test_journey_analytics_brought_keys_in_one_vault_are_refused():
    config = valid_config(
        journeyAnalyticsKey=True, existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID, **CJA_BYOK
    )
    stack = Stack.of(run_main(config))
    with running_analyzer(config) as analyzer:
        compliant = analyzer.check(stack)
        assert compliant.diagnostics == [], compliant.describe()
        role = cja(stack, ROLE)
        assert role.inputs["scope"] != BYO_VAULT_ID, role.urn
        role.set("scope", BYO_VAULT_ID)
        (diagnostic,) = analyzer.check(stack).only("journey-analytics-vault-separate")
    assert "vault byo-vault" in diagnostic.message


def test_journey_analytics_grant_on_a_vault_other_than_its_brought_one_is_refused():
    """The brought Journey Analytics vault is where its settings say, whole id compared."""
    config = valid_config(journeyAnalyticsKey=True, **CJA_BYOK)
    stack = Stack.of(run_main(config))
    brought = CJA_BYOK["journeyAnalyticsExistingVaultId"]
    with running_analyzer(config) as analyzer:
        compliant = analyzer.check(stack)
        assert compliant.diagnostics == [], compliant.describe()
        role = cja(stack, ROLE)
        assert role.inputs["scope"] == brought, role.urn
        role.set("scope", brought.replace("/vaults/", "/vaults/not-"))
        (diagnostic,) = analyzer.check(stack).only("adobe-role-assignment")
    assert "which this stack neither declares nor brings" in diagnostic.message
    assert diagnostic.urn == role.urn


def test_journey_analytics_grant_on_the_platform_vault_is_refused_at_a_first_preview(
    analyzer, stack
):
    """A first preview: the BYOK configuration's identifier is not known, the key it comes from
    (the engine's property dependencies) says which vault is the Platform's."""
    role, platform_vault = cja(stack, ROLE), platform(stack, VAULT)
    platform_key = platform(stack, KEY)
    (config,) = [r for r in stack.resources if r.type == BYOK]
    role.set("scope", platform(stack, ROLE).inputs["scope"])  # the Platform vault's id, literally
    first_preview(stack)
    config.set("keyIdentifier", UNKNOWN)
    config.property_dependencies = {"keyIdentifier": [platform_key.urn]}
    assert platform_vault.urn not in role.dependencies
    (diagnostic,) = analyzer.check(stack).only("journey-analytics-vault-separate")
    assert f"vault {platform_vault.inputs['vaultName'].lower()}" in diagnostic.message
    assert diagnostic.urn == role.urn
