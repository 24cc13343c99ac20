"""CmkKeyVault: an Azure Key Vault and an RSA key that meet Adobe's customer-managed-key rules.

The vault: soft delete on with 90 days' retention, purge protection on (irreversible), Azure RBAC
(the SDK's default is access policies, so it is set explicitly), tenant from the caller, SKU chosen
by the caller (premium for RSA-HSM), and optionally a firewall that denies by default, lets trusted
Azure services bypass and always allows Adobe's address (docs/prerequisites.md). The key: RSA or
RSA-HSM, 3072 bits or more, operations exactly ``wrapKey`` and ``unwrapKey``, enabled, with an
optional rotation policy.

Key identifiers (:class:`KeyReference`), the shapes users copy between systems:

- ``key_id``, versioned, ``https://<vault>.vault.azure.net/keys/<name>/<version>`` (Azure's
  ``keyUriWithVersion``): what Adobe's BYOK configuration takes;
- ``key_id_versionless``, ``https://<vault>.vault.azure.net/keys/<name>`` (Azure's ``keyUri``);
- ``key_resource_id``, the ARM id ``/subscriptions/…/vaults/<vault>/keys/<name>``: a role scope.

ARM creates a key's first version only and never updates an existing key ("create if not
exists"): the key's type, size and rotation policy take effect at creation. A change of type or
size later shows a diff that ``up`` cannot apply; the rotation policy is declared as Key Vault
stores it (:func:`rotation_policy`) and ignored on an existing key, so that neither a refresh nor
a stack made before a change of that declaration ever plans anything for it. Later versions come
from rotation (or a person) and need nothing from Adobe, which keeps the vault and the key name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import pulumi
from pulumi_azure_native import keyvault

from cmk_facts import (
    ADOBE_IP_RULE,
    DEFAULT_NOTIFY_BEFORE_EXPIRY,
    KEY_OPERATIONS,
    KEY_TYPES,
    MIN_KEY_SIZE,
    ROTATION_ACTION_NOTIFY,
    ROTATION_ACTION_ROTATE,
    SOFT_DELETE_RETENTION_DAYS,
)
from components.settings import ExistingKey, KeyRotation

#: The key's property ARM never writes again once the key exists (:func:`rotation_policy`).
ROTATION_POLICY_INPUT = "properties.rotationPolicy"


@dataclass(frozen=True)
class KeyReference:
    """Where the customer-managed key is, whether the program created it or was given it."""

    vault_id: pulumi.Input[str]
    """ARM id of the vault."""
    vault_uri: pulumi.Input[str]
    """``https://<vault>.vault.azure.net/``."""
    key_resource_id: pulumi.Input[str]
    """ARM id of the key (a role-assignment scope)."""
    key_id: pulumi.Input[str]
    """Versioned key identifier, what Adobe takes."""
    key_id_versionless: pulumi.Input[str]
    """Versionless key identifier."""

    def scope_for(self, role_scope: str) -> pulumi.Input[str]:
        """Where Adobe's role is granted for ``adobe-cmk:roleScope``: the vault's ARM id
        (``vault``) or the key's (``key``)."""
        return self.vault_id if role_scope == "vault" else self.key_resource_id

    @classmethod
    def of_existing(cls, key: ExistingKey) -> KeyReference:
        """The reference for a key brought by the user (no resource behind it)."""
        return cls(
            vault_id=key.vault_id,
            vault_uri=key.vault_uri,
            key_resource_id=key.key_resource_id,
            key_id=key.key_id,
            key_id_versionless=key.key_id_versionless,
        )


@dataclass
class CmkKeyVaultArgs:
    """Inputs of :class:`CmkKeyVault`."""

    resource_group_name: pulumi.Input[str]
    """Resource group holding the vault."""
    tenant_id: pulumi.Input[str]
    """Entra tenant that authenticates requests to the vault."""
    sku: str
    """``standard`` or ``premium`` (``premium`` is required for ``RSA-HSM``)."""
    key_name: str
    """Name of the key in the vault; Adobe keeps it, so keep it stable."""
    key_type: str
    """``RSA`` or ``RSA-HSM``."""
    key_size: int
    """Key size in bits, 3072 or more."""
    allowed_ip_ranges: Sequence[str]
    """IPv4 CIDR ranges allowed through the firewall; empty leaves the network open. Adobe's
    address is added whenever it is not empty."""
    tags: Mapping[str, str]
    """Tags for the vault and the key."""
    protect: bool
    """Protect the vault and the key against deletion and replacement."""
    location: pulumi.Input[str] | None = None
    """Azure location; ``None`` lets the provider use the resource group's."""
    vault_name: str | None = None
    """Vault name; ``None`` means auto-named from the resource name (``<name>-vault…``)."""
    rotation: KeyRotation | None = None
    """Rotation policy; ``None`` for none."""


