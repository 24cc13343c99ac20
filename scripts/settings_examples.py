"""One example per declared setting, for docs/settings.md (scripts/settings_table.py renders them;
tests/test_docs.py checks that each is accepted by the settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Example:
    """One example value of a setting, with the other settings it needs to be valid."""

    value: Any
    needs: dict[str, Any] = field(default_factory=dict)
    note: str = ""


#: One example per declared key; a key without one fails the generator.
EXAMPLES: dict[str, Example] = {
    "orgId": Example("1234ABCD5678@AdobeOrg"),
    "region": Example("nld2", note="Platform API at https://platform-nld2.adobe.io"),
    "platformUrl": Example("http://127.0.0.1:8181", note="the local simulator"),
    "imsUrl": Example("http://127.0.0.1:8181/ims/token/v3", note="the local simulator's IMS"),
    "clientId": Example("0123456789abcdef0123456789abcdef"),
    "clientSecret": Example("p8e-EXAMPLE", note="prompts for the value"),
    "accessToken": Example("eyJEXAMPLE", note="prompts for the value"),
    "scopes": Example("openid,AdobeID,read_organizations,additional_info.projectedProductContext"),
    "apiKey": Example(
        "0123456789abcdef0123456789abcdef", note="the credential's client id, if Adobe asks"
    ),
    "apiGeneration": Example("beta"),
    "configName": Example("aep-cmk-prod"),
    "waitTimeoutMinutes": Example(240),
    "failedResends": Example(0, note="never send a FAILED job again"),
    "tenantId": Example("72f988bf-86f1-41af-91ab-2d7cd011db47"),
    "location": Example("westeurope"),
    "createResourceGroup": Example(False, needs={"resourceGroupName": "rg-adobe-cmk"}),
    "resourceGroupName": Example("rg-adobe-cmk"),
    "tags": Example(["owner=platform-team", "cost-center=1234"]),
    "keyVaultName": Example("kv-adobe-cmk-prod"),
    "keyVaultSku": Example("premium"),
    "keyName": Example("aep-cmk"),
    "keyType": Example("RSA-HSM"),
    "keySize": Example(4096),
    "keyRotationDays": Example(365),
    "keyExpiryDays": Example(455, needs={"keyRotationDays": 365}),
    "keyNotifyDaysBeforeExpiry": Example(60, needs={"keyRotationDays": 365, "keyExpiryDays": 455}),
    "allowedIpRanges": Example(["203.0.113.0/24", "198.51.100.7"]),
    "existingKeyId": Example(
        "https://kv-made-by-hand.vault.azure.net/keys/aep-cmk/0123456789abcdef0123456789abcdef",
        needs={
            "existingVaultId": "/subscriptions/00000000-0000-0000-0000-000000000000/"
            "resourceGroups/rg-made-by-hand/providers/Microsoft.KeyVault/vaults/kv-made-by-hand"
        },
    ),
    "existingVaultId": Example(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-made-by-hand/"
        "providers/Microsoft.KeyVault/vaults/kv-made-by-hand",
        needs={
            "existingKeyId": "https://kv-made-by-hand.vault.azure.net/keys/aep-cmk/"
            "0123456789abcdef0123456789abcdef"
        },
    ),
    "managedHsmId": Example(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-security/"
        "providers/Microsoft.KeyVault/managedHSMs/hsm-shared"
    ),
    "managedHsmUri": Example("https://hsm-shared.managedhsm.azure.net"),
    "servicePrincipal": Example("existing"),
    "journeyAnalyticsKey": Example(True, note="Customer Journey Analytics, Journey Optimizer"),
    "journeyAnalyticsVaultName": Example("kv-adobe-cja-prod", needs={"journeyAnalyticsKey": True}),
    "journeyAnalyticsExistingKeyId": Example(
        "https://kv-cja-by-hand.vault.azure.net/keys/cja-cmk/0123456789abcdef0123456789abcdef",
        needs={
            "journeyAnalyticsKey": True,
            "journeyAnalyticsExistingVaultId": "/subscriptions/00000000-0000-0000-0000-"
            "000000000000/resourceGroups/rg-made-by-hand/providers/Microsoft.KeyVault/vaults/"
            "kv-cja-by-hand",
        },
    ),
    "journeyAnalyticsExistingVaultId": Example(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-made-by-hand/"
        "providers/Microsoft.KeyVault/vaults/kv-cja-by-hand",
        needs={
            "journeyAnalyticsKey": True,
            "journeyAnalyticsExistingKeyId": "https://kv-cja-by-hand.vault.azure.net/keys/cja-cmk/"
            "0123456789abcdef0123456789abcdef",
        },
    ),
    "roleScope": Example("key"),
    "protect": Example(False),
    "keyAccessMonitoring": Example(
        True, needs={"monitoringEmails": ["secops@example.com"]}, note="with who to tell"
    ),
    "monitoringWorkspaceId": Example(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/"
        "Microsoft.OperationalInsights/workspaces/law-security",
        needs={"keyAccessMonitoring": True, "monitoringEmails": ["secops@example.com"]},
    ),
    "monitoringResourceGroupName": Example(
        "rg-security-monitoring",
        needs={"keyAccessMonitoring": True, "monitoringEmails": ["secops@example.com"]},
    ),
    "monitoringActionGroupId": Example(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/"
        "Microsoft.Insights/actionGroups/ag-secops",
        needs={"keyAccessMonitoring": True},
    ),
    "monitoringEmails": Example(
        ["secops@example.com", "key-owner@example.com"], needs={"keyAccessMonitoring": True}
    ),
}
