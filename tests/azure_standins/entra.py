"""Entra ID's service principals, as the azuread stand-in serves them (``azuread`` 6.x, the
Terraform provider bridged: ``azuread_service_principal`` and its data source).

Rules, from the Terraform provider's documentation (registry.terraform.io/providers/hashicorp/
azuread, resource ``azuread_service_principal``): ``client_id`` is fixed for the life of the
principal (ForceNew); with ``use_existing`` a principal that already exists for the application is
adopted instead of failing; the id is ``/servicePrincipals/<object id>``. The stand-in keeps the
old inputs on refresh and applies only what changed in Entra (as for ARM types), where the bridge
works from Terraform's state: for the two inputs the program sets, the outcome is the same.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from tests.azure_standins.arm import ArmError, ArmResource, Context
from tests.azure_standins.wire import is_unknown

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.IGNORECASE)
#: Where a multi-tenant application's own tenant is, for ``applicationTenantId`` (any tenant but
#: the deployer's: Adobe's applications live in Adobe's).
PUBLISHER_TENANT = "fa7b1b5a-7b34-4387-94ae-d2c178decee1"


class ServicePrincipal(ArmResource):
    token = "azuread:index/servicePrincipal:ServicePrincipal"
    output_names = ("accountEnabled", "alternativeNames", "appRoleAssignmentRequired",
                    "appRoleIds", "appRoles", "applicationTenantId", "clientId", "description",
                    "displayName", "featureTags", "features", "homepageUrl", "loginUrl",
                    "logoutUrl", "notes", "notificationEmailAddresses",
                    "oauth2PermissionScopeIds", "oauth2PermissionScopes", "objectId", "owners",
                    "preferredSingleSignOnMode", "redirectUris", "samlMetadataUrl",
                    "samlSingleSignOn", "servicePrincipalNames", "signInAudience", "tags", "type",
                    "useExisting")
    path = "/servicePrincipals/{objectId}"
    arm_type = "servicePrincipal"
    api_version = ""
    has_location = False
    force_new = frozenset({"clientId"})
    input_keys = ("clientId", "useExisting", "accountEnabled", "appRoleAssignmentRequired",
                  "description", "tags", "owners", "notes")

    @classmethod
    def replace_on(cls) -> frozenset[str]:
        return cls.force_new

    def check(self, ctx: Context, urn: str, olds: Mapping[str, Any], news: dict[str, Any],
              seed: bytes) -> list[str]:
        client_id = news.get("clientId")
        if isinstance(client_id, str) and not is_unknown(client_id) and not _GUID.match(client_id):
            return [f"clientId {client_id!r} is not a valid UUID"]
        return [] if client_id is not None else ["Missing required property 'clientId'"]

    def create(self, ctx: Context, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        client_id = str(inputs["clientId"])
        found = find_by_client_id(ctx, client_id)
        if found is not None:
            if not inputs.get("useExisting"):
                raise ArmError(409, "Conflict",
                               f"An existing service principal with client ID {client_id!r} was "
                               "found; set use_existing to adopt it")
            return found["id"], {**found["outputs"], "useExisting": True}
        object_id = str(uuid.uuid4())
        resource_id = f"/servicePrincipals/{object_id}"
        return resource_id, principal_outputs(client_id, object_id,
                                              use_existing=bool(inputs.get("useExisting")))

    def put(self, ctx: Context, resource_id: str, inputs: Mapping[str, Any],
            existing: dict[str, Any] | None) -> dict[str, Any]:
        if existing is None:
            raise ArmError(404, "Request_ResourceNotFound",
                           f"Resource '{resource_id}' does not exist")
        return {**existing, **{k: v for k, v in inputs.items() if k in self.input_keys}}

    def body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in inputs.items() if not k.startswith("__")}


def principal_outputs(client_id: str, object_id: str, *, use_existing: bool = False,
                      display_name: str | None = None) -> dict[str, Any]:
    """A service principal as the provider answers it."""
    return {
        "id": f"/servicePrincipals/{object_id}", "objectId": object_id, "clientId": client_id,
        "displayName": display_name or f"application {client_id}",
        "applicationTenantId": PUBLISHER_TENANT, "accountEnabled": True,
        "appRoleAssignmentRequired": False, "servicePrincipalNames": [client_id],
        "type": "Application", "useExisting": use_existing, "tags": [], "alternativeNames": [],
        "appRoles": [], "oauth2PermissionScopes": [], "owners": [],
    }


def find_by_client_id(ctx: Context, client_id: str) -> dict[str, Any] | None:
    for record in ctx.state["resources"].values():
        if record["type"] == ServicePrincipal.token and \
                record["outputs"]["clientId"].lower() == client_id.lower():
            return record
    return None


def get_service_principal(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    """``azuread.getServicePrincipal`` by client id (what the program asks)."""
    client_id = str(args.get("clientId", ""))
    found = find_by_client_id(ctx, client_id)
    if found is None:
        raise ArmError(404, "Request_ResourceNotFound",
                       f"No service principal found for application ID: {client_id!r}")
    return dict(found["outputs"])
