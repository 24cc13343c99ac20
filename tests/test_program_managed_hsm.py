"""The program with a Managed HSM (``managedHsmId`` / ``managedHsmUri``), ``__main__.py`` under
Pulumi mocks: the graph, the wiring of the HSM key and local role, protect and retain, the
BYOK configuration's wait, and the preview's refusals of an unusable HSM in one line."""

from __future__ import annotations

import hashlib
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from cmk_facts import HSM_CRYPTO_SERVICE_ENCRYPTION_USER
from components.adobe_access import role_assignment_name
from providers.hsm.grants import stack_grant_name
from providers.hsm_role_assignment import ManagedHsmRoleAssignmentProvider
from tests.mocks import (
    APP,
    BYOK,
    GROUP,
    KEY,
    ORG_ID,
    PROJECT,
    ROLE,
    SP,
    STACK,
    VAULT,
    AzureMocks,
    run_main,
    valid_config,
)
from tests.provider_host import ProviderHost, serialized, urn_for

HSM_KEY = "pulumi-python:dynamic/hsm:ManagedHsmKey"
HSM_ROLE = "pulumi-python:dynamic/hsm:ManagedHsmRoleAssignment"
GET_MANAGED_HSM = "azure-native:keyvault:getManagedHsm"
HSM_SUB = "22222222-0000-0000-0000-000000000002"
HSM_ID = (
    f"/subscriptions/{HSM_SUB}/resourceGroups/rg-security/providers/Microsoft.KeyVault/"
    "managedHSMs/hsm-shared"
)
HSM_URI = "https://hsm-shared.managedhsm.azure.net"


class HsmMocks(AzureMocks):
    """AzureMocks plus the HSM lookup and the HSM key's computed outputs."""

    def __init__(self, subscription_id: str = HSM_SUB, **hsm: Any) -> None:
        # Deploying in the HSM's subscription unless a test says otherwise.
        super().__init__(subscription_id=subscription_id)
        self.hsm = {
            "hsmUri": f"{HSM_URI}/",
            "enablePurgeProtection": True,
            "publicNetworkAccess": "Enabled",
            "securityDomainProperties": {"activationStatus": "Active"},
            **hsm,
        }

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == GET_MANAGED_HSM:
            self.calls.append(args)
            refused = self.refusal(args, args.args["name"])
            if refused:
                return {}, refused
            return {"id": HSM_ID, "name": "hsm-shared", "properties": self.hsm}, []
        return super().call(args)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == HSM_KEY:
            self.created.append(args)
            base = f"{args.inputs['hsmUri']}/keys/{args.inputs['keyName']}"
            version = hashlib.sha256(base.encode()).hexdigest()[:32]
            return base, {
                **args.inputs,
                "keyId": f"{base}/{version}",
                "keyIdVersionless": base,
                "version": version,
                "keyType": "RSA-HSM",
                "enabled": True,
            }
        return super().new_resource(args)


def hsm_config(**settings: Any) -> dict[str, Any]:
    return valid_config(location=None, managedHsmId=HSM_ID, **settings)


@pytest.fixture(scope="module")
def hsm_run():
    return run_main(hsm_config(), mocks=HsmMocks())


def test_hsm_program_declares_key_sp_role_app_and_byok_and_no_vault(hsm_run):
    assert sorted(hsm_run.types()) == sorted([HSM_KEY, SP, HSM_ROLE, APP, BYOK])
    assert not {GROUP, VAULT, KEY, ROLE} & set(hsm_run.types())


def test_hsm_program_looks_the_hsm_up_by_its_arm_id(hsm_run):
    [lookup] = hsm_run.invoked(GET_MANAGED_HSM)
    assert (lookup.args["name"], lookup.args["resourceGroupName"]) == ("hsm-shared", "rg-security")


