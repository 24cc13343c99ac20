"""The policy pack (``policy/``), driven as ``pulumi preview --policy-pack policy`` drives it.

One analyzer process per module, started from ``policy/`` the way the CLI's
``pulumi-analyzer-policy-python`` starts it (``python -u -m pulumi.policy <engine> .``, with
``PULUMI_PROJECT``/``PULUMI_STACK``/``PULUMI_DRY_RUN`` set); then the engine's calls: Handshake
(this SDK answers UNIMPLEMENTED, which the engine accepts), ConfigureStack, GetAnalyzerInfo,
Configure with every policy at its declared level, then ``Analyze`` for each custom resource (its
inputs, internal ``__`` keys dropped) and one ``AnalyzeStack`` (outputs, options, parents,
dependencies).

The stacks are the program's own: ``__main__.py`` run under mocks (:func:`tests.mocks.run_main`),
every registration captured with its options. A compliant stack passes with no diagnostic; each
violation test changes one thing in a copy and expects exactly that policy, with its message.
"""

from __future__ import annotations

import copy
import os
import select
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from tests.mocks import (
    ADOBE_APP_ID,
    APP,
    BYOK,
    GROUP,
    KEY,
    PROJECT,
    ROLE,
    SP,
    STACK,
    VAULT,
    AzureMocks,
    ProgramRun,
    run_main,
    valid_config,
)

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
RPC_TIMEOUT = 20.0
#: How the engine spells a value that is not known yet (a string, on the wire).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
OTHER_VERSION = "fedcba9876543210fedcba9876543210"
BYO_KEY_ID = "https://byo-vault.vault.azure.net/keys/byo-key/0123456789abcdef0123456789abcdef"
BYO_VAULT_ID = (
    "/subscriptions/77777777-0000-0000-0000-000000000007/resourceGroups/byo-rg/providers/"
    "Microsoft.KeyVault/vaults/byo-vault"
)

POLICIES = {
    "vault-soft-delete": "resource",
    "vault-purge-protection": "resource",
    "vault-rbac-authorization": "resource",
    "vault-network-allows-adobe": "resource",
    "adobe-key-type": "resource",
    "adobe-key-size": "resource",
    "adobe-key-operations": "resource",
    "adobe-key-enabled": "resource",
    "adobe-role-assignment": "stack",
    "byok-config-key-in-stack": "stack",
    "adobe-access-protected": "stack",
}


# --- the stack under test ----------------------------------------------------------------------


@dataclass
class Resource:
    """One resource as the engine would hand it to the analyzer."""

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    custom: bool
    protect: bool
    parent: str
    dependencies: list[str]

    def set(self, path: str, value: Any) -> None:
        """Set ``a.b.c`` in both inputs and outputs (a program declaring it differently)."""
        for props in (self.inputs, self.outputs):
            *parents, last = path.split(".")
            for step in parents:
                props = props.setdefault(step, {})
            props[last] = value

    def remove(self, path: str) -> None:
        """Remove ``a.b.c`` from both inputs and outputs (the program leaving it unset)."""
        for props in (self.inputs, self.outputs):
            *parents, last = path.split(".")
            for step in parents:
                props = props[step]
            props.pop(last, None)


@dataclass
class Stack:
    resources: list[Resource]

    @classmethod
    def of(cls, run: ProgramRun) -> Stack:
        return cls(
            [
                Resource(
                    type=r.type,
                    name=r.name,
                    urn=r.urn,
                    inputs=copy.deepcopy(r.inputs),
                    outputs=copy.deepcopy(r.outputs),
                    custom=r.custom,
                    protect=r.protect,
                    parent=r.parent,
                    dependencies=list(r.dependencies),
                )
                for r in run.registrations
            ]
        )

    def one(self, type_: str) -> Resource:
        found = [r for r in self.resources if r.type == type_]
        assert len(found) == 1, f"expected one {type_}, found {[r.urn for r in found]}"
        return found[0]

    def copy(self) -> Stack:
        return copy.deepcopy(self)


# --- the analyzer, driven like the engine ------------------------------------------------------


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    message: str
    urn: str
    enforcement: int


