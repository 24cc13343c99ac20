"""The stack policy on the BYOK configuration's key, through the analyzer.

How the analyzer is driven, and the stacks it is given: :mod:`tests.policy_analyzer`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mocks import BYOK, KEY, VAULT, run_main, valid_config
from tests.policy_analyzer import (
    UNKNOWN,
    Analyzer,
    Resource,
    Stack,
    first_preview,
    restricted_stack,
    running_analyzer,
)

OTHER_VERSION = "fedcba9876543210fedcba9876543210"
BYO_KEY_ID = "https://byo-vault.vault.azure.net/keys/byo-key/0123456789abcdef0123456789abcdef"
BYO_VAULT_ID = (
    "/subscriptions/77777777-0000-0000-0000-000000000007/resourceGroups/byo-rg/providers/"
    "Microsoft.KeyVault/vaults/byo-vault"
)


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Analyzer]:
    with running_analyzer() as pack:
        yield pack


@pytest.fixture
def stack() -> Stack:
    """A copy of the compliant restricted stack, for one test to break."""
    return restricted_stack()


BYOK_CONFIG = valid_config(existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID)


@pytest.fixture(scope="module")
def byok_analyzer() -> Iterator[Analyzer]:
    """The analyzer as the CLI starts it for the bring-your-own-key stack: with its config."""
    with running_analyzer(BYOK_CONFIG) as pack:
        yield pack


def byok_stack() -> Stack:
    """The program's bring-your-own-key stack: no vault of its own."""
    return Stack.of(run_main(BYOK_CONFIG))


# --- the BYOK configuration's key --------------------------------------------------------------


def test_byok_config_key_in_stack_rejects_key_of_another_vault(analyzer, stack):
    stack.one(BYOK).set(
        "keyIdentifier", f"https://elsewhere-vault.vault.azure.net/keys/adobe-cmk/{OTHER_VERSION}"
    )
    verdict = analyzer.check(stack)
    # Refused when registered (before the POST) and again with the whole stack.
    assert verdict.policies == {"byok-config-key-declared", "byok-config-key-in-stack"}
    (diagnostic,) = [d for d in verdict.diagnostics if d.policy == "byok-config-key-in-stack"]
    assert (
        "names vault elsewhere-vault.vault.azure.net, which this stack does not declare"
        in diagnostic.message
    )
    assert diagnostic.urn == stack.one(BYOK).urn


def test_byok_config_key_in_stack_rejects_other_key_of_the_vault(analyzer, stack):
    vault = stack.one(VAULT).outputs["name"]
    stack.one(BYOK).set(
        "keyIdentifier", f"https://{vault}.vault.azure.net/keys/another-key/{OTHER_VERSION}"
    )
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "names key another-key" in diagnostic.message


def test_byok_config_key_in_stack_rejects_versionless_identifier(analyzer, stack):
    stack.one(BYOK).set("keyIdentifier", stack.one(KEY).outputs["keyUri"])
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "is not a versioned Key Vault key identifier" in diagnostic.message


def test_byok_config_key_in_stack_accepts_identifier_unknown_from_stack_key(analyzer, stack):
    """A first preview: the key does not exist, so neither does its identifier."""
    key = stack.one(KEY)
    for name in ("keyUri", "keyUriWithVersion"):
        key.outputs[name] = UNKNOWN
    stack.one(BYOK).set("keyIdentifier", UNKNOWN)
    stack.one(BYOK).property_dependencies = {"keyIdentifier": [key.urn]}
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_byok_config_key_in_stack_rejects_identifier_unknown_from_no_key(analyzer, stack):
    config = stack.one(BYOK)
    config.set("keyIdentifier", UNKNOWN)
    config.dependencies = [urn for urn in config.dependencies if urn != stack.one(KEY).urn]
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "comes from no key of this stack" in diagnostic.message


def test_byok_config_key_in_stack_not_applicable_to_bring_your_own_key(byok_analyzer):
    verdict = byok_analyzer.check(byok_stack())
    assert verdict.diagnostics == [], verdict.describe()
    assert "bring-your-own-key" in verdict.not_applicable["byok-config-key-in-stack"]


