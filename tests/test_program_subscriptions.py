"""Landing-zone layouts under Pulumi mocks (issue 21, items 1-3): what is brought from another
subscription (a vault, a Managed HSM, a workspace) is looked up there and the monitoring made
beside it, through an explicit azure-native provider; the deploying subscription keeps the
default provider; a lookup the deploying identity cannot make, and a layout whose alerts could
not see the vault, fail the preview in one line naming the settings.

The mocks answer per subscription as ARM does (tests/mocks.py): a vault looked up anywhere but
its own subscription is not found, a subscription the identity cannot read refuses.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.monitoring_placement import monitoring_placement
from components.settings import Settings, SettingsError
from components.subscriptions import subscription_of
from tests.mocks import (
    AZURE_PROVIDER,
    GET_KEY,
    GET_VAULT,
    GET_WORKSPACE,
    ROLE,
    SECRET_KEYS,
    SUBSCRIPTION_ID,
    AzureMocks,
    ProgramRun,
    Registration,
    run_main,
    valid_config,
)
from tests.test_urns import (
    BYO,
    BYO_SUBSCRIPTION,
    CJA_BYO,
    HSM_ID,
    HSM_SUBSCRIPTION,
    MONITORED,
    HsmLookupMocks,
    existing_monitoring,
)

GET_MANAGED_HSM = "azure-native:keyvault:getManagedHsm"
SCHEDULED_QUERY = "azure-native:monitor:ScheduledQueryRule"
ACTIVITY_ALERT = "azure-native:monitor:ActivityLogAlert"
WORKSPACE = "azure-native:operationalinsights:Workspace"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
#: Where the mocks put what the tests bring: each only in its own subscription.
LOCATED = {"byo-vault": BYO_SUBSCRIPTION, "hsm-shared": HSM_SUBSCRIPTION}


def elsewhere(**kwargs: Any) -> AzureMocks:
    """Deploying in the mocks' default subscription; the brought vault and HSM elsewhere."""
    return HsmLookupMocks(located={**LOCATED, **kwargs.pop("located", {})}, **kwargs)


def provider_of(run: ProgramRun, registration: Registration) -> Registration | None:
    """The explicit provider a registration (or an invoke's provider reference) names."""
    reference = registration.provider
    return next((r for r in run.of_type(AZURE_PROVIDER) if reference.startswith(r.urn)), None)


def invoke_subscription(run: ProgramRun, token: str) -> set[str]:
    """The subscriptions the invokes of ``token`` went to (the default's for no provider)."""
    providers = {r.urn: r.inputs["subscriptionId"] for r in run.of_type(AZURE_PROVIDER)}
    return {providers.get(call.provider.rsplit("::", 1)[0], SUBSCRIPTION_ID)
            for call in run.invoked(token)}


def refused(config: dict[str, Any], mocks: AzureMocks, preview: bool = True) -> str:
    """The one-line error the preview stops with."""
    with pytest.raises(pulumi.RunError) as caught:
        run_main(config, mocks=mocks, preview=preview)
    message = str(caught.value)
    assert "\n" not in message, message
    return message


# ---- item 1: lookups in the subscription an id names -------------------------------------------


def test_a_vault_from_another_subscription_is_looked_up_there():
    run = run_main(valid_config(**BYO), mocks=elsewhere())
    assert invoke_subscription(run, GET_VAULT) == {BYO_SUBSCRIPTION}
    assert invoke_subscription(run, GET_KEY) == {BYO_SUBSCRIPTION}
    (provider,) = run.of_type(AZURE_PROVIDER)
    assert provider.name == f"adobe-cmk-subscription-{BYO_SUBSCRIPTION}", provider.urn


def test_adobes_role_on_a_vault_in_another_subscription_keeps_the_default_provider():
    # Its scope (the vault's id) says where it is: never a provider change for what holds access.
    run = run_main(valid_config(**BYO), mocks=elsewhere())
    role = run.one(ROLE)
    assert role.provider == "", role.urn
    assert role.inputs["scope"] == BYO["existingVaultId"]
    assert role.inputs["roleDefinitionId"].startswith(f"/subscriptions/{BYO_SUBSCRIPTION}/")


