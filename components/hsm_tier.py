"""The Managed HSM key tier: a key in an existing, activated HSM, and Adobe's local role on it.

A thin wrapper of :mod:`components.managed_hsm` in the shape of
:class:`~components.key_tiers.KeyTier`; imported only when ``managedHsmId`` or ``managedHsmUri``
is set, so that a stack without an HSM loads none of the HSM's code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.key_vault import CmkKeyVault, KeyReference
from components.managed_hsm import CmkManagedHsm, CmkManagedHsmArgs, HsmKeyAccess, HsmKeyAccessArgs
from components.settings import ManagedHsm, Settings
from components.subscriptions import Subscriptions


@dataclass(frozen=True)
class ManagedHsmTier:
    """The key in the HSM (:class:`~components.managed_hsm.CmkManagedHsm`); Adobe is let in by
    Managed HSM Crypto Service Encryption User on the key alone
    (:class:`~components.managed_hsm.HsmKeyAccess`)."""

    name: str
    """The logical name of Adobe's access."""
    hsm: CmkManagedHsm
    settings: Settings
    parent: pulumi.Resource
    vault: CmkKeyVault | None = None

    @property
    def key(self) -> KeyReference:
        return self.hsm.reference

    def admit(
        self, application_id: pulumi.Input[str], consent_url: pulumi.Input[str]
    ) -> HsmKeyAccess:
        s = self.settings
        return HsmKeyAccess(
            self.name,
            HsmKeyAccessArgs(
                application_id=application_id,
                mode=s.service_principal,
                hsm_uri=self.hsm.hsm_uri,
                key_name=s.key_name,
                consent_url=consent_url,
                protect=s.protect,
                org_id=s.org_id,
            ),
            opts=pulumi.ResourceOptions(parent=self.parent),
        )


def managed_hsm(
    name: str,
    s: Settings,
    hsm: ManagedHsm,
    parent: pulumi.Resource,
    subscriptions: Subscriptions | None = None,
) -> ManagedHsmTier:
    """:class:`~components.managed_hsm.CmkManagedHsm` ``<name>`` (the HSM checked at preview,
    in its own subscription, then its key), a child of ``parent``."""
    provider = subscriptions.provider(hsm.subscription_id) if subscriptions else None
    created = CmkManagedHsm(
        name,
        CmkManagedHsmArgs(hsm, s.key_name, s.key_size, s.tags, s.protect, arm_provider=provider),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return ManagedHsmTier(name, created, s, parent)