def test_byok_config_key_in_stack_rejects_malformed_brought_key(byok_analyzer):
    brought = byok_stack()
    brought.one(BYOK).set("keyIdentifier", BYO_KEY_ID.rsplit("/", 1)[0])
    (diagnostic,) = byok_analyzer.check(brought).only("byok-config-key-in-stack")
    assert "is not a versioned Key Vault key identifier" in diagnostic.message


# --- the vault's whole host, and the identifier's shape ----------------------------------------


def _identifier(vault_host: str, key: str = "adobe-cmk", version: str = OTHER_VERSION) -> str:
    return f"https://{vault_host}/keys/{key}/{version}"


def test_byok_config_key_in_stack_rejects_vault_of_the_same_name_in_another_cloud(analyzer, stack):
    vault = stack.one(VAULT).outputs["name"]
    stack.one(BYOK).set("keyIdentifier", _identifier(f"{vault}.vault.azure.cn"))
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert f"names vault {vault}.vault.azure.cn, which this stack does not declare" in (
        diagnostic.message
    )
    assert f"its vaults: {vault}.vault.azure.net" in diagnostic.message
    assert "a vault of the same name in another cloud is another vault" in diagnostic.message


def test_byok_config_key_in_stack_rejects_managed_hsm_of_the_vault_name(analyzer, stack):
    vault = stack.one(VAULT).outputs["name"]
    stack.one(BYOK).set("keyIdentifier", _identifier(f"{vault}.managedhsm.azure.net"))
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert f"names vault {vault}.managedhsm.azure.net" in diagnostic.message


def test_byok_config_key_in_stack_accepts_stack_key_written_in_upper_case(analyzer, stack):
    """Key Vault host and key names are case-insensitive: the same key, however written."""
    vault = stack.one(VAULT).outputs["name"]
    stack.one(BYOK).set(
        "keyIdentifier", _identifier(f"{vault}.vault.azure.net".upper(), key="ADOBE-CMK")
    )
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_byok_config_key_in_stack_compares_the_cloud_once_the_vault_uri_is_known(analyzer, stack):
    """Before the vault exists only its name is known: the suffix is compared on ``up``."""
    vault = stack.one(VAULT)
    vault.outputs["properties"]["vaultUri"] = UNKNOWN
    for name in ("keyUri", "keyUriWithVersion"):
        stack.one(KEY).outputs[name] = UNKNOWN
    stack.one(BYOK).set("keyIdentifier", _identifier(f"{vault.outputs['name']}.vault.azure.cn"))
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


@pytest.mark.parametrize(
    "version",
    ["7c1d50lo0123456789abcdef01234567", "0123456789abcdef", "0123456789abcdef0123456789abcdef0"],
    ids=["not-hex", "short", "long"],
)
def test_byok_config_key_in_stack_rejects_version_not_32_hex_digits(analyzer, stack, version):
    """The program's rule for what is sent to Adobe (``providers/key_identifier.py``)."""
    vault = stack.one(VAULT).outputs["name"]
    stack.one(BYOK).set("keyIdentifier", _identifier(f"{vault}.vault.azure.net", version=version))
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "is not a versioned Key Vault key identifier" in diagnostic.message


def test_byok_config_key_in_stack_accepts_upper_case_hex_version(analyzer, stack):
    vault = stack.one(VAULT).outputs["name"]
    stack.one(BYOK).set(
        "keyIdentifier", _identifier(f"{vault}.vault.azure.net", version=OTHER_VERSION.upper())
    )
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


@pytest.mark.parametrize(
    "spoil",
    [lambda i: i.replace("adobe-cmk/", "adobe-cm\u212a/"), lambda i: i + "\n"],
    ids=["kelvin-sign-for-k", "trailing-newline"],
)
def test_byok_config_key_in_stack_rejects_look_alike_identifiers(analyzer, stack, spoil):
    vault = stack.one(VAULT).outputs["name"]
    stack.one(BYOK).set("keyIdentifier", spoil(_identifier(f"{vault}.vault.azure.net")))
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "is not a versioned Key Vault key identifier" in diagnostic.message


# --- a first preview, where the stack policy sees no vault's name -------------------------------


def _unknown_identifier(stack: Stack, *sources: str) -> Resource:
    """The BYOK configuration of ``stack`` with a key identifier not known yet, whose value the
    engine says comes from ``sources`` (URNs)."""
    config = stack.one(BYOK)
    config.set("keyIdentifier", UNKNOWN)
    config.property_dependencies = {"keyIdentifier": list(sources)}
    return config


