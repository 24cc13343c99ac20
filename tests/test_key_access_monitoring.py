"""Key-access monitoring under mocks, ``__main__.py`` run as ``pulumi up`` runs it: every resource
each setting adds, their scopes, the application ids in the queries, severities, the action
group wiring, the outputs; nothing with monitoring off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pulumi_azure_native import monitor

from cmk_facts import (
    JOURNEY_ANALYTICS_APPLICATION_ID,
    MANAGED_HSM_DELETE_ACTION,
    ROLE_ASSIGNMENT_DELETE_ACTION,
    VAULT_DELETE_ACTION,
)
from components.key_access_monitoring import ACTION_GROUP_SHORT_NAME, DIAGNOSTIC_SETTING_NAME
from components.monitoring_alerts import ALERTS, RUNBOOK
from tests.mocks import (
    ADOBE_APP_ID,
    GET_WORKSPACE,
    GROUP,
    ROLE,
    VAULT,
    WORKSPACE_LOCATION,
    Registration,
    run_main,
    valid_config,
)
from tests.test_docs import anchors
from tests.test_program import BYO_KEY_ID, BYO_VAULT_ID
from tests.test_program_managed_hsm import HSM_ID, HSM_ROLE, HSM_SUB, HsmMocks

WORKSPACE = "azure-native:operationalinsights:Workspace"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
LOG_ALERT = "azure-native:monitor:ScheduledQueryRule"
ACTIVITY_ALERT = "azure-native:monitor:ActivityLogAlert"
MONITORING_TYPES = (WORKSPACE, ACTION_GROUP, DIAGNOSTICS, LOG_ALERT, ACTIVITY_ALERT)
EMAILS = ["secops@example.com", "key-owner@example.com"]
EXISTING_WORKSPACE = (
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/ops-rg/providers/"
    "Microsoft.OperationalInsights/workspaces/ops-logs"
)
EXISTING_GROUP = (
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/ops-rg/providers/"
    "microsoft.insights/actionGroups/secops"
)
#: The log alerts of a key in a vault, with their severities; a key in a Managed HSM has the
#: first four and, with Adobe's role made here, the HSM role-assignment alert.
VAULT_LOG_ALERTS = {
    "adobe-refused": 0,
    "adobe-throttled": 2,
    "key-changed": 1,
    "vault-changed": 2,
    "key-expiry": 1,
}
HSM_LOG_ALERTS = {
    **{k: v for k, v in VAULT_LOG_ALERTS.items() if k != "key-expiry"},
    "hsm-role-assignment-deleted": 1,
}


def monitored(**settings):
    return run_main(
        valid_config(keyAccessMonitoring=True, **({"monitoringEmails": EMAILS} | settings))
    )


@pytest.fixture(scope="module")
def run():
    return monitored()


@pytest.fixture(scope="module")
def hsm_run():
    """A key in a Managed HSM, Adobe's local role made here, watched in a workspace of the HSM's
    subscription."""
    workspace = EXISTING_WORKSPACE.replace("11111111-2222-3333-4444-555555555555", HSM_SUB)
    config = valid_config(
        location=None,
        managedHsmId=HSM_ID,
        keyAccessMonitoring=True,
        monitoringEmails=None,
        monitoringWorkspaceId=workspace,
        monitoringActionGroupId=EXISTING_GROUP,
    )
    return run_main(config, mocks=HsmMocks())


def log_alert(run, alert: str, label: str = "platform") -> Registration:
    return next(r for r in run.of_type(LOG_ALERT) if r.name.endswith(f"-{label}-{alert}"))


def activity_alert(run, alert: str, label: str = "platform") -> Registration:
    return next(r for r in run.of_type(ACTIVITY_ALERT) if r.name.endswith(f"-{label}-{alert}"))


def conditions(alert: Registration) -> dict[str, str]:
    return {leaf["field"]: leaf["equals"] for leaf in alert.inputs["condition"]["allOf"]}


def test_monitoring_off_adds_nothing_and_no_output():
    default = run_main()
    assert not [r.urn for r in default.registrations if r.type in MONITORING_TYPES]
    assert not {"monitoringWorkspaceId", "adobeKeyOperationsQuery"} & set(default.stack_outputs)


def test_monitoring_with_emails_adds_each_resource_once_per_vault(run):
    assert sorted(t for t in run.types() if t in MONITORING_TYPES) == sorted(
        [WORKSPACE, ACTION_GROUP, DIAGNOSTICS, *[LOG_ALERT] * 5, *[ACTIVITY_ALERT] * 2]
    )
    for registration in run.registrations:
        if registration.type in MONITORING_TYPES:
            assert not registration.protect, f"{registration.urn}: holds no access, not protected"


def test_created_workspace_is_in_the_vaults_group_and_region(run):
    workspace, group = run.one(WORKSPACE), run.one(GROUP)
    assert workspace.inputs["resourceGroupName"] == group.outputs["name"], workspace.urn
    assert workspace.inputs["location"] == "westeurope", workspace.urn
    assert workspace.inputs["sku"] == {"name": "PerGB2018"}, workspace.urn
    assert workspace.inputs["retentionInDays"] == 90, workspace.urn


def test_created_action_group_mails_every_address(run):
    group = run.one(ACTION_GROUP)
    assert group.inputs["location"] == "Global", group.urn
    assert group.inputs["groupShortName"] == ACTION_GROUP_SHORT_NAME
    assert len(ACTION_GROUP_SHORT_NAME) <= 12
    assert group.inputs["enabled"] is True, group.urn
    receivers = group.inputs["emailReceivers"]
    assert [r["emailAddress"] for r in receivers] == EMAILS, group.urn
    assert len({r["name"] for r in receivers}) == len(EMAILS), "receiver names must be unique"
    assert all(r["useCommonAlertSchema"] for r in receivers), receivers


def test_diagnostic_setting_sends_the_vaults_audit_log_and_metrics_to_the_workspace(run):
    setting, vault, workspace = run.one(DIAGNOSTICS), run.one(VAULT), run.one(WORKSPACE)
    assert setting.inputs["resourceUri"] == vault.id, setting.urn
    assert setting.inputs["workspaceId"] == workspace.id, setting.urn
    assert setting.inputs["name"] == DIAGNOSTIC_SETTING_NAME, setting.urn
    assert setting.inputs["logs"] == [{"category": "AuditEvent", "enabled": True}], setting.urn
    assert setting.inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}], setting.urn


@pytest.mark.parametrize(("alert", "severity"), sorted(VAULT_LOG_ALERTS.items()))
def test_log_alerts_query_the_workspace_and_tell_the_action_group(run, alert, severity):
    rule = log_alert(run, alert)
    workspace, group = run.one(WORKSPACE), run.one(ACTION_GROUP)
    assert rule.inputs["severity"] == severity, rule.urn
    assert rule.inputs["scopes"] == [workspace.id], rule.urn
    assert rule.inputs["location"] == "westeurope", f"{rule.urn}: not the workspace's region"
    assert rule.inputs["kind"] == "LogAlert" and rule.inputs["enabled"] is True, rule.urn
    assert rule.inputs["actions"] == {"actionGroups": [group.id]}, rule.urn
    assert (rule.inputs["evaluationFrequency"], rule.inputs["windowSize"]) == ("PT5M", "PT15M")
    (condition,) = rule.inputs["criteria"]["allOf"]
    assert {k: condition[k] for k in ("timeAggregation", "operator", "threshold")} == {
        "timeAggregation": "Count",
        "operator": "GreaterThan",
        "threshold": 0,
    }, rule.urn
    assert f'in~ ("{run.one(VAULT).id}")' in condition["query"], f"{rule.urn}: not this vault"
    assert run.one(DIAGNOSTICS).urn in rule.dependencies, f"{rule.urn} made before the log flows"


@pytest.mark.parametrize("alert", ["adobe-refused", "adobe-throttled"])
def test_adobe_alerts_queries_name_adobes_application(run, alert):
    query = log_alert(run, alert).inputs["criteria"]["allOf"][0]["query"]
    assert f'AppId in~ ("{ADOBE_APP_ID}")' in query, query


def test_throttling_is_its_own_alert_not_a_refusal(run):
    refused = log_alert(run, "adobe-refused").inputs["criteria"]["allOf"][0]["query"]
    throttled = log_alert(run, "adobe-throttled").inputs["criteria"]["allOf"][0]["query"]
    assert "HttpStatus != 429" in refused and "HttpStatus == 429" in throttled
    assert (ALERTS["adobe-throttled"].severity, ALERTS["adobe-refused"].severity) == (2, 0)


def test_key_expiry_alert_reads_key_vaults_expiry_notifications_of_the_key(run):
    query = log_alert(run, "key-expiry").inputs["criteria"]["allOf"][0]["query"]
    assert '"KeyNearExpiryEventGridNotification", "KeyExpiredEventGridNotification"' in query
    assert 'KeyName =~ "adobe-cmk"' in query, query


def test_key_changed_query_names_the_key(run):
    query = log_alert(run, "key-changed").inputs["criteria"]["allOf"][0]["query"]
    assert 'tostring(Path[2]) =~ "adobe-cmk"' in query, query


def test_every_alert_says_what_happened_and_links_its_runbook(run):
    alerts = run.of_type(LOG_ALERT) + run.of_type(ACTIVITY_ALERT)
    for alert in alerts:
        text = ALERTS[alert.name.split("-platform-")[1]]
        assert text.what in alert.inputs["description"], alert.urn
        assert f"{RUNBOOK}#{text.anchor}" in alert.inputs["description"], alert.urn
    for name in VAULT_LOG_ALERTS:
        assert log_alert(run, name).inputs["displayName"].startswith("Adobe CMK (Experience")


def test_every_runbook_anchor_is_a_heading_of_the_runbooks():
    page = Path(__file__).resolve().parent.parent / RUNBOOK
    missing = {text.anchor for text in ALERTS.values()} - anchors(page)
    assert not missing, f"{RUNBOOK} has no section {missing}"


def test_vault_deleted_alert_is_at_the_vaults_scope(run):
    alert, vault, group = (
        activity_alert(run, "vault-deleted"),
        run.one(VAULT),
        run.one(ACTION_GROUP),
    )
    assert alert.inputs["scopes"] == [vault.id], alert.urn
    assert alert.inputs["location"] == "Global", alert.urn
    assert conditions(alert) == {
        "category": "Administrative",
        "operationName": VAULT_DELETE_ACTION,
        "status": "Succeeded",
    }, alert.urn
    assert alert.inputs["actions"] == {"actionGroups": [{"actionGroupId": group.id}]}, alert.urn


def test_role_assignment_deleted_alert_names_adobes_assignment(run):
    alert, role, vault = (
        activity_alert(run, "role-assignment-deleted"),
        run.one(ROLE),
        run.one(VAULT),
    )
    assert alert.inputs["scopes"] == [vault.id], alert.urn
    assert conditions(alert) == {
        "category": "Administrative",
        "operationName": ROLE_ASSIGNMENT_DELETE_ACTION,
        "status": "Succeeded",
        "resourceId": role.id,
    }, alert.urn
    assert role.id.startswith(vault.id), "the assignment is under the alert's scope"


def test_outputs_name_the_workspace_and_adobes_key_operations_query(run):
    outputs = run.stack_outputs
    assert outputs["monitoringWorkspaceId"] == run.one(WORKSPACE).id
    assert outputs["monitoringActionGroupId"] == run.one(ACTION_GROUP).id
    query = outputs["adobeKeyOperationsQuery"]
    assert f'AppId in~ ("{ADOBE_APP_ID}")' in query and run.one(VAULT).id in query, query


def test_existing_workspace_and_action_group_are_used_not_created():
    run = monitored(
        monitoringEmails=None,
        monitoringWorkspaceId=EXISTING_WORKSPACE,
        monitoringActionGroupId=EXISTING_GROUP,
    )
    assert not run.of_type(WORKSPACE) and not run.of_type(ACTION_GROUP), run.types()
    assert run.one(DIAGNOSTICS).inputs["workspaceId"] == EXISTING_WORKSPACE
    calls = run.invoked(GET_WORKSPACE)
    assert calls, "the workspace's region is read from Azure"
    for call in calls:
        names = (call.args["resourceGroupName"], call.args["workspaceName"])
        assert names == ("ops-rg", "ops-logs"), names
    for rule in run.of_type(LOG_ALERT):
        assert rule.inputs["scopes"] == [EXISTING_WORKSPACE], rule.urn
        assert rule.inputs["location"] == WORKSPACE_LOCATION, f"{rule.urn}: not the workspace's"
        assert rule.inputs["actions"] == {"actionGroups": [EXISTING_GROUP]}, rule.urn
    for alert in run.of_type(ACTIVITY_ALERT):
        groups = alert.inputs["actions"]["actionGroups"]
        assert groups == [{"actionGroupId": EXISTING_GROUP}], alert.urn
    assert run.stack_outputs["monitoringWorkspaceId"] == EXISTING_WORKSPACE


def test_bring_your_own_key_watches_the_existing_vault():
    run = monitored(existingKeyId=BYO_KEY_ID, existingVaultId=BYO_VAULT_ID)
    assert run.one(DIAGNOSTICS).inputs["resourceUri"] == BYO_VAULT_ID
    assert run.one(WORKSPACE).inputs["resourceGroupName"] == "byo-rg"
    assert activity_alert(run, "vault-deleted").inputs["scopes"] == [BYO_VAULT_ID]
    query = log_alert(run, "key-changed").inputs["criteria"]["allOf"][0]["query"]
    assert '=~ "byo-key"' in query, query


def test_no_role_assignment_alert_when_access_is_granted_elsewhere():
    run = monitored(servicePrincipal="none")
    names = [alert.name for alert in run.of_type(ACTIVITY_ALERT)]
    assert len(names) == 1 and names[0].endswith("-platform-vault-deleted"), names


def test_journey_analytics_vault_is_watched_for_its_own_application():
    run = monitored(journeyAnalyticsKey=True)
    vaults = {
        re.sub(r"-(audit-log)$", "", r.name): r.inputs["resourceUri"]
        for r in run.of_type(DIAGNOSTICS)
    }
    assert len(vaults) == 2 and len(set(vaults.values())) == 2, vaults
    cja_vault = next(uri for name, uri in vaults.items() if "journey-analytics" in name)
    query = log_alert(run, "adobe-refused", "journey-analytics").inputs["criteria"]["allOf"][0]
    assert f'AppId in~ ("{JOURNEY_ANALYTICS_APPLICATION_ID}")' in query["query"], query
    assert f'in~ ("{cja_vault}")' in query["query"], query
    assert len(run.of_type(LOG_ALERT)) == 2 * len(VAULT_LOG_ALERTS)
    assert len(run.of_type(ACTIVITY_ALERT)) == 4
    operations = run.stack_outputs["adobeKeyOperationsQuery"]
    assert ADOBE_APP_ID in operations and JOURNEY_ANALYTICS_APPLICATION_ID in operations


def test_hsm_key_gets_the_hsm_role_assignment_log_alert_and_no_activity_log_one(hsm_run):
    """An HSM's local role changes are in its own audit log only, never in the activity log: the
    alert on Adobe's HSM role is a log alert naming the assignment, and no activity-log alert
    (which could never fire) is made for it."""
    names = {r.name.split("-platform-")[1]: r for r in hsm_run.of_type(LOG_ALERT)}
    assert sorted(names) == sorted(HSM_LOG_ALERTS), sorted(names)
    for alert, severity in HSM_LOG_ALERTS.items():
        assert names[alert].inputs["severity"] == severity, names[alert].urn
    (activity,) = hsm_run.of_type(ACTIVITY_ALERT)
    assert activity.name.endswith("-platform-vault-deleted"), activity.urn
    assert conditions(activity)["operationName"] == MANAGED_HSM_DELETE_ACTION, activity.urn
    role = hsm_run.one(HSM_ROLE)
    assignment = role.id.rsplit("/", 1)[-1]
    query = names["hsm-role-assignment-deleted"].inputs["criteria"]["allOf"][0]["query"]
    assert f'roleAssignments/{assignment}"' in query, query
    assert f'in~ ("{HSM_ID}")' in query, query


def test_no_expiry_alert_for_an_hsm_key_which_sends_no_expiry_notifications(hsm_run):
    assert not [r.urn for r in hsm_run.of_type(LOG_ALERT) if r.name.endswith("-key-expiry")]


def test_no_hsm_role_assignment_alert_when_access_is_granted_elsewhere():
    workspace = EXISTING_WORKSPACE.replace("11111111-2222-3333-4444-555555555555", HSM_SUB)
    config = valid_config(
        location=None,
        managedHsmId=HSM_ID,
        servicePrincipal="none",
        keyAccessMonitoring=True,
        monitoringWorkspaceId=workspace,
        monitoringActionGroupId=EXISTING_GROUP,
    )
    run = run_main(config, mocks=HsmMocks())
    assert not [r.urn for r in run.of_type(LOG_ALERT) if "role-assignment" in r.name]
    assert len(run.of_type(ACTIVITY_ALERT)) == 1


def test_a_refused_second_audit_log_setting_is_explained_since_preview_cannot_see_it():
    """Azure refuses (409) a second setting sending AuditEvent to the same workspace. azure-native
    reads diagnostic settings only by name (no list to find another one at preview), so the
    errors page names ARM's refusal, the program's setting and the fix."""
    readers = {n for n in dir(monitor) if "diagnostic_setting" in n and not n[0].isupper()}
    assert "get_diagnostic_setting" in readers, sorted(readers)
    lists = {n for n in readers if n.startswith("list_")} - {
        "list_diagnostic_settings_category",
        "list_diagnostic_settings_category_output",
    }
    assert not lists, f"azure-native can list diagnostic settings now ({lists}): check at preview"
    page = " ".join(
        (Path(__file__).resolve().parent.parent / "docs" / "errors.md").read_text().split()
    )
    entry = page[page.index("A second audit-log setting to the same workspace") :][:1500]
    for words in (
        f"`{DIAGNOSTIC_SETTING_NAME}`",
        "is already used in diagnostic setting",
        "HTTP 409",
        "`adobe-cmk:monitoringWorkspaceId`",
        "exempt the vault from that policy assignment",
    ):
        assert words in entry, f"docs/errors.md: {words!r} not in the entry"
