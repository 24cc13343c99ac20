"""Key Vault's vaults and keys (ARM, API 2024-11-01), with the rules Azure applies to them.

Each rule is Azure's, cited where it is applied. What a GET answers is what Azure stores, not what
was sent: defaults the service fills in, a key's rotation policy with its action types as Azure
spells them and the ``Notify`` action it adds by itself (:func:`stored_rotation_policy`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from tests.azure_standins.arm import ArmError, ArmResource, Context, iso, not_found
from tests.azure_standins.wire import UNKNOWN

#: What every key gets when none are asked for (the answer recorded from Azure in
#: pulumi-azure-native provider/pkg/provider/testdata/recorded/TestProviderUpgrade/
#: upgrade-keyvault/2.76.0/grpc.json: a key created with only ``kty`` answers these).
DEFAULT_KEY_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
DEFAULT_RSA_SIZE = 2048
#: The Notify action Azure puts in every key's rotation policy that has none: 30 days before
#: expiry (the same recording: a key created without a policy answers
#: ``lifetimeActions: [{trigger: {timeBeforeExpiry: P30D}, action: {type: Notify}}]``; seen in
#: public tools' read-back of real keys too, mondoohq/mql#6357, turbot/steampipe-plugin-azure#931).
DEFAULT_NOTIFY = {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}
#: How Azure spells the action types it stores (the SDK's enum sends ``rotate`` / ``notify``).
ACTION_TYPES = {"rotate": "Rotate", "notify": "Notify"}


class Vault(ArmResource):
    token = "azure-native:keyvault:Vault"
    output_names = ("azureApiVersion", "location", "name", "properties", "systemData", "tags",
                    "type")
    path = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            "Microsoft.KeyVault/vaults/{vaultName}")
    arm_type = "Microsoft.KeyVault/vaults"
    api_version = "2024-11-01"
    autoname = ("vaultName", "random")
    # A vault cannot change region: `location` is create-only in the vault's PUT schema
    # (x-ms-mutability create/read; learn.microsoft.com/azure/key-vault/general/move-region:
    # "Azure Key Vault does not support a resource move across regions").
    force_new = frozenset({"location"})
    read_only = ("properties.vaultUri", "properties.provisioningState",
                 "properties.hsmPoolResourceId", "properties.privateEndpointConnections")

    def preview(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The properties the vault's response type adds unknown too (``PreviewOutputs``
        recurses into typed objects)."""
        out = super().preview(inputs)
        if isinstance(out.get("properties"), dict):
            out["properties"] = {**out["properties"], **dict.fromkeys(
                ("vaultUri", "provisioningState", "hsmPoolResourceId"), UNKNOWN)}
        return out

    def put(self, ctx: Context, resource_id: str, inputs: Mapping[str, Any],
            existing: dict[str, Any] | None) -> dict[str, Any]:
        self.require_parent(ctx, inputs)
        name = str(inputs["vaultName"])
        sent = dict(inputs.get("properties") or {})
        held = (existing or {}).get("properties", {})
        # Vault names are global: one name, one vault in all of Azure, deleted ones included
        # (learn.microsoft.com/azure/key-vault/general/soft-delete-overview: "you can't reuse the
        # name of a key vault that has been soft-deleted until the retention period has passed";
        # with purge protection nobody can purge it sooner, so the name stays reserved).
        for other in ctx.state["resources"].values():
            if (other["type"] == self.token and other["id"].lower() != resource_id.lower()
                    and other["outputs"].get("name", "").lower() == name.lower()):
                raise ArmError(409, "VaultAlreadyExists",
                               f"The vault name '{name}' is already in use.")
        deleted = ctx.state["deletedVaults"].get(name.lower())
        if existing is None and deleted is not None:
            raise ArmError(409, "ConflictError",
                           f"A vault with the same name already exists in deleted state "
                           f"(scheduled purge {deleted['scheduledPurgeDate']}). You need to either "
                           "recover or purge existing key vault.")
        # Purge protection cannot be turned off once on (REST Vaults - Create Or Update,
        # VaultProperties.enablePurgeProtection: "Enabling this functionality is irreversible -
        # that is, the property does not accept false as its value").
        if held.get("enablePurgeProtection") is True and sent.get("enablePurgeProtection") is False:
            raise ArmError(400, "BadRequest",
                           'The property "enablePurgeProtection" cannot be set to false. Enabling '
                           "the purge protection for a vault is an irreversible action.")
        if sent.get("enablePurgeProtection") is False:
            raise ArmError(400, "BadRequest", 'The property "enablePurgeProtection" does not '
                           "accept false as its value.")
        # Soft delete cannot be turned off (the same schema's enableSoftDelete: "Once set to
        # true, it cannot be reverted to false").
        if held.get("enableSoftDelete", True) and sent.get("enableSoftDelete") is False:
            raise ArmError(400, "BadRequest",
                           'The property "enableSoftDelete" cannot be set to false.')
        if held.get("enablePurgeProtection") and "enablePurgeProtection" not in sent:
            sent["enablePurgeProtection"] = True
        stored = {
            "enableSoftDelete": True, "softDeleteRetentionInDays": 90,
            "enabledForDeployment": False, "enableRbacAuthorization": False,
            "publicNetworkAccess": "Enabled", **sent,
            "provisioningState": "Succeeded", "vaultUri": f"https://{name.lower()}.vault.azure.net/",
        }
        body = self.body(inputs)
        return {**self.outputs(resource_id, body), "properties": stored,
                "tags": body.get("tags") or {},
                "systemData": (existing or {}).get("systemData") or _system_data(ctx)}

    def delete(self, ctx: Context, resource_id: str) -> None:
        """A soft delete (the only delete since soft delete became mandatory): the name is held
        for the retention period, and the vault's keys and role assignments go with it."""
        record = ctx.find(resource_id)
        ctx.forget(resource_id)
        if record is None:
            return
        props = record["outputs"].get("properties", {})
        days = int(props.get("softDeleteRetentionInDays") or 90)
        ctx.state["deletedVaults"][record["outputs"]["name"].lower()] = {
            "id": resource_id, "location": record["outputs"].get("location"),
            "purgeProtectionEnabled": bool(props.get("enablePurgeProtection")),
            "deletionDate": iso(ctx.now),
            "scheduledPurgeDate": iso(ctx.now + timedelta(days=days).total_seconds()),
        }
        prefix = resource_id.lower() + "/"
        for key in [k for k in ctx.state["resources"] if k.startswith(prefix)]:
            del ctx.state["resources"][key]


