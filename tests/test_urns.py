"""Every resource's URN (type, name and parent chain), per variant of the program, pinned.

A URN change plans a replacement, and for a protected resource holding Adobe's access that is a
failed ``up`` (or, unprotected, Adobe cut off). So the URN set of each variant the tests know is
recorded in ``tests/fixtures/urns.json`` and any difference fails here: a URN added, removed, or
the same resource under another parent. The set is recorded from ``__main__.py`` under mocks.

A deliberate change (a new feature's resources, or a move made safe with ``aliases``) rewrites the
fixture with ``.venv/bin/python -m tests.test_urns --write``, and the diff shows what moved.

A variant deploys, unless its name says ``other-subscription``, in the subscription of what it
brings (the mocks' client configuration answers that one): a stack that brings a vault or an HSM
from another subscription could not preview before that was supported, so only the same-subscription
variants stand for stacks that exist, and their URNs must never change.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime.mocks import MockCallArgs

from cmk_facts import JOURNEY_ANALYTICS_APPLICATION_ID
from tests.mocks import (
    ADOBE_APP_ID,
    SUBSCRIPTION_ID,
    AzureMocks,
    ProgramRun,
    run_main,
    valid_config,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "urns.json"
SIM_STACK_FILE = Path(__file__).resolve().parent.parent / "Pulumi.sim.yaml"

BYO_SUBSCRIPTION = "77777777-0000-0000-0000-000000000007"
BYO: dict[str, Any] = {
    "existingKeyId": "https://byo-vault.vault.azure.net/keys/byo-key/0123456789abcdef0123456789abcdef",
    "existingVaultId": f"/subscriptions/{BYO_SUBSCRIPTION}/resourceGroups/byo-rg"
    "/providers/Microsoft.KeyVault/vaults/byo-vault",
}
CJA_BYO: dict[str, Any] = {
    "journeyAnalyticsExistingKeyId": "https://cja-vault.vault.azure.net/keys/cja-key/"
    "fedcba9876543210fedcba9876543210",
    "journeyAnalyticsExistingVaultId": "/subscriptions/88888888-0000-0000-0000-000000000008/"
    "resourceGroups/cja-rg/providers/Microsoft.KeyVault/vaults/cja-vault",
}
HSM_SUBSCRIPTION = "22222222-0000-0000-0000-000000000002"
HSM_ID = (
    f"/subscriptions/{HSM_SUBSCRIPTION}/resourceGroups/rg-security/providers/"
    "Microsoft.KeyVault/managedHSMs/hsm-shared"
)
HSM_URI = "https://hsm-shared.managedhsm.azure.net"
MONITORED: dict[str, Any] = {
    "keyAccessMonitoring": True,
    "monitoringEmails": ["secops@example.com"],
}


def existing_monitoring(subscription: str = SUBSCRIPTION_ID) -> dict[str, Any]:
    """Monitoring to an existing workspace and action group in ``subscription``."""
    return {
        "keyAccessMonitoring": True,
        "monitoringWorkspaceId": f"/subscriptions/{subscription}/resourceGroups/"
        "ops-rg/providers/Microsoft.OperationalInsights/workspaces/ops-logs",
        "monitoringActionGroupId": f"/subscriptions/{subscription}/"
        "resourceGroups/ops-rg/providers/microsoft.insights/actionGroups/secops",
    }


EXISTING_MONITORING = existing_monitoring()
#: A management subscription holding a central workspace, apart from every key's.
MANAGEMENT_SUBSCRIPTION = "33333333-0000-0000-0000-000000000003"
CONSENTED = {ADOBE_APP_ID: "0f0f0f0f-1111-2222-3333-444444444444"}


class HsmLookupMocks(AzureMocks):
    """AzureMocks that also answer the Managed HSM lookup with an active, usable HSM."""

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == "azure-native:keyvault:getManagedHsm":
            self.calls.append(args)
            refused = self.refusal(args, args.args["name"])
            if refused:
                return {}, refused
            properties = {
                "hsmUri": f"{HSM_URI}/",
                "enablePurgeProtection": True,
                "publicNetworkAccess": "Enabled",
                "securityDomainProperties": {"activationStatus": "Active"},
            }
            return {"id": HSM_ID, "name": "hsm-shared", "properties": properties}, []
        return super().call(args)


def _sim_config() -> dict[str, Any]:
    return dict(yaml.safe_load(SIM_STACK_FILE.read_text(encoding="utf-8"))["config"])


def _run(
    mocks: Callable[[], AzureMocks] = AzureMocks,
    *,
    preview: bool = False,
    environ: Mapping[str, str] | None = None,
    **settings: Any,
) -> Callable[[], ProgramRun]:
    return lambda: run_main(
        valid_config(**settings), mocks=mocks(), preview=preview, environ=environ
    )


def _hsm(
    mocks: Callable[[], AzureMocks] = lambda: HsmLookupMocks(subscription_id=HSM_SUBSCRIPTION),
    **settings: Any,
) -> Callable[[], ProgramRun]:
    return _run(mocks, location=None, managedHsmId=HSM_ID, **settings)


def _consented() -> AzureMocks:
    return AzureMocks(service_principals=CONSENTED)


def _deploying_in(subscription: str) -> Callable[[], AzureMocks]:
    """Mocks whose client configuration (the deploying subscription) is ``subscription``."""
    return lambda: AzureMocks(subscription_id=subscription)


def _elsewhere(
    mocks: type[AzureMocks] = AzureMocks, workspace_in: str | None = None
) -> Callable[[], AzureMocks]:
    """Mocks deploying in the default subscription, with the brought vault and HSM (and the
    workspace ``ops-logs``, when ``workspace_in`` says where) found only in their own
    subscriptions."""
    where = {"byo-vault": BYO_SUBSCRIPTION, "hsm-shared": HSM_SUBSCRIPTION}
    if workspace_in is not None:
        where["ops-logs"] = workspace_in
    return lambda: mocks(located=where)


#: Every variant the tests know, and the combinations they use, by a stable name.
VARIANTS: dict[str, Callable[[], ProgramRun]] = {
    "default": _run(),
    "default-preview": _run(preview=True),
    "firewall": _run(allowedIpRanges=["203.0.113.7", "198.51.100.0/24"]),
    "rsa-hsm-key-scope-firewall": _run(
        allowedIpRanges=["203.0.113.7"], keyType="RSA-HSM", keySize=4096, roleScope="key"
    ),
    "key-scope": _run(roleScope="key"),
    "rotation": _run(keyRotationDays=90, keyExpiryDays=120),
    "existing-resource-group": _run(createResourceGroup=False, resourceGroupName="rg-security"),
    "named-vault-tags": _run(keyVaultName="kv-adobe-cmk-prod", tags=["owner=team-a"]),
    "unprotected": _run(protect=False),
    "existing-service-principal": _run(_consented, servicePrincipal="existing"),
    "access-elsewhere": _run(servicePrincipal="none"),
    "brought-key": _run(_deploying_in(BYO_SUBSCRIPTION), **BYO),
    "brought-key-key-scope": _run(_deploying_in(BYO_SUBSCRIPTION), roleScope="key", **BYO),
    "brought-key-other-subscription": _run(_elsewhere(), **BYO),
    "brought-key-access-elsewhere": _run(servicePrincipal="none", **BYO),
    "offline": lambda: run_main(
        valid_config(
            servicePrincipal="none", platformUrl="http://127.0.0.1:8089", location=None, **BYO
        )
    ),
    "sim-stack": lambda: run_main(
        _sim_config(), environ={"ADOBE_CLIENT_SECRET": "sim-client-secret"}
    ),
    "hsm": _hsm(),
    "hsm-preview": _hsm(preview=True),
    "hsm-by-uri": _run(location=None, managedHsmUri=HSM_URI),
    "hsm-existing-service-principal": _hsm(
        lambda: HsmLookupMocks(subscription_id=HSM_SUBSCRIPTION, service_principals=CONSENTED),
        servicePrincipal="existing",
    ),
    "hsm-access-elsewhere": _hsm(servicePrincipal="none"),
    "hsm-other-subscription": _hsm(_elsewhere(HsmLookupMocks)),
    "journey-analytics": _run(journeyAnalyticsKey=True),
    "journey-analytics-preview": _run(preview=True, journeyAnalyticsKey=True),
    "journey-analytics-named-vault": _run(
        journeyAnalyticsKey=True, journeyAnalyticsVaultName="contoso-cja"
    ),
    "journey-analytics-key-scope": _run(journeyAnalyticsKey=True, roleScope="key"),
    "journey-analytics-access-elsewhere": _run(journeyAnalyticsKey=True, servicePrincipal="none"),
    "journey-analytics-existing-service-principal": _run(
        lambda: AzureMocks(
            service_principals={
                **CONSENTED,
                JOURNEY_ANALYTICS_APPLICATION_ID: "0a0a0a0a-1111-2222-3333-444444444444",
            }
        ),
        journeyAnalyticsKey=True,
        servicePrincipal="existing",
    ),
    "journey-analytics-brought": _run(journeyAnalyticsKey=True, **CJA_BYO),
    "journey-analytics-both-brought": _run(
        _deploying_in(BYO_SUBSCRIPTION), journeyAnalyticsKey=True, **BYO, **CJA_BYO
    ),
    "journey-analytics-next-to-hsm": _run(
        journeyAnalyticsKey=True, managedHsmUri=HSM_URI, **CJA_BYO
    ),
    "monitoring": _run(**MONITORED),
    "monitoring-preview": _run(preview=True, **MONITORED),
    "monitoring-existing-workspace": _run(**EXISTING_MONITORING),
    "monitoring-brought-key": _run(_deploying_in(BYO_SUBSCRIPTION), **MONITORED, **BYO),
    "monitoring-brought-key-other-subscription": _run(_elsewhere(), **MONITORED, **BYO),
    "monitoring-workspace-other-subscription": _run(
        _elsewhere(workspace_in=BYO_SUBSCRIPTION),
        **existing_monitoring(BYO_SUBSCRIPTION),
        **BYO,
    ),
    "monitoring-central-workspace-other-subscription": _run(
        _elsewhere(workspace_in=MANAGEMENT_SUBSCRIPTION),
        **existing_monitoring(MANAGEMENT_SUBSCRIPTION),
    ),
    "monitoring-resource-group": _run(monitoringResourceGroupName="rg-monitoring", **MONITORED),
    "monitoring-access-elsewhere": _run(servicePrincipal="none", **MONITORED),
    "monitoring-journey-analytics": _run(journeyAnalyticsKey=True, **MONITORED),
    "monitoring-hsm": _hsm(**existing_monitoring(HSM_SUBSCRIPTION)),
    "monitoring-hsm-other-subscription": _hsm(
        _elsewhere(HsmLookupMocks, workspace_in=HSM_SUBSCRIPTION),
        **existing_monitoring(HSM_SUBSCRIPTION),
    ),
    "monitoring-firewall-key-scope": _run(
        allowedIpRanges=["203.0.113.7"], roleScope="key", **MONITORED
    ),
}


def urns_of(run: ProgramRun) -> list[list[str]]:
    """Each registration as ``[urn, parent urn]``, sorted (registration order is not a URN's)."""
    return sorted([r.urn, r.parent] for r in run.registrations)


def recorded() -> dict[str, list[list[str]]]:
    return dict(json.loads(FIXTURE.read_text(encoding="utf-8")))


def differences(expected: list[list[str]], found: list[list[str]]) -> list[str]:
    """What differs, one line per URN: added, removed, or under another parent."""
    want = {urn: parent for urn, parent in expected}
    got = {urn: parent for urn, parent in found}
    lines = [f"added {urn}" for urn in sorted(set(got) - set(want))]
    lines += [f"removed {urn}" for urn in sorted(set(want) - set(got))]
    lines += [
        f"reparented {urn}: {want[urn]!r} -> {got[urn]!r}"
        for urn in sorted(set(want) & set(got))
        if want[urn] != got[urn]
    ]
    if len(found) != len(got):
        lines.append(f"a URN is registered twice: {len(found)} registrations, {len(got)} URNs")
    return lines


def test_urn_fixture_covers_every_variant_and_no_other():
    assert sorted(recorded()) == sorted(VARIANTS), "rewrite with python -m tests.test_urns --write"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_urns_are_unchanged(variant):
    expected = recorded()[variant]
    assert expected, f"{variant}: the fixture records no URN"
    found = urns_of(VARIANTS[variant]())
    problems = differences(expected, found)
    assert not problems, f"{variant}: " + "; ".join(problems)


def test_urn_differences_name_an_added_removed_and_reparented_urn():
    old = [["urn:a", ""], ["urn:b", "urn:a"], ["urn:c", "urn:a"]]
    new = [["urn:a", ""], ["urn:b", ""], ["urn:d", "urn:a"]]
    assert differences(old, new) == [
        "added urn:d",
        "removed urn:c",
        "reparented urn:b: 'urn:a' -> ''",
    ]
    assert differences(old, old) == []


def main() -> None:
    parser = argparse.ArgumentParser(description="Record every variant's URNs (the fixture).")
    parser.add_argument("--write", action="store_true", help=f"rewrite {FIXTURE}")
    args = parser.parse_args()
    found = {name: urns_of(run()) for name, run in sorted(VARIANTS.items())}
    text = json.dumps(found, indent=1) + "\n"
    if args.write:
        FIXTURE.parent.mkdir(exist_ok=True)
        FIXTURE.write_text(text, encoding="utf-8")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
