"""The policy pack on a Managed HSM stack (``managedHsmId``), through the analyzer: the HSM key and
Adobe's local HSM role are held to the vault's rules, and a compliant stack passes silently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mocks import SP, run_main
from tests.policy_analyzer import UNKNOWN, Analyzer, Stack, running_analyzer
from tests.test_program_managed_hsm import HSM_KEY, HSM_ROLE, HsmMocks, hsm_config

KEYVAULT_CRYPTO_USER_HSM = "21dbd100-6940-42c2-9190-5d6cb909625b"


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Analyzer]:
    with running_analyzer() as pack:
        yield pack


@pytest.fixture(scope="module")
def compliant() -> Stack:
    return Stack.of(run_main(hsm_config(), mocks=HsmMocks()))


@pytest.fixture
def stack(compliant: Stack) -> Stack:
    return compliant.copy()


def test_policy_hsm_compliant_stack_passes(analyzer, stack):
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_policy_hsm_key_under_3072_bits_is_refused(analyzer, stack):
    stack.one(HSM_KEY).set("keySize", 2048)
    (diagnostic,) = analyzer.check(stack).only("adobe-hsm-key")
    assert "keySize is 2048" in diagnostic.message


def test_policy_hsm_key_in_a_vault_address_is_refused(analyzer, stack):
    stack.one(HSM_KEY).set("hsmUri", "https://kv.vault.azure.net")
    (diagnostic,) = analyzer.check(stack).only("adobe-hsm-key")
    assert "not a Managed HSM" in diagnostic.message


def test_policy_hsm_role_of_another_role_is_refused(analyzer, stack):
    role = stack.one(HSM_ROLE)
    role.set("roleDefinitionId", KEYVAULT_CRYPTO_USER_HSM)
    (diagnostic,) = analyzer.check(stack).only("adobe-hsm-role-assignment")
    assert KEYVAULT_CRYPTO_USER_HSM in diagnostic.message and diagnostic.urn == role.urn


@pytest.mark.parametrize("scope", ["/", "/keys"])
def test_policy_hsm_role_on_every_key_of_the_hsm_is_refused(analyzer, stack, scope):
    stack.one(HSM_ROLE).set("scope", scope)
    (diagnostic,) = analyzer.check(stack).only("adobe-hsm-role-assignment")
    assert "every key of the HSM" in diagnostic.message


def test_policy_hsm_role_on_a_key_not_of_the_stack_is_refused(analyzer, stack):
    stack.one(HSM_ROLE).set("scope", "/keys/someone-else")
    (diagnostic,) = analyzer.check(stack).only("adobe-hsm-role-assignment")
    assert "does not declare" in diagnostic.message


def test_policy_hsm_role_unknown_in_preview_is_not_reported(analyzer, stack):
    stack.one(HSM_ROLE).set("scope", UNKNOWN)
    stack.one(HSM_ROLE).set("roleDefinitionId", UNKNOWN)
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


@pytest.mark.parametrize("type_", [HSM_KEY, HSM_ROLE])
def test_policy_hsm_unprotected_key_or_role_is_refused(analyzer, stack, type_):
    resource = stack.one(type_)
    resource.protect = False
    (diagnostic,) = analyzer.check(stack).only("adobe-hsm-access-protected")
    assert diagnostic.urn == resource.urn and "not protected" in diagnostic.message


def test_policy_hsm_adobes_service_principal_is_still_held_protected(analyzer, stack):
    stack.one(SP).protect = False
    (diagnostic,) = analyzer.check(stack).only("adobe-access-protected")
    assert "service principal" in diagnostic.message
