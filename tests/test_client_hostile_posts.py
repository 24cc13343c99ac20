"""How many POSTs, and how long, under hostile answers: an answered POST is never sent again,
the IMS retry policy never reaches the BYOK POST (one gateway serving both), and every operation
keeps its own deadline, a trickling answer included.

Each test drives the real client over loopback: the simulator's hostile faults, or a tiny
scripted server where the simulator cannot play the part (one gateway serving IMS and Platform
under one prefix).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from providers.platform import byok, http
from providers.platform.client import PlatformClient
from providers.platform.errors import TransientError
from providers.platform.ims import ClientCredential, ImsTokenSource
from providers.platform.polling import PollSchedule
from tests.client_support import (
    KEY,
    OTHER_KEY,
    FakeClock,
    Received,
    ScriptedServer,
    make_client,
    statuses_at,
)
from tests.simulator import CONFIG_PATH, Fault, PlatformSimulator

# -- an answered POST is not lost ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"<html>accepted</html>", b"", b'{"status": "CRE', b"[" * 100_000 + b"]" * 100_000]
)
def test_answered_post_with_an_unreadable_body_is_sent_once_and_followed_by_name(
    simulator: PlatformSimulator, body: bytes
) -> None:
    client, _ = make_client(simulator)
    # The previous key's configuration stays readable: its COMPLETED must not end the wait, nor
    # its presence make the POST look lost.
    old = simulator.seed_config("cfg", OTHER_KEY.versioned, status="COMPLETED")
    simulator.inject("config", Fault("body", status=200, body=body, after_processing=True))
    done = byok.converge(client, "cfg", KEY, "current", timeout_seconds=30)
    assert simulator.count("POST", "config") == 1
    assert done.status == "COMPLETED" and done.holds(KEY)
    assert done.config_id == simulator.configs["cfg"]["id"] != old["id"]


# -- retries are mounted exactly: the Platform session never retries a POST ------------------------


class OneGateway:
    """IMS at ``/adobe`` and Platform under ``/adobe/platform``: imsUrl a prefix of platformUrl.
    The token POST fails ``ims_failures`` times with 502, then answers; Platform always 502."""

    def __init__(self, ims_failures: int) -> None:
        self.ims_failures = ims_failures

    def __call__(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        json_type = {"Content-Type": "application/json"}
        if request.path == "/adobe" and request.method == "POST":
            if self.ims_failures > 0:
                self.ims_failures -= 1
                return 502, json_type, b'{"error": "bad_gateway"}'
            token = {"access_token": "gateway-token-1234", "expires_in": 3600}
            return 200, json_type, json.dumps(token).encode()
        return 502, json_type, b'{"error_code": "502000", "message": "Bad Gateway"}'


def test_ims_session_retries_posts_but_platform_session_never_does() -> None:
    with ScriptedServer(OneGateway(ims_failures=2)) as gateway:
        credential = ClientCredential(
            client_id="id", client_secret="gateway-secret", ims_url=f"{gateway.url}/adobe"
        )
        tokens = ImsTokenSource(credential, http.build_session(retry_posts=True, backoff_factor=0))
        client = PlatformClient(
            base_url=f"{gateway.url}/adobe/platform",
            org_id="ORG@AdobeOrg",
            tokens=tokens,
            session=http.build_session(backoff_factor=0),
        )
        with pytest.raises(TransientError, match="HTTP 502"):
            client.post_byok_config("cfg", KEY, "current")
        with pytest.raises(TransientError, match="HTTP 502"):
            client.get_byok_config("cfg")
    sent = [(r.method, r.path.split("?")[0]) for r in gateway.received]
    assert sent.count(("POST", "/adobe")) == 3, "the token POST was retried"
    assert sent.count(("POST", "/adobe/platform" + CONFIG_PATH)) == 1, "the BYOK POST was not"
    assert sent.count(("GET", "/adobe/platform" + CONFIG_PATH + "/cfg")) == 6, "GETs are"


def test_default_sessions_retry_as_documented(simulator: PlatformSimulator) -> None:
    credential = ClientCredential(
        client_id=simulator.client_id,
        client_secret=simulator.client_secret,
        ims_url=simulator.ims_url,
    )
    client = PlatformClient(
        base_url=simulator.url, org_id=simulator.org_id, tokens=ImsTokenSource(credential)
    )
    simulator.inject("token", Fault("status", status=502))
    simulator.inject("config", Fault("status", status=502))
    with pytest.raises(TransientError):
        client.post_byok_config("cfg", KEY, "current")
    assert statuses_at(simulator, "token") == [502, 200]
    assert statuses_at(simulator, "config") == [502]


# -- deadlines are deadlines -----------------------------------------------------------------------


def test_token_renewal_late_in_a_long_wait_is_retried(make_simulator: Callable[..., Any]) -> None:
    clock = FakeClock()
    sim = make_simulator(token_lifetime=1800.0, clock=clock.now)
    client, tokens = make_client(sim, fake_clock=clock, poll=PollSchedule())
    sim.seed_config("cfg", KEY.versioned, status="RUNNING")
    client.get_app_registration()
    sim.inject("token", Fault("status", status=503, count=2))  # the renewal, ~27 min in

    def meanwhile(now: float) -> None:
        if now >= 3000:
            sim.set_config_status("cfg", "COMPLETED")

    clock.on_sleep = meanwhile
    done = byok.converge(client, "cfg", KEY, "current", timeout_seconds=3600)
    assert done.status == "COMPLETED"
    assert tokens.minted == 2
    assert statuses_at(sim, "token") == [200, 503, 503, 200]
    assert 401 not in statuses_at(sim, "config-status"), "renewed before it expired"


def test_deadline_bounds_a_token_request_to_a_slow_ims(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator)
    simulator.inject("token", Fault("slow", delay=30.0, count=10))
    started = time.monotonic()
    with http.deadline(1.0), pytest.raises(TransientError, match="IMS token request failed"):
        client.get_app_registration()
    assert time.monotonic() - started < 4.0  # the deadline's 1 s, far under the answer's 30 s


def test_deadline_bounds_a_token_request_told_to_retry_later(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator)
    simulator.inject("token", Fault("status", status=503, retry_after="5", count=10))
    started = time.monotonic()
    with http.deadline(1.0), pytest.raises(TransientError, match="HTTP 503"):
        client.get_app_registration()
    assert time.monotonic() - started < 3.0  # did not sleep the 5 s it was told to
    assert simulator.count("POST", "token") == 1


@pytest.mark.parametrize("route", ["app-registration", "token"])
def test_trickling_answer_is_cut_off_at_the_deadline(
    simulator: PlatformSimulator, route: str
) -> None:
    client, _ = make_client(simulator)
    if route == "app-registration":
        client.get_app_registration()  # a token first: only the Platform answer trickles
    simulator.inject(route, Fault("trickle", delay=0.05))  # ~300 bytes: 15 s if read whole
    started = time.monotonic()
    with http.deadline(1.0), pytest.raises(TransientError, match="deadline") as caught:
        client.get_app_registration()
    took = time.monotonic() - started
    # Cut off at the deadline (plus one 0.05 s read), far before the 15 s of the whole answer;
    # the upper bound leaves room for a loaded machine's scheduling.
    assert 0.9 <= took < 4.0, f"cut off after {took:.2f} s"
    assert "\n" not in str(caught.value)


def test_deadline_is_the_enclosing_one_when_sooner() -> None:
    with http.deadline(1.0):
        with http.deadline(100.0):
            assert http.remaining() <= 1.0
        assert http.remaining() <= 1.0
    assert http.remaining() == http.CALL_SECONDS
