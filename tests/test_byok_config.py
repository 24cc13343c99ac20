"""ByokConfig through the real dynamic-provider server, against the Platform simulator.

Every call goes over gRPC to ``python -m pulumi.dynamic`` started from the program directory, with
the provider serialized as ``Resource.__init__`` serializes it, and from there over real HTTP to
the simulator, whose request log is what the tests count. Each test starts its own simulator and
server, except the diff tests, which share one (diff makes no request and keeps no state).
"""

from __future__ import annotations

import base64
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from typing import Any

import pytest
import requests
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.runtime.proto import provider_pb2

from providers import credentials
from providers.app_registration import AppRegistrationProvider
from providers.byok_config import PROPERTIES, ByokConfigProvider
from tests.conftest import credentials_config
from tests.provider_host import UNKNOWN, ProviderHost, failure, serialized, urn_for
from tests.simulator import (
    CONFIG_PATH,
    FAILED_KEY_MESSAGE,
    Fault,
    PlatformSimulator,
)

BYOK_TYPE = "pulumi-python:dynamic/adobe:ByokConfig"
URN = urn_for(BYOK_TYPE, "cmk")
APP_URN = urn_for("pulumi-python:dynamic/adobe:AppRegistration", "adobe-app")
PROVIDER = serialized(ByokConfigProvider())
APP_PROVIDER = serialized(AppRegistrationProvider())

VERSION_1 = "0123456789abcdef0123456789abcdef"
VERSION_2 = "fedcba9876543210fedcba9876543210"
VAULT = "https://cmk-vault.vault.azure.net"
KEY = f"{VAULT}/keys/cmk-key/{VERSION_1}"
KEY_NEW_VERSION = f"{VAULT}/keys/cmk-key/{VERSION_2}"
KEY_OTHER_NAME = f"{VAULT}/keys/other-key/{VERSION_1}"
KEY_OTHER_VAULT = f"https://other-vault.vault.azure.net/keys/cmk-key/{VERSION_1}"
NAME = "cmk-config"

#: Seconds in NEW, RUNNING and UPDATE_EXISTING_RESOURCES. The client looks at once, then every 5 s.
#: INSTANT: COMPLETED at its first look, for tests whose subject is not the waiting; FAST: done
#: before its second look.
INSTANT = (0.0, 0.0, 0.0)
FAST = (0.05, 0.05, 0.05)
#: NEW at the first look, RUNNING at the second (5 s), COMPLETED at the third (10 s).
SLOW = (1.0, 5.0, 0.05)
REQUEST_ID = re.compile(r"x-request-id: [A-Za-z0-9]{32}\b")

Host = Callable[[PlatformSimulator], ProviderHost]
MakeSimulator = Callable[..., PlatformSimulator]


# ---- helpers ----------------------------------------------------------------------------------


def news_for(
    sim: PlatformSimulator,
    name: str = NAME,
    key: str = KEY,
    wait: float = 1.0,
    **overrides: Any,
) -> dict[str, Any]:
    """What the engine sends to Check for ``ByokConfig(...)`` against ``sim``."""
    values: dict[str, Any] = {
        "__provider": PROVIDER,
        "orgId": sim.org_id,
        "platformUrl": sim.url,
        "configName": name,
        "keyIdentifier": key,
        "apiGeneration": sim.config_generation,
        "waitTimeoutMinutes": wait,
        "failedResends": 0,
    }
    values.update(overrides)
    return values


def checked(host: ProviderHost, news: dict[str, Any], urn: str = URN) -> dict[str, Any]:
    return host.checked(urn, news)


