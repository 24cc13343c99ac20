"""KeyAccessMonitoring: Adobe's access to each key made visible, and alerts before Adobe's own.

Adobe alerts *after* it has lost access ("Key access failure") or decided the key was withdrawn
("Key disablement"); Azure sees it first, in the vault's audit log (docs/runbooks.md#key-access-
monitoring). Per monitored key (the Platform's, and the Journey Analytics one when it exists):

- a diagnostic setting sending the vault's ``AuditEvent`` log and all its metrics to the
  workspace;
- log search alerts (scheduled queries over the workspace, :mod:`components.key_access_queries`):
  Adobe's application refused a key operation (severity 0), the key disabled, deleted or
  changed (1), the vault changed, network rules included, or deleted (2), Adobe throttled (2);
  for a key in a vault, the key's current version near expiry or expired (1); for a key in a
  Managed HSM, the local role assignment the program made for Adobe deleted (1: the HSM logs its
  role changes in its own audit log only);
- activity-log alerts at the vault's scope: the vault (or HSM) deleted (a soft delete also
  deletes a vault's role assignments), and for a vault the ARM role assignment the program made
  for Adobe deleted.

The log alerts, the action group and a created workspace are made in the workspace's
subscription through ``args.workspace_provider``; the activity-log alerts in the vault's, as
each key's :attr:`~components.monitored_keys.MonitoredKey.activity_alerts` says (an activity-log
alert sees only its own subscription's activity log); the diagnostic settings with the default
provider (a setting's path is its scope, the vault). So the component itself takes no provider.

Each alert's description says what happened and what to do, naming its runbook section. Nothing
here holds Adobe's access, so nothing here is protected: deleting it only stops the watching.
The workspace and the action group are created only when the settings name no existing one.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from components.monitored_keys import (
    AlertPlacement,
    KeyAccessMonitoringArgs,
    MonitoredKey,
    log_queries,
    unique,
)
from components.monitoring_alerts import ALERTS, AlertText
from components.settings.monitoring import WORKSPACE, WORKSPACE_ID
from components.subscriptions import lookup_failure

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


@dataclass(frozen=True)
class RulePlacement:
    """Where every alert rule goes, and what it is tagged with."""

    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    """The workspace's region (the log alerts'; activity-log alerts are global)."""
    tags: dict[str, str]
    provider: pulumi.ProviderResource | None = None
    """The workspace's subscription's explicit provider (the log alerts'); ``None``: default."""


class KeyAccessMonitoring(pulumi.ComponentResource):
    """The audit log, the alerts and who they tell (type ``adobe-cmk:index:KeyAccessMonitoring``).

    Children: ``<name>-workspace`` and ``<name>-action-group`` (unless existing ones are named);
    per key ``<name>-<label>-audit-log`` and the alerts ``<name>-<label>-<alert>`` of
    :data:`components.monitoring_alerts.ALERTS` that apply to it
    (:func:`~components.monitored_keys.log_queries`; the
    role-assignment alerts only with a role assignment made here).
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
        tags = dict(args.tags)
        self.workspace_id, location = self._workspace(name, args, tags)
        self.action_group_id = self._action_group(name, args, tags)
        rules = RulePlacement(args.resource_group_name, location, tags, args.workspace_provider)
        for key in args.keys:
            self._watch(name, key, rules)

        vault_ids = pulumi.Output.all(*(key.vault_id for key in args.keys))
        app_ids = pulumi.Output.all(*(a for key in args.keys for a in key.application_ids))
        self.adobe_key_operations_query = pulumi.Output.all(vault_ids, app_ids).apply(
            lambda values: kql.adobe_key_operations(values[0], unique(values[1]))
        )
        self.register_outputs(self.outputs())

    def _workspace(
        self, name: str, args: KeyAccessMonitoringArgs, tags: dict[str, str]
    ) -> tuple[pulumi.Output[str], pulumi.Input[str]]:
        """The workspace's id and region: ``<name>-workspace``, or the one the settings name."""
        workspace_id = args.settings.workspace_id
        if workspace_id is not None:
            match = WORKSPACE_ID.match(workspace_id)
            if match is None:
                raise ValueError(f"{workspace_id!r} is not a Log Analytics workspace id")
            # Its region is read from Azure, in its subscription: the log alerts go where the
            # workspace is. Read now (not as an output) so that a refusal stops the program
            # in one line, as the other lookups do, before anything is registered with it.
            try:
                found = operationalinsights.get_workspace(
                    resource_group_name=match["group"],
                    workspace_name=match["name"],
                    opts=pulumi.InvokeOptions(parent=self, provider=args.workspace_provider),
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
            return pulumi.Output.from_input(workspace_id), found.location
        if args.location is None:
            raise ValueError("a created workspace needs a location")
        workspace = operationalinsights.Workspace(
            f"{name}-workspace",
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=RETENTION_DAYS,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, provider=args.workspace_provider),
        )
        return workspace.id, workspace.location

    def _action_group(
        self, name: str, args: KeyAccessMonitoringArgs, tags: dict[str, str]
    ) -> pulumi.Output[str]:
        """Who is told: ``<name>-action-group`` mailing every address, or the one named."""
        if args.settings.action_group_id is not None:
            return pulumi.Output.from_input(args.settings.action_group_id)
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
                for index, email in enumerate(args.settings.emails, start=1)
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, provider=args.workspace_provider),
        )
        return group.id

    def outputs(self) -> dict[str, pulumi.Input[str]]:
        """The stack outputs this component adds, by name."""
        return {
            "monitoringWorkspaceId": self.workspace_id,
            "monitoringActionGroupId": self.action_group_id,
            "adobeKeyOperationsQuery": self.adobe_key_operations_query,
        }

    def _watch(self, name: str, key: MonitoredKey, rules: RulePlacement) -> None:
        """One key's audit log and alerts: ``<name>-<label>-audit-log`` and ``-<alert>`` each."""
        prefix = f"{name}-{key.label}"
        audit_log = monitor.DiagnosticSetting(
            f"{prefix}-audit-log",
            resource_uri=key.vault_id,
            name=DIAGNOSTIC_SETTING_NAME,
            workspace_id=self.workspace_id,
            logs=[monitor.DiagnosticsLogSettingsArgs(category=AUDIT_LOG_CATEGORY, enabled=True)],
            metrics=[monitor.DiagnosticsMetricSettingsArgs(category=ALL_METRICS, enabled=True)],
            opts=pulumi.ResourceOptions(parent=self),
        )
        # A rule made before the first rows arrive would be refused: neither audit table exists
        # yet in a new workspace (the queries' union tolerates a missing one at run time).
        after_audit_log = pulumi.ResourceOptions(
            parent=self, depends_on=[audit_log], provider=rules.provider
        )
        for alert, query in log_queries(key).items():
            self._log_alert(f"{prefix}-{alert}", ALERTS[alert], key, query, rules, after_audit_log)
        self._activity_alert(
            f"{prefix}-vault-deleted",
            ALERTS["vault-deleted"],
            key,
            rules,
            MANAGED_HSM_DELETE_ACTION if key.managed_hsm else VAULT_DELETE_ACTION,
        )
        # An HSM's local role assignments never reach the activity log (its log alert instead).
        if key.role_assignment_id is not None and not key.managed_hsm:
            self._activity_alert(
                f"{prefix}-role-assignment-deleted",
                ALERTS["role-assignment-deleted"],
                key,
                rules,
                ROLE_ASSIGNMENT_DELETE_ACTION,
                resource_id=key.role_assignment_id,
            )

    def _log_alert(
        self,
        resource_name: str,
        text: AlertText,
        key: MonitoredKey,
        query: pulumi.Input[str],
        rules: RulePlacement,
        opts: pulumi.ResourceOptions,
    ) -> None:
        """A log search alert: ``query`` counted over the window, any row tells the group."""
        monitor.ScheduledQueryRule(
            resource_name,
            resource_group_name=rules.resource_group_name,
            location=rules.location,
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
            tags=rules.tags,
            opts=opts,
        )

    def _activity_alert(
        self,
        resource_name: str,
        text: AlertText,
        key: MonitoredKey,
        rules: RulePlacement,
        operation: pulumi.Input[str],
        resource_id: pulumi.Input[str] | None = None,
    ) -> None:
        """An activity-log alert at the vault's scope, in the vault's subscription: ``operation``
        succeeded (on ``resource_id`` only, when given)."""
        where = key.activity_alerts or AlertPlacement(rules.resource_group_name)
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
            resource_group_name=where.resource_group_name,
            location=GLOBAL,
            # A prefix: the vault and everything under it (its keys, role assignments there).
            scopes=[key.vault_id],
            enabled=True,
            description=f"{text.title(key.product)}. {text.description}",
            condition=monitor.AlertRuleAllOfConditionArgs(all_of=conditions),
            actions=monitor.ActionListArgs(
                action_groups=[monitor.ActionGroupArgs(action_group_id=self.action_group_id)]
            ),
            tags=rules.tags,
            opts=pulumi.ResourceOptions(parent=self, provider=where.provider),
        )
