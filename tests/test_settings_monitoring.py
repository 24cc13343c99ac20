"""The key-access monitoring settings: off by default, one switch, a workspace and who is told."""

from __future__ import annotations

import pytest

from components.settings.monitoring import KeyAccessMonitoringSettings
from tests.settings_support import assert_names, build, error_of

WORKSPACE_ID = (
    "/subscriptions/99999999-0000-0000-0000-000000000001/resourceGroups/ops-rg/providers/"
    "Microsoft.OperationalInsights/workspaces/ops-logs"
)
ACTION_GROUP_ID = (
    "/subscriptions/99999999-0000-0000-0000-000000000001/resourceGroups/ops-rg/providers/"
    "microsoft.insights/actionGroups/secops"
)
EMAILS = ["secops@example.com", "key-owner@example.org"]


def test_monitoring_is_off_by_default():
    assert build().key_access_monitoring is None


def test_monitoring_with_emails_creates_workspace_and_action_group():
    monitoring = build(keyAccessMonitoring=True, monitoringEmails=EMAILS).key_access_monitoring
    assert monitoring == KeyAccessMonitoringSettings(
        workspace_id=None, action_group_id=None, emails=tuple(EMAILS)
    )
    assert monitoring.creates_workspace and monitoring.creates_action_group


def test_monitoring_uses_an_existing_workspace_and_action_group():
    monitoring = build(
        keyAccessMonitoring="true",
        monitoringWorkspaceId=WORKSPACE_ID,
        monitoringActionGroupId=ACTION_GROUP_ID,
    ).key_access_monitoring
    assert monitoring is not None
    assert (monitoring.workspace_id, monitoring.action_group_id) == (WORKSPACE_ID, ACTION_GROUP_ID)
    assert monitoring.emails == ()
    assert not monitoring.creates_workspace and not monitoring.creates_action_group


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("monitoringWorkspaceId", WORKSPACE_ID),
        ("monitoringActionGroupId", ACTION_GROUP_ID),
        ("monitoringEmails", EMAILS),
    ],
)
def test_monitoring_settings_refused_while_monitoring_is_off(name, value):
    error = error_of(**{name: value})
    assert_names(error, name, "keyAccessMonitoring is false", "pulumi config rm")


def test_monitoring_on_with_nobody_to_tell_is_refused():
    assert_names(
        error_of(keyAccessMonitoring=True), "keyAccessMonitoring", "monitoringEmails", "nobody"
    )


def test_monitoring_with_both_emails_and_action_group_is_refused():
    error = error_of(
        keyAccessMonitoring=True, monitoringEmails=EMAILS, monitoringActionGroupId=ACTION_GROUP_ID
    )
    assert_names(error, "monitoringEmails", "monitoringActionGroupId", "remove one")


@pytest.mark.parametrize(
    "value",
    [
        "ops-logs",
        WORKSPACE_ID.replace("workspaces", "clusters"),
        WORKSPACE_ID.replace("99999999-0000-0000-0000-000000000001", "not-a-guid"),
        WORKSPACE_ID + "/",
    ],
)
def test_monitoring_workspace_id_not_a_workspace_is_refused(value):
    error = error_of(keyAccessMonitoring=True, monitoringEmails=EMAILS, monitoringWorkspaceId=value)
    assert_names(error, "monitoringWorkspaceId", "Microsoft.OperationalInsights/workspaces/")


@pytest.mark.parametrize("value", ["secops", ACTION_GROUP_ID.replace("actionGroups", "alerts")])
def test_monitoring_action_group_id_not_an_action_group_is_refused(value):
    error = error_of(keyAccessMonitoring=True, monitoringActionGroupId=value)
    assert_names(error, "monitoringActionGroupId", "Microsoft.Insights/actionGroups/")


@pytest.mark.parametrize(
    "value",
    ["secops", "secops@localhost", "a@example.com,b@example.com", "Sec Ops <s@example.com>"],
)
def test_monitoring_email_not_one_address_is_refused(value):
    error = error_of(keyAccessMonitoring=True, monitoringEmails=[value])
    assert_names(error, "monitoringEmails", repr(value), "one e-mail address")


def test_monitoring_email_listed_twice_is_refused():
    error = error_of(
        keyAccessMonitoring=True, monitoringEmails=["secops@example.com", "SecOps@example.com"]
    )
    assert_names(error, "monitoringEmails", "twice")


def test_monitoring_created_workspace_needs_a_location():
    error = error_of(
        keyAccessMonitoring=True,
        monitoringEmails=EMAILS,
        location=None,
        createResourceGroup=False,
        resourceGroupName="cmk-rg",
    )
    assert_names(error, "location", "Log Analytics workspace", "monitoringWorkspaceId")


def test_monitoring_existing_workspace_needs_no_location():
    settings = build(
        keyAccessMonitoring=True,
        monitoringEmails=EMAILS,
        monitoringWorkspaceId=WORKSPACE_ID,
        location=None,
        createResourceGroup=False,
        resourceGroupName="cmk-rg",
    )
    assert settings.location is None
    assert settings.key_access_monitoring is not None


# ---- where the monitoring goes (issue 21, items 2 and 3) -------------------------------------

HSM_URI = "https://hsm-shared.managedhsm.azure.net"
HSM_ID = (
    "/subscriptions/22222222-0000-0000-0000-000000000002/resourceGroups/rg-security/providers/"
    "Microsoft.KeyVault/managedHSMs/hsm-shared"
)


def test_monitoring_resource_group_is_carried():
    monitoring = build(
        keyAccessMonitoring=True, monitoringEmails=EMAILS, monitoringResourceGroupName="rg-mon"
    ).key_access_monitoring
    assert monitoring is not None and monitoring.resource_group_name == "rg-mon"


def test_monitoring_resource_group_without_monitoring_is_refused():
    error = error_of(monitoringResourceGroupName="rg-mon")
    assert_names(error, "monitoringResourceGroupName", "adobe-cmk:keyAccessMonitoring is false")


def test_monitoring_resource_group_must_be_a_group_name():
    error = error_of(
        keyAccessMonitoring=True, monitoringEmails=EMAILS, monitoringResourceGroupName="bad/name"
    )
    assert_names(error, "monitoringResourceGroupName", "1-90 letters")


def test_workspace_subscription_is_read_from_its_id_in_lower_case():
    monitoring = build(
        keyAccessMonitoring=True,
        monitoringEmails=EMAILS,
        monitoringWorkspaceId=WORKSPACE_ID.upper(),
    ).key_access_monitoring
    assert monitoring is not None
    assert monitoring.workspace_subscription_id == "99999999-0000-0000-0000-000000000001"


def test_an_hsm_by_address_alone_cannot_be_monitored():
    error = error_of(
        location=None, managedHsmUri=HSM_URI, keyAccessMonitoring=True, monitoringEmails=EMAILS
    )
    assert_names(
        error,
        "keyAccessMonitoring",
        "adobe-cmk:managedHsmUri names the HSM by its address alone",
        "set adobe-cmk:managedHsmId",
    )


def test_an_hsm_by_id_and_address_can_be_monitored():
    settings = build(
        location=None,
        managedHsmId=HSM_ID,
        managedHsmUri=HSM_URI,
        keyAccessMonitoring=True,
        monitoringEmails=EMAILS,
        monitoringWorkspaceId=WORKSPACE_ID,
    )
    assert settings.key_access_monitoring is not None
    assert settings.key_subscription_id == "22222222-0000-0000-0000-000000000002"