def test_in_the_deploying_subscription_nothing_gets_a_provider():
    run = run_main(valid_config(**BYO), mocks=AzureMocks(subscription_id=BYO_SUBSCRIPTION))
    assert run.of_type(AZURE_PROVIDER) == []
    assert {call.provider for call in run.invokes} == {""}


def test_the_subscription_is_compared_without_letter_case():
    mocks = AzureMocks(subscription_id=BYO_SUBSCRIPTION.upper())
    assert run_main(valid_config(**BYO), mocks=mocks).of_type(AZURE_PROVIDER) == []


def test_the_explicit_provider_authenticates_as_the_default_one():
    config = valid_config(
        **BYO,
        **{
            "azure-native:clientId": "0e0e0e0e-1111-2222-3333-444444444444",
            "azure-native:tenantId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "azure-native:useOidc": "true",
            "azure-native:clientSecret": "arm-client-secret-5d1f",
            "azure-native:subscriptionId": SUBSCRIPTION_ID,
        },
    )
    run = run_main(
        config, mocks=elsewhere(), secret_keys=[*SECRET_KEYS, "azure-native:clientSecret"]
    )
    provider = run.one(AZURE_PROVIDER)
    inputs = provider.inputs
    assert inputs["subscriptionId"] == BYO_SUBSCRIPTION, provider.urn
    assert inputs["tenantId"] == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert inputs["useOidc"] == "true"
    # The SDK keeps the client id and secret as secrets (the mocks see them wrapped).
    assert "0e0e0e0e-1111-2222-3333-444444444444" in repr(inputs["clientId"])
    assert "arm-client-secret-5d1f" in repr(inputs["clientSecret"])
    assert "1b47061264138c4ac30d75fd1eb44270" in repr(inputs["clientSecret"]), "not a secret"


def test_an_hsm_from_another_subscription_is_looked_up_there():
    run = run_main(valid_config(location=None, managedHsmId=HSM_ID), mocks=elsewhere())
    assert invoke_subscription(run, GET_MANAGED_HSM) == {HSM_SUBSCRIPTION}
    assert run.one(AZURE_PROVIDER).inputs["subscriptionId"] == HSM_SUBSCRIPTION


def test_an_hsm_named_by_id_with_access_elsewhere_is_still_looked_up_in_its_subscription():
    config = valid_config(location=None, managedHsmId=HSM_ID, servicePrincipal="none")
    run = run_main(config, mocks=elsewhere())
    assert invoke_subscription(run, GET_MANAGED_HSM) == {HSM_SUBSCRIPTION}


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (BYO, "adobe-cmk:existingVaultId names vault byo-vault (key byo-key)"),
        ({"location": None, "managedHsmId": HSM_ID}, "adobe-cmk:managedHsmId names HSM hsm-shared"),
    ],
    ids=["vault", "hsm"],
)
def test_a_subscription_the_identity_cannot_read_fails_the_preview_in_one_line(settings, named):
    unreadable = BYO_SUBSCRIPTION if "existingVaultId" in settings else HSM_SUBSCRIPTION
    message = refused(valid_config(**settings), elsewhere(unreadable=[unreadable]))
    assert message.startswith(f"{named} in subscription {unreadable}, which the deploying "), (
        message
    )
    assert "AuthorizationFailed" in message and "grant it Reader" in message, message


