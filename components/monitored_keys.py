"""What key-access monitoring watches: each key Adobe uses, and who holds Adobe's access to it.

:func:`monitoring_args` reads a :class:`~components.customer_managed_key.CustomerManagedKey`: the
Platform key (Adobe's application from the app registration) and, when it exists, the Journey
Analytics key (its fixed application id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi

from cmk_facts import JOURNEY_ANALYTICS_APPLICATION_ID
from components.settings.monitoring import KeyAccessMonitoringSettings

if TYPE_CHECKING:
    from components.customer_managed_key import CustomerManagedKey
    from components.settings import Settings


@dataclass(frozen=True)
class MonitoredKey:
    """One key Adobe uses, and what holds Adobe's access to it."""

    label: str
    """Short, stable name part of its children, e.g. ``platform`` (``<name>-platform-…``)."""
    product: str
    """Adobe's product using it, for the alerts' names, e.g. ``Experience Platform``."""
    vault_id: pulumi.Input[str]
    """ARM id of the vault (or Managed HSM) holding the key."""
    key_name: pulumi.Input[str]
    """The key's name in the vault."""
    application_ids: Sequence[pulumi.Input[str]]
    """Adobe's application (client) ids that use this key: the audit log's ``appid``."""
    role_assignment_id: pulumi.Input[str] | None = None
    """ARM id of Adobe's role assignment made by this program; ``None`` when made elsewhere."""


@dataclass
class KeyAccessMonitoringArgs:
    """Inputs of :class:`KeyAccessMonitoring`."""

    settings: KeyAccessMonitoringSettings
    """The workspace and who is told."""
    keys: Sequence[MonitoredKey]
    """The keys to watch (at least one)."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the created workspace, action group and alert rules."""
    location: pulumi.Input[str] | None
    """Region of a created workspace (required then); the log alerts go where the workspace is."""
    tags: Mapping[str, str]
    """Tags of every resource made here."""


def monitoring_args(
    settings: Settings, monitoring: KeyAccessMonitoringSettings, cmk: CustomerManagedKey
) -> KeyAccessMonitoringArgs:
    """What to watch in a :class:`~components.customer_managed_key.CustomerManagedKey`: the
    Platform key (Adobe's application from the app registration) and, when it exists, the
    Journey Analytics key (its fixed application id). The alert rules and a created workspace go
    in the Platform vault's resource group."""
    # Imported here: customer_managed_key imports this module.
    from components.customer_managed_key import arm_name

    vault_id = pulumi.Output.from_input(cmk.key.vault_id)
    keys = [
        MonitoredKey(
            label="platform",
            product="Experience Platform",
            vault_id=cmk.key.vault_id,
            key_name=_key_name(cmk.key.key_resource_id),
            application_ids=[cmk.app_registration.application_id],
            role_assignment_id=cmk.access.role_assignment.id if cmk.access else None,
        )
    ]
    cja = cmk.journey_analytics
    if cja is not None:
        keys.append(
            MonitoredKey(
                label="journey-analytics",
                product="Customer Journey Analytics",
                vault_id=cja.key.vault_id,
                key_name=_key_name(cja.key.key_resource_id),
                application_ids=[JOURNEY_ANALYTICS_APPLICATION_ID],
                role_assignment_id=cja.access.role_assignment.id if cja.access else None,
            )
        )
    return KeyAccessMonitoringArgs(
        settings=monitoring,
        keys=keys,
        resource_group_name=vault_id.apply(lambda i: arm_name(i, "resourceGroups")),
        location=settings.location,
        tags=settings.tags,
    )


def _key_name(key_resource_id: pulumi.Input[str]) -> pulumi.Output[str]:
    from components.customer_managed_key import arm_name

    return pulumi.Output.from_input(key_resource_id).apply(lambda i: arm_name(i, "keys"))
