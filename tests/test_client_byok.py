"""The BYOK operation (``byok.converge``) against the simulator: adopt, wait, send once, a lost
POST looked up before any resend, a throttled POST, a failed job sent again, and deadlines."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from providers.platform import byok
from providers.platform.client import PlatformClient
from providers.platform.errors import (
    JobFailedError,
    LostPostError,
    ResendRefusedError,
    WaitTimeoutError,
)
from providers.platform.polling import PollSchedule
from tests.client_support import KEY, OTHER_KEY, FakeClock, make_client, statuses_at
from tests.simulator import Fault, PlatformSimulator

#: A fault that changes nothing: queued first, it lets the next request through untouched.
PASS = Fault("slow", delay=0.0)


@pytest.fixture
def client(simulator: PlatformSimulator) -> PlatformClient:
    return make_client(simulator)[0]


def converge(client: PlatformClient, timeout: float = 30.0, **kwargs: Any) -> Any:
    return byok.converge(client, "cfg", KEY, "current", timeout_seconds=timeout, **kwargs)


# -- adopt and wait: nothing sent -----------------------------------------------------------------


def test_converge_adopts_a_completed_configuration_without_post(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    seeded = simulator.seed_config("cfg", KEY.versioned, status="COMPLETED")
    done = converge(client)
    assert (done.status, done.config_id) == ("COMPLETED", seeded["id"])
    assert simulator.count("POST", "config") == 0


def test_converge_adopts_a_completed_configuration_that_names_no_key(
    make_simulator: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sim = make_simulator(key_identifier_in_answers=False)
    sim.seed_config("cfg", KEY.versioned, status="COMPLETED")
    client, _ = make_client(sim)
    assert converge(client).status == "COMPLETED"
    assert sim.count("POST", "config") == 0, "an answer that names no key is no reason to send"
    assert "the key could not be confirmed" in caplog.text


def test_converge_waits_for_a_running_configuration_without_post(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.seed_config("cfg", KEY.versioned)  # its job starts now
    assert converge(client).status == "COMPLETED"
    assert simulator.count("POST", "config") == 0


# -- send once ------------------------------------------------------------------------------------


def test_converge_posts_once_in_both_generations(make_simulator: Callable[..., Any]) -> None:
    for generation in ("current", "beta"):
        sim = make_simulator(config_generation=generation)
        client, _ = make_client(sim)
        done = byok.converge(client, "cfg", KEY, generation, timeout_seconds=30)
        assert done.status == "COMPLETED", generation
        assert done.holds(KEY), generation
        assert sim.count("POST", "config") == 1, generation


def test_converge_sends_over_a_completed_configuration_of_another_key(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    old = simulator.seed_config("cfg", OTHER_KEY.versioned, status="COMPLETED")
    done = converge(client)
    assert done.status == "COMPLETED" and done.holds(KEY)
    assert simulator.count("POST", "config") == 1
    assert simulator.configs["cfg"]["id"] != old["id"]


def test_converge_post_answer_lost_after_processing_is_not_sent_again(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config", Fault("drop", after_processing=True))
    done = converge(client)
    assert simulator.count("POST", "config") == 1
    assert list(simulator.configs) == ["cfg"]
    assert done.config_id == simulator.configs["cfg"]["id"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_converge_post_5xx_after_processing_is_not_sent_again(
    simulator: PlatformSimulator, client: PlatformClient, status: int
) -> None:
    simulator.inject("config", Fault("status", status=status, after_processing=True))
    assert converge(client).status == "COMPLETED"
    assert simulator.count("POST", "config") == 1


def test_converge_post_timeout_after_processing_is_not_sent_again(
    simulator: PlatformSimulator,
) -> None:
    client, _ = make_client(simulator, timeout=(2.0, 0.3))
    simulator.inject("config", Fault("slow", delay=1.0, after_processing=True))
    assert converge(client).status == "COMPLETED"
    assert simulator.count("POST", "config") == 1


def test_converge_post_lost_before_processing_is_sent_again_once(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config", Fault("drop"))
    done = converge(client)
    assert simulator.count("POST", "config") == 2
    assert done.holds(KEY)


def test_converge_lost_post_over_another_key_tells_old_from_new(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    old = simulator.seed_config("cfg", OTHER_KEY.versioned, status="COMPLETED")
    # Lost before processing: the old configuration is still there, COMPLETED, so the lookup
    # must not mistake it for the new one (nor the wait take its COMPLETED as this POST's).
    simulator.inject("config", Fault("drop"))
    done = converge(client)
    assert simulator.count("POST", "config") == 2
    assert simulator.configs["cfg"]["id"] != old["id"]
    assert done.holds(KEY)


def test_converge_lost_post_and_failing_lookup_is_not_sent_again(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config", Fault("drop", after_processing=True))
    simulator.inject("config-status", PASS)  # the lookup before the POST answers
    simulator.inject("config-status", Fault("status", status=503, count=50))
    with pytest.raises(LostPostError, match="it was not sent again") as caught:
        converge(client)
    assert "looks it up first" in str(caught.value)
    assert simulator.count("POST", "config") == 1
    assert "\n" not in str(caught.value)


def test_converge_throttled_post_is_sent_again_after_retry_after(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config", Fault("status", status=429, retry_after="1"))
    assert converge(client).status == "COMPLETED"
    assert statuses_at(simulator, "config") == [429, 200]


def test_converge_refused_resend_is_an_error_not_a_loop(make_simulator: Callable[..., Any]) -> None:
    sim = make_simulator(resend="refuse-409")
    sim.seed_config("cfg", OTHER_KEY.versioned, status="COMPLETED")
    client, _ = make_client(sim)
    with pytest.raises(ResendRefusedError):
        converge(client)
    assert sim.count("POST", "config") == 1


# -- waiting --------------------------------------------------------------------------------------


def test_converge_reports_each_status_change_until_completed(
    make_simulator: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="providers.platform.byok")
    sim = make_simulator(job_durations=(0.3, 0.3, 0.3))
    client, _ = make_client(sim)
    assert converge(client).status == "COMPLETED"
    seen = [
        r.getMessage().removeprefix("BYOK configuration cfg is ")
        for r in caplog.records
        if r.getMessage().startswith("BYOK configuration cfg is ")
    ]
    assert seen == ["NEW", "RUNNING", "UPDATE_EXISTING_RESOURCES", "COMPLETED"]


def test_converge_failed_job_raises_with_adobe_reason(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.mark_bad_key(KEY.versionless)
    with pytest.raises(JobFailedError) as caught:
        converge(client)
    message = str(caught.value)
    assert "'cfg' FAILED" in message and "Unable to access key vault key" in message
    assert "x-request-id: " in message
    assert simulator.count("POST", "config") == 1, "no resend unless asked"


def test_converge_failed_job_is_sent_again_after_a_delay(
    make_simulator: Callable[..., Any],
) -> None:
    clock = FakeClock()
    sim = make_simulator(failing_jobs=1, clock=clock.now, job_durations=(10.0, 10.0, 10.0))
    client, _ = make_client(sim, fake_clock=clock, poll=PollSchedule())
    done = converge(client, timeout=3600, failed_resends=1)
    assert done.status == "COMPLETED"
    assert sim.count("POST", "config") == 2
    assert 120.0 in clock.sleeps, "waited before sending again"


def test_converge_wait_survives_transient_faults(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config-status", PASS)  # the lookup before the POST answers
    simulator.inject("config-status", Fault("malformed_json"))
    simulator.inject("config-status", Fault("status", status=503, count=2))
    assert converge(client).status == "COMPLETED"
    assert simulator.count("POST", "config") == 1
    assert statuses_at(simulator, "config-status")[:4] == [404, 200, 503, 503]


def test_converge_treats_an_undocumented_status_as_pending(
    simulator: PlatformSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    client, _ = make_client(simulator, fake_clock=clock)
    simulator.seed_config("cfg", KEY.versioned, status="VALIDATING")
    clock.on_sleep = lambda now: simulator.set_config_status("cfg", "COMPLETED")
    assert converge(client).status == "COMPLETED"
    assert "'VALIDATING' is not one Adobe documents" in caplog.text
    assert simulator.count("POST", "config") == 0


def test_converge_deadline_names_config_and_last_status(simulator: PlatformSimulator) -> None:
    clock = FakeClock()
    client, _ = make_client(simulator, poll=PollSchedule(), fake_clock=clock)
    simulator.seed_config("cfg", KEY.versioned, status="RUNNING")
    with pytest.raises(WaitTimeoutError) as caught:
        converge(client, timeout=60)
    assert "'cfg' is still RUNNING" in str(caught.value)
    assert caught.value.last_status == "RUNNING"
    assert sum(clock.sleeps) == pytest.approx(60.0), "waited exactly to the deadline, never past"
    assert clock.sleeps[:10] == [5.0] * 10, "every 5 s while the wait is short"
    lookup = 1
    assert simulator.count("GET", "config-status") == lookup + len(clock.sleeps) + 1


def test_converge_for_an_hour_costs_far_fewer_checks_than_fixed_polling(
    simulator: PlatformSimulator,
) -> None:
    clock = FakeClock()
    client, _ = make_client(simulator, poll=PollSchedule(), fake_clock=clock)
    simulator.seed_config("cfg", KEY.versioned, status="UPDATE_EXISTING_RESOURCES")
    with pytest.raises(WaitTimeoutError):
        converge(client, timeout=3600)
    gets = simulator.count("GET", "config-status")
    assert 130 <= gets <= 150, f"{gets} checks in an hour (fixed 5 s polling: 721)"
    assert max(clock.sleeps) == 30.0
    # Never late by more than a tenth of the time waited (or 5 s).
    waited = 0.0
    for seconds in clock.sleeps:
        assert seconds <= max(5.0, 0.1 * waited) + 1e-9
        waited += seconds


def test_converge_stale_completed_of_the_previous_key_is_not_done(
    make_simulator: Callable[..., Any],
) -> None:
    sim = make_simulator(stale_reads=3)
    sim.seed_config("cfg", OTHER_KEY.versioned, status="COMPLETED")
    client, _ = make_client(sim)
    done = converge(client)
    assert done.status == "COMPLETED" and done.holds(KEY)
    assert sim.count("POST", "config") == 1

