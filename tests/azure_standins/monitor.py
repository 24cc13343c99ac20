"""The resource group and key-access monitoring's types: a Log Analytics workspace, an action
group, a diagnostic setting and the two kinds of alert rule (ARM), as Azure stores them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from tests.azure_standins.arm import ArmResource, Context, iso, not_found

#: The top-level outputs that are no input (Read's projection of a flattened type drops them).
_OUTPUT_ONLY = ("id", "name", "type", "azureApiVersion", "systemData", "etag")


class ResourceGroup(ArmResource):
    token = "azure-native:resources:ResourceGroup"
    output_names = ("azureApiVersion", "location", "managedBy", "name", "properties", "tags",
                    "type")
    path = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
    arm_type = "Microsoft.Resources/resourceGroups"
    api_version = "2024-03-01"
    autoname = ("resourceGroupName", "random")
    # A group's location is where its metadata lives and cannot change (learn.microsoft.com/
    # azure/azure-resource-manager/management/manage-resource-groups-portal).
    force_new = frozenset({"location"})
    input_keys = ("location", "tags", "managedBy")

    def put(self, ctx: Context, resource_id: str, inputs: Mapping[str, Any],
            existing: dict[str, Any] | None) -> dict[str, Any]:
        return {**self.outputs(resource_id, self.body(inputs)),
                "properties": {"provisioningState": "Succeeded"}}

    def delete(self, ctx: Context, resource_id: str) -> None:
        """Deleting a group deletes what is in it (its vaults soft-deleted, as a vault is)."""
        from tests.azure_standins.resource_types import TYPES

        prefix = resource_id.lower() + "/"
        for key, record in list(ctx.state["resources"].items()):
            if key.startswith(prefix) and key in ctx.state["resources"]:
                TYPES[record["type"]].delete(ctx, record["id"])
        ctx.forget(resource_id)


class _Flattened(ArmResource):
    """A type whose ``properties`` the SDK flattens: every top-level input is an input key."""

    input_keys = ()

    def to_inputs(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        from tests.azure_standins.diffing import project

        keys = [k for k in outputs if k not in _OUTPUT_ONLY]
        return project(outputs, keys, self.read_only)


class Workspace(_Flattened):
    token = "azure-native:operationalinsights:Workspace"
    output_names = ("azureApiVersion", "createdDate", "customerId",
                    "defaultDataCollectionRuleResourceId", "etag", "features", "forceCmkForQuery",
                    "identity", "location", "modifiedDate", "name", "privateLinkScopedResources",
                    "provisioningState", "publicNetworkAccessForIngestion",
                    "publicNetworkAccessForQuery", "retentionInDays", "sku", "systemData", "tags",
                    "type", "workspaceCapping")
    path = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            "Microsoft.OperationalInsights/workspaces/{workspaceName}")
    arm_type = "Microsoft.OperationalInsights/workspaces"
    api_version = "2023-09-01"
    autoname = ("workspaceName", "random")
    force_new = frozenset({"location"})
    read_only = ("customerId", "provisioningState", "createdDate", "modifiedDate",
                 "sku.lastSkuUpdate")

    def put(self, ctx: Context, resource_id: str, inputs: Mapping[str, Any],
            existing: dict[str, Any] | None) -> dict[str, Any]:
        self.require_parent(ctx, inputs)
        held = existing or {}
        now = iso(ctx.now)
        body = self.body(inputs)
        return {**self.outputs(resource_id, body),
                "sku": {**(body.get("sku") or {}), "lastSkuUpdate": now},
                "customerId": held.get("customerId") or str(uuid.uuid4()),
                "provisioningState": "Succeeded",
                "publicNetworkAccessForIngestion": body.get("publicNetworkAccessForIngestion",
                                                            "Enabled"),
                "publicNetworkAccessForQuery": body.get("publicNetworkAccessForQuery", "Enabled"),
                "createdDate": held.get("createdDate") or now, "modifiedDate": now}


class ActionGroup(_Flattened):
    token = "azure-native:monitor:ActionGroup"
    output_names = ("armRoleReceivers", "automationRunbookReceivers", "azureApiVersion",
                    "azureAppPushReceivers", "azureFunctionReceivers", "emailReceivers",
                    "enabled", "eventHubReceivers", "groupShortName", "identity",
                    "incidentReceivers", "itsmReceivers", "location", "logicAppReceivers", "name",
                    "smsReceivers", "systemData", "tags", "type", "voiceReceivers",
                    "webhookReceivers")
    path = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            "Microsoft.Insights/actionGroups/{actionGroupName}")
    arm_type = "Microsoft.Insights/ActionGroups"
    api_version = "2024-10-01-preview"
    autoname = ("actionGroupName", "random")
    read_only = ("emailReceivers[].status",)

    def put(self, ctx: Context, resource_id: str, inputs: Mapping[str, Any],
            existing: dict[str, Any] | None) -> dict[str, Any]:
        self.require_parent(ctx, inputs)
        body = self.body(inputs)
        # Azure answers each receiver with its status (ActionGroup schema: EmailReceiver.status,
        # read-only).
        receivers = [{**r, "status": "Enabled"} for r in body.get("emailReceivers") or []]
        return {**self.outputs(resource_id, body), "emailReceivers": receivers}


class DiagnosticSetting(_Flattened):
    token = "azure-native:monitor:DiagnosticSetting"
    output_names = ("azureApiVersion", "eventHubAuthorizationRuleId", "eventHubName",
                    "logAnalyticsDestinationType", "logs", "marketplacePartnerId", "metrics",
                    "name", "serviceBusRuleId", "storageAccountId", "systemData", "type",
                    "workspaceId")
    path = "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}"
    arm_type = "Microsoft.Insights/diagnosticSettings"
    api_version = "2021-05-01-preview"
    autoname = ("name", "copy")
    has_location = False
    read_only = ("logs[].retentionPolicy", "metrics[].retentionPolicy")

    def put(self, ctx: Context, resource_id: str, inputs: Mapping[str, Any],
            existing: dict[str, Any] | None) -> dict[str, Any]:
        if ctx.find(str(inputs["resourceUri"])) is None:
            raise not_found(str(inputs["resourceUri"]))
        body = {k: v for k, v in self.body(inputs).items() if k != "resourceUri"}
        # The API answers every category with the retention policy it no longer applies
        # (2021-05-01-preview: RetentionPolicy, days 0, enabled false by default).
        off = {"days": 0, "enabled": False}
        for kind in ("logs", "metrics"):
            if body.get(kind):
                body[kind] = [{"retentionPolicy": off, **item} for item in body[kind]]
        return self.outputs(resource_id, body)

    def body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in super().body(inputs).items() if k != "resourceUri"}


class ScheduledQueryRule(_Flattened):
    token = "azure-native:monitor:ScheduledQueryRule"
    output_names = ("actions", "autoMitigate", "azureApiVersion",
                    "checkWorkspaceAlertsStorageConfigured", "createdWithApiVersion", "criteria",
                    "description", "displayName", "enabled", "etag", "evaluationFrequency",
                    "identity", "isLegacyLogAnalyticsRule", "isWorkspaceAlertsStorageConfigured",
                    "kind", "location", "muteActionsDuration", "name", "overrideQueryTimeRange",
                    "resolveConfiguration", "scopes", "severity", "skipQueryValidation",
                    "systemData", "tags", "targetResourceTypes", "type", "windowSize")
    path = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            "Microsoft.Insights/scheduledQueryRules/{ruleName}")
    arm_type = "microsoft.insights/scheduledqueryrules"
    api_version = "2025-01-01-preview"
    autoname = ("ruleName", "random")
    force_new = frozenset({"location"})
    read_only = ("isWorkspaceAlertsStorageConfigured", "createdWithApiVersion",
                 "isLegacyLogAnalyticsRule")

    def put(self, ctx: Context, resource_id: str, inputs: Mapping[str, Any],
            existing: dict[str, Any] | None) -> dict[str, Any]:
        self.require_parent(ctx, inputs)
        for scope in inputs.get("scopes") or []:
            if ctx.find(str(scope)) is None:
                raise not_found(str(scope))
        return {**self.outputs(resource_id, self.body(inputs)),
                "isWorkspaceAlertsStorageConfigured": False, "isLegacyLogAnalyticsRule": False,
                "createdWithApiVersion": self.api_version}


class ActivityLogAlert(_Flattened):
    token = "azure-native:monitor:ActivityLogAlert"
    output_names = ("actions", "azureApiVersion", "condition", "description", "enabled",
                    "location", "name", "scopes", "tags", "type")
    path = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            "Microsoft.Insights/activityLogAlerts/{activityLogAlertName}")
    arm_type = "Microsoft.Insights/ActivityLogAlerts"
    api_version = "2020-10-01"
    autoname = ("activityLogAlertName", "random")
