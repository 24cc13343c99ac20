"""The policy pack on a Managed HSM stack (``managedHsmId``), through the analyzer: the HSM key and
Adobe's local HSM role are held to the vault's rules, and a compliant stack passes silently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mocks import BYOK, SP, run_main
from tests.policy_analyzer import UNKNOWN, Analyzer, Stack, running_analyzer
from tests.test_program_managed_hsm import HSM_KEY, HSM_ROLE, HsmMocks, hsm_config

KEYVAULT_CRYPTO_USER_HSM = "21dbd100-6940-42c2-9190-5d6cb909625b"
VERSION = "0123456789abcdef0123456789abcdef"


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


def test_policy_hsm_key_counts_as_the_stacks_key_for_the_byok_configuration(analyzer, stack):
    """The BYOK configuration's key is checked against the HSM key: the policy applies."""
    verdict = analyzer.check(stack)
    assert "byok-config-key-in-stack" not in verdict.not_applicable, verdict.not_applicable


def test_policy_hsm_key_under_3072_bits_is_refused(analyzer, stack):
    stack.one(HSM_KEY).set("keySize", 2048)
    (diagnostic,) = analyzer.check(stack).only("adobe-hsm-key")
    assert "keySize is 2048" in diagnostic.message


def test_policy_hsm_key_in_a_vault_address_is_refused(analyzer, stack):
    for type_ in (HSM_KEY, HSM_ROLE):  # the program gives both the same address
        stack.one(type_).set("hsmUri", "https://kv.vault.azure.net")
    verdict = analyzer.check(stack)
    # The BYOK configuration's HSM is then no HSM the stack registers.
    assert verdict.policies == {"adobe-hsm-key", "byok-config-key-declared"}, verdict.describe()
    (diagnostic,) = [d for d in verdict.diagnostics if d.policy == "adobe-hsm-key"]
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


@pytest.mark.parametrize(
    "scope",
    [
        "/keysadobe-cmk",
        "/keys/adobe-cmk/extra",
        "//keys/adobe-cmk",
        "/keys//adobe-cmk",
        "adobe-cmk",
    ],
    ids=["no-separator", "below-the-key", "double-slash-first", "double-slash", "bare-name"],
)
def test_policy_hsm_role_scope_must_be_the_keys_path_exactly(analyzer, stack, scope):
    """Path segments, not a prefix: ``/keysadobe-cmk`` is no scope of the key ``adobe-cmk``."""
    role = stack.one(HSM_ROLE)
    role.set("scope", scope)
    (diagnostic,) = analyzer.check(stack).only("adobe-hsm-role-assignment")
    assert f"is at scope {scope}, not a key's scope /keys/<key name>" in diagnostic.message
    assert diagnostic.urn == role.urn


def test_policy_hsm_role_on_another_hsms_key_of_the_same_name_is_refused(analyzer, stack):
    """Another team's HSM holding a key called like the stack's: not the stack's key."""
    role = stack.one(HSM_ROLE)
    role.set("hsmUri", "https://other-team.managedhsm.azure.net")
    assert role.inputs["scope"] == f"/keys/{stack.one(HSM_KEY).inputs['keyName']}"
    (diagnostic,) = analyzer.check(stack).only("adobe-hsm-role-assignment")
    assert "is on HSM https://other-team.managedhsm.azure.net at scope /keys/adobe-cmk" in (
        diagnostic.message
    )
    assert "in HSM https://hsm-shared.managedhsm.azure.net" in diagnostic.message


@pytest.mark.parametrize(
    "uri",
    ["https://HSM-Shared.managedhsm.azure.net", "https://hsm-shared.managedhsm.azure.net:443/"],
    ids=["letter-case", "default-port-and-slash"],
)
def test_policy_hsm_role_on_the_same_hsm_written_otherwise_passes(analyzer, stack, uri):
    stack.one(HSM_ROLE).set("hsmUri", uri)
    stack.one(HSM_ROLE).set("scope", "/keys/ADOBE-CMK")
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_policy_hsm_byok_configuration_of_another_hsms_key_is_refused(analyzer, stack):
    config = stack.one(BYOK)
    config.set("keyIdentifier", f"https://other-team.managedhsm.azure.net/keys/adobe-cmk/{VERSION}")
    verdict = analyzer.check(stack)
    assert verdict.policies == {"byok-config-key-declared", "byok-config-key-in-stack"}
    (declared,) = [d for d in verdict.diagnostics if d.policy == "byok-config-key-declared"]
    assert "names vault other-team.managedhsm.azure.net" in declared.message
    assert "known: hsm-shared.managedhsm.azure.net" in declared.message
    (diagnostic,) = [d for d in verdict.diagnostics if d.policy == "byok-config-key-in-stack"]
    assert "names vault other-team.managedhsm.azure.net, which this stack does not declare" in (
        diagnostic.message
    )
    assert "its vaults: hsm-shared.managedhsm.azure.net" in diagnostic.message


def test_policy_hsm_byok_configuration_of_another_key_in_the_hsm_is_refused(analyzer, stack):
    config = stack.one(BYOK)
    config.set("keyIdentifier", f"https://hsm-shared.managedhsm.azure.net/keys/other/{VERSION}")
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "names key other in vault hsm-shared.managedhsm.azure.net" in diagnostic.message


def test_policy_hsm_byok_identifier_unknown_from_no_key_is_refused(analyzer, stack):
    config = stack.one(BYOK)
    config.set("keyIdentifier", UNKNOWN)
    config.dependencies = [urn for urn in config.dependencies if urn != stack.one(HSM_KEY).urn]
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "comes from no key of this stack" in diagnostic.message


def test_policy_hsm_byok_identifier_unknown_from_the_hsm_key_passes(analyzer, stack):
    """A first preview: the HSM key's identifier is an output of a key not created yet."""
    for name in ("keyId", "keyIdVersionless"):
        stack.one(HSM_KEY).outputs[name] = UNKNOWN
    stack.one(BYOK).set("keyIdentifier", UNKNOWN)
    stack.one(BYOK).property_dependencies = {"keyIdentifier": [stack.one(HSM_KEY).urn]}
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


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


def test_policy_hsm_role_left_out_of_the_run_is_not_judged(analyzer, stack):
    """``--exclude`` on a first up: the assignment reaches the pack with no properties."""
    role = stack.one(HSM_ROLE)
    role.inputs, role.outputs = {}, {}
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()
