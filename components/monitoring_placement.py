"""Where key-access monitoring goes: the subscription and resource group of its alert rules (and of
a created workspace and action group), decided once from the settings and the deploying
subscription, and refused at preview, in one line naming the settings, where it cannot work.

The monitoring lives in the subscription of the Platform key's vault (or HSM): an activity-log
alert sees only the activity log of the subscription it is made in (docs/runbooks.md, "Another
subscription"), and the vault-deleted and role-assignment-deleted alerts watch the vault. So a
named workspace must be in that subscription too (the workspace is looked up, and the log alerts
made, with the same provider), and so must a monitored Journey Analytics vault. The group is
``monitoringResourceGroupName``, else the vault's (or HSM's) own: the stack's group when the
stack creates the vault, as it always was. In the deploying subscription nothing gets an explicit
provider (:mod:`components.subscriptions`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import operationalinsights

from cmk_facts import NAMESPACE
from components.settings import Settings
from components.settings.monitoring import WORKSPACE, WORKSPACE_ID
from components.subscriptions import Subscriptions, lookup_failure


@dataclass(frozen=True)
class MonitoringPlacement:
    """Where the monitoring's resources go."""

    subscription_id: str
    """The Platform key's vault's subscription, in lower case."""
    resource_group_name: str | None
    """``monitoringResourceGroupName``; ``None``: the vault's own group."""


def monitoring_placement(s: Settings, deploying: str) -> MonitoringPlacement:
    """The placement for ``s`` (monitoring on) when deploying in ``deploying``;
    ``pulumi.RunError`` for a layout whose alerts could not see what they watch."""
    monitoring = s.key_access_monitoring
    assert monitoring is not None, "monitoring is off"
    deploying = deploying.lower()
    home = s.key_subscription_id or deploying
    where = _key_setting(s)
    workspace = monitoring.workspace_subscription_id
    if workspace is not None and workspace != home:
        raise pulumi.RunError(
            f"{NAMESPACE}:{WORKSPACE} is in subscription {workspace}, but the key's vault is in "
            f"subscription {home} ({where}): key-access monitoring makes its alerts where the "
            "vault is (an activity-log alert sees only its own subscription's activity log) and "
            f"reads the workspace there; name a workspace in subscription {home}, or leave "
            f"{NAMESPACE}:{WORKSPACE} empty to create one there"
        )
    cja = s.journey_analytics
    if cja is not None:
        brought = cja.existing_key
        other = brought.subscription_id.lower() if brought is not None else deploying
        if other != home:
            setting = (
                "journeyAnalyticsExistingVaultId" if brought is not None else "journeyAnalyticsKey"
            )
            raise pulumi.RunError(
                f"{NAMESPACE}:{setting} puts the Journey Analytics key in subscription {other}, "
                f"but key-access monitoring watches from subscription {home}, the Platform key's "
                f"({where}): an activity-log alert sees only its own subscription's activity log; "
                "bring a Journey Analytics key from that subscription, or set "
                f"{NAMESPACE}:keyAccessMonitoring false"
            )
    return MonitoringPlacement(home, monitoring.resource_group_name)


def check_workspace_readable(
    s: Settings, subscriptions: Subscriptions, parent: pulumi.Resource
) -> None:
    """Look a workspace named in another subscription up there; ``pulumi.RunError`` (one line
    naming ``monitoringWorkspaceId`` and the subscription) when the deploying identity cannot
    read it. (:class:`~components.key_access_monitoring.KeyAccessMonitoring` looks it up again
    for its region; in the deploying subscription its lookup is the only one, as it always was.)"""
    monitoring = s.key_access_monitoring
    match = WORKSPACE_ID.match(monitoring.workspace_id or "") if monitoring else None
    if match is None or subscriptions.provider(match["subscription"]) is None:
        return
    try:
        operationalinsights.get_workspace(
            resource_group_name=match["group"],
            workspace_name=match["name"],
            opts=subscriptions.invoke_options(match["subscription"], parent),
        )
    except Exception as exc:
        raise pulumi.RunError(
            lookup_failure(
                f"{NAMESPACE}:{WORKSPACE}",
                f"workspace {match['name']}",
                match["subscription"].lower(),
                exc,
            )
        ) from None


def _key_setting(s: Settings) -> str:
    """What put the Platform key where it is, in words for a message."""
    if s.existing_key is not None:
        return f"{NAMESPACE}:existingVaultId"
    if s.managed_hsm is not None:
        return f"{NAMESPACE}:managedHsmId"
    return "the vault this stack creates, in the deploying subscription"