def test_byok_config_key_in_stack_accepts_first_preview_identifier_from_the_stacks_key(
    analyzer, stack
):
    first_preview(stack)
    _unknown_identifier(stack, stack.one(KEY).urn)
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_byok_config_key_in_stack_rejects_unknown_identifier_from_no_key_though_it_waits_for_one(
    analyzer, stack
):
    """Depending on the key (its role assignment, dependsOn) is not taking its identifier."""
    first_preview(stack)
    config = _unknown_identifier(stack, stack.one(VAULT).urn)
    assert stack.one(KEY).urn in config.dependencies
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "not known yet and comes from no key of this stack" in diagnostic.message
    assert diagnostic.urn == config.urn


def test_byok_config_key_in_stack_rejects_unknown_identifier_in_a_brought_key_stack(
    byok_analyzer,
):
    """A brought key's identifier is a setting, known at preview: an unknown one is no key's."""
    stack = byok_stack()
    _unknown_identifier(stack)
    (diagnostic,) = byok_analyzer.check(stack).only("byok-config-key-in-stack")
    assert "adobe-cmk:existingKeyId" in diagnostic.message


def test_byok_config_key_in_stack_rejects_first_preview_literal_of_another_vault(analyzer, stack):
    """At a first preview the vault's outputs name no vault: its registered inputs do."""
    first_preview(stack)
    stack.one(BYOK).set(
        "keyIdentifier", f"https://elsewhere-vault.vault.azure.net/keys/adobe-cmk/{OTHER_VERSION}"
    )
    vault_name = stack.one(VAULT).inputs["vaultName"]
    verdict = analyzer.check(stack)
    assert verdict.policies == {"byok-config-key-declared", "byok-config-key-in-stack"}
    for diagnostic in verdict.diagnostics:
        assert "names vault elsewhere-vault.vault.azure.net" in diagnostic.message
        assert vault_name in diagnostic.message
        assert diagnostic.urn == stack.one(BYOK).urn


def test_byok_config_key_in_stack_accepts_first_preview_literal_of_the_stacks_vault(
    analyzer, stack
):
    first_preview(stack)
    vault_name = stack.one(VAULT).inputs["vaultName"]
    stack.one(BYOK).set(
        "keyIdentifier", f"https://{vault_name}.vault.azure.net/keys/adobe-cmk/{OTHER_VERSION}"
    )
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_byok_config_key_declared_rejects_literal_before_any_vault_is_registered(analyzer, stack):
    """Judged when the configuration is registered: a vault registered after it is not one it
    could have taken its key from."""
    config = stack.one(BYOK)
    config.set(
        "keyIdentifier", f"https://late-vault.vault.azure.net/keys/adobe-cmk/{OTHER_VERSION}"
    )
    stack.resources.remove(config)
    stack.resources.insert(0, config)
    late = stack.one(VAULT)
    late.set("vaultName", "late-vault")
    verdict = analyzer.check(stack)
    (diagnostic,) = [d for d in verdict.diagnostics if d.policy == "byok-config-key-declared"]
    assert "names vault late-vault.vault.azure.net" in diagnostic.message
    assert "known: none" in diagnostic.message


def test_byok_config_key_declared_accepts_the_brought_key_of_the_settings(byok_analyzer):
    verdict = byok_analyzer.check(byok_stack())
    assert "byok-config-key-declared" not in verdict.policies, verdict.describe()


# --- a configuration the run leaves out (--exclude, --target) ---------------------------------


def _left_out(stack: Stack) -> Resource:
    """The BYOK configuration as the engine hands over one the run leaves out and never created:
    no inputs, no outputs."""
    config = stack.one(BYOK)
    config.inputs, config.outputs = {}, {}
    return config


def test_byok_config_key_in_stack_skips_a_configuration_left_out_of_the_run(analyzer, stack):
    _left_out(stack)
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_byok_config_key_in_stack_skips_a_left_out_configuration_at_a_first_preview(
    analyzer, stack
):
    first_preview(stack)
    _left_out(stack)
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_byok_config_key_in_stack_still_rejects_a_configuration_without_identifier(analyzer, stack):
    stack.one(BYOK).remove("keyIdentifier")
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "keyIdentifier None is not a versioned Key Vault key identifier" in diagnostic.message
