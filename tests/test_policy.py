"""The policy pack as a whole, and its resource policies (vaults, keys), through its analyzer.

How the analyzer is driven, and the stacks it is given: :mod:`tests.policy_analyzer`.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from pulumi.runtime.proto import analyzer_pb2

from tests.mocks import ADOBE_APP_ID, KEY, VAULT, AzureMocks, run_main, valid_config
from tests.policy_analyzer import (
    POLICY_DIR,
    UNKNOWN,
    Analyzer,
    Stack,
    restricted_stack,
    running_analyzer,
)

BYO_KEY_ID = "https://byo-vault.vault.azure.net/keys/byo-key/0123456789abcdef0123456789abcdef"
BYO_VAULT_ID = (
    "/subscriptions/77777777-0000-0000-0000-000000000007/resourceGroups/byo-rg/providers/"
    "Microsoft.KeyVault/vaults/byo-vault"
)
DAY = 24 * 60 * 60

POLICIES = {
    "vault-soft-delete": "resource",
    "vault-purge-protection": "resource",
    "vault-rbac-authorization": "resource",
    "vault-network-allows-adobe": "resource",
    "adobe-key-type": "resource",
    "adobe-key-size": "resource",
    "adobe-key-operations": "resource",
    "adobe-key-enabled": "resource",
    "adobe-key-validity": "resource",
    "adobe-role-assignment": "stack",
    "byok-config-key-declared": "resource",
    "byok-config-key-in-stack": "stack",
    "adobe-access-protected": "stack",
    "journey-analytics-vault-separate": "stack",
    "adobe-hsm-key": "resource",
    "adobe-hsm-role-assignment": "stack",
    "adobe-hsm-access-protected": "stack",
}


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Analyzer]:
    with running_analyzer() as pack:
        yield pack


@pytest.fixture
def stack() -> Stack:
    """A copy of the compliant restricted stack, for one test to break."""
    return restricted_stack()


#: Compliant stacks of the program: (config, mocks) each; the analyzer is given the config.
COMPLIANT: dict[str, tuple[dict[str, Any], AzureMocks | None]] = {
    "defaults": (valid_config(), None),
    "firewall-hsm-key-scope": (
        valid_config(
            allowedIpRanges=["203.0.113.7", "198.51.100.0/24"],
            keyType="RSA-HSM",
            keySize=4096,
            roleScope="key",
        ),
        None,
    ),
    "existing-service-principal": (
        valid_config(servicePrincipal="existing"),
        AzureMocks(service_principals={ADOBE_APP_ID: "0f0f0f0f-1111-2222-3333-444444444444"}),
    ),
    "bring-your-own-key": (
        valid_config(existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID),
        None,
    ),
    "bring-your-own-key-scope": (
        valid_config(existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID, roleScope="key"),
        None,
    ),
    "bring-your-own-key-access-granted-elsewhere": (
        valid_config(
            existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID, servicePrincipal="none"
        ),
        None,
    ),
}


# --- the pack ----------------------------------------------------------------------------------


def test_policy_pack_project_file_runs_python_from_the_program_virtualenv():
    """``PulumiPolicy.yaml`` as the CLI reads it: a Python pack, in the program's virtualenv."""
    project = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert set(project) <= {"description", "version", "runtime", "main"}, project
    assert project["runtime"]["name"] == "python"
    assert (POLICY_DIR / project["runtime"]["options"]["virtualenv"] / "bin" / "python").exists()
    assert (POLICY_DIR / "__main__.py").is_file()


def test_policy_pack_module_names_shadow_no_other_module():
    """The CLI puts ``policy/`` first on the pack's path, so a module named like one of the
    standard library, an installed package or the program's own would hide it."""
    names = sorted(path.stem for path in POLICY_DIR.glob("*.py") if path.stem != "__main__")
    assert "facts" in names and "pack" in names
    clashes = {}
    for name in names:
        spec = importlib.util.find_spec(name) if name not in sys.modules else None
        if name in sys.stdlib_module_names or name in sys.modules or spec is not None:
            clashes[name] = getattr(spec, "origin", None) or "already imported"
    assert clashes == {}, f"policy modules that shadow another module: {clashes}"


def test_policy_pack_requires_pulumi_policy_with_severity_and_not_applicable():
    """``Severity`` and ``not_applicable``, which the pack uses, came with pulumi-policy 1.18.0."""
    lines = (POLICY_DIR / "requirements.txt").read_text().splitlines()
    (requirement,) = [
        Requirement(line) for line in lines if line.strip().startswith("pulumi-policy")
    ]
    assert "1.17.9" not in requirement.specifier
    assert "1.18.0" in requirement.specifier