def test_a_workspace_the_identity_cannot_read_fails_the_preview_in_one_line():
    config = valid_config(**BYO, **existing_monitoring(BYO_SUBSCRIPTION))
    mocks = elsewhere(located={"ops-logs": BYO_SUBSCRIPTION})
    # The vault is readable there but the workspace is not: a workspace-only refusal.
    original = mocks.refusal

    def refusal(args: Any, name: str) -> list[tuple[str, str]]:
        if name == "ops-logs":
            return [("workspaceName", "AuthorizationFailed (403)")]
        return original(args, name)

    mocks.refusal = refusal  # type: ignore[method-assign]
    message = refused(config, mocks)
    assert message.startswith(
        f"adobe-cmk:monitoringWorkspaceId names workspace ops-logs in subscription "
        f"{BYO_SUBSCRIPTION}, which the deploying identity cannot read"
    ), message


def test_a_lookup_failure_is_masked_before_it_is_cut():
    secret = "arm-secret-straddling-the-cut-9f3e"
    mocks = elsewhere()
    original = mocks.refusal
    # The invoke's error reads "invoke of <token> failed: <reason> (<property>)": the secret
    # starts 10 characters before the 300th, where the reason is cut.
    padding = 290 - len(f"invoke of {GET_VAULT} failed: ")

    def refusal(args: Any, name: str) -> list[tuple[str, str]]:
        # Azure's reason, echoing a secret across the cut.
        if name == "byo-vault":
            return [("vaultName", "x" * padding + secret)]
        return original(args, name)

    mocks.refusal = refusal  # type: ignore[method-assign]
    config = valid_config(**BYO, **{"azure-native:clientSecret": secret})
    with pytest.raises(pulumi.RunError) as caught:
        run_main(config, mocks=mocks, secret_keys=[*SECRET_KEYS, "azure-native:clientSecret"])
    message = str(caught.value)
    assert "***" in message, message
    assert secret[:6] not in message, message


def test_subscription_of_reads_an_arm_id_in_lower_case():
    assert subscription_of(BYO["existingVaultId"].upper()) == BYO_SUBSCRIPTION
    assert subscription_of("https://hsm-shared.managedhsm.azure.net") is None


# ---- item 2: where the monitoring goes ---------------------------------------------------------


def test_monitoring_of_a_vault_from_another_subscription_is_made_there_in_its_group():
    run = run_main(valid_config(**BYO, **MONITORED), mocks=elsewhere())
    (provider,) = run.of_type(AZURE_PROVIDER)
    assert provider.inputs["subscriptionId"] == BYO_SUBSCRIPTION
    made = [*run.of_type(WORKSPACE), *run.of_type(ACTION_GROUP), *run.of_type(SCHEDULED_QUERY)]
    made += run.of_type(ACTIVITY_ALERT)
    assert made, "no monitoring resource"
    for resource in made:
        assert resource.inputs["resourceGroupName"] == "byo-rg", resource.urn
        assert provider_of(run, resource) is not None, f"{resource.urn}: default provider"
    assert run.one(ROLE).provider == "", "Adobe's role assignment changed provider"


def test_monitoring_resource_group_name_places_what_monitoring_makes():
    run = run_main(valid_config(monitoringResourceGroupName="rg-monitoring", **MONITORED))
    made = [*run.of_type(WORKSPACE), *run.of_type(ACTION_GROUP), *run.of_type(SCHEDULED_QUERY)]
    made += run.of_type(ACTIVITY_ALERT)
    assert made
    for resource in made:
        assert resource.inputs["resourceGroupName"] == "rg-monitoring", resource.urn
        assert resource.provider == "", resource.urn
    # The diagnostic setting stays on the vault: its id says where.
    assert (
        run.one(DIAGNOSTIC).inputs["resourceUri"].startswith(f"/subscriptions/{SUBSCRIPTION_ID}/")
    )


def test_a_workspace_beside_a_vault_in_another_subscription_is_read_there():
    config = valid_config(**BYO, **existing_monitoring(BYO_SUBSCRIPTION))
    run = run_main(config, mocks=elsewhere(located={"ops-logs": BYO_SUBSCRIPTION}))
    assert invoke_subscription(run, GET_WORKSPACE) == {BYO_SUBSCRIPTION}
    assert run.of_type(WORKSPACE) == []


