"""The Platform API client's calls against the simulator, through real sockets: headers, errors,
the transport's retries, one POST, app registration (tokens: test_client_tokens.py)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import pytest

from providers.platform import http
from providers.platform.client import PlatformClient
from providers.platform.errors import (
    BadRequestError,
    PermissionDeniedError,
    TransientError,
)
from tests.client_support import KEY, FakeClock, make_client, statuses_at
from tests.simulator import Fault, PlatformSimulator


@pytest.fixture
def client(simulator: PlatformSimulator) -> PlatformClient:
    return make_client(simulator)[0]


# -- headers --------------------------------------------------------------------------------------


def test_requests_carry_the_platform_headers(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    client.post_byok_config("cfg", KEY, "current")
    client.get_byok_config("cfg")
    post = next(r for r in simulator.requests if r.route == "config")
    get = next(r for r in simulator.requests if r.route == "config-status")
    for request in (post, get):
        assert request.headers["x-api-key"] == "acp_provisioning"
        assert request.headers["x-gw-ims-org-id"] == simulator.org_id
        assert request.headers["Authorization"] == "Bearer ***"
    assert post.headers["Content-Type"] == "application/json"
    assert get.query == {"configType": "BYOK_CONFIG"}


def test_wrong_org_raises_permission_denied_with_adobe_code(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator, org_id="OTHER0000000@AdobeOrg")
    with pytest.raises(PermissionDeniedError) as caught:
        client.get_byok_config("cfg")
    message = str(caught.value)
    assert "403025" in message and "HTTP 403" in message and "x-request-id: " in message


# -- transient faults on GET ----------------------------------------------------------------------


def test_get_429_honours_retry_after_seconds(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("app-registration", Fault("status", status=429, retry_after="1"))
    started = time.monotonic()
    assert client.get_app_registration() is not None
    assert time.monotonic() - started >= 0.9
    assert statuses_at(simulator, "app-registration") == [429, 200]


def test_get_429_honours_retry_after_http_date(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    simulator.inject("app-registration", Fault("status", status=429, retry_after=when))
    started = time.monotonic()
    assert client.get_app_registration() is not None
    assert time.monotonic() - started >= 0.5
    assert statuses_at(simulator, "app-registration") == [429, 200]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_get_5xx_is_retried(
    simulator: PlatformSimulator, client: PlatformClient, status: int
) -> None:
    simulator.inject("app-registration", Fault("status", status=status, count=2))
    assert client.get_app_registration() is not None
    assert statuses_at(simulator, "app-registration") == [status, status, 200]


def test_get_dropped_connection_is_retried(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("app-registration", Fault("drop"))
    assert client.get_app_registration() is not None
    assert statuses_at(simulator, "app-registration") == [0, 200]


def test_get_read_timeout_is_retried(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator, timeout=(2.0, 0.3))
    simulator.inject("app-registration", Fault("slow", delay=1.0))
    assert client.get_app_registration() is not None
    assert simulator.count("GET", "app-registration") == 2


def test_get_retries_are_bounded_by_attempts(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config-status", Fault("status", status=503, count=50))
    with pytest.raises(TransientError) as caught:
        client.get_byok_config("cfg")
    assert simulator.count("GET", "config-status") == 6, "first attempt and five retries"
    assert "HTTP 503" in str(caught.value) and "x-request-id: " in str(caught.value)


def test_get_retry_after_beyond_the_deadline_fails_at_once(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config-status", Fault("status", status=429, retry_after="60"))
    started = time.monotonic()
    with http.deadline(2.0), pytest.raises(TransientError, match="HTTP 429"):
        client.get_byok_config("cfg")
    assert time.monotonic() - started < 1.5, "did not sleep toward a Retry-After past the deadline"
    assert simulator.count("GET", "config-status") == 1


def test_get_malformed_json_is_read_again(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("app-registration", Fault("malformed_json"))
    assert client.get_app_registration() is not None
    assert statuses_at(simulator, "app-registration") == [200, 200]


def test_get_malformed_json_every_time_raises_transient_error(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("app-registration", Fault("malformed_json", count=50))
    with pytest.raises(TransientError, match="not valid JSON"):
        client.get_app_registration()
    assert simulator.count("GET", "app-registration") == 6, "first attempt and five more"


# -- permanent errors -----------------------------------------------------------------------------


def test_not_found_is_none_for_get_byok_config(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    assert client.get_byok_config("absent") is None
    assert statuses_at(simulator, "config-status") == [404]


@pytest.mark.parametrize("answer", ["empty-object", "empty-body", "204"])
def test_get_byok_config_is_none_for_an_empty_answer(
    make_simulator: Callable[..., Any], answer: str
) -> None:
    sim = make_simulator(unknown_config=answer)
    client, _ = make_client(sim)
    assert client.get_byok_config("absent") is None
    assert sim.count("GET", "config-status") == 1


def test_post_400_fails_fast_with_adobe_detail(make_simulator: Callable[..., Any]) -> None:
    sim = make_simulator(config_generation="beta")
    client, _ = make_client(sim)
    with pytest.raises(BadRequestError) as caught:
        client.post_byok_config("cfg", KEY, "current")
    message = str(caught.value)
    assert "HTTP 400" in message and "configData" in message and "x-request-id: " in message
    assert "\n" not in message
    assert sim.count("POST", "config") == 1


def test_post_403_fails_fast(simulator: PlatformSimulator, client: PlatformClient) -> None:
    simulator.inject("config", Fault("status", status=403))
    with pytest.raises(PermissionDeniedError):
        client.post_byok_config("cfg", KEY, "current")
    assert simulator.count("POST", "config") == 1


# -- one POST -------------------------------------------------------------------------------------


def test_post_both_generations_are_accepted(make_simulator: Callable[..., Any]) -> None:
    for generation in ("current", "beta"):
        sim = make_simulator(config_generation=generation)
        client, _ = make_client(sim)
        details = client.post_byok_config("cfg", KEY, generation)
        assert details is not None
        assert details.status in {"NEW", "CREATED"}
        assert details.holds(KEY), generation
        assert details.key is not None and details.key.version == KEY.version, generation


@pytest.mark.parametrize("fault", [Fault("drop"), Fault("status", status=502)])
def test_post_lost_answer_is_not_sent_again_by_the_client(
    simulator: PlatformSimulator, client: PlatformClient, fault: Fault
) -> None:
    simulator.inject("config", fault)
    with pytest.raises(TransientError):
        client.post_byok_config("cfg", KEY, "current")
    assert simulator.count("POST", "config") == 1, "the caller looks it up before any resend"


def test_post_429_is_sent_again_after_retry_after(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config", Fault("status", status=429, retry_after="1"))
    started = time.monotonic()
    client.post_byok_config("cfg", KEY, "current")
    assert time.monotonic() - started >= 0.9
    assert statuses_at(simulator, "config") == [429, 200]
    assert simulator.count("GET", "config-status") == 0, "a 429 needs no lookup"


def test_post_401_renews_the_token_and_sends_once_more(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    client.get_byok_config("warm-up")
    simulator.revoke_tokens()
    client.post_byok_config("cfg", KEY, "current")
    assert statuses_at(simulator, "config") == [401, 200]
    assert len(simulator.configs) == 1


# -- app registration -----------------------------------------------------------------------------


def test_app_registration_current_answers_at_once(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    details = client.get_app_registration()
    assert details is not None
    assert details.application_id == "e463a445-c6ac-4ca2-b36a-b5146fcf6a52"
    assert details.consent_url.startswith("https://login.microsoftonline.com/common/")


def test_app_registration_beta_is_started_then_waited_for(
    make_simulator: Callable[..., Any],
) -> None:
    sim = make_simulator(app_generation="beta", app_registration_delay=0.2)
    client, _ = make_client(sim)
    assert client.get_app_registration() is None
    client.start_app_registration()
    details = client.wait_for_app_registration(timeout_seconds=10)
    assert details is not None and details.application_id
    assert sim.count("POST", "app-registration") == 1
    assert statuses_at(sim, "app-registration")[-1] == 200


def test_app_registration_beta_start_is_sent_again_after_a_lost_answer(
    make_simulator: Callable[..., Any],
) -> None:
    sim = make_simulator(app_generation="beta", app_registration_delay=0.1)
    client, _ = make_client(sim)
    sim.inject("app-registration", Fault("status", status=503, method="POST"))
    sim.inject("app-registration", Fault("drop", method="POST"))
    client.start_app_registration()
    assert [r.status for r in sim.requests if r.route == "app-registration"] == [503, 0, 200]
    details = client.wait_for_app_registration(timeout_seconds=10)
    assert details is not None and details.application_id


def test_app_registration_beta_wait_rides_out_transient_errors(
    make_simulator: Callable[..., Any],
) -> None:
    sim = make_simulator(app_generation="beta", app_registration_delay=0.1)
    client, _ = make_client(sim)
    client.start_app_registration()
    sim.inject("app-registration", Fault("status", status=503, count=10, method="GET"))
    details = client.wait_for_app_registration(timeout_seconds=10)
    assert details is not None and details.application_id


def test_app_registration_wait_is_none_at_its_deadline(
    make_simulator: Callable[..., Any],
) -> None:
    clock = FakeClock()
    sim = make_simulator(app_generation="beta", app_registration_delay=1000.0, clock=clock.now)
    client, _ = make_client(sim, fake_clock=clock)
    client.start_app_registration()
    assert client.wait_for_app_registration(timeout_seconds=60) is None
    assert sum(clock.sleeps) == pytest.approx(60.0)