def test_hsm_program_key_is_made_in_the_hsm_from_the_settings():
    run = run_main(
        hsm_config(keyName="aep-cmk", keySize=4096, tags=["team=data"]), mocks=HsmMocks()
    )
    key = run.one(HSM_KEY)
    wired = {name: key.inputs.get(name) for name in ("hsmUri", "keyName", "keySize", "tags")}
    assert wired == {
        "hsmUri": HSM_URI,
        "keyName": "aep-cmk",
        "keySize": 4096,
        "tags": {"team": "data"},
    }, key.urn
    assert key.protect and key.retain_on_delete, key.urn


def test_hsm_program_role_is_local_on_the_key_for_adobes_principal(hsm_run):
    role, sp = hsm_run.one(HSM_ROLE), hsm_run.one(SP)
    object_id = sp.outputs["objectId"]
    scope = "/keys/adobe-cmk"
    assert role.inputs["hsmUri"] == HSM_URI
    assert role.inputs["scope"] == scope
    assert role.inputs["principalId"] == object_id
    assert role.inputs["roleDefinitionId"] == HSM_CRYPTO_SERVICE_ENCRYPTION_USER
    assert role.inputs["assignmentName"] == stack_grant_name(
        ("", PROJECT, STACK, ORG_ID), HSM_URI, scope, object_id, HSM_CRYPTO_SERVICE_ENCRYPTION_USER
    )
    assert role.protect and not role.retain_on_delete, role.urn
    assert sp.protect and sp.retain_on_delete, sp.urn


def test_hsm_program_two_stacks_on_one_hsm_name_their_assignments_apart(hsm_run):
    # Same HSM, same default key name, same Adobe principal: before the seed, one shared name,
    # which the second stack adopted and its destroy deleted (issue 20, item 4).
    other = run_main(hsm_config(), mocks=HsmMocks(), stack="brand-b").one(HSM_ROLE)
    mine = hsm_run.one(HSM_ROLE)
    assert mine.inputs["principalId"] == other.inputs["principalId"]
    shared = role_assignment_name(
        f"{HSM_URI}/keys/adobe-cmk", mine.inputs["principalId"], HSM_CRYPTO_SERVICE_ENCRYPTION_USER
    )
    names = {mine.inputs["assignmentName"], other.inputs["assignmentName"], shared}
    assert len(names) == 3
    again = run_main(hsm_config(), mocks=HsmMocks()).one(HSM_ROLE)
    assert again.inputs["assignmentName"] == mine.inputs["assignmentName"]


def test_hsm_program_two_adobe_orgs_with_one_stack_name_on_one_hsm_name_apart(hsm_run):
    # Two repositories (or two DIY backends) each with stack `dev` of project adobe-cmk, for two
    # Adobe organisations, on one HSM: the Adobe org id tells their assignments apart.
    other_org = "FEDC9876BA54@AdobeOrg"
    other = run_main(hsm_config(orgId=other_org), mocks=HsmMocks()).one(HSM_ROLE)
    mine = hsm_run.one(HSM_ROLE)
    assert (mine.inputs["scope"], mine.inputs["principalId"]) == (
        other.inputs["scope"],
        other.inputs["principalId"],
    )
    assert mine.inputs["assignmentName"] != other.inputs["assignmentName"]


def test_hsm_program_a_stack_named_before_the_org_id_keeps_its_assignment(hsm_run):
    # What `up` of this program sends for a stack whose state holds the name derived without
    # the Adobe org id, through the real provider server: check keeps the stored name, and diff
    # plans no replacement of the assignment that holds Adobe's access.
    role = hsm_run.one(HSM_ROLE)
    news = {**role.inputs, "__provider": serialized(ManagedHsmRoleAssignmentProvider())}
    scope, principal = news["scope"], news["principalId"]
    before = stack_grant_name(
        ("", PROJECT, STACK, ""), HSM_URI, scope, principal, HSM_CRYPTO_SERVICE_ENCRYPTION_USER
    )
    assert news["assignmentName"] != before
    olds = {**news, "assignmentName": before}
    urn = urn_for(HSM_ROLE, role.name)
    with ProviderHost({}) as host:
        inputs, failures = host.check(urn, news, olds)
        assert failures == [] and inputs["assignmentName"] == before, inputs
        outs = {k: v for k, v in olds.items() if k != "__provider"}
        diff = host.diff(urn, f"{scope}/x/{before}", {**outs, "adopted": False}, inputs)
    assert list(diff.replaces) == [] and diff.changes != diff.DIFF_SOME, diff


