"""Role assignments (ARM ``Microsoft.Authorization/roleAssignments``, API 2022-04-01), with the
rules Azure applies to them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tests.azure_standins.arm import ArmError, ArmResource, Context, iso, not_found

#: Built-in roles Azure knows here, by GUID (learn.microsoft.com/azure/role-based-access-control/
#: built-in-roles): what a role definition id must name.
BUILT_IN_ROLES = {
    "e147488a-f6f5-4113-8e2d-b22465e65bf6": "Key Vault Crypto Service Encryption User",
    "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": "Key Vault Crypto Officer",
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
    "12338af0-0e69-4776-bea7-57ae8d297424": "Key Vault Crypto User",
}
_ROLE_DEFINITION = re.compile(
    r"/subscriptions/[^/]+/providers/Microsoft\.Authorization/roleDefinitions/(?P<guid>[0-9a-f-]{36})",
    re.IGNORECASE)
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.IGNORECASE)


class RoleAssignment(ArmResource):
    token = "azure-native:authorization:RoleAssignment"
    output_names = ("azureApiVersion", "condition", "conditionVersion", "createdBy", "createdOn",
                    "delegatedManagedIdentityResourceId", "description", "name", "principalId",
                    "principalType", "roleDefinitionId", "scope", "systemData", "type",
                    "updatedBy", "updatedOn")
    path = "{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}"
    arm_type = "Microsoft.Authorization/roleAssignments"
    api_version = "2022-04-01"
    autoname = ("roleAssignmentName", "uuid")
    has_location = False
    # An assignment's principal, role and scope cannot change: ARM refuses with
    # RoleAssignmentUpdateNotPermitted ("Tenant ID, application ID, principal ID, and scope are
    # not allowed to be updated", learn.microsoft.com/azure/role-based-access-control/
    # troubleshooting); a new one is made instead.
    force_new = frozenset({"principalId", "roleDefinitionId", "principalType"})
    input_keys = ("principalId", "principalType", "roleDefinitionId", "description",
                  "condition", "conditionVersion", "delegatedManagedIdentityResourceId")

    def put(self, ctx: Context, resource_id: str, inputs: Mapping[str, Any],
            existing: dict[str, Any] | None) -> dict[str, Any]:
        scope = str(inputs["scope"])
        name = str(inputs["roleAssignmentName"])
        if not _GUID.match(name):
            raise ArmError(400, "InvalidRoleAssignmentId",
                           f"The role assignment ID '{name}' is not valid. The role assignment "
                           "ID must be a GUID.")
        if _scope_missing(ctx, scope):
            raise not_found(scope)
        role = str(inputs.get("roleDefinitionId", ""))
        match = _ROLE_DEFINITION.fullmatch(role)
        if match is None or match["guid"].lower() not in BUILT_IN_ROLES:
            raise ArmError(400, "RoleDefinitionDoesNotExist",
                           f"The specified role definition with ID '{role}' does not exist.")
        principal = str(inputs["principalId"])
        # A principal made a moment ago may not have replicated yet; with principalType set,
        # ARM does not look it up (learn.microsoft.com/azure/role-based-access-control/
        # role-assignments-template, "New service principal").
        if not inputs.get("principalType") and not _principal_exists(ctx, principal):
            raise ArmError(400, "PrincipalNotFound",
                           f"Principal {principal} does not exist in the directory "
                           f"{ctx.state['client']['tenantId']}.")
        same = {"principalId": principal.lower(), "roleDefinitionId": role.lower(),
                "scope": scope.lower()}
        if existing is not None:
            if _identity(existing) != same:
                raise ArmError(400, "RoleAssignmentUpdateNotPermitted",
                               "Tenant ID, application ID, principal ID, and scope are not "
                               "allowed to be updated.")
            return {**existing, "description": inputs.get("description"),
                    "updatedOn": iso(ctx.now)}
        # One principal holds a role at a scope once (troubleshooting: RoleAssignmentExists,
        # "The role assignment already exists").
        for other in ctx.state["resources"].values():
            if other["type"] == self.token and _identity(other["outputs"]) == same:
                raise ArmError(409, "RoleAssignmentExists", "The role assignment already exists.")
        now = iso(ctx.now)
        who = ctx.state["client"]["objectId"]
        return {**self.outputs(resource_id, self.body(inputs)), "scope": scope,
                "createdOn": now, "updatedOn": now, "createdBy": who, "updatedBy": who}

    def body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in super().body(inputs).items() if k != "scope"}


def _identity(outputs: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(outputs.get(k, "")).lower()
            for k in ("principalId", "roleDefinitionId", "scope")}


def _scope_missing(ctx: Context, scope: str) -> bool:
    """A scope is a subscription, or a resource (group, vault, key) Azure holds."""
    if re.fullmatch(r"/subscriptions/[^/]+", scope, re.IGNORECASE):
        return False
    return ctx.find(scope) is None


def _principal_exists(ctx: Context, object_id: str) -> bool:
    return any(r["outputs"].get("objectId", "").lower() == object_id.lower()
               for r in ctx.state["resources"].values())