#: A management subscription holding the central workspace (the usual landing zone).
MANAGEMENT = "33333333-0000-0000-0000-000000000003"
CENTRAL = {
    "keyAccessMonitoring": True,
    "monitoringWorkspaceId": f"/subscriptions/{MANAGEMENT}/resourceGroups/ops-rg/providers/"
    "Microsoft.OperationalInsights/workspaces/ops-logs",
    "monitoringEmails": ["secops@example.com"],
}


def subscription_of_provider(run: ProgramRun, registration: Registration) -> str | None:
    """The subscription of the explicit provider ``registration`` names; ``None``: default."""
    provider = provider_of(run, registration)
    return provider.inputs["subscriptionId"] if provider is not None else None


def assert_central_workspace(run: ProgramRun, vault_subscription: str | None, group: str) -> None:
    """The log alerts and action group beside the central workspace, through the management
    subscription's provider; the activity-log alerts in the vault's subscription and ``group``;
    the diagnostic setting with the default provider, sending to the central workspace."""
    beside_workspace = [*run.of_type(SCHEDULED_QUERY), *run.of_type(ACTION_GROUP)]
    assert len(run.of_type(ACTION_GROUP)) == 1 and len(beside_workspace) > 1
    for resource in beside_workspace:
        assert subscription_of_provider(run, resource) == MANAGEMENT, resource.urn
        assert resource.inputs["resourceGroupName"] == "ops-rg", resource.urn
    activity = run.of_type(ACTIVITY_ALERT)
    assert activity
    for resource in activity:
        assert subscription_of_provider(run, resource) == vault_subscription, resource.urn
        assert resource.inputs["resourceGroupName"] == group, resource.urn
    diagnostic = run.one(DIAGNOSTIC)
    assert diagnostic.provider == "", diagnostic.urn
    assert diagnostic.inputs["workspaceId"] == CENTRAL["monitoringWorkspaceId"]
    assert invoke_subscription(run, GET_WORKSPACE) == {MANAGEMENT}
    assert run.of_type(WORKSPACE) == []


def test_a_central_workspace_in_a_management_subscription_is_monitored_from_both():
    run = run_main(valid_config(**CENTRAL), mocks=elsewhere(located={"ops-logs": MANAGEMENT}))
    vault_group = run.one("azure-native:keyvault:Vault").inputs["resourceGroupName"]
    assert_central_workspace(run, None, vault_group)
    assert run.one(ROLE).provider == "", "Adobe's role assignment changed provider"


def test_a_central_workspace_with_a_vault_from_a_third_subscription():
    config = valid_config(monitoringResourceGroupName="rg-alerts", **BYO, **CENTRAL)
    run = run_main(config, mocks=elsewhere(located={"ops-logs": MANAGEMENT}))
    assert {p.inputs["subscriptionId"] for p in run.of_type(AZURE_PROVIDER)} == {
        BYO_SUBSCRIPTION,
        MANAGEMENT,
    }
    assert_central_workspace(run, BYO_SUBSCRIPTION, "rg-alerts")


def test_a_workspace_in_the_deploying_subscription_beside_a_vault_from_another():
    # The log alerts keep the default provider although the vault's subscription has its own.
    config = valid_config(**BYO, **existing_monitoring(SUBSCRIPTION_ID))
    run = run_main(config, mocks=elsewhere(located={"ops-logs": SUBSCRIPTION_ID}))
    rules = run.of_type(SCHEDULED_QUERY)
    assert rules and all(r.provider == "" for r in rules), [r.provider for r in rules]
    assert all(r.inputs["resourceGroupName"] == "ops-rg" for r in rules)
    activity = run.of_type(ACTIVITY_ALERT)
    assert activity and all(
        subscription_of_provider(run, r) == BYO_SUBSCRIPTION
        and r.inputs["resourceGroupName"] == "byo-rg"
        for r in activity
    ), [r.urn for r in activity]
    assert invoke_subscription(run, GET_WORKSPACE) == {SUBSCRIPTION_ID}


