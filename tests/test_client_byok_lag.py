"""The BYOK operation where Adobe's GET lags its POST, a 429 asks for more time than a call has,
and a resent job fails as fast as the last: never a POST that was not decided."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from providers.platform import byok
from providers.platform.client import PlatformClient
from providers.platform.errors import ThrottledError, WaitTimeoutError
from providers.platform.polling import PollSchedule
from tests.client_support import KEY, OTHER_KEY, FakeClock, make_client, statuses_at
from tests.simulator import Fault, PlatformSimulator


@pytest.fixture
def client(simulator: PlatformSimulator) -> PlatformClient:
    return make_client(simulator)[0]


def converge(client: PlatformClient, timeout: float = 30.0, **kwargs: Any) -> Any:
    return byok.converge(client, "cfg", KEY, "current", timeout_seconds=timeout, **kwargs)



def test_lost_post_answer_with_a_lagging_get_is_not_sent_again(
    make_simulator: Callable[..., Any],
) -> None:
    # Adobe processed the POST (a key change) but its answer was a 502, and its GET shows the old
    # configuration for two more reads: the settle looks see the new one, so no second POST.
    clock = FakeClock()
    sim = make_simulator(stale_reads=2, clock=clock.now, job_durations=(0.0, 0.0, 0.0))
    sim.seed_config("cfg", OTHER_KEY.versioned, status="COMPLETED")
    sim.inject("config", Fault("status", status=502, method="POST", after_processing=True))
    client, _ = make_client(sim, fake_clock=clock)
    done = converge(client)
    assert done.status == "COMPLETED" and done.holds(KEY)
    assert sim.count("POST", "config") == 1


def test_lost_post_answer_with_a_get_lagging_past_the_settle_looks_costs_one_post(
    make_simulator: Callable[..., Any],
) -> None:
    # The bound of the settle looks, written down: a GET that lags more than SETTLE_LOOKS reads
    # costs one more POST of the same configuration (Adobe replaces it; nothing else changes).
    clock = FakeClock()
    sim = make_simulator(
        stale_reads=byok.SETTLE_LOOKS + 1, clock=clock.now, job_durations=(0.0, 0.0, 0.0)
    )
    sim.seed_config("cfg", OTHER_KEY.versioned, status="COMPLETED")
    sim.inject("config", Fault("status", status=502, method="POST", after_processing=True))
    client, _ = make_client(sim, fake_clock=clock)
    assert converge(client).holds(KEY)
    assert sim.count("POST", "config") == 2


def test_resend_refused_as_existing_after_a_lost_answer_means_it_landed(
    make_simulator: Callable[..., Any],
) -> None:
    clock = FakeClock()
    sim = make_simulator(resend="refuse-409", clock=clock.now, job_durations=(0.0, 0.0, 0.0))
    # First create: nothing before; the POST lands, its answer is lost, the GET lags (404 for the
    # look before the POST and every settle look).
    sim.inject("config", Fault("status", status=502, method="POST", after_processing=True))
    lagging = Fault("status", status=404, method="GET", count=byok.SETTLE_LOOKS + 1)
    sim.inject("config-status", lagging)
    client, _ = make_client(sim, fake_clock=clock)
    assert converge(client).status == "COMPLETED"
    assert [s for s in statuses_at(sim, "config")] == [502, 409]


def test_throttled_post_past_the_deadline_fails_at_once_without_a_lookup(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config", Fault("status", status=429, retry_after="3600", method="POST"))
    with pytest.raises(ThrottledError, match="HTTP 429") as caught:
        converge(client)
    assert simulator.count("POST", "config") == 1
    assert simulator.count("GET", "config-status") == 1, "only the lookup before the POST"
    assert "x-request-id: " in str(caught.value)


def test_a_resend_that_fails_as_fast_as_the_last_times_out_with_every_reason(
    make_simulator: Callable[..., Any],
) -> None:
    # Updated in place, failing before the first look, for the same reason: no answer proves it
    # is the new job's, so it is never reported as this job's failure; the timeout says why.
    clock = FakeClock()
    sim = make_simulator(
        failing_jobs=2, resend="update-in-place", clock=clock.now, job_durations=(0.0, 0.0, 0.0)
    )
    client, _ = make_client(sim, fake_clock=clock, poll=PollSchedule())
    with pytest.raises(WaitTimeoutError) as caught:
        converge(client, timeout=1800, failed_resends=1)
    message = str(caught.value)
    assert "previous job" in message and "attempt 1:" in message
    assert sim.count("POST", "config") == 2