@dataclass
class Verdict:
    """Everything the pack said about one stack: Analyze per resource plus AnalyzeStack."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)

    @property
    def policies(self) -> set[str]:
        return {d.policy for d in self.diagnostics}

    def describe(self) -> str:
        return "\n".join(f"[{d.policy}] {d.urn or '-'}: {d.message}" for d in self.diagnostics)

    def only(self, policy: str) -> list[Diagnostic]:
        """The diagnostics, asserting that ``policy`` (and no other) reported something, at the
        mandatory level."""
        assert self.policies == {policy}, f"expected only {policy}, got:\n{self.describe()}"
        assert all(d.enforcement == analyzer_pb2.MANDATORY for d in self.diagnostics)
        return self.diagnostics


class Analyzer:
    """One policy-pack process, started and configured as the engine does."""

    def __init__(self) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
            cwd=POLICY_DIR,
            env={
                **os.environ,
                "PULUMI_PROJECT": PROJECT,
                "PULUMI_STACK": STACK,
                "PULUMI_DRY_RUN": "true",
                "PULUMI_CONFIG": "{}",
            },
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        try:
            port = self._read_port()
            self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
            self._handshake()
            self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=RPC_TIMEOUT)
            self.stub.Configure(
                analyzer_pb2.ConfigureAnalyzerRequest(
                    policyConfig={
                        p.name: analyzer_pb2.PolicyConfig(enforcementLevel=p.enforcementLevel)
                        for p in self.info.policies
                    }
                ),
                timeout=RPC_TIMEOUT,
            )
        except BaseException:
            self.stop()
            raise

    def _read_port(self) -> int:
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], RPC_TIMEOUT)
        line = self._proc.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            raise AssertionError(f"the policy pack printed no port: {line!r}\n{self.stderr()}")
        return int(line)

    def _handshake(self) -> None:
        request = analyzer_pb2.AnalyzerHandshakeRequest(
            engine_address="127.0.0.1:0",
            root_directory=str(POLICY_DIR),
            program_directory=str(POLICY_DIR),
        )
        try:
            self.stub.Handshake(request, timeout=RPC_TIMEOUT)
        except grpc.RpcError as error:
            # What the engine tolerates from analyzers that predate the handshake.
            assert error.code() == grpc.StatusCode.UNIMPLEMENTED, error
        self.stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=STACK, project=PROJECT, organization="organization", dry_run=True
            ),
            timeout=RPC_TIMEOUT,
        )

    def check(self, stack: Stack) -> Verdict:
        """Analyze every custom resource, then the whole stack, as a preview does."""
        verdict = Verdict()
        for resource in stack.resources:
            if not resource.custom:
                continue
            response = self.stub.Analyze(
                analyzer_pb2.AnalyzeRequest(
                    type=resource.type,
                    name=resource.name,
                    urn=resource.urn,
                    properties=_struct(resource.inputs),
                    options=_options(resource),
                ),
                timeout=RPC_TIMEOUT,
            )
            self._collect(verdict, response, resource.urn)
        response = self.stub.AnalyzeStack(
            analyzer_pb2.AnalyzeStackRequest(
                resources=[
                    analyzer_pb2.AnalyzerResource(
                        type=resource.type,
                        name=resource.name,
                        urn=resource.urn,
                        properties=_struct(resource.outputs),
                        options=_options(resource),
                        parent=resource.parent,
                        dependencies=resource.dependencies,
                    )
                    for resource in stack.resources
                ]
            ),
            timeout=RPC_TIMEOUT,
        )
        self._collect(verdict, response, "")
        return verdict

    @staticmethod
    def _collect(verdict: Verdict, response: Any, urn: str) -> None:
        for d in response.diagnostics:
            verdict.diagnostics.append(
                Diagnostic(d.policyName, d.message, d.urn or urn, d.enforcementLevel)
            )
        for item in response.not_applicable:
            verdict.not_applicable[item.policy_name] = item.reason

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self) -> None:
        if getattr(self, "_channel", None) is not None:
            self._channel.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._stderr.close()


def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    """Properties as the engine marshals them for analyzers: internal ``__`` keys skipped,
    unknowns kept as their sentinel strings."""
    struct = struct_pb2.Struct()
    struct.update({k: v for k, v in props.items() if not k.startswith("__")})
    return struct


def _options(resource: Resource) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent)


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Analyzer]:
    pack = Analyzer()
    try:
        yield pack
    finally:
        pack.stop()


@pytest.fixture(scope="module")
def restricted_stack() -> Stack:
    """The program's stack with a firewall (so every rule has something to check)."""
    return Stack.of(run_main(valid_config(allowedIpRanges=["203.0.113.0/24"])))


