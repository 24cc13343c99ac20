"""JourneyAnalyticsKey: the key of Adobe's second application (Customer Journey Analytics).

Customer Journey Analytics on Azure encrypts with a key in a vault of its own, used by a different
Adobe application (:data:`~cmk_facts.JOURNEY_ANALYTICS_APPLICATION_ID`) holding the same role as
the Platform's; Journey Optimizer needs both keys (docs/journey-analytics.md). There is no API:
Adobe Customer Care enables it on request, given the key identifier. So this component declares

- the vault and key, by the Platform vault's own rules (:class:`CmkKeyVault` made from the
  Platform vault's arguments, only the vault's name differs), unless a key is brought;
- the application's service principal and its role (:class:`AdobeKeyAccess`, the Platform's
  modes and scope), unless access is managed elsewhere;
- the one manual step made exact: the support request to paste (:func:`support_request`) and
  the tenant's admin-consent URL.

Everything is protected like the Platform's set; the service principal is retained on delete.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pulumi

from cmk_facts import ADMIN_CONSENT_URL, JOURNEY_ANALYTICS_APPLICATION_ID
from components.adobe_access import AdobeKeyAccess, AdobeKeyAccessArgs
from components.key_vault import CmkKeyVault, CmkKeyVaultArgs, KeyReference
from components.settings import JourneyAnalyticsKey as JourneyAnalyticsSettings

#: The logical name of the Journey Analytics vault component: Azure's auto-naming adds 8
#: characters to ``<this>-vault`` and a vault name has at most 24, so it is kept short
#: (``adobe-cja-vault1a2b3c4d``).
VAULT_PREFIX = "adobe-cja"
#: The description of the role assignment: whose access it is.
ROLE_DESCRIPTION = "Adobe Customer Journey Analytics customer-managed key (adobe-cmk)"


@dataclass
class JourneyAnalyticsArgs:
    """Inputs of :class:`JourneyAnalyticsKey`."""

    key: JourneyAnalyticsSettings
    """The settings: the vault's name, or the key brought instead."""
    org_id: str
    """IMS organisation id, for the support request."""
    tenant_id: str
    """Entra tenant of the vault and of the consent."""
    service_principal: str
    """``create``, ``existing`` or ``none``: as for the Platform's application."""
    role_scope: str
    """``vault`` or ``key``: where the role is granted."""
    protect: bool
    """Protect the vault, key, service principal and role assignment."""
    platform_vault: CmkKeyVaultArgs | None = None
    """The Platform vault's arguments, the rules this vault is made by; ``None`` when no vault
    is created (the settings then require a brought key)."""
    subscription_id: str | None = None
    """Subscription of a created vault (the deploying identity's)."""


class JourneyAnalyticsKey(pulumi.ComponentResource):
    """The Journey Analytics key and Adobe's access to it (``adobe-cmk:index:JourneyAnalyticsKey``).

    Children: :class:`CmkKeyVault` ``adobe-cja`` (unless a key is brought) and
    :class:`AdobeKeyAccess` ``<name>`` (unless ``servicePrincipal`` is ``none``).
    """

    key_vault: CmkKeyVault | None
    key: KeyReference
    access: AdobeKeyAccess | None
    consent_url: str
    """Microsoft's admin-consent URL for Adobe's application in this tenant."""
    support_request: pulumi.Output[str]
    """The request to paste into an Adobe Customer Care case (known once the key exists)."""

    def __init__(
        self, name: str, args: JourneyAnalyticsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("adobe-cmk:index:JourneyAnalyticsKey", name, None, opts)
        brought = args.key.existing_key
        self.key_vault = None
        if brought is not None:
            self.key = KeyReference.of_existing(brought)
            subscription_id = brought.subscription_id
        elif args.platform_vault is not None and args.subscription_id is not None:
            vault_args = dataclasses.replace(args.platform_vault, vault_name=args.key.vault_name)
            self.key_vault = CmkKeyVault(
                VAULT_PREFIX, vault_args, opts=pulumi.ResourceOptions(parent=self)
            )
            self.key = self.key_vault.reference
            subscription_id = args.subscription_id
        else:
            raise AssertionError("Settings lets no Journey Analytics vault go without a group")

        self.consent_url = ADMIN_CONSENT_URL.format(
            tenant=args.tenant_id, client_id=JOURNEY_ANALYTICS_APPLICATION_ID
        )
        self.access = None
        if args.service_principal != "none":
            self.access = AdobeKeyAccess(
                name,
                AdobeKeyAccessArgs(
                    application_id=JOURNEY_ANALYTICS_APPLICATION_ID,
                    mode=args.service_principal,
                    scope=self.key.scope_for(args.role_scope),
                    subscription_id=subscription_id,
                    consent_url=self.consent_url,
                    protect=args.protect,
                    description=ROLE_DESCRIPTION,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )

        on = "the key" if args.role_scope == "key" else "the key's vault"
        managed_hsm = brought is not None and brought.managed_hsm
        self.support_request = pulumi.Output.from_input(self.key.key_id).apply(
            lambda key_id: support_request(
                org_id=args.org_id,
                tenant_id=args.tenant_id,
                key_id=key_id,
                granted_on=on,
                managed_hsm=managed_hsm,
            )
        )
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, pulumi.Input[str] | None]:
        """The stack outputs this component adds (only when ``journeyAnalyticsKey`` is true)."""
        vault_uri = pulumi.Output.from_input(self.key.vault_uri)
        return {
            "journeyAnalyticsVaultName": vault_uri.apply(vault_name_of),
            "journeyAnalyticsKeyId": self.key.key_id,
            "journeyAnalyticsApplicationId": JOURNEY_ANALYTICS_APPLICATION_ID,
            "journeyAnalyticsRoleAssignmentId": (
                self.access.role_assignment.id if self.access else None
            ),
            "journeyAnalyticsConsentUrl": self.consent_url,
            "journeyAnalyticsSupportRequest": self.support_request,
        }


def vault_name_of(vault_uri: str) -> str:
    """``https://<name>.vault.azure.net/`` → ``<name>`` (a Managed HSM's address alike)."""
    return vault_uri.removeprefix("https://").split(".", 1)[0]


def support_request(
    *, org_id: str, tenant_id: str, key_id: str, granted_on: str, managed_hsm: bool = False
) -> str:
    """The text of the Adobe Customer Care request that enables the Journey Analytics key.

    Holds exactly what Adobe asks for (organisation id, tenant id, versioned key identifier) and
    what to ask; nothing secret. ``granted_on`` words where the role is (``the key's vault`` or
    ``the key``).
    """
    role = (
        "Managed HSM Crypto Service Encryption User"
        if managed_hsm
        else "Key Vault Crypto Service Encryption User"
    )
    return "\n".join(
        [
            "Subject: Enable customer-managed keys for Customer Journey Analytics and Journey "
            "Optimizer (Azure)",
            "",
            "Please enable customer-managed keys for Customer Journey Analytics and Adobe "
            "Journey Optimizer for this organisation, with the key below, and confirm when its "
            "data is encrypted with it.",
            "",
            f"IMS organisation id: {org_id}",
            f"Azure tenant id: {tenant_id}",
            f"Key identifier: {key_id}",
            "",
            f"Adobe's application {JOURNEY_ANALYTICS_APPLICATION_ID} has a service principal in "
            f"this tenant and the role {role} on {granted_on}, which is not the vault of our "
            "Experience Platform key.",
        ]
    )
