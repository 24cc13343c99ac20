"""KeyAccessMonitoring: Adobe's access to each key made visible, and alerts before Adobe's own.

Adobe alerts *after* it has lost access ("Key access failure") or decided the key was withdrawn
("Key disablement"); Azure sees it first, in the vault's audit log (docs/runbooks.md#key-access-
monitoring). Per monitored key (the Platform's, and the Journey Analytics one when it exists):

- a diagnostic setting sending the vault's ``AuditEvent`` log and all its metrics to the
  workspace;
- log search alerts (scheduled queries over the workspace, :mod:`components.key_access_queries`):
  Adobe's application refused a key operation (severity 0), the key disabled, deleted or
  changed (1), the vault changed, network rules included, or deleted (2);
- activity-log alerts at the vault's scope: the vault deleted (a soft delete also deletes its role
  assignments), and the role assignment the program made for Adobe deleted.

Each alert's description says what happened and what to do, naming its runbook section. Nothing
here holds Adobe's access, so nothing here is protected: deleting it only stops the watching.
The workspace and the action group are created only when the settings name no existing one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from cmk_facts import (
    ALL_METRICS,
    AUDIT_LOG_CATEGORY,
    MANAGED_HSM_DELETE_ACTION,
    NAMESPACE,
    ROLE_ASSIGNMENT_DELETE_ACTION,
    SOFT_DELETE_RETENTION_DAYS,
    VAULT_DELETE_ACTION,
)
from components import key_access_queries as kql
from components.monitored_keys import KeyAccessMonitoringArgs, MonitoredKey
from components.monitoring_alerts import ALERTS, AlertText
from components.settings.monitoring import WORKSPACE_ID

#: How often the log alerts run, and over how much log: Key Vault's log reaches the workspace
#: within 10 minutes, so a window of 15 sees every row at least once.
EVALUATION_FREQUENCY = "PT5M"
WINDOW_SIZE = "PT15M"
#: The workspace keeps the audit log as long as a deleted vault or key can be recovered.
RETENTION_DAYS = SOFT_DELETE_RETENTION_DAYS
#: The diagnostic setting's name on each vault (a vault takes five settings at most).
DIAGNOSTIC_SETTING_NAME = f"{NAMESPACE}-key-access"
#: The action group's short name, in the subject of every e-mail it sends (12 characters at most).
ACTION_GROUP_SHORT_NAME = "adobe-cmk"
#: Activity-log alerts are global resources.
GLOBAL = "Global"



class KeyAccessMonitoring(pulumi.ComponentResource):
    """The audit log, the alerts and who they tell (type ``adobe-cmk:index:KeyAccessMonitoring``).

    Children: ``<name>-workspace`` and ``<name>-action-group`` (unless existing ones are named);
    per key ``<name>-<label>-audit-log`` and the alerts ``<name>-<label>-<alert>`` for the alerts
    of :data:`components.monitoring_alerts.ALERTS` (``role-assignment-deleted`` only with a role
    assignment).
    """

    workspace_id: pulumi.Output[str]
    """ARM id of the workspace (created or named)."""
    action_group_id: pulumi.Output[str]
    """ARM id of the action group (created or named)."""
    adobe_key_operations_query: pulumi.Output[str]
    """KQL: Adobe's key operations of the last day on every monitored key, newest first."""

    def __init__(
        self, name: str, args: KeyAccessMonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if not args.keys:
            raise ValueError("key-access monitoring needs at least one key to watch")
        super().__init__("adobe-cmk:index:KeyAccessMonitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        s = args.settings

        location: pulumi.Input[str]
        if s.workspace_id is None:
            if args.location is None:
                raise ValueError("a created workspace needs a location")
            workspace = operationalinsights.Workspace(
                f"{name}-workspace",
                resource_group_name=args.resource_group_name,
                location=args.location,
                sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                retention_in_days=RETENTION_DAYS,
                tags=tags,
                opts=child,
            )
            self.workspace_id = workspace.id
            location = workspace.location
        else:
            self.workspace_id = pulumi.Output.from_input(s.workspace_id)
            location = self._workspace_location(s.workspace_id)

        if s.action_group_id is None:
            group = monitor.ActionGroup(
                f"{name}-action-group",
                resource_group_name=args.resource_group_name,
                location=GLOBAL,
                group_short_name=ACTION_GROUP_SHORT_NAME,
                enabled=True,
                email_receivers=[
                    monitor.MicrosoftCommonEmailReceiverArgs(
                        name=f"email-{index}", email_address=email, use_common_alert_schema=True
                    )
                    for index, email in enumerate(s.emails, start=1)
                ],
                tags=tags,
                opts=child,
            )
            self.action_group_id = group.id
        else:
            self.action_group_id = pulumi.Output.from_input(s.action_group_id)

        for key in args.keys:
            self._watch(name, key, args.resource_group_name, location, tags)

        vault_ids = pulumi.Output.all(*(key.vault_id for key in args.keys))
        app_ids = pulumi.Output.all(*(a for key in args.keys for a in key.application_ids))
        self.adobe_key_operations_query = pulumi.Output.all(vault_ids, app_ids).apply(
            lambda values: kql.adobe_key_operations(values[0], _unique(values[1]))
        )
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, pulumi.Input[str]]:
        """The stack outputs this component adds, by name."""
        return {
            "monitoringWorkspaceId": self.workspace_id,
            "monitoringActionGroupId": self.action_group_id,
            "adobeKeyOperationsQuery": self.adobe_key_operations_query,
        }

    def _watch(
        self,
        name: str,
        key: MonitoredKey,
        group: pulumi.Input[str],
        location: pulumi.Input[str],
        tags: dict[str, str],
    ) -> None:
        prefix = f"{name}-{key.label}"
        child = pulumi.ResourceOptions(parent=self)
        audit_log = monitor.DiagnosticSetting(
            f"{prefix}-audit-log",
            resource_uri=key.vault_id,
            name=DIAGNOSTIC_SETTING_NAME,
            workspace_id=self.workspace_id,
            logs=[monitor.DiagnosticsLogSettingsArgs(category=AUDIT_LOG_CATEGORY, enabled=True)],
            metrics=[monitor.DiagnosticsMetricSettingsArgs(category=ALL_METRICS, enabled=True)],
            opts=child,
        )
        vault_id = pulumi.Output.from_input(key.vault_id)
        app_ids = pulumi.Output.all(*key.application_ids)
        queries = {
            "adobe-refused": pulumi.Output.all(vault_id, app_ids).apply(
                lambda v: kql.adobe_refused([v[0]], _unique(v[1]))
            ),
            "key-changed": pulumi.Output.all(vault_id, key.key_name).apply(
                lambda v: kql.key_changed([v[0]], v[1])
            ),
            "vault-changed": vault_id.apply(lambda v: kql.vault_changed([v])),
        }
        # A rule made before the first rows arrive would be refused: neither audit table exists
        # yet in a new workspace (the queries' union tolerates a missing one at run time).
        log_alert = pulumi.ResourceOptions(parent=self, depends_on=[audit_log])
        for alert, query in queries.items():
            text = ALERTS[alert]
            monitor.ScheduledQueryRule(
                f"{prefix}-{alert}",
                resource_group_name=group,
                location=location,
                kind="LogAlert",
                display_name=text.title(key.product),
                description=text.description,
                severity=text.severity,
                enabled=True,
                scopes=[self.workspace_id],
                evaluation_frequency=EVALUATION_FREQUENCY,
                window_size=WINDOW_SIZE,
                criteria=monitor.ScheduledQueryRuleCriteriaArgs(
                    all_of=[
                        monitor.ConditionArgs(
                            query=query,
                            time_aggregation="Count",
                            # The plain string: monitor.ConditionOperator is another API's enum.
                            operator="GreaterThan",
                            threshold=0,
                            failing_periods=monitor.ConditionFailingPeriodsArgs(
                                number_of_evaluation_periods=1, min_failing_periods_to_alert=1
                            ),
                        )
                    ]
                ),
                auto_mitigate=True,
                skip_query_validation=True,
                actions=monitor.ActionsArgs(action_groups=[self.action_group_id]),
                tags=tags,
                opts=log_alert,
            )

        delete_action = vault_id.apply(
            lambda i: (
                MANAGED_HSM_DELETE_ACTION if "/managedhsms/" in i.lower() else VAULT_DELETE_ACTION
            )
        )
        self._activity_alert(
            f"{prefix}-vault-deleted", ALERTS["vault-deleted"], key, group, tags, delete_action
        )
        if key.role_assignment_id is not None:
            self._activity_alert(
                f"{prefix}-role-assignment-deleted",
                ALERTS["role-assignment-deleted"],
                key,
                group,
                tags,
                ROLE_ASSIGNMENT_DELETE_ACTION,
                resource_id=key.role_assignment_id,
            )

    def _activity_alert(
        self,
        resource_name: str,
        text: AlertText,
        key: MonitoredKey,
        group: pulumi.Input[str],
        tags: dict[str, str],
        operation: pulumi.Input[str],
        resource_id: pulumi.Input[str] | None = None,
    ) -> None:
        leaf = monitor.AlertRuleAnyOfOrLeafConditionArgs
        conditions = [
            leaf(field="category", equals="Administrative"),
            leaf(field="operationName", equals=operation),
            # An operation is logged when it starts and when it ends: tell once, when done.
            leaf(field="status", equals="Succeeded"),
        ]
        if resource_id is not None:
            conditions.append(leaf(field="resourceId", equals=resource_id))
        monitor.ActivityLogAlert(
            resource_name,
            resource_group_name=group,
            location=GLOBAL,
            # A prefix: the vault and everything under it (its keys, role assignments there).
            scopes=[key.vault_id],
            enabled=True,
            description=f"{text.title(key.product)}. {text.description}",
            condition=monitor.AlertRuleAllOfConditionArgs(all_of=conditions),
            actions=monitor.ActionListArgs(
                action_groups=[monitor.ActionGroupArgs(action_group_id=self.action_group_id)]
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _workspace_location(self, workspace_id: str) -> pulumi.Output[str]:
        """The region of an existing workspace, read from Azure (the log alerts go there)."""
        match = WORKSPACE_ID.match(workspace_id)
        if match is None:
            raise ValueError(f"{workspace_id!r} is not a Log Analytics workspace id")
        found = operationalinsights.get_workspace_output(
            resource_group_name=match["group"],
            workspace_name=match["name"],
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        return found.location


def _unique(values: Sequence[str]) -> list[str]:
    """``values`` without repeats (letter case ignored), in order."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.lower(), value)
    return list(seen.values())
