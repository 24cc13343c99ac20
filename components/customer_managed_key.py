"""CustomerManagedKey: the whole set-up (README.md), from validated settings to ``COMPLETED``.

Wiring, and why:

- the app registration (Adobe) and the vault (Azure) do not depend on each other, so ``up`` runs
  them in parallel; the critical path is vault → key → role assignment → BYOK job;
- the BYOK configuration takes the key's *versioned* identifier and waits for the role assignment
  (``depends_on``): Adobe's job checks its access as soon as it starts;
- ``protect`` covers everything whose loss cuts Adobe off (resource group, vault, key, service
  principal, role assignment, configuration); the service principal and the configuration are
  also retained on delete (the configuration cannot be deleted at Adobe anyway);
- bring-your-own-key (``existingKeyId``) creates no resource group, vault or key; with
  ``servicePrincipal: none`` as well, nothing of Azure is declared or looked up at all (the
  offline simulator stack).
"""

from __future__ import annotations

import re

import pulumi
from pulumi_azure_native import authorization, resources

from components.adobe_access import AdobeKeyAccess, AdobeKeyAccessArgs
from components.existing_key_check import check_existing_key
from components.journey_analytics import JourneyAnalyticsArgs, JourneyAnalyticsKey
from components.key_access_monitoring import KeyAccessMonitoring
from components.key_vault import CmkKeyVault, CmkKeyVaultArgs, KeyReference
from components.managed_hsm import (
    CmkManagedHsm,
    CmkManagedHsmArgs,
    HsmKeyAccess,
    HsmKeyAccessArgs,
    name_in,
)
from components.monitored_keys import monitoring_args
from components.settings import Settings
from providers.app_registration import AppRegistration, AppRegistrationArgs, tenant_consent_url
from providers.byok_config import ByokConfig, ByokConfigArgs