def test_a_central_workspace_the_identity_cannot_read_fails_the_preview_in_one_line():
    mocks = elsewhere(located={"ops-logs": MANAGEMENT}, unreadable=[MANAGEMENT])
    message = refused(valid_config(**CENTRAL), mocks)
    assert message.startswith(
        f"adobe-cmk:monitoringWorkspaceId names workspace ops-logs in subscription {MANAGEMENT}, "
        "which the deploying identity cannot read there (invoke of "
    ), message
    assert "AuthorizationFailed" in message and "grant it Reader" in message, message


def test_a_monitored_journey_analytics_key_in_another_subscription_is_refused():
    config = valid_config(journeyAnalyticsKey=True, **CJA_BYO, **MONITORED)
    message = refused(config, AzureMocks())
    assert message.startswith(
        "adobe-cmk:journeyAnalyticsExistingVaultId puts the Journey Analytics key in subscription "
        "88888888-0000-0000-0000-000000000008, but key-access monitoring watches from subscription"
    ), message


def test_monitoring_placement_follows_the_key_and_the_setting():
    def settings(**values: Any) -> Settings:
        return Settings.from_config(valid_config(**values), secret_keys=SECRET_KEYS)

    assert monitoring_placement(settings(**MONITORED), SUBSCRIPTION_ID.upper()).subscription_id == (
        SUBSCRIPTION_ID
    )
    brought = monitoring_placement(settings(**BYO, **MONITORED), SUBSCRIPTION_ID)
    assert (brought.subscription_id, brought.resource_group_name) == (BYO_SUBSCRIPTION, None)
    named = settings(monitoringResourceGroupName="rg-mon", **MONITORED)
    assert monitoring_placement(named, SUBSCRIPTION_ID).resource_group_name == "rg-mon"
    assert brought.workspace_subscription_id == BYO_SUBSCRIPTION
    assert brought.workspace_resource_group_name is None
    beside = monitoring_placement(settings(**existing_monitoring()), SUBSCRIPTION_ID)
    assert (beside.workspace_subscription_id, beside.workspace_resource_group_name) == (
        SUBSCRIPTION_ID,
        None,
    )
    central = monitoring_placement(settings(**BYO, **CENTRAL), SUBSCRIPTION_ID)
    assert (central.subscription_id, central.workspace_subscription_id) == (
        BYO_SUBSCRIPTION,
        MANAGEMENT,
    )
    assert central.workspace_resource_group_name == "ops-rg"


# ---- item 3: an HSM by address alone cannot be monitored ---------------------------------------


def test_managed_hsm_uri_with_monitoring_is_refused_at_preview_naming_both_settings():
    config = valid_config(
        location=None, managedHsmUri="https://hsm-shared.managedhsm.azure.net", **MONITORED
    )
    with pytest.raises(SettingsError) as caught:
        run_main(config, preview=True)
    message = str(caught.value)
    assert message.startswith("adobe-cmk:keyAccessMonitoring is true but adobe-cmk:managedHsmUri")
    assert "set adobe-cmk:managedHsmId" in message and "\n" not in message, message


def test_an_hsm_by_id_in_another_subscription_is_monitored_there():
    config = valid_config(
        location=None, managedHsmId=HSM_ID, **existing_monitoring(HSM_SUBSCRIPTION)
    )
    run = run_main(config, mocks=elsewhere(located={"ops-logs": HSM_SUBSCRIPTION}))
    assert invoke_subscription(run, GET_WORKSPACE) == {HSM_SUBSCRIPTION}
    rules = run.of_type(SCHEDULED_QUERY)
    assert rules and all(r.inputs["resourceGroupName"] == "rg-security" for r in rules)
    assert all(provider_of(run, r) is not None for r in rules), [r.urn for r in rules]
    assert run.one(DIAGNOSTIC).inputs["resourceUri"] == HSM_ID