class Key(ArmResource):
    token = "azure-native:keyvault:Key"
    output_names = ("attributes", "azureApiVersion", "curveName", "keyOps", "keySize", "keyUri",
                    "keyUriWithVersion", "kty", "location", "name", "releasePolicy",
                    "rotationPolicy", "tags", "type")
    path = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            "Microsoft.KeyVault/vaults/{vaultName}/keys/{keyName}")
    arm_type = "Microsoft.KeyVault/vaults/keys"
    api_version = "2024-11-01"
    autoname = ("keyName", "copy")
    has_location = False
    # No body property replaces: kty, keySize and the rest are create-and-update in the key's
    # PUT schema (KeyProperties), but the PUT never updates an existing key (Key.put).
    input_keys = ("properties", "tags")

    def put(self, ctx: Context, resource_id: str, inputs: Mapping[str, Any],
            existing: dict[str, Any] | None) -> dict[str, Any]:
        self.require_parent(ctx, inputs)
        vault_id = resource_id.rsplit("/keys/", 1)[0]
        vault = ctx.find(vault_id)
        if vault is None:
            raise not_found(f"Microsoft.KeyVault/vaults/{inputs['vaultName']}")
        # The ARM key PUT is "create if not exist": "If it already exists, then the existing key
        # is returned without any write operations being performed. This API does not create
        # subsequent versions, and does not update existing keys." (REST Keys - Create If Not
        # Exist, learn.microsoft.com/rest/api/keyvault/keyvault/keys/create-if-not-exist)
        if existing is not None:
            return existing
        sent = dict(inputs.get("properties") or {})
        kty = sent.get("kty")
        if kty not in ("RSA", "RSA-HSM", "EC", "EC-HSM"):
            raise ArmError(400, "BadParameter", f"Key type {kty!r} is not valid.")
        # HSM-protected keys need a Premium vault (learn.microsoft.com/azure/key-vault/keys/
        # about-keys: "Premium SKU ... HSM-protected keys").
        if kty.endswith("-HSM") and vault["outputs"]["properties"]["sku"]["name"] != "premium":
            raise ArmError(400, "BadParameter",
                           f"Key type {kty} is not supported by a standard vault.")
        attributes = dict(sent.get("attributes") or {})
        purge_protected = vault["outputs"]["properties"].get("enablePurgeProtection")
        created = int(ctx.now)
        uri = f"{vault['outputs']['properties']['vaultUri'].rstrip('/')}/keys/{inputs['keyName']}"
        return {
            **self.outputs(resource_id, {}),
            "location": vault["outputs"].get("location"),
            "tags": inputs.get("tags") or {},
            "kty": kty,
            "keySize": sent.get("keySize", DEFAULT_RSA_SIZE if kty.startswith("RSA") else None),
            "keyOps": list(sent.get("keyOps") or DEFAULT_KEY_OPS),
            "attributes": {"enabled": attributes.get("enabled", True), "exportable": False,
                           **{k: v for k, v in attributes.items() if k in ("nbf", "exp")},
                           "created": created, "updated": created,
                           "recoveryLevel": "Recoverable" if purge_protected
                           else "Recoverable+Purgeable"},
            "keyUri": uri,
            "keyUriWithVersion": f"{uri}/{uuid.uuid4().hex}",
            "rotationPolicy": stored_rotation_policy(sent.get("rotationPolicy")),
        }

    def to_inputs(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        """The key's inputs nest under ``properties``; its outputs do not."""
        attributes = {k: v for k, v in (outputs.get("attributes") or {}).items()
                      if k not in ("created", "updated", "recoveryLevel")}
        policy = dict(outputs.get("rotationPolicy") or {})
        if isinstance(policy.get("attributes"), dict):
            policy["attributes"] = {k: v for k, v in policy["attributes"].items()
                                    if k not in ("created", "updated")}
        properties = {"kty": outputs.get("kty"), "keySize": outputs.get("keySize"),
                      "keyOps": outputs.get("keyOps"), "curveName": outputs.get("curveName"),
                      "attributes": attributes, "rotationPolicy": policy or None}
        return {"properties": {k: v for k, v in properties.items() if v is not None},
                "tags": outputs.get("tags")}


def stored_rotation_policy(sent: Mapping[str, Any] | None) -> dict[str, Any]:
    """A key's rotation policy as Azure stores and answers it: action types capitalised, and a
    ``Notify`` 30 days before expiry added when the policy has no ``Notify`` of its own."""
    policy = dict(sent or {})
    actions = []
    for action in policy.get("lifetimeActions") or []:
        kind = str((action.get("action") or {}).get("type", ""))
        actions.append({**action, "action": {"type": ACTION_TYPES.get(kind.lower(), kind)}})
    if not any(a["action"]["type"] == "Notify" for a in actions):
        actions.append(dict(DEFAULT_NOTIFY))
    policy["lifetimeActions"] = actions
    return policy


def _system_data(ctx: Context) -> dict[str, Any]:
    who = ctx.state["client"]["objectId"]
    at = iso(ctx.now)
    return {"createdAt": at, "createdBy": who, "createdByType": "Application",
            "lastModifiedAt": at, "lastModifiedBy": who, "lastModifiedByType": "Application"}


def vault_outputs(resource_id: str, location: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    """A vault as a GET answers it, for a test seeding a brought vault."""
    name = resource_id.rsplit("/", 1)[-1]
    return {"name": name, "type": Vault.arm_type, "location": location, "tags": {},
            "properties": {"enableSoftDelete": True, "softDeleteRetentionInDays": 90,
                           "provisioningState": "Succeeded",
                           "vaultUri": f"https://{name}.vault.azure.net/", **properties}}


def key_outputs(vault: Mapping[str, Any], key_id: str, version: str,
                **properties: Any) -> dict[str, Any]:
    """A key as a GET answers it, for a test seeding a brought key in ``vault`` (its outputs)."""
    name = key_id.rsplit("/", 1)[-1]
    uri = f"{vault['properties']['vaultUri'].rstrip('/')}/keys/{name}"
    return {"name": name, "type": Key.arm_type, "location": vault["location"], "tags": {},
            "kty": "RSA", "keySize": 3072, "keyOps": ["wrapKey", "unwrapKey"],
            "attributes": {"enabled": True, "created": 1700000000, "updated": 1700000000,
                           "recoveryLevel": "Recoverable", "exportable": False},
            "keyUri": uri, "keyUriWithVersion": f"{uri}/{version}",
            "rotationPolicy": stored_rotation_policy(None), **properties}


def managed_hsm_outputs(resource_id: str, location: str, hsm_uri: str) -> dict[str, Any]:
    """An activated Managed HSM as ARM answers a GET of it (Microsoft.KeyVault/managedHSMs), for
    a test seeding the HSM a stack brings (the program never creates one)."""
    return {"name": resource_id.rsplit("/", 1)[-1], "type": "Microsoft.KeyVault/managedHSMs",
            "location": location, "tags": {}, "sku": {"family": "B", "name": "Standard_B1"},
            "properties": {"hsmUri": f"{hsm_uri.rstrip('/')}/", "enablePurgeProtection": True,
                           "enableSoftDelete": True, "softDeleteRetentionInDays": 90,
                           "publicNetworkAccess": "Enabled", "provisioningState": "Succeeded",
                           "networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow"},
                           "securityDomainProperties": {"activationStatus": "Active"}}}
