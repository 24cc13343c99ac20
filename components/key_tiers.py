"""The key tier: where Adobe's key lives and how Adobe is let in, chosen once from the settings.

:func:`key_tier` picks one of three:

- a created vault and key (:class:`VaultKeyTier` from :func:`created_vault`): the resource group
  (unless an existing one is named) and :class:`~components.key_vault.CmkKeyVault`, in the
  deploying identity's tenant and subscription;
- a brought key (``existingKeyId``, :class:`VaultKeyTier` from :func:`brought_key`): nothing
  created; the vault and key are checked before Adobe is called, in the vault's subscription
  (unless nothing of Azure is used at all, as in the offline stack);
- a key in a Managed HSM (:mod:`components.hsm_tier`, imported only then).

Every tier holds the key's identifiers (:class:`~components.key_vault.KeyReference`: the
versioned identifier Adobe takes, the vault or HSM the key lives in, the key's ARM id) and lets
Adobe's application in with ``admit``, which returns the access whose role assignment the BYOK
configuration waits for. A tier is no resource: what it declares is a child of the ``parent``
it is given, so its URNs are the top-level component's children's, as they always were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi
from pulumi_azure_native import resources

from components.adobe_access import AdobeKeyAccess, AdobeKeyAccessArgs
from components.existing_key_check import check_existing_key
from components.key_vault import CmkKeyVault, CmkKeyVaultArgs, KeyReference
from components.settings import Settings
from components.subscriptions import Subscriptions


@dataclass(frozen=True)
class Deployer:
    """Where a created vault goes: the Entra tenant (``tenantId``, else the deploying identity's)
    and the deploying identity's subscription (Azure's client configuration)."""

    tenant_id: str
    subscription_id: str


class KeyAccess(Protocol):
    """Adobe's application let in to a key: its service principal and its role."""

    @property
    def service_principal_object_id(self) -> pulumi.Output[str]:
        """Object id of Adobe's service principal in the tenant."""
        ...

    @property
    def role_assignment(self) -> pulumi.CustomResource:
        """The role Adobe's job checks as soon as it starts: the BYOK configuration waits for it."""
        ...


class KeyTier(Protocol):
    """Where Adobe's key lives, and how Adobe is let in to it."""

    @property
    def key(self) -> KeyReference:
        """The key's identifiers, wherever it lives."""
        ...

    @property
    def vault(self) -> CmkKeyVault | None:
        """The vault this program created (``None`` for a brought key or an HSM): a second
        vault made by the same rules starts from its arguments."""
        ...

    def admit(self, application_id: pulumi.Input[str], consent_url: pulumi.Input[str]) -> KeyAccess:
        """Declare Adobe's service principal and role on the key (``servicePrincipal`` is not
        ``none``); ``consent_url`` is quoted when an ``existing`` principal is missing."""
        ...


@dataclass(frozen=True)
class VaultKeyTier:
    """A key in a Key Vault, created here or brought: Adobe gets Key Vault Crypto Service
    Encryption User on the vault or the key (``roleScope``), in the vault's subscription."""

    name: str
    """The logical name of Adobe's access (:class:`~components.adobe_access.AdobeKeyAccess`)."""
    key: KeyReference
    subscription_id: pulumi.Input[str]
    """The vault's subscription: where the role definition is referenced."""
    settings: Settings
    parent: pulumi.Resource
    vault: CmkKeyVault | None = None

    def admit(
        self, application_id: pulumi.Input[str], consent_url: pulumi.Input[str]
    ) -> AdobeKeyAccess:
        s = self.settings
        return AdobeKeyAccess(
            self.name,
            AdobeKeyAccessArgs(
                application_id=application_id,
                mode=s.service_principal,
                scope=self.key.scope_for(s.role_scope),
                subscription_id=self.subscription_id,
                consent_url=consent_url,
                protect=s.protect,
            ),
            opts=pulumi.ResourceOptions(parent=self.parent),
        )


def key_tier(
    name: str,
    settings: Settings,
    deployer: Deployer | None,
    parent: pulumi.Resource,
    subscriptions: Subscriptions | None = None,
) -> KeyTier:
    """The tier ``settings`` choose, its resources declared as children of ``parent``.

    ``deployer`` is ``None`` only when nothing of Azure is used (then the key is brought);
    ``subscriptions`` is ``None`` only when nothing is read in ARM either.
    """
    if settings.managed_hsm is not None:
        # The Managed HSM code (its dynamic resources, data-plane client) only when it is used.
        from components.hsm_tier import managed_hsm

        return managed_hsm(name, settings, settings.managed_hsm, parent, subscriptions)
    if settings.existing_key is not None:
        return brought_key(name, settings, parent, subscriptions)
    if deployer is None:
        raise AssertionError("a vault is created without the Azure client configuration")
    return created_vault(name, settings, deployer, parent)


def brought_key(
    name: str, s: Settings, parent: pulumi.Resource, subscriptions: Subscriptions | None
) -> VaultKeyTier:
    """The key named by ``existingKeyId``, checked before Adobe is called in the vault's
    subscription (the offline stack, which uses no Azure, is not checked). Adobe's role on it
    keeps the default provider whatever the subscription: its scope, the vault's id, says where."""
    brought = s.existing_key
    assert brought is not None
    if s.uses_azure:
        assert subscriptions is not None, "Azure is used without the client configuration"
        check_existing_key(
            brought,
            grants_role=s.manages_access,
            opts=subscriptions.invoke_options(brought.subscription_id, parent),
        )
    return VaultKeyTier(name, KeyReference.of_existing(brought), brought.subscription_id, s, parent)


def created_vault(
    name: str, s: Settings, deployer: Deployer, parent: pulumi.Resource
) -> VaultKeyTier:
    """The resource group ``<name>-rg`` (unless an existing one is named) and the vault with its
    key, :class:`~components.key_vault.CmkKeyVault` ``<name>``."""
    group_name: pulumi.Input[str]
    location: pulumi.Input[str] | None = s.location
    if s.create_resource_group:
        group = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=s.resource_group_name,
            location=s.location,
            tags=dict(s.tags),
            opts=pulumi.ResourceOptions(parent=parent, protect=s.protect),
        )
        group_name = group.name
        location = group.location
    elif s.resource_group_name is not None:
        group_name = s.resource_group_name
    else:
        raise AssertionError("Settings lets no existing resource group go unnamed")
    vault = CmkKeyVault(
        name,
        CmkKeyVaultArgs(
            resource_group_name=group_name,
            tenant_id=deployer.tenant_id,
            sku=s.key_vault_sku,
            key_name=s.key_name,
            key_type=s.key_type,
            key_size=s.key_size,
            allowed_ip_ranges=s.allowed_ip_ranges,
            tags=s.tags,
            protect=s.protect,
            location=location,
            vault_name=s.key_vault_name,
            rotation=s.rotation,
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return VaultKeyTier(name, vault.reference, deployer.subscription_id, s, parent, vault=vault)