def test_policy_pack_declares_every_policy_mandatory(analyzer):
    info = analyzer.info
    assert info.name == "adobe-cmk"
    kinds = {
        analyzer_pb2.PolicyType.POLICY_TYPE_RESOURCE: "resource",
        analyzer_pb2.PolicyType.POLICY_TYPE_STACK: "stack",
    }
    assert {p.name: kinds[p.policy_type] for p in info.policies} == POLICIES
    for policy in info.policies:
        assert policy.enforcementLevel == analyzer_pb2.MANDATORY, policy.name
        assert policy.description, policy.name


@pytest.mark.parametrize("variant", sorted(COMPLIANT))
def test_policy_pack_passes_compliant_program_stack(variant):
    config, mocks = COMPLIANT[variant]
    stack = Stack.of(run_main(config, mocks=mocks))
    with running_analyzer(config) as analyzer:
        verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_policy_pack_passes_restricted_program_stack(analyzer, stack):
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()
    assert verdict.not_applicable == {}


def test_policy_pack_prefixes_each_message_with_the_policy_description(analyzer, stack):
    """The CLI prints the message as is: the description first, then what to fix."""
    stack.one(VAULT).set("properties.enablePurgeProtection", False)
    (diagnostic,) = analyzer.check(stack).only("vault-purge-protection")
    description = next(
        p.description for p in analyzer.info.policies if p.name == "vault-purge-protection"
    )
    assert diagnostic.message.startswith(description + "\n")


# --- vaults ------------------------------------------------------------------------------------


def test_vault_soft_delete_rejects_disabled_soft_delete(analyzer, stack):
    stack.one(VAULT).set("properties.enableSoftDelete", False)
    (diagnostic,) = analyzer.check(stack).only("vault-soft-delete")
    assert "enableSoftDelete is false" in diagnostic.message
    assert diagnostic.urn == stack.one(VAULT).urn


def test_vault_soft_delete_rejects_retention_over_90_days(analyzer, stack):
    stack.one(VAULT).set("properties.softDeleteRetentionInDays", 120)
    (diagnostic,) = analyzer.check(stack).only("vault-soft-delete")
    assert "softDeleteRetentionInDays is 120" in diagnostic.message


def test_vault_purge_protection_rejects_disabled_purge_protection(analyzer, stack):
    stack.one(VAULT).set("properties.enablePurgeProtection", False)
    (diagnostic,) = analyzer.check(stack).only("vault-purge-protection")
    assert "enablePurgeProtection is False" in diagnostic.message


def test_vault_purge_protection_rejects_unset_purge_protection(analyzer, stack):
    stack.one(VAULT).remove("properties.enablePurgeProtection")
    (diagnostic,) = analyzer.check(stack).only("vault-purge-protection")
    assert "enablePurgeProtection is unset" in diagnostic.message


def test_vault_purge_protection_applies_to_api_versioned_vault_type(analyzer, stack):
    vault = stack.one(VAULT)
    vault.type = "azure-native:keyvault/v20240401preview:Vault"
    vault.set("properties.enablePurgeProtection", False)
    (diagnostic,) = analyzer.check(stack).only("vault-purge-protection")
    assert f"vault {vault.name}" in diagnostic.message


def test_vault_rbac_authorization_rejects_access_policies(analyzer, stack):
    stack.one(VAULT).set("properties.enableRbacAuthorization", False)
    (diagnostic,) = analyzer.check(stack).only("vault-rbac-authorization")
    assert "enableRbacAuthorization is False" in diagnostic.message


def test_vault_network_allows_adobe_rejects_firewall_without_adobe_address(analyzer, stack):
    stack.one(VAULT).set("properties.networkAcls.ipRules", [{"value": "203.0.113.0/24"}])
    (diagnostic,) = analyzer.check(stack).only("vault-network-allows-adobe")
    assert "do not allow Adobe's address 20.88.123.53" in diagnostic.message


def test_vault_network_allows_adobe_rejects_firewall_without_trusted_services(analyzer, stack):
    stack.one(VAULT).set("properties.networkAcls.bypass", "None")
    (diagnostic,) = analyzer.check(stack).only("vault-network-allows-adobe")
    assert "bypass='AzureServices'" in diagnostic.message


def test_vault_network_allows_adobe_rejects_firewall_without_ip_rules(analyzer, stack):
    stack.one(VAULT).remove("properties.networkAcls.ipRules")
    (diagnostic,) = analyzer.check(stack).only("vault-network-allows-adobe")
    assert "ipRules (none) do not allow Adobe's address 20.88.123.53" in diagnostic.message
    assert "add 20.88.123.53/32 to ip_rules" in diagnostic.message


