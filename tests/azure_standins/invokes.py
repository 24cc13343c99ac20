"""The functions (invokes) the program calls, per plugin, and how Azure answers them.

azure-native's lookups build the ARM id from the arguments and the provider's *own* subscription
(``provider.go`` ``Invoke``: ``PrepareAzureRESTIdAndQuery`` with ``subscriptionId`` the
configured one), then GET it: a resource in another subscription is not found. A missing resource
fails the invoke with ARM's 404, as the real provider does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tests.azure_standins.arm import ArmError, Context, not_found
from tests.azure_standins.entra import get_service_principal

Invoke = Callable[[Context, Mapping[str, Any]], dict[str, Any]]


def get_client_config(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    return dict(ctx.state["client"])


def _lookup(path: str, *names: str) -> Invoke:
    def invoke(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
        missing = [n for n in names if not args.get(n)]
        if missing:
            raise ArmError(400, "BadRequest", f"missing required argument '{missing[0]}'")
        resource_id = path.format(subscriptionId=ctx.subscription_id, **args)
        found = ctx.find(resource_id)
        if found is None:
            raise not_found(resource_id)
        return {**found["outputs"], "id": found["id"]}

    return invoke


_GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"

AZURE_NATIVE: dict[str, Invoke] = {
    "azure-native:authorization:getClientConfig": get_client_config,
    "azure-native:keyvault:getVault": _lookup(
        _GROUP + "Microsoft.KeyVault/vaults/{vaultName}", "resourceGroupName", "vaultName"),
    "azure-native:keyvault:getKey": _lookup(
        _GROUP + "Microsoft.KeyVault/vaults/{vaultName}/keys/{keyName}",
        "resourceGroupName", "vaultName", "keyName"),
    "azure-native:keyvault:getManagedHsm": _lookup(
        _GROUP + "Microsoft.KeyVault/managedHSMs/{name}", "resourceGroupName", "name"),
    "azure-native:operationalinsights:getWorkspace": _lookup(
        _GROUP + "Microsoft.OperationalInsights/workspaces/{workspaceName}",
        "resourceGroupName", "workspaceName"),
}

AZUREAD: dict[str, Invoke] = {
    "azuread:index/getServicePrincipal:getServicePrincipal": get_service_principal,
}