class CustomerManagedKey(pulumi.ComponentResource):
    """Everything, wired (type ``adobe-cmk:index:CustomerManagedKey``).

    Children: ``<name>-rg`` (when the group is created), :class:`CmkKeyVault` ``<name>`` (unless an
    existing key is given), ``<name>-app`` (:class:`AppRegistration`), :class:`AdobeKeyAccess`
    ``<name>`` (unless ``servicePrincipal`` is ``none``) and ``<name>-byok``
    (:class:`ByokConfig`); with ``journeyAnalyticsKey``, :class:`JourneyAnalyticsKey`
    ``<name>-cja``.
    """

    resource_group: resources.ResourceGroup | None
    key_vault: CmkKeyVault | None
    key: KeyReference
    app_registration: AppRegistration
    access: AdobeKeyAccess | HsmKeyAccess | None
    managed_hsm: CmkManagedHsm | None
    """The key in an existing Managed HSM (``managedHsmId`` / ``managedHsmUri``)."""
    byok_config: ByokConfig
    journey_analytics: JourneyAnalyticsKey | None
    monitoring: KeyAccessMonitoring | None
    tenant_id: str | None
    """The Entra tenant of the vault and of the consent URL (``None`` when Azure is not used)."""
    consent_url: pulumi.Output[str]
    """Adobe's consent URL for this tenant: what a person opens to grant consent by hand."""

    def __init__(
        self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("adobe-cmk:index:CustomerManagedKey", name, None, opts)
        s = settings

        # The deploying identity's tenant and subscription; not asked for when nothing of Azure
        # is used (an offline stack must run without Azure credentials).
        client = (
            authorization.get_client_config(opts=pulumi.InvokeOptions(parent=self))
            if s.uses_azure
            else None
        )
        tenant_id = s.tenant_id or (client.tenant_id if client else None)
        self.tenant_id = tenant_id

        self.resource_group = None
        self.key_vault = None
        self.managed_hsm = None
        if s.managed_hsm is not None:  # the Managed HSM tier (components/managed_hsm.py)
            self.managed_hsm = CmkManagedHsm(
                name,
                CmkManagedHsmArgs(s.managed_hsm, s.key_name, s.key_size, s.tags, s.protect),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.key = self.managed_hsm.reference
            subscription_id = s.managed_hsm.subscription_id or ""
        elif s.existing_key is not None:
            if s.uses_azure:  # checked before Adobe is called (the offline stack uses no Azure)
                check_existing_key(
                    s.existing_key,
                    grants_role=s.manages_access,
                    opts=pulumi.InvokeOptions(parent=self),
                )
            self.key = KeyReference.of_existing(s.existing_key)
            subscription_id = s.existing_key.subscription_id
        elif client is not None and tenant_id is not None:  # creating a vault uses Azure
            self.key = self._create_key_vault(name, s, tenant_id)
            subscription_id = client.subscription_id
        else:
            raise AssertionError("a vault is created without the Azure client configuration")

        # Depends on nothing of Azure's: runs in parallel with the vault. The tenant is not an
        # input: its consent URL is built here, so that another tenant never updates the
        # registration (an update's outputs are unknown in preview, which would replace the
        # protected service principal).
        self.app_registration = AppRegistration(
            f"{name}-app",
            AppRegistrationArgs(
                org_id=s.org_id,
                platform_url=s.platform_url,
                api_generation=s.api_generation,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.consent_url = pulumi.Output.from_input(self.app_registration.consent_url).apply(
            lambda url: tenant_consent_url(url, tenant_id)
        )

        self.access = None
        if s.manages_access and self.managed_hsm is not None:
            self.access = HsmKeyAccess(
                name,
                HsmKeyAccessArgs(
                    application_id=self.app_registration.application_id,
                    mode=s.service_principal,
                    hsm_uri=self.managed_hsm.hsm_uri,
                    key_name=s.key_name,
                    consent_url=self.consent_url,
                    protect=s.protect,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        elif s.manages_access:
            self.access = AdobeKeyAccess(
                name,
                AdobeKeyAccessArgs(
                    application_id=self.app_registration.application_id,
                    mode=s.service_principal,
                    scope=self.key.vault_id
                    if s.role_scope == "vault"
                    else self.key.key_resource_id,
                    subscription_id=subscription_id,
                    consent_url=self.consent_url,
                    protect=s.protect,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )

        # Adobe's job checks its access as soon as it starts: wait for the role assignment.
        self.byok_config = ByokConfig(
            f"{name}-byok",
            ByokConfigArgs(
                org_id=s.org_id,
                platform_url=s.platform_url,
                config_name=s.config_name,
                key_identifier=self.key.key_id,
                api_generation=s.api_generation,
                wait_timeout_minutes=float(s.wait_timeout_minutes),
                failed_resends=s.failed_resends,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.access.role_assignment] if self.access else [],
                protect=s.protect,
                retain_on_delete=True,
            ),
        )

        # The second Adobe application's key (docs/journey-analytics.md): off by default.
        self.journey_analytics = None
        if s.journey_analytics is not None and tenant_id is not None:
            self.journey_analytics = JourneyAnalyticsKey(
                f"{name}-cja",
                JourneyAnalyticsArgs(
                    key=s.journey_analytics,
                    org_id=s.org_id,
                    tenant_id=tenant_id,
                    service_principal=s.service_principal,
                    role_scope=s.role_scope,
                    protect=s.protect,
                    platform_vault=self.key_vault.args if self.key_vault else None,
                    subscription_id=client.subscription_id if client else None,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )

        # Key-access monitoring (docs/runbooks.md#key-access-monitoring): off by default.
        self.monitoring = None
        if s.key_access_monitoring is not None:
            self.monitoring = KeyAccessMonitoring(
                f"{name}-monitoring",
                monitoring_args(s, s.key_access_monitoring, self),
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.register_outputs(self.outputs())

    def _create_key_vault(self, name: str, s: Settings, tenant_id: str) -> KeyReference:
        """The resource group (unless an existing one is named) and the vault with its key."""
        group_name: pulumi.Input[str]
        location: pulumi.Input[str] | None = s.location
        if s.create_resource_group:
            self.resource_group = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=s.resource_group_name,
                location=s.location,
                tags=dict(s.tags),
                opts=pulumi.ResourceOptions(parent=self, protect=s.protect),
            )
            group_name = self.resource_group.name
            location = self.resource_group.location
        elif s.resource_group_name is not None:
            group_name = s.resource_group_name
        else:
            raise AssertionError("Settings lets no existing resource group go unnamed")
        self.key_vault = CmkKeyVault(
            name,
            CmkKeyVaultArgs(
                resource_group_name=group_name,
                tenant_id=tenant_id,
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
            opts=pulumi.ResourceOptions(parent=self),
        )
        return self.key_vault.reference

    def outputs(self) -> dict[str, pulumi.Input[str] | None]:
        """The stack outputs, by name (``None`` for what this configuration does not declare).

        ``vaultName``, ``keyName`` and ``resourceGroupName`` are what the runbooks' ``az``
        commands take; ``manualConsentUrl`` matters only when a person grants Adobe's
        application consent (``servicePrincipal: existing``).
        """
        vault_id = pulumi.Output.from_input(self.key.vault_id)
        return {
            "vaultId": self.key.vault_id,
            "vaultName": vault_id.apply(lambda i: name_in(i, "vaults", "managedHSMs")),
            "vaultUri": self.key.vault_uri,
            "resourceGroupName": vault_id.apply(lambda i: name_in(i, "resourceGroups")),
            "keyName": pulumi.Output.from_input(self.key.key_resource_id).apply(
                lambda i: arm_name(i, "keys")
            ),
            "keyId": self.key.key_id,
            "keyIdVersionless": self.key.key_id_versionless,
            "keyResourceId": self.key.key_resource_id,
            "tenantId": self.tenant_id,
            "applicationId": self.app_registration.application_id,
            "manualConsentUrl": self.consent_url,
            "servicePrincipalObjectId": (
                self.access.service_principal_object_id if self.access else None
            ),
            "roleAssignmentId": self.access.role_assignment.id if self.access else None,
            "configName": self.byok_config.config_name,
            "configId": self.byok_config.config_id,
            "configStatus": self.byok_config.status,
            # Only with journeyAnalyticsKey: without it the outputs are unchanged.
            **(self.journey_analytics.outputs() if self.journey_analytics else {}),
            # Only with keyAccessMonitoring.
            **(self.monitoring.outputs() if self.monitoring else {}),
        }


def arm_name(resource_id: str, *kinds: str) -> str:
    """The name after the first ``/<kind>/`` segment of an ARM id (case-insensitive kinds)."""
    pattern = "|".join(re.escape(kind) for kind in kinds)
    match = re.search(rf"/(?:{pattern})/([^/]+)", resource_id, re.IGNORECASE)
    if match is None:
        raise ValueError(f"{resource_id!r} names no {' or '.join(kinds)}")
    return match[1]