@pytest.fixture
def stack(restricted_stack: Stack) -> Stack:
    """A copy of the compliant restricted stack, for one test to break."""
    return restricted_stack.copy()


COMPLIANT = {
    "defaults": lambda: run_main(),
    "firewall-hsm-key-scope": lambda: run_main(
        valid_config(
            allowedIpRanges=["203.0.113.7", "198.51.100.0/24"],
            keyType="RSA-HSM",
            keySize=4096,
            roleScope="key",
        )
    ),
    "existing-service-principal": lambda: run_main(
        valid_config(servicePrincipal="existing"),
        mocks=AzureMocks(service_principals={ADOBE_APP_ID: "0f0f0f0f-1111-2222-3333-444444444444"}),
    ),
    "bring-your-own-key": lambda: run_main(
        valid_config(existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID)
    ),
    "bring-your-own-key-access-granted-elsewhere": lambda: run_main(
        valid_config(
            existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID, servicePrincipal="none"
        )
    ),
}


# --- the pack ----------------------------------------------------------------------------------


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
def test_policy_pack_passes_compliant_program_stack(analyzer, variant):
    verdict = analyzer.check(Stack.of(COMPLIANT[variant]()))
    assert verdict.diagnostics == [], verdict.describe()


def test_policy_pack_passes_restricted_program_stack(analyzer, restricted_stack):
    verdict = analyzer.check(restricted_stack)
    assert verdict.diagnostics == [], verdict.describe()
    assert verdict.not_applicable == {}


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
    stack.one(ROLE).remove("principalType")
    (diagnostic,) = analyzer.check(stack).only("adobe-role-assignment")
    assert "principalType unset" in diagnostic.message


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


# --- the BYOK configuration's key --------------------------------------------------------------


def test_byok_config_key_in_stack_rejects_key_of_another_vault(analyzer, stack):
    stack.one(BYOK).set(
        "keyIdentifier", f"https://elsewhere-vault.vault.azure.net/keys/adobe-cmk/{OTHER_VERSION}"
    )
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "names vault elsewhere-vault, which this stack does not declare" in diagnostic.message
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
    verdict = analyzer.check(stack)
    assert verdict.diagnostics == [], verdict.describe()


def test_byok_config_key_in_stack_rejects_identifier_unknown_from_no_key(analyzer, stack):
    config = stack.one(BYOK)
    config.set("keyIdentifier", UNKNOWN)
    config.dependencies = [urn for urn in config.dependencies if urn != stack.one(KEY).urn]
    (diagnostic,) = analyzer.check(stack).only("byok-config-key-in-stack")
    assert "comes from no key of this stack" in diagnostic.message


def test_byok_config_key_in_stack_not_applicable_to_bring_your_own_key(analyzer):
    byok_stack = Stack.of(COMPLIANT["bring-your-own-key"]())
    verdict = analyzer.check(byok_stack)
    assert verdict.diagnostics == [], verdict.describe()
    assert "bring-your-own-key" in verdict.not_applicable["byok-config-key-in-stack"]


def test_byok_config_key_in_stack_rejects_malformed_brought_key(analyzer):
    byok_stack = Stack.of(COMPLIANT["bring-your-own-key"]())
    byok_stack.one(BYOK).set("keyIdentifier", BYO_KEY_ID.rsplit("/", 1)[0])
    (diagnostic,) = analyzer.check(byok_stack).only("byok-config-key-in-stack")
    assert "is not a versioned Key Vault key identifier" in diagnostic.message


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


def test_policy_pack_prefixes_each_message_with_the_policy_description(analyzer, stack):
    """The CLI prints the message as is: the description first, then what to fix."""
    stack.one(VAULT).set("properties.enablePurgeProtection", False)
    (diagnostic,) = analyzer.check(stack).only("vault-purge-protection")
    description = next(
        p.description for p in analyzer.info.policies if p.name == "vault-purge-protection"
    )
    assert diagnostic.message.startswith(description + "\n")
