"""The policy pack with the real analyzer on the real graph (the real CLI, the Azure stand-ins):
the example stack passes; unprotected, every resource holding Adobe's access is reported; and a
program that declares what the pack exists to refuse — the cases of tests/test_policy*.py that
Azure (so the stand-ins) would accept — fails each with its mandatory violation.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest

from tests.pulumi_cli.full_stack import FullStack, full_stack
from tests.simulator import PlatformSimulator

pytestmark = [pytest.mark.xdist_group("cli-full-stack-policy"), pytest.mark.timeout(300)]

#: A program declaring, with the SDKs the program uses, what the pack refuses (names fixed, so
#: that ids and key identifiers are known at preview and the stack rules judge them).
MISCONFIGURED = '''
import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import authorization, keyvault, resources

from cmk_facts import CRYPTO_SERVICE_ENCRYPTION_USER, JOURNEY_ANALYTICS_APPLICATION_ID
from providers.app_registration import AppRegistration, AppRegistrationArgs
from providers.byok_config import ByokConfig, ByokConfigArgs

settings = pulumi.Config("adobe-cmk")
org, url = settings.require("orgId"), settings.require("platformUrl")
client = authorization.get_client_config()
sub = client.subscription_id
vault_id = (f"/subscriptions/{sub}/resourceGroups/weak-rg/providers/"
            "Microsoft.KeyVault/vaults/weak-kv")
role = f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/"

group = resources.ResourceGroup("weak-rg", resource_group_name="weak-rg", location="westeurope")
vault = keyvault.Vault(
    "weak-vault", resource_group_name=group.name, vault_name="weak-kv",
    properties=keyvault.VaultPropertiesArgs(
        tenant_id=client.tenant_id, sku=keyvault.SkuArgs(family="A", name="standard"),
        enable_rbac_authorization=False, access_policies=[],
        network_acls=keyvault.NetworkRuleSetArgs(
            default_action="Deny", bypass="None",
            ip_rules=[keyvault.IPRuleArgs(value="203.0.113.7")])))
key = keyvault.Key(
    "weak-key", resource_group_name=group.name, vault_name=vault.name, key_name="adobe-cmk",
    properties=keyvault.KeyPropertiesArgs(
        kty="RSA", key_size=2048, key_ops=["encrypt", "decrypt", "wrapKey", "unwrapKey"],
        attributes=keyvault.KeyAttributesArgs(enabled=False)))
app = AppRegistration("weak-app", AppRegistrationArgs(org_id=org, platform_url=url,
                                                      api_generation="current"))
principal = azuread.ServicePrincipal("weak-sp", client_id=app.application_id, use_existing=True)
authorization.RoleAssignment(
    "weak-role", principal_id=principal.object_id, scope=f"/subscriptions/{sub}",
    role_definition_id=role + "00482a5a-887f-4fb3-b363-3b7fe8e74483")
analytics = azuread.ServicePrincipal("weak-cja-sp", client_id=JOURNEY_ANALYTICS_APPLICATION_ID,
                                     use_existing=True)
authorization.RoleAssignment(
    "weak-cja-role", principal_id=analytics.object_id, principal_type="ServicePrincipal",
    scope=vault_id, role_definition_id=role + CRYPTO_SERVICE_ENCRYPTION_USER)
# The stack's key (its identifier not known at a first preview), and another vault's, literally.
for name, key_identifier in (
        ("weak-byok", key.key_uri_with_version),
        ("weak-byok-elsewhere", f"https://elsewhere-kv.vault.azure.net/keys/adobe-cmk/{'0' * 32}")):
    ByokConfig(name, ByokConfigArgs(
        org_id=org, platform_url=url, config_name=name, api_generation="current",
        key_identifier=key_identifier, wait_timeout_minutes=5.0, failed_resends=2))
'''

#: What the misconfigured program must be refused for, each a mandatory policy of the pack.
REFUSED = (
    "vault-purge-protection",            # unset: ARM's default is off
    "vault-rbac-authorization",          # access policies
    "vault-network-allows-adobe",        # deny by default, no bypass, no Adobe address
    "adobe-key-size",                    # 2048 bits
    "adobe-key-operations",              # encrypt and decrypt too
    "adobe-key-enabled",                 # disabled
    "adobe-role-assignment",             # another role, no principal type, the subscription
    "journey-analytics-vault-separate",  # Journey Analytics granted on the Platform key's vault
    "adobe-access-protected",            # nothing protected
    "byok-config-key-declared",          # weak-byok-elsewhere, when registered
    "byok-config-key-in-stack",          # weak-byok-elsewhere, with the whole stack
)


@pytest.fixture(scope="module")
def sim() -> Iterator[PlatformSimulator]:
    with PlatformSimulator(client_secret=secrets.token_urlsafe(24)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, sim: PlatformSimulator) -> FullStack:
    return full_stack(tmp_path_factory.mktemp("full-stack-policy"), sim)


def violations(output: str) -> set[str]:
    """The policies the CLI lists as mandatory violations."""
    return set(re.findall(r"\[mandatory\]\s+\[severity: \w+\]\s+([a-z-]+)", output))


def reported(output: str, policy: str) -> set[tuple[str, str]]:
    """``(type, name)`` of each resource the CLI lists for ``policy``."""
    line = rf"\[mandatory\]\s+\[severity: \w+\]\s+{re.escape(policy)}\s+\((\S+): ([^)]+)\)"
    return set(re.findall(line, output))


def test_example_stack_passes_the_pack_on_the_real_graph(stack: FullStack,
                                                         sim: PlatformSimulator) -> None:
    result = stack.run("preview", "--policy-pack", "policy")
    assert "adobe-cmk@v" in result.stdout and violations(result.stdout) == set(), result.stdout
    assert "+ 11 to create" in result.stdout
    assert sim.requests == []


def test_unprotected_stack_is_refused_for_each_resource_holding_adobes_access(
        stack: FullStack) -> None:
    stack.set({"adobe-cmk:protect": "false"})
    try:
        result = stack.run("preview", "--policy-pack", "policy", check=False)
    finally:
        stack.set({"adobe-cmk:protect": "true"})
    assert result.returncode != 0
    assert violations(result.stdout) == {"adobe-access-protected"}, result.stdout
    assert reported(result.stdout, "adobe-access-protected") == {
        ("azure-native:resources:ResourceGroup", "adobe-cmk-rg"),
        ("azure-native:keyvault:Vault", "adobe-cmk-vault"),
        ("azure-native:keyvault:Key", "adobe-cmk-key"),
        ("azuread:index:ServicePrincipal", "adobe-cmk-sp"),
        ("azure-native:authorization:RoleAssignment", "adobe-cmk-crypto-user"),
        ("pulumi-python:dynamic/adobe:ByokConfig", "adobe-cmk-byok"),
    }, result.stdout


def test_misconfigured_program_fails_with_each_mandatory_violation(
        stack: FullStack, sim: PlatformSimulator) -> None:
    program = stack.project.dir / "__main__.py"
    kept = program.read_text()
    program.write_text(MISCONFIGURED)
    try:
        result = stack.run("preview", "--policy-pack", "policy", check=False)
    finally:
        program.write_text(kept)
    assert result.returncode != 0
    # A first preview: the vault's outputs hold neither its name nor its address under
    # azure-native, its registered inputs do; weak-byok's identifier, not known, is the key's.
    assert violations(result.stdout) == set(REFUSED), result.stdout
    assert reported(result.stdout, "adobe-role-assignment") == {
        ("azure-native:authorization:RoleAssignment", "weak-role")}
    byok = ("pulumi-python:dynamic/adobe:ByokConfig", "weak-byok-elsewhere")
    for policy in ("byok-config-key-declared", "byok-config-key-in-stack"):
        assert reported(result.stdout, policy) == {byok}, result.stdout
    assert "names vault elsewhere-kv.vault.azure.net" in result.stdout
    assert stack.azure.calls("Create") == []
    assert sim.requests == []  # refused before any request to Adobe


def test_up_excluding_the_byok_configuration_passes_the_pack(
        stack: FullStack, sim: PlatformSimulator) -> None:
    """A resource the run leaves out is handed to the pack with no properties: not judged."""
    result = stack.run("up", "--yes", "--policy-pack", "policy",
                       "--exclude", "**::adobe-cmk-byok", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert violations(result.stdout) == set(), result.stdout
    assert stack.azure.calls("Create") != []  # the rest of the stack was deployed
    assert sim.count("POST", "config") == 0  # and no configuration sent to Adobe
