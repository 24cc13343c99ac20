"""What key-access monitoring watches: each key Adobe uses, and who holds Adobe's access to it.

Built from the parts themselves, not from the component holding them: :func:`platform_key` (the
key, Adobe's application from the app registration, the role assignment made for it),
:func:`journey_analytics_key` (the second key, its fixed application id) and
:func:`monitoring_args` (the keys, where the rules go, who is told).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from cmk_facts import JOURNEY_ANALYTICS_APPLICATION_ID
from components.arm_ids import arm_name
from components.key_vault import KeyReference
from components.settings.monitoring import KeyAccessMonitoringSettings


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


def platform_key(
    key: KeyReference,
    application_id: pulumi.Input[str],
    role_assignment_id: pulumi.Input[str] | None,
) -> MonitoredKey:
    """The Platform key, used by Adobe's application from the app registration."""
    return _monitored("platform", "Experience Platform", key, application_id, role_assignment_id)


def journey_analytics_key(
    key: KeyReference, role_assignment_id: pulumi.Input[str] | None
) -> MonitoredKey:
    """The Journey Analytics key, used by Adobe's second application (its fixed id)."""
    return _monitored(
        "journey-analytics",
        "Customer Journey Analytics",
        key,
        JOURNEY_ANALYTICS_APPLICATION_ID,
        role_assignment_id,
    )


def monitoring_args(
    monitoring: KeyAccessMonitoringSettings,
    keys: Sequence[MonitoredKey],
    *,
    location: str | None,
    tags: Mapping[str, str],
) -> KeyAccessMonitoringArgs:
    """Watch ``keys`` (the Platform's first): the alert rules and a created workspace go in the
    first key's resource group, a created workspace in ``location``."""
    vault_id = pulumi.Output.from_input(keys[0].vault_id)
    return KeyAccessMonitoringArgs(
        settings=monitoring,
        keys=keys,
        resource_group_name=vault_id.apply(lambda i: arm_name(i, "resourceGroups")),
        location=location,
        tags=tags,
    )


def _monitored(
    label: str,
    product: str,
    key: KeyReference,
    application_id: pulumi.Input[str],
    role_assignment_id: pulumi.Input[str] | None,
) -> MonitoredKey:
    key_name = pulumi.Output.from_input(key.key_resource_id).apply(lambda i: arm_name(i, "keys"))
    return MonitoredKey(
        label=label,
        product=product,
        vault_id=key.vault_id,
        key_name=key_name,
        application_ids=[application_id],
        role_assignment_id=role_assignment_id,
    )