def created(
    host: ProviderHost, news: dict[str, Any], urn: str = URN
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    return host.created(urn, news)


def posts(sim: PlatformSimulator) -> list[int]:
    """Statuses answered to ``POST customer/config`` (0: connection dropped), in order."""
    return [r.status for r in sim.requests if r.route == "config" and r.method == "POST"]


def seed(sim: PlatformSimulator, name: str = NAME, key: str = KEY, status: str = "") -> str:
    """Send a configuration to the simulator directly (as an earlier, forgotten run did), wait
    until it reaches ``status`` (if given), clear the request log; returns its id."""
    config_data = {"providerType": "AZURE_KEYVAULT"}
    if sim.config_generation == "beta":
        config_data.update(keyVaultUri=key, keyName=key.split("/")[-2])
    else:
        config_data["keyVaultKeyIdentifier"] = key
    body = {"name": name, "type": "BYOK_CONFIG", "imsOrgId": sim.org_id, "configData": config_data}
    headers = {
        "Authorization": f"Bearer {sim.issue_token()}",
        "x-api-key": "acp_provisioning",
        "x-gw-ims-org-id": sim.org_id,
    }
    answer = requests.post(sim.url + CONFIG_PATH, json=body, headers=headers, timeout=5)
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 10
    while status and sim.configs[name]["status"] != status:
        assert time.monotonic() < deadline, f"{name} never reached {status}"
        time.sleep(0.02)
    sim.clear_log()
    return str(sim.configs[name]["id"])


def after_post(sim: PlatformSimulator, action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` in a thread as soon as the simulator has answered a configuration POST."""
    return after_answer(sim, "config", action)


def after_answer(
    sim: PlatformSimulator, route: str, action: Callable[[], None]
) -> threading.Thread:
    """Run ``action`` in a thread as soon as the simulator has answered a request on ``route``."""

    def answered() -> bool:
        return any(r.route == route and r.status for r in sim.requests)

    def run() -> None:
        deadline = time.monotonic() + 30
        while not answered() and time.monotonic() < deadline:
            time.sleep(0.005)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# ---- create, read, update, delete -------------------------------------------------------------


@pytest.mark.parametrize("generation", ["current", "beta"])
def test_create_posts_once_and_waits_until_completed(
    make_simulator: MakeSimulator, host_for: Host, generation: str
) -> None:
    sim = make_simulator(config_generation=generation, job_durations=FAST)
    _, resource_id, outputs = created(host_for(sim), news_for(sim))
    assert resource_id == NAME
    assert posts(sim) == [200]
    assert outputs["status"] == "COMPLETED"
    assert outputs["configId"] == sim.configs[NAME]["id"]
    assert outputs["keyVaultUrl"] == VAULT
    assert outputs["keyName"] == "cmk-key"
    assert outputs["keyVersion"] == VERSION_1
    assert outputs["keyIdentifier"] == KEY
    assert outputs["apiGeneration"] == generation
    config_data = next(r for r in sim.requests if r.route == "config").body["configData"]  # type: ignore[index]
    if generation == "beta":
        assert config_data == {
            "providerType": "AZURE_KEYVAULT",
            "keyVaultUri": KEY,
            "keyName": "cmk-key",
        }
    else:
        assert config_data == {"providerType": "AZURE_KEYVAULT", "keyVaultKeyIdentifier": KEY}


def test_create_outputs_are_the_declared_properties(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    _, _, outputs = created(host_for(sim), news_for(sim))
    # Only keys in the resource's props become outputs: _outputs and PROPERTIES must agree.
    assert set(outputs) - {"__provider"} == set(PROPERTIES.values())
    assert all(value not in (None, "") for value in outputs.values()), outputs


def test_create_reports_each_status_change_on_stderr(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=SLOW)
    host = host_for(sim)
    created(host, news_for(sim))
    reported = re.findall(rf"BYOK configuration {NAME} is (\w+)", host.stderr)
    assert reported == ["NEW", "RUNNING", "COMPLETED"], host.stderr


@pytest.mark.parametrize("generation", ["current", "beta"])
def test_read_returns_create_outputs_and_inputs(
    make_simulator: MakeSimulator, host_for: Host, generation: str
) -> None:
    sim = make_simulator(config_generation=generation, job_durations=INSTANT)
    host = host_for(sim)
    inputs, resource_id, outputs = created(host, news_for(sim))
    sim.clear_log()
    read_id, read_outputs, read_inputs = host.read(URN, resource_id, outputs, inputs)
    assert read_id == NAME
    assert read_outputs == outputs
    assert read_inputs == inputs
    assert [(r.method, r.route) for r in sim.requests] == [("GET", "config-status")]


def test_read_then_diff_shows_no_change(make_simulator: MakeSimulator, host_for: Host) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = host_for(sim)
    inputs, resource_id, outputs = created(host, news_for(sim))
    _, read_outputs, read_inputs = host.read(URN, resource_id, outputs, inputs)
    assert host.diff(URN, resource_id, read_outputs, inputs).changes == (
        provider_pb2.DiffResponse.DIFF_NONE
    )
    assert host.diff(URN, resource_id, read_outputs, read_inputs).changes == (
        provider_pb2.DiffResponse.DIFF_NONE
    )


def test_read_removed_configuration_returns_empty_id(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = host_for(sim)
    inputs, resource_id, outputs = created(host, news_for(sim))
    sim.remove_config(NAME)
    read_id, read_outputs, _ = host.read(URN, resource_id, outputs, inputs)
    assert read_id == ""
    assert set(read_outputs) <= {"__provider"}


@pytest.mark.parametrize("status", ["RUNNING", "UPDATE_EXISTING_RESOURCES"])
def test_refresh_of_running_configuration_leads_to_update_that_waits_without_post(
    make_simulator: MakeSimulator, host_for: Host, status: str
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = host_for(sim)
    inputs, resource_id, outputs = created(host, news_for(sim))
    sim.set_config_status(NAME, status)
    _, read_outputs, _ = host.read(URN, resource_id, outputs, inputs)
    assert read_outputs["status"] == status
    diff = host.diff(URN, resource_id, read_outputs, inputs)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []
    sim.set_config_status(NAME, "COMPLETED")
    updated = host.update(URN, resource_id, read_outputs, inputs)
    assert updated["status"] == "COMPLETED"
    assert posts(sim) == [200], "only the create's POST"


def test_refresh_of_failed_configuration_leads_to_update_that_sends_again(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = host_for(sim)
    inputs, resource_id, outputs = created(host, news_for(sim))
    sim.set_config_status(NAME, "FAILED", "Key is disabled")
    _, read_outputs, _ = host.read(URN, resource_id, outputs, inputs)
    assert read_outputs["status"] == "FAILED"
    diff = host.diff(URN, resource_id, read_outputs, inputs)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []
    updated = host.update(URN, resource_id, read_outputs, inputs)
    assert updated["status"] == "COMPLETED"
    assert posts(sim) == [200, 200]


def test_read_reports_other_key_so_diff_shows_update(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = host_for(sim)
    inputs, resource_id, outputs = created(host, news_for(sim))
    seed(sim, key=KEY_OTHER_NAME)  # someone sent another key under the same name
    _, read_outputs, read_inputs = host.read(URN, resource_id, outputs, inputs)
    assert read_outputs["keyName"] == "other-key"
    assert read_inputs["keyIdentifier"] == KEY_OTHER_NAME
    diff = host.diff(URN, resource_id, read_outputs, inputs)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []


@pytest.mark.parametrize("generation", ["current", "beta"])
@pytest.mark.parametrize("new_key", [KEY_OTHER_NAME, KEY_OTHER_VAULT])
def test_update_other_key_posts_again_and_waits(
    make_simulator: MakeSimulator, host_for: Host, generation: str, new_key: str
) -> None:
    sim = make_simulator(config_generation=generation, job_durations=INSTANT)
    host = host_for(sim)
    _, resource_id, outputs = created(host, news_for(sim))
    news = checked(host, news_for(sim, key=new_key))
    updated = host.update(URN, resource_id, outputs, news)
    assert posts(sim) == [200, 200]
    assert updated["status"] == "COMPLETED"
    assert updated["keyIdentifier"] == new_key
    assert f"{updated['keyVaultUrl']}/keys/{updated['keyName']}/{updated['keyVersion']}" == new_key
    assert updated["configId"] == sim.configs[NAME]["id"] != outputs["configId"]


@pytest.mark.parametrize("generation", ["current", "beta"])
def test_delete_makes_no_request_and_leaves_configuration(
    make_simulator: MakeSimulator, host_for: Host, generation: str
) -> None:
    sim = make_simulator(config_generation=generation, job_durations=INSTANT)
    host = host_for(sim)
    _, resource_id, outputs = created(host, news_for(sim))
    sim.clear_log()
    host.delete(URN, resource_id, outputs)
    assert sim.requests == []
    assert sim.configs[NAME]["status"] == "COMPLETED"
    assert f"BYOK configuration {NAME} stays at Adobe" in host.stderr


# ---- diff (offline; one shared server and state) ----------------------------------------------


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[ProviderHost, PlatformSimulator, dict[str, Any], dict[str, Any]]]:
    """One created configuration: ``(host, sim, inputs, outputs)``; diff only reads them."""
    with (
        PlatformSimulator(job_durations=INSTANT) as sim,
        ProviderHost(credentials_config(sim)) as host,
    ):
        inputs, _, outputs = created(host, news_for(sim))
        yield host, sim, inputs, outputs


def diff_with(live: Any, **changes: Any) -> Any:
    host, sim, inputs, outputs = live
    sim.clear_log()
    diff = host.diff(URN, NAME, outputs, {**inputs, **changes})
    assert sim.requests == []
    return diff


def test_diff_new_key_version_is_no_change(live: Any) -> None:
    assert diff_with(live, keyIdentifier=KEY_NEW_VERSION).changes == (
        provider_pb2.DiffResponse.DIFF_NONE
    )


@pytest.mark.parametrize("key", [KEY_OTHER_NAME, KEY_OTHER_VAULT])
def test_diff_other_key_name_or_vault_is_update(live: Any, key: str) -> None:
    diff = diff_with(live, keyIdentifier=key)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("orgId", "9999ZZZZ0000@AdobeOrg"),
        ("platformUrl", "https://platform-nld2.adobe.io"),
        ("configName", "other-config"),
    ],
)
def test_diff_org_platform_or_name_change_is_replace(live: Any, name: str, value: str) -> None:
    diff = diff_with(live, **{name: value})
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == [name]
    assert not diff.deleteBeforeReplace


@pytest.mark.parametrize(
    ("name", "value"), [("waitTimeoutMinutes", 90.0), ("apiGeneration", "beta")]
)
def test_diff_wait_timeout_or_generation_change_is_no_change(
    live: Any, name: str, value: Any
) -> None:
    assert diff_with(live, **{name: value}).changes == provider_pb2.DiffResponse.DIFF_NONE


def test_diff_failed_status_in_state_is_update(live: Any) -> None:
    host, _, inputs, outputs = live
    diff = host.diff(URN, NAME, {**outputs, "status": "FAILED"}, inputs)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []


# ---- create is safe to repeat -----------------------------------------------------------------


@pytest.mark.parametrize("generation", ["current", "beta"])
@pytest.mark.parametrize("key", [KEY, KEY_NEW_VERSION])
def test_create_adopts_completed_configuration_without_post(
    make_simulator: MakeSimulator, host_for: Host, key: str, generation: str
) -> None:
    sim = make_simulator(config_generation=generation, job_durations=INSTANT)
    config_id = seed(sim, key=KEY, status="COMPLETED")
    _, resource_id, outputs = created(host_for(sim), news_for(sim, key=key))
    assert resource_id == NAME
    assert posts(sim) == []
    assert outputs["status"] == "COMPLETED"
    assert outputs["configId"] == config_id
    assert outputs["keyIdentifier"] == key


@pytest.mark.parametrize("generation", ["current", "beta"])
def test_create_resumes_after_wait_timeout_without_second_post(
    make_simulator: MakeSimulator, host_for: Host, generation: str
) -> None:
    sim = make_simulator(config_generation=generation, job_durations=(0.05, 0.9, 0.05))
    host = host_for(sim)
    message = failure(lambda: created(host, news_for(sim, wait=0.005)))
    assert "still" in message and "pulumi up" in message, message
    assert NAME in message and "waitTimeoutMinutes" in message
    assert sim.configs[NAME]["status"] in ("NEW", "RUNNING")
    _, _, outputs = created(host, news_for(sim, wait=1.0))
    assert outputs["status"] == "COMPLETED"
    assert posts(sim) == [200]


def test_create_resumes_running_configuration_without_post(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    seed(sim)
    # Held RUNNING until the provider has seen it so (no race with the provider's start-up).
    sim.set_config_status(NAME, "RUNNING")
    host = host_for(sim)
    finish = after_answer(sim, "config-status", lambda: sim.set_config_status(NAME, "COMPLETED"))
    _, _, outputs = created(host, news_for(sim))
    finish.join(timeout=30)
    assert outputs["status"] == "COMPLETED"
    assert posts(sim) == []
    assert f"BYOK configuration {NAME} is still running at Adobe: waiting again" in host.stderr


@pytest.mark.parametrize("generation", ["current", "beta"])
def test_create_failed_job_reports_reason_name_request_id_and_causes(
    make_simulator: MakeSimulator, host_for: Host, generation: str
) -> None:
    sim = make_simulator(config_generation=generation, job_durations=INSTANT)
    sim.mark_bad_key(KEY)
    message = failure(lambda: created(host_for(sim), news_for(sim)))
    assert FAILED_KEY_MESSAGE in message, message
    assert f"'{NAME}'" in message
    assert REQUEST_ID.search(message), message
    assert "role assignment" in message and "disabled" in message and "firewall" in message


def test_create_after_failed_job_posts_again(make_simulator: MakeSimulator, host_for: Host):
    sim = make_simulator(job_durations=INSTANT)
    sim.mark_bad_key(KEY)
    host = host_for(sim)
    failure(lambda: created(host, news_for(sim)))
    message = failure(lambda: created(host, news_for(sim)))
    assert "FAILED" in message
    assert posts(sim) == [200, 200]


def test_create_over_failed_configuration_posts_and_completes(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    old_id = seed(sim, status="COMPLETED")
    sim.set_config_status(NAME, "FAILED")
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert posts(sim) == [200]
    assert outputs["status"] == "COMPLETED"
    assert outputs["configId"] != old_id


def test_create_over_configuration_of_other_key_posts(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    seed(sim, key=KEY_OTHER_NAME, status="COMPLETED")
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert posts(sim) == [200]
    assert outputs["keyName"] == "cmk-key"
    assert outputs["status"] == "COMPLETED"


# ---- transient faults -------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", ["seconds", "http-date"])
def test_create_throttled_post_is_sent_again_after_retry_after(
    make_simulator: MakeSimulator, host_for: Host, retry_after: str
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = host_for(sim)  # started first: its start-up must not eat into the date below
    # A date has whole seconds and starts ageing now: 3 s ahead leaves well over 1 s at the POST.
    header = "1" if retry_after == "seconds" else formatdate(time.time() + 3, usegmt=True)
    sim.inject("config", Fault("status", status=429, retry_after=header, method="POST"))
    _, _, outputs = created(host, news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert posts(sim) == [429, 200]
    first, second = (r.time for r in sim.requests if r.route == "config")
    assert second - first >= 0.8


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_create_server_error_on_post_looks_up_then_sends_again(
    make_simulator: MakeSimulator, host_for: Host, status: int
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    sim.inject("config", Fault("status", status=status, method="POST"))
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert posts(sim) == [status, 200]
    routes = [(r.method, r.route, r.status) for r in sim.requests if r.route != "token"]
    # lookup, POST (5xx), three lookups 5 s apart after the lost answer (Adobe's GET may lag
    # its POST; all 404: it did not land), POST again, then the wait's GETs
    assert routes[:6] == [
        ("GET", "config-status", 404),
        ("POST", "config", status),
        ("GET", "config-status", 404),
        ("GET", "config-status", 404),
        ("GET", "config-status", 404),
        ("POST", "config", 200),
    ]


def test_create_dropped_post_before_processing_is_sent_again(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    sim.inject("config", Fault("drop", method="POST"))
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert posts(sim) == [0, 200]


@pytest.mark.parametrize(
    "fault",
    [
        Fault("drop", after_processing=True, method="POST"),
        Fault("malformed_json", after_processing=True, method="POST"),
        Fault("status", status=502, after_processing=True, method="POST"),
    ],
    ids=["dropped", "malformed-json", "502"],
)
def test_create_post_whose_answer_is_lost_is_not_sent_twice(
    make_simulator: MakeSimulator, host_for: Host, fault: Fault
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    sim.inject("config", fault)
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert sim.count("POST", "config") == 1
    assert outputs["configId"] == sim.configs[NAME]["id"]


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", status=503, method="GET", count=2),
        Fault("status", status=429, retry_after="1", method="GET"),
        Fault("drop", method="GET"),
    ],
    ids=["503-twice", "429", "dropped"],
)
def test_create_first_lookup_rides_out_transient_fault(
    make_simulator: MakeSimulator, host_for: Host, fault: Fault
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    sim.inject("config-status", fault)
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert posts(sim) == [200]
    lookups = [r.status for r in sim.requests if r.route == "config-status"]
    expected = 0 if fault.kind == "drop" else fault.status
    assert lookups[: fault.count + 1] == [expected] * fault.count + [404]


def test_create_first_lookup_rides_out_malformed_json(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    sim.inject("config-status", Fault("malformed_json", method="GET"))
    host = host_for(sim)
    _, _, outputs = created(host, news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert posts(sim) == [200]
    assert "not valid JSON, reading it again" in host.stderr


def test_create_lost_post_answer_then_unreadable_lookup_is_not_sent_twice(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    sim.inject("config-status", Fault("slow", delay=0.0))  # the first lookup answers normally
    sim.inject("config-status", Fault("malformed_json", method="GET"))  # the second does not
    sim.inject("config", Fault("drop", after_processing=True, method="POST"))
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert sim.count("POST", "config") == 1


@pytest.mark.parametrize(
    ("fault", "evidence"),
    [
        (Fault("status", status=503, method="GET"), "retrying GET"),
        (Fault("status", status=429, retry_after="1", method="GET"), "retrying GET"),
        (Fault("drop", method="GET"), "retrying GET"),
        (Fault("malformed_json", method="GET"), "not valid JSON"),
    ],
    ids=["503", "429", "dropped", "malformed-json"],
)
def test_create_rides_out_transient_fault_while_waiting(
    make_simulator: MakeSimulator, host_for: Host, fault: Fault, evidence: str
) -> None:
    sim = make_simulator(job_durations=FAST)
    host = host_for(sim)
    after_post(sim, lambda: sim.inject("config-status", fault))
    _, _, outputs = created(host, news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert posts(sim) == [200]
    assert evidence in host.stderr, host.stderr


def test_create_rides_out_ims_server_error(make_simulator: MakeSimulator, host_for: Host):
    sim = make_simulator(job_durations=INSTANT)
    sim.inject("token", Fault("status", status=503))
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert [r.status for r in sim.requests if r.route == "token"] == [503, 200]


# ---- tokens and credentials -------------------------------------------------------------------


def test_create_renews_token_that_expires_while_waiting(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=FAST, token_lifetime=1.5)
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert sim.count("POST", "token") >= 2
    assert posts(sim) == [200]


def test_create_renews_token_revoked_while_waiting(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=FAST)
    after_post(sim, sim.revoke_tokens)
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert sim.count("POST", "token") == 2
    assert any(r.status == 401 for r in sim.requests if r.route == "config-status")
    assert posts(sim) == [200]


def test_create_with_access_token_config_mints_no_token(
    make_simulator: MakeSimulator, start_host: Callable[..., ProviderHost]
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = start_host({"adobe-cmk:accessToken": sim.issue_token()})
    _, _, outputs = created(host, news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert sim.count("POST", "token") == 0
    assert posts(sim) == [200]


def test_create_with_refused_access_token_fails_saying_how_to_renew(
    make_simulator: MakeSimulator, start_host: Callable[..., ProviderHost]
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = start_host({"adobe-cmk:accessToken": sim.issue_token()})
    sim.revoke_tokens()
    message = failure(lambda: created(host, news_for(sim)))
    assert "adobe-cmk:accessToken" in message and "refused" in message, message
    assert sim.issued_tokens[0] not in message
    assert posts(sim) == []


def test_create_with_environment_credentials_works(
    make_simulator: MakeSimulator, start_host: Callable[..., ProviderHost]
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    env = {"ADOBE_CLIENT_ID": sim.client_id, "ADOBE_CLIENT_SECRET": sim.client_secret}
    host = start_host({"adobe-cmk:imsUrl": sim.ims_url}, env=env)
    _, _, outputs = created(host, news_for(sim))
    assert outputs["status"] == "COMPLETED"
    assert sim.count("POST", "token") == 1


def test_create_without_credentials_fails_saying_how_to_set_them(
    make_simulator: MakeSimulator, start_host: Callable[..., ProviderHost]
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = start_host({})
    inputs = checked(host, news_for(sim))  # check needs no credentials
    message = failure(lambda: host.create(URN, inputs))
    assert "pulumi config set --secret adobe-cmk:clientSecret" in message, message
    assert "ADOBE_CLIENT_SECRET" in message
    assert sim.requests == []


def test_create_with_wrong_secret_fails_without_echoing_it(
    make_simulator: MakeSimulator, start_host: Callable[..., ProviderHost]
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    wrong = "wrong-secret-4f1c9a"
    config = {**credentials_config(sim), "adobe-cmk:clientSecret": wrong}
    host = start_host(config)
    message = failure(lambda: created(host, news_for(sim)))
    assert "adobe-cmk:clientSecret" in message, message
    assert wrong not in message
    assert wrong not in host.stderr
    assert posts(sim) == []


def test_one_token_serves_a_whole_run(make_simulator: MakeSimulator, host_for: Host) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = host_for(sim)
    app_news = {
        "__provider": APP_PROVIDER,
        "orgId": sim.org_id,
        "platformUrl": sim.url,
        "apiGeneration": "current",
    }
    created(host, app_news, APP_URN)
    for index in range(3):
        name = f"cmk-{index}"
        inputs, resource_id, outputs = created(
            host, news_for(sim, name=name), urn_for(BYOK_TYPE, name)
        )
        host.read(urn_for(BYOK_TYPE, name), resource_id, outputs, inputs)
    assert sim.count("POST", "token") == 1
    assert sim.count("POST", "config") == 3


def test_eight_creates_at_once_all_finish(make_simulator: MakeSimulator, host_for: Host) -> None:
    sim = make_simulator(job_durations=FAST)
    host = host_for(sim)
    names = [f"cmk-{index}" for index in range(8)]

    def create(name: str) -> dict[str, Any]:
        return created(host, news_for(sim, name=name), urn_for(BYOK_TYPE, name))[2]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outputs = list(pool.map(create, names, timeout=60))
    assert [o["configName"] for o in outputs] == names
    assert all(o["status"] == "COMPLETED" for o in outputs)
    assert sorted(sim.configs) == sorted(names)
    assert sim.count("POST", "config") == 8
    assert sim.count("POST", "token") == 1


# ---- secrets ----------------------------------------------------------------------------------


def _texts(value: Any) -> Iterator[str]:
    """Every string in ``value``, and the decoded ``__provider`` blob."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "__provider":
                yield base64.b64decode(item).decode("latin-1")
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, str):
        yield value
    else:
        yield repr(value)


def test_no_secret_or_token_in_state_stderr_or_failures(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=(0.05, 0.5, 0.05))
    sim.mark_bad_key(KEY_OTHER_VAULT)
    host = host_for(sim)
    seen: list[Any] = []
    app_news = {
        "__provider": APP_PROVIDER,
        "orgId": sim.org_id,
        "platformUrl": sim.url,
        "apiGeneration": "current",
    }
    app_inputs, app_id, app_outputs = created(host, app_news, APP_URN)
    seen += [app_inputs, app_outputs, host.read(APP_URN, app_id, app_outputs, app_inputs)]
    inputs, resource_id, outputs = created(host, news_for(sim))
    seen += [inputs, outputs, host.read(URN, resource_id, outputs, inputs)]
    sim.revoke_tokens()  # a second token is minted: it must not leak either
    news = checked(host, news_for(sim, key=KEY_OTHER_NAME))
    seen.append(host.update(URN, resource_id, outputs, news))
    seen.append(failure(lambda: created(host, news_for(sim, name="bad", key=KEY_OTHER_VAULT))))
    seen.append(failure(lambda: created(host, news_for(sim, name="slow", wait=0.001))))
    seen.append(host.stderr)
    texts = list(_texts(seen))
    tokens = sim.issued_tokens
    assert len(tokens) == 2
    for secret in [sim.client_secret, *tokens]:
        leaks = [text for text in texts if secret in text]
        assert leaks == [], f"{secret[:4]}… found in {leaks}"


@pytest.fixture
def restore_provider_logging() -> Iterator[None]:
    """``configure`` routes the ``providers`` logger to stderr; undo that in this process."""
    logger = logging.getLogger("providers")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved
    credentials.forget_all()


@pytest.mark.usefixtures("restore_provider_logging")
@pytest.mark.parametrize(
    ("provider_class", "module"),
    [
        (ByokConfigProvider, b"providers.byok_config"),
        (AppRegistrationProvider, b"providers.app_registration"),
    ],
)
def test_configured_provider_serializes_without_credentials(
    monkeypatch: pytest.MonkeyPatch, provider_class: type, module: bytes
) -> None:
    secret = "config-secret-0b7e"
    env_secret = "env-secret-91d2"
    monkeypatch.setenv("ADOBE_CLIENT_ID", "env-client")
    monkeypatch.setenv("ADOBE_CLIENT_SECRET", env_secret)
    monkeypatch.setenv("ADOBE_ACCESS_TOKEN", "env-token-77aa")
    provider = provider_class()
    raw = {
        "adobe-cmk:clientId": "config-client",
        "adobe-cmk:clientSecret": secret,
        "adobe-cmk:imsUrl": "http://127.0.0.1:9/ims/token/v3",
    }
    provider.configure(ConfigureRequest(Config(raw, "adobe-cmk")))
    provider.client({"platformUrl": "http://127.0.0.1:9", "orgId": "1234ABCD5678@AdobeOrg"})
    blob = base64.b64decode(serialized(provider))
    for value in (secret, env_secret, "env-token-77aa", "config-client"):
        assert value.encode() not in blob
    # Pickled by reference: the provider process imports the class from the program directory.
    assert module in blob
    assert len(blob) < 200


# ---- preview and check ------------------------------------------------------------------------


def test_preview_with_unknown_inputs_makes_no_request(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = host_for(sim)
    olds = {
        **news_for(sim),
        "status": "COMPLETED",
        "configId": "4df7886b-0000-0000-0000-000000000000",
        "keyVaultUrl": VAULT,
        "keyName": "cmk-key",
        "keyVersion": VERSION_1,
    }
    all_unknown = {name: UNKNOWN for name in news_for(sim) if name != "__provider"}
    _, failures = host.check(URN, {**news_for(sim), **all_unknown})
    assert failures == []
    diff = host.diff(URN, NAME, olds, {**news_for(sim), **all_unknown})
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert sorted(diff.replaces) == ["configName", "orgId", "platformUrl"]
    key_unknown = {**news_for(sim), "keyIdentifier": UNKNOWN}
    assert host.check(URN, key_unknown)[1] == []
    diff = host.diff(URN, NAME, olds, key_unknown)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []
    assert sim.requests == []


def test_check_reports_each_invalid_input_in_one_line(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    invalid: dict[str, Any] = {
        "orgId": "1234ABCD5678",
        "platformUrl": "http://platform.adobe.io",
        "configName": "no spaces allowed",
        "keyIdentifier": f"{VAULT}/keys/cmk-key",
        "apiGeneration": "v2",
        "waitTimeoutMinutes": 0.0,
    }
    _, failures = host_for(sim).check(URN, news_for(sim, **invalid))
    assert sorted(prop for prop, _ in failures) == sorted(invalid)
    for prop, reason in failures:
        assert prop in reason and "\n" not in reason, (prop, reason)
    assert sim.requests == []