class CmkKeyVault(pulumi.ComponentResource):
    """A Key Vault and a key ready for Adobe (type ``adobe-cmk:index:CmkKeyVault``).

    Children: ``<name>-vault`` (:class:`keyvault.Vault`) and ``<name>-key`` (:class:`keyvault.Key`).
    """

    vault: keyvault.Vault
    key: keyvault.Key
    reference: KeyReference
    args: CmkKeyVaultArgs
    """What it was made from (a second vault made by the same rules starts from these)."""

    def __init__(
        self, name: str, args: CmkKeyVaultArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if args.key_type not in KEY_TYPES:
            raise ValueError(f"key type {args.key_type!r} is not one of {', '.join(KEY_TYPES)}")
        if args.key_size < MIN_KEY_SIZE:
            raise ValueError(f"key size {args.key_size} is under Adobe's {MIN_KEY_SIZE} bits")
        if args.key_type == "RSA-HSM" and args.sku != "premium":
            raise ValueError("an RSA-HSM key needs a premium vault")
        super().__init__("adobe-cmk:index:CmkKeyVault", name, None, opts)
        self.args = args
        child = pulumi.ResourceOptions(parent=self, protect=args.protect)

        self.vault = keyvault.Vault(
            f"{name}-vault",
            resource_group_name=args.resource_group_name,
            vault_name=args.vault_name,
            location=args.location,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=args.tenant_id,
                sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName(args.sku)),
                enable_soft_delete=True,
                soft_delete_retention_in_days=SOFT_DELETE_RETENTION_DAYS,
                enable_purge_protection=True,
                enable_rbac_authorization=True,
                # Ignored under RBAC, but ARM wants the list; empty keeps refresh quiet.
                access_policies=[],
                public_network_access="Enabled",
                network_acls=network_rules(args.allowed_ip_ranges),
            ),
            tags=dict(args.tags),
            opts=child,
        )
        self.key = keyvault.Key(
            f"{name}-key",
            resource_group_name=args.resource_group_name,
            vault_name=self.vault.name,
            key_name=args.key_name,
            properties=keyvault.KeyPropertiesArgs(
                kty=args.key_type,
                key_size=args.key_size,
                key_ops=list(KEY_OPERATIONS),
                attributes=keyvault.KeyAttributesArgs(enabled=True),
                rotation_policy=rotation_policy(args.rotation),
            ),
            tags=dict(args.tags),
            # Only a create sends the policy (ARM's key PUT never updates an existing key): a
            # change of it on a deployed key would be an update Azure ignores, so none is planned.
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(ignore_changes=[ROTATION_POLICY_INPUT])
            ),
        )
        self.reference = KeyReference(
            vault_id=self.vault.id,
            vault_uri=self.vault.properties.vault_uri,
            key_resource_id=self.key.id,
            key_id=self.key.key_uri_with_version,
            key_id_versionless=self.key.key_uri,
        )
        self.register_outputs(
            {
                "vaultId": self.vault.id,
                "vaultUri": self.reference.vault_uri,
                "keyResourceId": self.key.id,
                "keyId": self.key.key_uri_with_version,
                "keyIdVersionless": self.key.key_uri,
            }
        )


def network_rules(allowed_ip_ranges: Sequence[str]) -> keyvault.NetworkRuleSetArgs:
    """Open (``Allow``) when no range is given; otherwise ``Deny`` except trusted Azure services,
    Adobe's address and the given ranges. Every field is explicit so refresh compares like with
    like."""
    if not allowed_ip_ranges:
        return keyvault.NetworkRuleSetArgs(
            bypass="AzureServices", default_action="Allow", ip_rules=[], virtual_network_rules=[]
        )
    rules = [ADOBE_IP_RULE, *(cidr for cidr in allowed_ip_ranges if cidr != ADOBE_IP_RULE)]
    return keyvault.NetworkRuleSetArgs(
        bypass="AzureServices",
        default_action="Deny",
        ip_rules=[keyvault.IPRuleArgs(value=cidr) for cidr in rules],
        virtual_network_rules=[],
    )


def rotation_policy(rotation: KeyRotation | None) -> keyvault.RotationPolicyArgs | None:
    """Rotate ``rotate_after_days`` after each version's creation; with an expiry, versions made
    by rotation expire after ``expiry_days`` (always later than their own rotation, which the
    settings guarantee) and a near-expiry notification comes ``notify_before_expiry_days`` before.

    Declared as Key Vault stores and answers it, so that what a refresh reads is what the program
    declares: the action types ``Rotate`` and ``Notify`` (the SDK's enum spells them in lower
    case), and without an expiry of the program's the ``Notify`` 30 days before expiry that Key
    Vault adds by itself to a policy without one (docs/runbooks.md#key-rotation)."""
    if rotation is None:
        return None
    attributes = None
    notify_before = DEFAULT_NOTIFY_BEFORE_EXPIRY
    if rotation.expiry_days is not None:
        attributes = keyvault.KeyRotationPolicyAttributesArgs(
            expiry_time=f"P{rotation.expiry_days}D"
        )
        notify_before = f"P{rotation.notify_before_expiry_days}D"
    actions = [
        keyvault.LifetimeActionArgs(
            action=_action(ROTATION_ACTION_ROTATE),
            trigger=keyvault.TriggerArgs(time_after_create=f"P{rotation.rotate_after_days}D"),
        ),
        keyvault.LifetimeActionArgs(
            action=_action(ROTATION_ACTION_NOTIFY),
            trigger=keyvault.TriggerArgs(time_before_expiry=notify_before),
        ),
    ]
    return keyvault.RotationPolicyArgs(attributes=attributes, lifetime_actions=actions)


def _action(action_type: str) -> keyvault.ActionArgs:
    # The SDK types the action as its lower-case enum; azure-native checks a string's type,
    # length and pattern only, not enum membership (provider.go validateProperty), and ARM
    # takes the capitalised spelling Key Vault answers with.
    return keyvault.ActionArgs(type=cast(keyvault.KeyRotationPolicyActionType, action_type))