def test_vault_network_allows_adobe_rejects_disabled_public_access(analyzer, stack):
    stack.one(VAULT).set("properties.publicNetworkAccess", "Disabled")
    (diagnostic,) = analyzer.check(stack).only("vault-network-allows-adobe")
    assert "publicNetworkAccess is Disabled" in diagnostic.message


def test_vault_network_allows_adobe_accepts_range_holding_adobe_address(analyzer, stack):
    stack.one(VAULT).set("properties.networkAcls.ipRules", [{"value": "20.88.123.0/24"}])
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_vault_network_allows_adobe_skips_rules_unknown_in_preview(analyzer, stack):
    stack.one(VAULT).set("properties.networkAcls", UNKNOWN)
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


# --- keys --------------------------------------------------------------------------------------


def test_adobe_key_type_rejects_elliptic_curve_key(analyzer, stack):
    stack.one(KEY).set("properties.kty", "EC")
    (diagnostic,) = analyzer.check(stack).only("adobe-key-type")
    assert "kty is EC" in diagnostic.message


def test_adobe_key_size_rejects_2048_bits(analyzer, stack):
    stack.one(KEY).set("properties.keySize", 2048)
    (diagnostic,) = analyzer.check(stack).only("adobe-key-size")
    assert "keySize is 2048" in diagnostic.message


def test_adobe_key_size_rejects_unset_size(analyzer, stack):
    stack.one(KEY).remove("properties.keySize")
    (diagnostic,) = analyzer.check(stack).only("adobe-key-size")
    assert "keySize is unset (Key Vault then makes 2048 bits)" in diagnostic.message


def test_adobe_key_size_skips_size_unknown_in_preview(analyzer, stack):
    stack.one(KEY).set("properties.keySize", UNKNOWN)
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_adobe_key_operations_rejects_missing_unwrap(analyzer, stack):
    stack.one(KEY).set("properties.keyOps", ["wrapKey"])
    (diagnostic,) = analyzer.check(stack).only("adobe-key-operations")
    assert "keyOps lacks unwrapKey" in diagnostic.message


def test_adobe_key_operations_rejects_extra_operations(analyzer, stack):
    stack.one(KEY).set("properties.keyOps", ["wrapKey", "unwrapKey", "decrypt"])
    (diagnostic,) = analyzer.check(stack).only("adobe-key-operations")
    assert "also allows decrypt" in diagnostic.message


def test_adobe_key_operations_rejects_unset_operations(analyzer, stack):
    stack.one(KEY).remove("properties.keyOps")
    (diagnostic,) = analyzer.check(stack).only("adobe-key-operations")
    assert "keyOps is unset, which allows every operation" in diagnostic.message


def test_adobe_key_enabled_rejects_disabled_key(analyzer, stack):
    stack.one(KEY).set("properties.attributes.enabled", False)
    (diagnostic,) = analyzer.check(stack).only("adobe-key-enabled")
    assert "attributes.enabled is false" in diagnostic.message


def test_adobe_key_validity_accepts_key_valid_now(analyzer, stack):
    now = time.time()
    stack.one(KEY).set("properties.attributes.notBefore", now - DAY)
    stack.one(KEY).set("properties.attributes.expires", now + 365 * DAY)
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_adobe_key_validity_rejects_expired_key(analyzer, stack):
    stack.one(KEY).set("properties.attributes.expires", 1_577_836_800)  # 2020-01-01
    (diagnostic,) = analyzer.check(stack).only("adobe-key-validity")
    assert "attributes.expires is 1577836800 (2020-01-01T00:00:00Z), in the past" in (
        diagnostic.message
    )
    assert "Key Vault refuses an expired key's operations" in diagnostic.message
    assert diagnostic.urn == stack.one(KEY).urn


def test_adobe_key_validity_rejects_key_not_active_yet(analyzer, stack):
    stack.one(KEY).set("properties.attributes.notBefore", 4_102_444_800)  # 2100-01-01
    (diagnostic,) = analyzer.check(stack).only("adobe-key-validity")
    assert "attributes.notBefore is 4102444800 (2100-01-01T00:00:00Z), in the future" in (
        diagnostic.message
    )


def test_adobe_key_validity_skips_dates_unknown_in_preview(analyzer, stack):
    stack.one(KEY).set("properties.attributes.expires", UNKNOWN)
    stack.one(KEY).set("properties.attributes.notBefore", UNKNOWN)
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()
