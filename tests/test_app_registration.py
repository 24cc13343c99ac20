"""AppRegistration through the real dynamic-provider server, against the Platform simulator.

Each test starts its own simulator and provider server (``python -m pulumi.dynamic``), so the
clients and tokens a provider process caches never leak between tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2

from providers.app_registration import (
    INPUTS,
    PROPERTIES,
    REPLACE_ON,
    AppRegistrationProvider,
)
from tests.provider_host import (
    PROGRAM_DIR,
    UNKNOWN,
    ProviderHost,
    failure,
    serialized,
    urn_for,
)
from tests.simulator import APPLICATION_ID, PlatformSimulator

URN = urn_for("pulumi-python:dynamic/adobe:AppRegistration", "adobe-app")
PROVIDER = serialized(AppRegistrationProvider())
TENANT = "11111111-2222-3333-4444-555555555555"
OUTPUTS = ("applicationId", "applicationName", "applicationUri", "consentUrl", "tenantConsentUrl")

Host = Callable[[PlatformSimulator], ProviderHost]


def news_for(sim: PlatformSimulator, **overrides: Any) -> dict[str, Any]:
    """What the engine sends to Check for ``AppRegistration(...)`` against ``sim``."""
    values: dict[str, Any] = {
        "__provider": PROVIDER,
        "orgId": sim.org_id,
        "platformUrl": sim.url,
        "apiGeneration": sim.app_generation,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def checked(host: ProviderHost, news: dict[str, Any]) -> dict[str, Any]:
    return host.checked(URN, news)


def created(host: ProviderHost, news: dict[str, Any]) -> tuple[dict[str, Any], str, dict]:
    return host.created(URN, news)


# ---- create -----------------------------------------------------------------------------------


@pytest.mark.parametrize("generation", ["current", "beta"])
def test_create_returns_adobe_application(
    make_simulator: Callable[..., PlatformSimulator], host_for: Host, generation: str
) -> None:
    sim = make_simulator(app_generation=generation)
    _, resource_id, outputs = created(host_for(sim), news_for(sim))
    assert resource_id == APPLICATION_ID
    assert outputs["applicationId"] == APPLICATION_ID
    assert outputs["applicationName"].startswith("acpebae9422")
    assert outputs["applicationUri"] == f"https://adobe.com/{outputs['applicationName']}"
    assert outputs["consentUrl"].startswith("https://login.microsoftonline.com/common/oauth2/")
    assert f"client_id={APPLICATION_ID}" in outputs["consentUrl"]
    assert outputs["tenantConsentUrl"] == outputs["consentUrl"]
    assert outputs["apiGeneration"] == generation


def test_create_current_makes_one_get_and_no_post(simulator: PlatformSimulator, host_for: Host):
    created(host_for(simulator), news_for(simulator))
    assert simulator.count("GET", "app-registration") == 1
    assert simulator.count("POST", "app-registration") == 0


def test_create_beta_starts_registration_once_and_waits(
    make_simulator: Callable[..., PlatformSimulator], host_for: Host
) -> None:
    sim = make_simulator(app_generation="beta", app_registration_delay=0.5)
    _, resource_id, _ = created(host_for(sim), news_for(sim))
    assert resource_id == APPLICATION_ID
    assert sim.count("POST", "app-registration") == 1
    statuses = [
        r.status for r in sim.requests if r.route == "app-registration" and r.method == "GET"
    ]
    assert statuses[0] == 404 and statuses[-1] == 200, statuses


def test_create_beta_already_started_makes_no_second_post(
    make_simulator: Callable[..., PlatformSimulator], host_for: Host
) -> None:
    sim = make_simulator(app_generation="beta")
    host = host_for(sim)
    created(host, news_for(sim))
    _, resource_id, _ = created(host, news_for(sim))
    assert resource_id == APPLICATION_ID
    assert sim.count("POST", "app-registration") == 1


def test_create_current_without_registration_fails_pointing_at_beta(
    make_simulator: Callable[..., PlatformSimulator], host_for: Host
) -> None:
    sim = make_simulator(app_generation="beta")
    host = host_for(sim)
    inputs = checked(host, news_for(sim, apiGeneration="current"))
    message = failure(lambda: host.create(URN, inputs))
    assert "adobe-cmk:apiGeneration" in message and "beta" in message, message
    assert sim.org_id in message
    assert sim.count("POST", "app-registration") == 0


def test_create_with_tenant_id_puts_tenant_in_consent_url(
    simulator: PlatformSimulator, host_for: Host
) -> None:
    _, _, outputs = created(host_for(simulator), news_for(simulator, tenantId=TENANT))
    assert outputs["tenantId"] == TENANT
    assert outputs["tenantConsentUrl"] == outputs["consentUrl"].replace(
        "/common/", f"/{TENANT}/", 1
    )
    assert "/common/" in outputs["consentUrl"]


def test_create_outputs_are_the_declared_properties(
    simulator: PlatformSimulator, host_for: Host
) -> None:
    _, _, outputs = created(host_for(simulator), news_for(simulator, tenantId=TENANT))
    # Only keys in the resource's props become outputs: _outputs and PROPERTIES must agree.
    assert set(outputs) - {"__provider"} == set(PROPERTIES.values())
    assert all(value not in (None, "") for value in outputs.values()), outputs


# ---- read -------------------------------------------------------------------------------------


@pytest.mark.parametrize("generation", ["current", "beta"])
def test_read_returns_create_outputs_and_inputs(
    make_simulator: Callable[..., PlatformSimulator], host_for: Host, generation: str
) -> None:
    sim = make_simulator(app_generation=generation)
    host = host_for(sim)
    inputs, resource_id, outputs = created(host, news_for(sim, tenantId=TENANT))
    read_id, read_outputs, read_inputs = host.read(URN, resource_id, outputs, inputs)
    assert read_id == resource_id
    assert read_outputs == outputs
    assert read_inputs == inputs


def test_read_then_diff_shows_no_change(simulator: PlatformSimulator, host_for: Host) -> None:
    host = host_for(simulator)
    inputs, resource_id, outputs = created(host, news_for(simulator))
    _, read_outputs, _ = host.read(URN, resource_id, outputs, inputs)
    diff = host.diff(URN, resource_id, read_outputs, inputs)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE


def test_read_missing_registration_returns_empty_id(
    make_simulator: Callable[..., PlatformSimulator], host_for: Host
) -> None:
    # A beta organisation whose registration was never started answers 404.
    sim = make_simulator(app_generation="beta")
    news = news_for(sim)
    state = {**news, "applicationId": APPLICATION_ID}
    read_id, read_outputs, _ = host_for(sim).read(URN, APPLICATION_ID, state, news)
    assert read_id == ""
    assert set(read_outputs) <= {"__provider"}
    assert sim.count("GET", "app-registration") == 1


# ---- diff and update --------------------------------------------------------------------------


def test_diff_tenant_id_change_is_no_change(simulator: PlatformSimulator, host_for: Host) -> None:
    # An update's outputs are unknown in preview (a dynamic provider cannot preview), and an
    # unknown applicationId would replace the protected service principal: no update, ever.
    host = host_for(simulator)
    _, resource_id, outputs = created(host, news_for(simulator))
    news = checked(host, news_for(simulator, tenantId=TENANT))
    diff = host.diff(URN, resource_id, outputs, news)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE
    assert list(diff.replaces) == []


#: A new value of every input, known and unknown: the program's docs warn about the replacements.
EVERY_INPUT_CHANGE = [
    *[
        (name, value)
        for name in INPUTS
        for value in (
            {
                "orgId": "9999ZZZZ0000@AdobeOrg",
                "platformUrl": "https://platform-nld2.adobe.io",
                "apiGeneration": "beta",
                "tenantId": TENANT,
            }[name],
            UNKNOWN,
        )
    ],
]


@pytest.mark.parametrize(("name", "value"), EVERY_INPUT_CHANGE)
def test_every_input_change_is_no_change_or_a_replacement(
    simulator: PlatformSimulator, host_for: Host, name: str, value: Any
) -> None:
    host = host_for(simulator)
    inputs, resource_id, outputs = created(host, news_for(simulator, tenantId=TENANT))
    news = {**inputs, name: value}
    diff = host.diff(URN, resource_id, outputs, news)
    if name in REPLACE_ON:
        assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME, name
        assert list(diff.replaces) == [name]
    else:
        assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE, name
        assert list(diff.replaces) == []
    assert simulator.count("GET", "app-registration") == 1, "diff called Adobe"


def test_the_replacements_are_the_ones_the_docs_warn_about() -> None:
    # docs/lifecycle.md's table of changes `up` cannot make while protected has one row for the
    # app registration, naming exactly the inputs that replace it.
    lifecycle = (PROGRAM_DIR / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    rows = [line for line in lifecycle.splitlines() if "(the app registration) |" in line]
    assert len(rows) == 1, rows
    named = rows[0].split("(the app registration)")[0]
    assert {n for n in INPUTS if f"`{n}`" in named} == set(REPLACE_ON), rows[0]


@pytest.mark.parametrize(
    ("name", "value"),
    [("orgId", "9999ZZZZ0000@AdobeOrg"), ("platformUrl", "https://platform-nld2.adobe.io")],
)
def test_diff_org_or_platform_change_is_replace(
    simulator: PlatformSimulator, host_for: Host, name: str, value: str
) -> None:
    host = host_for(simulator)
    inputs, resource_id, outputs = created(host, news_for(simulator))
    diff = host.diff(URN, resource_id, outputs, {**inputs, name: value})
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == [name]


def test_diff_api_generation_change_is_no_change(
    simulator: PlatformSimulator, host_for: Host
) -> None:
    host = host_for(simulator)
    inputs, resource_id, outputs = created(host, news_for(simulator))
    diff = host.diff(URN, resource_id, outputs, {**inputs, "apiGeneration": "beta"})
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE


@pytest.mark.parametrize("generation", ["current", "beta"])
def test_update_tenant_id_returns_every_output(
    make_simulator: Callable[..., PlatformSimulator], host_for: Host, generation: str
) -> None:
    sim = make_simulator(app_generation=generation)
    host = host_for(sim)
    _, resource_id, outputs = created(host, news_for(sim))
    news = checked(host, news_for(sim, tenantId=TENANT))
    updated = host.update(URN, resource_id, outputs, news)
    assert {name: updated[name] for name in OUTPUTS if name != "tenantConsentUrl"} == {
        name: outputs[name] for name in OUTPUTS if name != "tenantConsentUrl"
    }
    assert updated["tenantId"] == TENANT
    assert f"login.microsoftonline.com/{TENANT}/" in updated["tenantConsentUrl"]
    assert sim.count("POST", "app-registration") == (1 if generation == "beta" else 0)


# ---- delete and preview -----------------------------------------------------------------------


@pytest.mark.parametrize("generation", ["current", "beta"])
def test_delete_makes_no_request(
    make_simulator: Callable[..., PlatformSimulator], host_for: Host, generation: str
) -> None:
    sim = make_simulator(app_generation=generation)
    host = host_for(sim)
    _, resource_id, outputs = created(host, news_for(sim))
    sim.clear_log()
    host.delete(URN, resource_id, outputs)
    assert sim.requests == []
    assert f"app registration for {sim.org_id} stays at Adobe" in host.stderr


def test_preview_with_unknown_inputs_makes_no_request(
    simulator: PlatformSimulator, host_for: Host
) -> None:
    host = host_for(simulator)
    news = news_for(simulator, orgId=UNKNOWN, platformUrl=UNKNOWN, tenantId=UNKNOWN)
    _, failures = host.check(URN, news)
    assert failures == []
    olds = {**news_for(simulator), "applicationId": APPLICATION_ID}
    diff = host.diff(URN, APPLICATION_ID, olds, news)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert sorted(diff.replaces) == ["orgId", "platformUrl"]
    assert simulator.requests == []


def test_check_invalid_tenant_id_fails_naming_it(
    simulator: PlatformSimulator, host_for: Host
) -> None:
    _, failures = host_for(simulator).check(URN, news_for(simulator, tenantId="not-a-guid"))
    assert len(failures) == 1
    assert failures[0][0] == "tenantId" and "tenantId" in failures[0][1]
    assert simulator.requests == []
