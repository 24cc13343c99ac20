"""What key-access monitoring watches: each key Adobe uses, who holds Adobe's access to it, and
the log alerts' queries that watch it.

Built from the parts themselves, not from the component holding them: :func:`platform_key` (the
key, Adobe's application from the app registration, the role assignment made for it),
:func:`journey_analytics_key` (the second key, its fixed application id) and
:func:`monitoring_args` (the keys, where the rules go, who is told); :func:`log_queries` (which
log alerts apply to a key, and the query of each).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from cmk_facts import HSM_SUFFIXES, JOURNEY_ANALYTICS_APPLICATION_ID
from components import key_access_queries as kql
from components.arm_ids import arm_name
from components.key_vault import KeyReference
from components.monitoring_placement import MonitoringPlacement
from components.settings.monitoring import KeyAccessMonitoringSettings


@dataclass(frozen=True)
class AlertPlacement:
    """Where a key's activity-log alerts go: in its vault's subscription, since an activity-log
    alert sees only the activity log of the subscription it is made in."""

    resource_group_name: pulumi.Input[str]
    provider: pulumi.ProviderResource | None = None
    """The vault's subscription's explicit provider; ``None``: the default one (deploying)."""


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
    """Id of Adobe's role assignment made by this program (ARM's, or in a Managed HSM the local
    one's, ``/keys/<name>/providers/Microsoft.Authorization/roleAssignments/<name>``); ``None``
    when made elsewhere."""
    managed_hsm: bool = False
    """The key is in a Managed HSM: its role assignments are local (seen in its audit log, not in
    the activity log) and it sends no expiry notifications."""
    activity_alerts: AlertPlacement | None = None
    """Where its activity-log alerts go (:func:`monitoring_args` sets it); ``None``: beside the
    log alerts."""


@dataclass
class KeyAccessMonitoringArgs:
    """Inputs of :class:`KeyAccessMonitoring`."""

    settings: KeyAccessMonitoringSettings
    """The workspace and who is told."""
    keys: Sequence[MonitoredKey]
    """The keys to watch (at least one)."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the created workspace, action group and log alerts (in the workspace's
    subscription); the keys' activity-log alerts go where :attr:`MonitoredKey.activity_alerts`
    says."""
    location: pulumi.Input[str] | None
    """Region of a created workspace (required then); the log alerts go where the workspace is."""
    tags: Mapping[str, str]
    """Tags of every resource made here."""
    workspace_provider: pulumi.ProviderResource | None = None
    """The workspace's subscription's explicit provider, for its lookup (or creation), the log
    alerts and the action group; ``None``: the default one (the deploying subscription)."""


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
    placement: MonitoringPlacement,
    vault_provider: pulumi.ProviderResource | None = None,
    workspace_provider: pulumi.ProviderResource | None = None,
) -> KeyAccessMonitoringArgs:
    """Watch ``keys`` (the Platform's first) as ``placement`` says: the activity-log alerts in the
    vault's subscription (``vault_provider``), in ``monitoringResourceGroupName`` or else the
    first key's group; the log alerts, the action group and a created workspace (in
    ``location``) there too, or, beside a workspace named in another subscription, in its group
    through ``workspace_provider``."""
    vault_id = pulumi.Output.from_input(keys[0].vault_id)
    group: pulumi.Input[str] = placement.resource_group_name or vault_id.apply(
        lambda i: arm_name(i, "resourceGroups")
    )
    activity = AlertPlacement(group, vault_provider)
    return KeyAccessMonitoringArgs(
        settings=monitoring,
        keys=[dataclasses.replace(key, activity_alerts=activity) for key in keys],
        resource_group_name=placement.workspace_resource_group_name or group,
        location=location,
        tags=tags,
        workspace_provider=workspace_provider,
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
        managed_hsm=in_managed_hsm(key.vault_id),
    )


def in_managed_hsm(vault_id: pulumi.Input[str]) -> bool:
    """Whether ``vault_id`` names a Managed HSM, by its ARM id or its address. An HSM's comes from
    the settings, a string; an output is the id of a vault the program creates."""
    if not isinstance(vault_id, str):
        return False
    lowered = vault_id.lower()
    return "/providers/microsoft.keyvault/managedhsms/" in lowered or any(
        f".{suffix}" in lowered for suffix in HSM_SUFFIXES
    )


def log_queries(key: MonitoredKey) -> dict[str, pulumi.Output[str]]:
    """Each log alert's query over the workspace for ``key``, by its name in
    :data:`components.monitoring_alerts.ALERTS`."""
    vault_id = pulumi.Output.from_input(key.vault_id)
    app_ids = pulumi.Output.all(*key.application_ids)
    queries = {
        "adobe-refused": pulumi.Output.all(vault_id, app_ids).apply(
            lambda v: kql.adobe_refused([v[0]], unique(v[1]))
        ),
        "adobe-throttled": pulumi.Output.all(vault_id, app_ids).apply(
            lambda v: kql.adobe_throttled([v[0]], unique(v[1]))
        ),
        "key-changed": pulumi.Output.all(vault_id, key.key_name).apply(
            lambda v: kql.key_changed([v[0]], v[1])
        ),
        "vault-changed": vault_id.apply(lambda v: kql.vault_changed([v])),
    }
    if not key.managed_hsm:
        # Key Vault's Event Grid events (and their audit-log rows) are a vault's, not an HSM's.
        queries["key-expiry"] = pulumi.Output.all(vault_id, key.key_name).apply(
            lambda v: kql.key_expiring([v[0]], v[1])
        )
    elif key.role_assignment_id is not None:
        queries["hsm-role-assignment-deleted"] = pulumi.Output.all(
            vault_id, key.role_assignment_id
        ).apply(lambda v: kql.hsm_role_assignment_deleted([v[0]], _last_segment(v[1])))
    return queries


def _last_segment(resource_id: str) -> str:
    """``…/roleAssignments/<name>`` → ``<name>``."""
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def unique(values: Sequence[str]) -> list[str]:
    """``values`` without repeats (letter case ignored), in order."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.lower(), value)
    return list(seen.values())
