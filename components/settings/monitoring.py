"""Rules for key-access monitoring: whether it is on, the Log Analytics workspace, who is told.

Off by default (``keyAccessMonitoring``). When on, the vault's audit log goes to a workspace
(``monitoringWorkspaceId``, or one the program creates) and the alerts tell one action group
(``monitoringActionGroupId``, or one the program creates for ``monitoringEmails``): exactly one of
the two ways of telling someone, since an alert nobody receives is no monitoring. The alert rules
(and a created workspace and action group) go in ``monitoringResourceGroupName``, or else the
vault's own group. When off, the other settings must be unset, so that a stack never believes it
is monitored when it is not. A Managed HSM named by ``managedHsmUri`` alone cannot be monitored:
a diagnostic setting is made on the HSM's ARM id (``managedHsmId``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cmk_facts import GUID_TEXT
from components.settings import placement
from components.settings.reader import ConfigReader

SWITCH = "keyAccessMonitoring"
WORKSPACE = "monitoringWorkspaceId"
ACTION_GROUP = "monitoringActionGroupId"
EMAILS = "monitoringEmails"
RESOURCE_GROUP = "monitoringResourceGroupName"

_GROUP = r"[-\w.()]{0,89}[-\w()]"
#: ``/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/
#: workspaces/<name>`` (Azure compares the fixed segments case-insensitively).
WORKSPACE_ID = re.compile(
    rf"/subscriptions/(?P<subscription>{GUID_TEXT})/resourceGroups/(?P<group>{_GROUP})/providers/"
    r"Microsoft\.OperationalInsights/workspaces/(?P<name>[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9])\Z",
    re.IGNORECASE,
)
WORKSPACE_ID_EXAMPLE = (
    "/subscriptions/<subscription>/resourceGroups/<group>/providers/"
    "Microsoft.OperationalInsights/workspaces/<name>"
)
#: ``/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Insights/actionGroups/
#: <name>``.
ACTION_GROUP_ID = re.compile(
    rf"/subscriptions/{GUID_TEXT}/resourceGroups/{_GROUP}/providers/"
    r"Microsoft\.Insights/actionGroups/[^/\s]{1,260}\Z",
    re.IGNORECASE,
)
ACTION_GROUP_ID_EXAMPLE = (
    "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Insights/"
    "actionGroups/<name>"
)
#: One mailbox: a local part, ``@``, a domain with a dot; no spaces, commas or display names.
EMAIL = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]+\Z")


@dataclass(frozen=True)
class KeyAccessMonitoringSettings:
    """Where the audit log goes and who the alerts tell (monitoring is on)."""

    workspace_id: str | None
    """ARM id of an existing Log Analytics workspace; ``None``: the program creates one."""
    action_group_id: str | None
    """ARM id of an existing action group; ``None``: the program creates one for ``emails``."""
    emails: tuple[str, ...]
    """Addresses of the action group the program creates (empty with ``action_group_id``)."""
    resource_group_name: str | None = None
    """The existing group, in the subscription of the key's vault, of the activity-log alerts
    (and, without a workspace id, of the created workspace, action group and log alerts, which
    otherwise go beside the workspace); ``None``: the vault's own group."""

    @property
    def creates_workspace(self) -> bool:
        """True when no existing workspace is named."""
        return self.workspace_id is None

    @property
    def creates_action_group(self) -> bool:
        """True when no existing action group is named."""
        return self.action_group_id is None

    @property
    def workspace_subscription_id(self) -> str | None:
        """The subscription of the named workspace, in lower case; ``None`` when one is created."""
        match = WORKSPACE_ID.match(self.workspace_id or "")
        return match["subscription"].lower() if match else None


def key_access_monitoring(
    r: ConfigReader, *, location: str | None, hsm_by_uri_only: bool = False
) -> KeyAccessMonitoringSettings | None:
    """The monitoring settings, or ``None`` when ``keyAccessMonitoring`` is false.

    ``location`` is the validated ``location`` (or ``azure-native:location``): a workspace the
    program creates needs one. ``hsm_by_uri_only``: the key is in a Managed HSM named by
    ``managedHsmUri`` alone, which has no ARM id to put a diagnostic setting on.
    """
    if not r.boolean(SWITCH):
        for name in (WORKSPACE, ACTION_GROUP, EMAILS, RESOURCE_GROUP):
            if not r.is_default(name):
                raise r.fail(
                    name,
                    f"is set but adobe-cmk:{SWITCH} is false, so nothing is monitored: set "
                    f"adobe-cmk:{SWITCH} true, or remove it (`pulumi config rm {r.key(name)}`)",
                )
        return None
    if hsm_by_uri_only:
        raise r.fail(
            SWITCH,
            "is true but adobe-cmk:managedHsmUri names the HSM by its address alone: the audit "
            "log's diagnostic setting is made on the HSM's ARM id, so set adobe-cmk:managedHsmId "
            "(/subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.KeyVault/"
            "managedHSMs/<name>) instead, or set keyAccessMonitoring false",
        )
    workspace_id = r.optional(WORKSPACE, lambda v: _arm_id(r, WORKSPACE, v))
    action_group_id = r.optional(ACTION_GROUP, lambda v: _arm_id(r, ACTION_GROUP, v))
    emails = _emails(r)
    if action_group_id is not None and emails:
        raise r.fail(
            EMAILS,
            f"is set and so is adobe-cmk:{ACTION_GROUP}: the alerts tell one action group, either "
            "the existing one or one the program creates for these addresses; remove one of them",
        )
    if action_group_id is None and not emails:
        raise r.fail(
            SWITCH,
            f"is true but nobody would be told: set adobe-cmk:{EMAILS} (e.g. `pulumi config set "
            f"--path '{r.key(EMAILS)}[0]' secops@example.com`) or adobe-cmk:{ACTION_GROUP}",
        )
    if workspace_id is None and location is None:
        raise r.fail(
            "location",
            "is empty and so is azure-native:location: say where to create the Log Analytics "
            "workspace, e.g. `pulumi config set adobe-cmk:location westeurope`, or name an "
            f"existing one in adobe-cmk:{WORKSPACE}",
        )
    group = r.optional(RESOURCE_GROUP, lambda v: placement.resource_group(r, v, RESOURCE_GROUP))
    return KeyAccessMonitoringSettings(
        workspace_id=workspace_id,
        action_group_id=action_group_id,
        emails=emails,
        resource_group_name=group,
    )


def _arm_id(r: ConfigReader, name: str, value: str) -> str:
    pattern, example = (
        (WORKSPACE_ID, WORKSPACE_ID_EXAMPLE)
        if name == WORKSPACE
        else (ACTION_GROUP_ID, ACTION_GROUP_ID_EXAMPLE)
    )
    if not pattern.match(value):
        raise r.fail(name, f"is {value!r}: it must be an Azure resource id like {example}")
    return value


def _emails(r: ConfigReader) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for entry in r.strings(EMAILS):
        if not EMAIL.match(entry):
            raise r.fail(
                EMAILS,
                f"has {entry!r}: each entry is one e-mail address like secops@example.com",
            )
        if entry.lower() in seen:
            raise r.fail(EMAILS, f"has {entry!r} twice: list each address once")
        seen[entry.lower()] = entry
    return tuple(seen.values())