def test_hsm_program_normalises_the_hsm_uri_arm_gives():
    run = run_main(hsm_config(), mocks=HsmMocks(hsmUri="https://HSM-Shared.managedhsm.azure.net/"))
    assert run.one(HSM_KEY).inputs["hsmUri"] == HSM_URI
    assert run.one(HSM_ROLE).inputs["hsmUri"] == HSM_URI


def test_hsm_program_byok_waits_for_the_hsm_role_and_takes_the_versioned_kid(hsm_run):
    byok, role, key = hsm_run.one(BYOK), hsm_run.one(HSM_ROLE), hsm_run.one(HSM_KEY)
    assert role.urn in byok.dependencies, byok.urn
    assert byok.inputs["keyIdentifier"] == key.outputs["keyId"]
    assert byok.inputs["keyIdentifier"].startswith(f"{HSM_URI}/keys/adobe-cmk/")


def test_hsm_program_outputs_name_the_hsm(hsm_run):
    out = hsm_run.stack_outputs
    assert (out["vaultId"], out["vaultName"], out["resourceGroupName"]) == (
        HSM_ID,
        "hsm-shared",
        "rg-security",
    )
    assert out["keyResourceId"] == f"{HSM_ID}/keys/adobe-cmk"
    assert out["roleAssignmentId"] == hsm_run.one(HSM_ROLE).id


def test_hsm_program_by_uri_only_skips_the_lookup():
    run = run_main(valid_config(location=None, managedHsmUri=HSM_URI), mocks=HsmMocks())
    assert run.invoked(GET_MANAGED_HSM) == []
    assert run.one(HSM_KEY).inputs["hsmUri"] == HSM_URI
    out = run.stack_outputs
    assert (out["vaultId"], out["vaultName"], out["resourceGroupName"]) == (
        HSM_URI,
        "hsm-shared",
        "",
    )


def test_hsm_program_service_principal_none_declares_no_sp_or_role():
    run = run_main(hsm_config(servicePrincipal="none"), mocks=HsmMocks())
    assert sorted(run.types()) == sorted([HSM_KEY, APP, BYOK])


def test_hsm_program_no_token_or_secret_in_any_registration(hsm_run):
    text = repr([(r.inputs, r.outputs) for r in hsm_run.registrations])
    assert "test-client-secret" not in text and "Bearer" not in text


@pytest.mark.parametrize(
    ("hsm", "fragment"),
    [
        ({"securityDomainProperties": {"activationStatus": "NotActivated"}}, "not activated"),
        ({"enablePurgeProtection": False}, "purge protection"),
        ({"publicNetworkAccess": "Disabled"}, "public network access disabled"),
        (
            {
                "networkAcls": {
                    "defaultAction": "Deny",
                    "bypass": "None",
                    "ipRules": [{"value": "20.88.123.53"}],
                }
            },
            "AzureServices",
        ),
        (
            {
                "networkAcls": {
                    "defaultAction": "Deny",
                    "bypass": "AzureServices",
                    "ipRules": [{"value": "203.0.113.0/24"}],
                }
            },
            "20.88.123.53",
        ),
    ],
)
def test_hsm_program_preview_refuses_an_unusable_hsm_naming_the_setting(hsm, fragment):
    with pytest.raises(pulumi.RunError) as caught:
        run_main(hsm_config(), mocks=HsmMocks(**hsm), preview=True)
    text = str(caught.value)
    assert text.startswith("adobe-cmk:managedHsmId") and fragment in text and "\n" not in text


def test_hsm_program_firewall_with_bypass_and_adobes_address_passes():
    acls = {
        "defaultAction": "Deny",
        "bypass": "AzureServices",
        "ipRules": [{"value": "20.88.123.0/24"}],
    }
    run = run_main(hsm_config(), mocks=HsmMocks(networkAcls=acls), preview=True)
    assert len(run.of_type(HSM_KEY)) == 1
