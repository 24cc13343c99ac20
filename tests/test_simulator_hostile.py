"""The simulator's hostile answers (redirect, echo, body, trickle), through real HTTP with
``requests``; the request log keeps masking secrets while the answers leak them."""

import json
import time

import pytest
import requests

from tests.simulator import Fault
from tests.simulator_requests import (
    APP_PATH,
    TIMEOUT,
    current_body,
    get_app,
    get_status,
    platform_headers,
    post_config,
    token_for,
)

FORM = {
    "grant_type": "client_credentials",
    "client_id": "sim-client-id",
    "client_secret": "sim-client-secret",
}


# ---- redirect ---------------------------------------------------------------------------------


def test_redirect_answers_307_with_location_and_changes_nothing(simulator):
    simulator.inject("config", Fault("redirect", location="http://evil.test:8080/steal"))
    answer = post_config(simulator, current_body(), allow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["Location"] == "http://evil.test:8080/steal"
    assert answer.content == b""
    assert simulator.configs == {}
    assert post_config(simulator, current_body()).status_code == 200


def test_redirect_on_the_token_route_with_another_status(simulator):
    simulator.inject("token", Fault("redirect", status=302, location="https://evil.test/token"))
    answer = requests.post(simulator.ims_url, data=FORM, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "https://evil.test/token"
    assert simulator.issued_tokens == []


def test_redirect_after_processing_leaves_the_post_landed(simulator):
    fault = Fault("redirect", location="/elsewhere", after_processing=True)
    simulator.inject("config", fault)
    assert post_config(simulator, current_body(), allow_redirects=False).status_code == 307
    assert "config1" in simulator.configs


@pytest.mark.parametrize(
    "kwargs", [{}, {"location": "https://x.test", "status": 503}], ids=["no-location", "not-3xx"]
)
def test_redirect_fault_needs_a_location_and_a_3xx_status(kwargs):
    with pytest.raises(ValueError, match="redirect"):
        Fault("redirect", **kwargs)


def test_fault_status_defaults_stay_503():
    assert Fault("status").status == 503
    assert Fault("redirect", location="/x").status == 307


# ---- echo -------------------------------------------------------------------------------------


def test_echo_on_the_token_route_repeats_the_form_secret_included(simulator):
    simulator.inject("token", Fault("echo", status=401))
    answer = requests.post(simulator.ims_url, data=FORM, timeout=TIMEOUT)
    assert answer.status_code == 401
    body = answer.json()
    assert body["error"] == "invalid_client"
    assert "client_secret=sim-client-secret" in body["error_description"]
    assert "sim-client-secret" not in repr(simulator.requests)
    assert simulator.issued_tokens == []


@pytest.mark.parametrize("status", [400, 500])
def test_echo_on_a_platform_route_repeats_the_authorization_header(simulator, status):
    token = token_for(simulator)
    simulator.inject("config-status", Fault("echo", status=status))
    answer = get_status(simulator, headers=platform_headers(simulator, token))
    assert answer.status_code == status
    assert f"Bearer {token}" in answer.json()["detail"]
    assert token not in repr(simulator.requests)
    assert simulator.requests[-1].headers["Authorization"] == "Bearer ***"


# ---- body -------------------------------------------------------------------------------------


def test_body_sends_json_nested_100000_deep_as_is(simulator):
    deep = b"[" * 100_000 + b"]" * 100_000
    simulator.inject("config-status", Fault("body", status=200, body=deep))
    answer = get_status(simulator)
    assert answer.status_code == 200
    assert answer.content == deep
    assert answer.headers["Content-Type"].startswith("application/json")
    with pytest.raises(RecursionError):
        json.loads(answer.content)


@pytest.mark.parametrize("retry_after", ["-5", "99999999999", "\uff15", "3 s"])
def test_body_sends_any_retry_after(simulator, retry_after):
    fault = Fault("body", status=429, body=b"{}", headers=(("Retry-After", retry_after),))
    simulator.inject("app-registration", fault)
    answer = get_app(simulator)
    assert answer.status_code == 429
    # http.client reads header bytes as Latin-1; the simulator sends UTF-8.
    assert answer.headers["Retry-After"] == retry_after.encode().decode("latin-1")


@pytest.mark.parametrize("expires_in", [b"0", b"-1", b"NaN"])
def test_body_on_the_token_route_sends_a_hostile_expires_in(simulator, expires_in):
    raw = b'{"access_token": "abc", "token_type": "bearer", "expires_in": ' + expires_in + b"}"
    simulator.inject("token", Fault("body", status=200, body=raw))
    answer = requests.post(simulator.ims_url, data=FORM, timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.content == raw


def test_body_with_a_status_holding_a_line_break_and_own_content_type(simulator):
    raw = json.dumps({"name": "config1", "status": "RUNNING\nadobe-cmk: done"}).encode()
    fault = Fault("body", status=200, body=raw, headers=(("Content-Type", "text/plain"),))
    simulator.inject("config-status", fault)
    answer = get_status(simulator)
    assert answer.json()["status"] == "RUNNING\nadobe-cmk: done"
    assert answer.headers["Content-Type"] == "text/plain"


def test_body_after_processing_is_an_answered_post_with_an_unreadable_body(simulator):
    simulator.inject(
        "config", Fault("body", status=200, body=b"\x00garbage", after_processing=True)
    )
    answer = post_config(simulator, current_body())
    assert answer.status_code == 200
    assert answer.content == b"\x00garbage"
    assert simulator.configs["config1"]["status"] in ("NEW", "RUNNING")
    assert simulator.count("POST", "config") == 1


def test_body_before_processing_changes_nothing(simulator):
    simulator.inject("config", Fault("body", status=502, body=b"<html>bad gateway</html>"))
    assert post_config(simulator, current_body()).status_code == 502
    assert simulator.configs == {}


# ---- trickle ----------------------------------------------------------------------------------


def test_trickle_keeps_a_call_past_every_read_timeout(simulator):
    simulator.inject("app-registration", Fault("trickle", delay=0.05))
    started = time.monotonic()
    with requests.get(
        simulator.url + APP_PATH,
        headers=platform_headers(simulator),
        # Each read gets a byte within 0.05 s, far inside the 3 s read timeout (wide, so that a
        # loaded machine's scheduling never fires it), yet the body takes longer than 3 s.
        timeout=(5, 3.0),
        stream=True,
    ) as answer:
        assert answer.status_code == 200
        first = b"".join(next(answer.iter_content(1)) for _ in range(70))
    assert time.monotonic() - started >= 3.4
    assert first.startswith(b'{"id": "byok')


def test_trickle_sends_the_whole_normal_answer(simulator):
    post_config(simulator, current_body())
    expected = get_status(simulator).json()
    simulator.inject("config-status", Fault("trickle", delay=0.001))
    answer = get_status(simulator, timeout=30)
    assert answer.json() == expected
    assert simulator.count("GET", "config-status") == 2


def test_stop_is_prompt_while_trickling(make_simulator):
    sim = make_simulator()
    sim.inject("app-registration", Fault("trickle", delay=30))
    answer = requests.get(
        sim.url + APP_PATH, headers=platform_headers(sim), timeout=(2, 60), stream=True
    )
    assert answer.status_code == 200
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(requests.RequestException):
        answer.content  # noqa: B018 - reading is what fails


def test_echo_on_the_token_route_repeats_a_secret_with_url_characters_verbatim(make_simulator):
    secret = "p8e-Ab+cd/ef=gh&ij%kl q"
    sim = make_simulator(client_secret=secret)
    sim.inject("token", Fault("echo", status=400))
    answer = requests.post(sim.ims_url, data={**FORM, "client_secret": secret}, timeout=TIMEOUT)
    assert secret in answer.json()["error_description"]
    assert secret not in repr(sim.requests)
