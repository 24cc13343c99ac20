"""Where key-access monitoring goes: the subscription and resource group of its alert rules (and of
a created workspace and action group), decided once from the settings and the deploying
subscription, and refused at preview, in one line naming the settings, where it cannot work.

The activity-log alerts live in the subscription of the Platform key's vault (or HSM): an
activity-log alert sees only the activity log of the subscription it is made in
(docs/runbooks.md, "Another subscription"), and the vault-deleted and role-assignment-deleted
alerts watch the vault; so a monitored Journey Analytics vault must be in that subscription too.
Their group is ``monitoringResourceGroupName``, else the vault's (or HSM's) own: the stack's
group when the stack creates the vault, as it always was. The log alerts query the workspace and
go beside it with the action group: with the activity-log alerts when the workspace is created
or named in the vault's subscription (as they always were), else in the named workspace's
subscription and group (a central workspace in a management subscription). In the deploying
subscription nothing gets an explicit provider (:mod:`components.subscriptions`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from cmk_facts import NAMESPACE
from components.settings import Settings
from components.settings.monitoring import WORKSPACE_ID


@dataclass(frozen=True)
class MonitoringPlacement:
    """Where the monitoring's resources go."""

    subscription_id: str
    """The Platform key's vault's subscription, in lower case."""
    resource_group_name: str | None
    """``monitoringResourceGroupName``; ``None``: the vault's own group."""
    workspace_subscription_id: str
    """The subscription of the workspace, the log alerts and the action group, in lower case:
    the named workspace's, else the vault's (a created workspace is made there)."""
    workspace_resource_group_name: str | None = None
    """The named workspace's group when it is in another subscription than the vault (the log
    alerts and a created action group go there); ``None``: the activity-log alerts' group."""


def monitoring_placement(s: Settings, deploying: str) -> MonitoringPlacement:
    """The placement for ``s`` (monitoring on) when deploying in ``deploying``;
    ``pulumi.RunError`` for a layout whose activity-log alerts could not see a monitored key."""
    monitoring = s.key_access_monitoring
    assert monitoring is not None, "monitoring is off"
    deploying = deploying.lower()
    home = s.key_subscription_id or deploying
    where = _key_setting(s)
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
    workspace = WORKSPACE_ID.match(monitoring.workspace_id or "")
    if workspace is None or workspace["subscription"].lower() == home:
        return MonitoringPlacement(home, monitoring.resource_group_name, home)
    return MonitoringPlacement(
        home,
        monitoring.resource_group_name,
        workspace["subscription"].lower(),
        workspace["group"],
    )


def _key_setting(s: Settings) -> str:
    """What put the Platform key where it is, in words for a message."""
    if s.existing_key is not None:
        return f"{NAMESPACE}:existingVaultId"
    if s.managed_hsm is not None:
        return f"{NAMESPACE}:managedHsmId"
    return "the vault this stack creates, in the deploying subscription"
