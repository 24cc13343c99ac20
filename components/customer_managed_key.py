"""CustomerManagedKey: the whole set-up (README.md), from validated settings to ``COMPLETED``.

Wiring, and why:

- the key tier (:mod:`components.key_tiers`: a created vault and key, a brought key, or a key in
  a Managed HSM) is chosen once from the settings; the rest does not ask which;
- the app registration (Adobe) and the key (Azure) do not depend on each other, so ``up`` runs
  them in parallel; the critical path is vault → key → role assignment → BYOK job;
- the BYOK configuration takes the key's *versioned* identifier and waits for the role assignment
  (``depends_on``): Adobe's job checks its access as soon as it starts;
- ``protect`` covers everything whose loss cuts Adobe off (resource group, vault, key, service
  principal, role assignment, configuration); the service principal and the configuration are
  also retained on delete (the configuration cannot be deleted at Adobe anyway);
- bring-your-own-key (``existingKeyId``) creates no resource group, vault or key; with
  ``servicePrincipal: none`` as well, nothing of Azure is declared or looked up at all (the
  offline simulator stack);
- what is brought from another subscription (a vault, an HSM, a workspace) is looked up there,
  and the monitoring made beside it, through an explicit provider for that subscription
  (:mod:`components.subscriptions`); in the deploying subscription everything keeps the default
  provider, and Adobe's role assignment always does (its scope names the vault);
- what is off costs nothing: the Managed HSM, Journey Analytics and monitoring code is imported
  only when its setting is on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
from pulumi_azure_native import authorization

from components.arm_ids import arm_name, name_in
from components.key_tiers import Deployer, KeyAccess, KeyTier, key_tier
from components.key_vault import KeyReference
from components.settings import Settings
from components.subscriptions import Subscriptions
from providers.app_registration import AppRegistration, AppRegistrationArgs, tenant_consent_url
from providers.byok_config import ByokConfig, ByokConfigArgs

if TYPE_CHECKING:
    # Not imported at run time (the features are off by default); the attributes typed with
    # them are annotated in __init__, since Pulumi evaluates a component's class annotations.
    from components.journey_analytics import JourneyAnalyticsKey
    from components.key_access_monitoring import KeyAccessMonitoring
    from components.settings import JourneyAnalyticsKey as JourneyAnalyticsSettings
    from components.settings.monitoring import KeyAccessMonitoringSettings


class CustomerManagedKey(pulumi.ComponentResource):
    """Everything, wired (type ``adobe-cmk:index:CustomerManagedKey``): the key where the settings
    put it, Adobe's application let in to it, and the BYOK configuration sent once Adobe is in.

    Children: the key tier's (``<name>-rg`` and :class:`~components.key_vault.CmkKeyVault`
    ``<name>`` for a created vault, :class:`~components.managed_hsm.CmkManagedHsm` ``<name>`` for
    an HSM, nothing for a brought key), ``<name>-app`` (:class:`AppRegistration`), Adobe's access
    ``<name>`` (unless ``servicePrincipal`` is ``none``) and ``<name>-byok`` (:class:`ByokConfig`);
    with ``journeyAnalyticsKey``, :class:`~components.journey_analytics.JourneyAnalyticsKey`
    ``<name>-cja``; with ``keyAccessMonitoring``,
    :class:`~components.key_access_monitoring.KeyAccessMonitoring` ``<name>-monitoring``.
    """

    tier: KeyTier
    """Where the key lives and how Adobe is let in (:func:`~components.key_tiers.key_tier`)."""
    key: KeyReference
    app_registration: AppRegistration
    access: KeyAccess | None
    """Adobe's service principal and role; ``None`` with ``servicePrincipal: none``."""
    byok_config: ByokConfig
    tenant_id: str | None
    """The Entra tenant of the vault and of the consent URL (``None`` when Azure is not used)."""
    consent_url: pulumi.Output[str]
    """Adobe's consent URL for this tenant: what a person opens to grant consent by hand."""

    def __init__(
        self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("adobe-cmk:index:CustomerManagedKey", name, None, opts)
        s = settings
        client = self._client_config(s)
        deployer = (
            Deployer(s.tenant_id or client.tenant_id, client.subscription_id)
            if (client is not None and s.uses_azure)
            else None
        )
        subscriptions = Subscriptions(name, client.subscription_id, self) if client else None
        self.tenant_id = deployer.tenant_id if deployer else None

        # Where the key lives, and Adobe's application: neither waits for the other.
        self.tier = key_tier(name, s, deployer, parent=self, subscriptions=subscriptions)
        self.key = self.tier.key
        self.app_registration = self._app_registration(name, s)
        tenant_id = self.tenant_id
        self.consent_url = pulumi.Output.from_input(self.app_registration.consent_url).apply(
            lambda url: tenant_consent_url(url, tenant_id)
        )
        self.access = (
            self.tier.admit(self.app_registration.application_id, self.consent_url)
            if s.manages_access
            else None
        )
        self.byok_config = self._byok_config(name, s, self.access)

        # Off by default, each: docs/journey-analytics.md, docs/runbooks.md#key-access-monitoring.
        self.journey_analytics: JourneyAnalyticsKey | None = None
        if s.journey_analytics is not None and deployer is not None:
            self.journey_analytics = self._journey_analytics(name, s, s.journey_analytics, deployer)
        self.monitoring: KeyAccessMonitoring | None = None
        if s.key_access_monitoring is not None:
            assert subscriptions is not None, "monitoring without the client configuration"
            self.monitoring = self._monitoring(name, s, s.key_access_monitoring, subscriptions)

        self.register_outputs(self.outputs())

    def _client_config(self, s: Settings) -> Any:
        """azure-native's client configuration: the deploying identity's tenant and subscription
        (the one its default provider works in); not asked for when nothing is read or made in
        ARM (an offline stack must run without Azure credentials)."""
        if not s.reads_arm:
            return None
        return authorization.get_client_config(opts=pulumi.InvokeOptions(parent=self))

    def _app_registration(self, name: str, s: Settings) -> AppRegistration:
        """Adobe's application, depending on nothing of Azure's (it runs in parallel with the
        key). The tenant is not an input: the tenant's consent URL is built from its output, so
        that another tenant never updates the registration (an update's outputs are unknown in
        preview, which would replace the protected service principal)."""
        return AppRegistration(
            f"{name}-app",
            AppRegistrationArgs(
                org_id=s.org_id, platform_url=s.platform_url, api_generation=s.api_generation
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _byok_config(self, name: str, s: Settings, access: KeyAccess | None) -> ByokConfig:
        """The configuration sent to Adobe with the key's versioned identifier, once Adobe is
        in: Adobe's job checks its access as soon as it starts, so it waits for the role."""
        return ByokConfig(
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
                depends_on=[access.role_assignment] if access else [],
                protect=s.protect,
                retain_on_delete=True,
            ),
        )

    def _journey_analytics(
        self, name: str, s: Settings, cja: JourneyAnalyticsSettings, deployer: Deployer
    ) -> JourneyAnalyticsKey:
        """The second Adobe application's key, by the Platform vault's rules when one is made."""
        from components.journey_analytics import JourneyAnalyticsArgs, JourneyAnalyticsKey

        vault = self.tier.vault
        return JourneyAnalyticsKey(
            f"{name}-cja",
            JourneyAnalyticsArgs(
                key=cja,
                org_id=s.org_id,
                tenant_id=deployer.tenant_id,
                service_principal=s.service_principal,
                role_scope=s.role_scope,
                protect=s.protect,
                platform_vault=vault.args if vault else None,
                subscription_id=deployer.subscription_id,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _monitoring(
        self,
        name: str,
        s: Settings,
        monitoring: KeyAccessMonitoringSettings,
        subscriptions: Subscriptions,
    ) -> KeyAccessMonitoring:
        """The audit log and alerts over the Platform key and, when declared, the Journey
        Analytics key: the keys, Adobe's applications and the role assignments made for them;
        in the key's subscription and the group :mod:`components.monitoring_placement` says."""
        from components.key_access_monitoring import KeyAccessMonitoring
        from components.monitored_keys import journey_analytics_key, monitoring_args, platform_key
        from components.monitoring_placement import monitoring_placement

        placement = monitoring_placement(s, subscriptions.deploying)
        keys = [
            platform_key(
                self.key, self.app_registration.application_id, _assignment_id(self.access)
            )
        ]
        if self.journey_analytics is not None:
            cja = self.journey_analytics
            keys.append(journey_analytics_key(cja.key, _assignment_id(cja.access)))
        # Each resource names its subscription's provider, and only another subscription gets
        # one: in the deploying one every registration is exactly what it always was.
        args = monitoring_args(
            monitoring,
            keys,
            location=s.location,
            tags=s.tags,
            placement=placement,
            vault_provider=subscriptions.provider(placement.subscription_id),
            workspace_provider=subscriptions.provider(placement.workspace_subscription_id),
        )
        opts = pulumi.ResourceOptions(parent=self)
        return KeyAccessMonitoring(f"{name}-monitoring", args, opts=opts)

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
            "roleAssignmentId": _assignment_id(self.access),
            "configName": self.byok_config.config_name,
            "configId": self.byok_config.config_id,
            "configStatus": self.byok_config.status,
            # Only with journeyAnalyticsKey: without it the outputs are unchanged.
            **(self.journey_analytics.outputs() if self.journey_analytics else {}),
            # Only with keyAccessMonitoring.
            **(self.monitoring.outputs() if self.monitoring else {}),
        }


def _assignment_id(access: KeyAccess | None) -> pulumi.Output[str] | None:
    """The ARM (or HSM) id of Adobe's role assignment; ``None`` when access is made elsewhere."""
    return access.role_assignment.id if access else None
