"""Answers that are wrong rather than hostile — JSON nested deep, a Retry-After or expires_in out
of range, line breaks in statuses and codes, non-ASCII look-alikes in key identifiers — each ends
in a one-line error or is handled: never a traceback from deep inside, a hang, or a forged line.
Ends with property-based tests over any status and any JSON body (no example database is kept: a
failure prints its falsifying example)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from providers.key_identifier import parse_key_identifier, read_key_identifier
from providers.platform import byok, http
from providers.platform.client import PlatformClient
from providers.platform.errors import (
    AuthenticationError,
    BadRequestError,
    PlatformError,
    TransientError,
)
from providers.platform.ims import StaticToken
from providers.platform.models import Unreadable, carries_configuration, parse_byok_config
from providers.platform.polling import PollSchedule
from tests.client_support import KEY, FakeClock, make_client, statuses_at
from tests.simulator import Fault, PlatformSimulator

DEEP_LIST = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


def assert_one_line(error: BaseException) -> None:
    text = str(error)
    assert text and "\n" not in text and "\r" not in text, text


# -- JSON nested 100,000 deep ----------------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_OBJECT])
@pytest.mark.parametrize("status", [200, 400, 500])
def test_deeply_nested_platform_answer_is_a_one_line_error(
    simulator: PlatformSimulator, body: bytes, status: int
) -> None:
    client, _ = make_client(simulator)
    simulator.inject("config-status", Fault("body", status=status, body=body, count=20))
    with pytest.raises(PlatformError) as caught:
        client.get_byok_config("cfg")
    assert_one_line(caught.value)
    if status == 200:
        assert "not valid JSON" in str(caught.value)
    else:
        assert f"HTTP {status}" in str(caught.value)


@pytest.mark.parametrize("status", [200, 401])
def test_deeply_nested_ims_answer_is_a_one_line_error(
    simulator: PlatformSimulator, status: int
) -> None:
    client, _ = make_client(simulator)
    simulator.inject("token", Fault("body", status=status, body=DEEP_OBJECT))
    with pytest.raises(PlatformError) as caught:
        client.get_app_registration()
    assert_one_line(caught.value)
    assert simulator.count("GET", "app-registration") == 0


# -- Retry-After that is negative, huge or not ASCII digits ----------------------------------------

ODD_RETRY_AFTER = ["-5", "99999999999999999999", "\uff15", "\u0665", "1e3", "soon"]


@pytest.mark.parametrize("value", ODD_RETRY_AFTER)
def test_odd_retry_after_on_a_get_is_retried_or_refused_at_once(
    simulator: PlatformSimulator, value: str
) -> None:
    client, _ = make_client(simulator)
    headers = (("Retry-After", value),)
    body = b'{"error_code": "429050", "message": "Too many requests"}'
    simulator.inject("app-registration", Fault("body", status=429, body=body, headers=headers))
    started = time.monotonic()
    try:
        assert client.get_app_registration() is not None
        assert statuses_at(simulator, "app-registration") == [429, 200]
    except TransientError as error:  # a wait past any deadline is refused, not slept
        assert "HTTP 429" in str(error)
        assert_one_line(error)
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize(
    ("value", "sent_again"),
    [("-5", True), ("\uff15", True), ("soon", True), ("99999999999999999999", False)],
)
def test_odd_retry_after_on_a_post_is_read_within_bounds(
    simulator: PlatformSimulator, value: str, sent_again: bool
) -> None:
    client, _ = make_client(simulator)
    headers = (("Retry-After", value),)
    body = b'{"error_code": "429050", "message": "Too many requests"}'
    simulator.inject("config", Fault("body", status=429, body=body, headers=headers))
    started = time.monotonic()
    if sent_again:
        assert client.post_byok_config("cfg", KEY, "current") is not None
        assert statuses_at(simulator, "config") == [429, 200]
    else:
        with pytest.raises(TransientError, match="HTTP 429") as caught:
            client.post_byok_config("cfg", KEY, "current")
        assert_one_line(caught.value)
        assert statuses_at(simulator, "config") == [429], "did not wait toward a huge Retry-After"
    assert time.monotonic() - started < 3.0


# -- expires_in of 0, negative or NaN --------------------------------------------------------------


@pytest.mark.parametrize("expires_in", ["0", "-1", "NaN", "Infinity", '"soon"', "null"])
def test_odd_expires_in_neither_mints_per_call_nor_never_renews(
    simulator: PlatformSimulator, expires_in: str
) -> None:
    clock = FakeClock()
    client, tokens = make_client(simulator, fake_clock=clock)
    token = simulator.issue_token()
    body = f'{{"access_token": "{token}", "expires_in": {expires_in}}}'.encode()
    simulator.inject("token", Fault("body", status=200, body=body))
    client.get_app_registration()
    client.get_app_registration()
    assert tokens.minted == 1, "not a token per call"
    clock.advance(3400.0)  # past the assumed hour, less the renewal margin
    client.get_app_registration()
    assert tokens.minted == 2, "renewed after all"


# -- line breaks in statuses and error codes -------------------------------------------------------


def test_status_with_a_line_break_forges_no_progress_line(
    simulator: PlatformSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    client, _ = make_client(simulator, fake_clock=clock, poll=PollSchedule())
    simulator.seed_config("cfg", KEY.versioned, status="RUNNING")
    forged = {
        "status": "RUNNING\nINFO BYOK configuration cfg is COMPLETED",
        "configData": {"keyVaultKeyIdentifier": KEY.versioned},
        "errorMessage": "none\nERROR forged",
    }
    simulator.inject("config-status", Fault("body", status=200, body=json.dumps(forged).encode()))

    def meanwhile(now: float) -> None:
        if now >= 20:
            simulator.set_config_status("cfg", "COMPLETED")

    clock.on_sleep = meanwhile
    done = byok.converge(client, "cfg", KEY, "current", timeout_seconds=600)
    assert done.status == "COMPLETED"
    assert clock.time >= 20, "the forged COMPLETED did not end the wait"
    for record in caplog.records:
        assert "\n" not in record.getMessage(), record.getMessage()


@pytest.mark.parametrize("route", ["config-status", "token"])
def test_error_code_with_a_line_break_is_one_line(simulator: PlatformSimulator, route: str) -> None:
    client, _ = make_client(simulator)
    body = {
        "error_code": "400\nERROR forged line",
        "error": "invalid_client\r\nmore",
        "message": "bad\nrequest",
        "error_description": "x\u2028y",
    }
    status = 400 if route == "config-status" else 401
    simulator.inject(route, Fault("body", status=status, body=json.dumps(body).encode()))
    expected = BadRequestError if route == "config-status" else AuthenticationError
    with pytest.raises(expected) as caught:
        client.get_byok_config("cfg")
    assert_one_line(caught.value)
    assert "\u2028" not in str(caught.value)


def test_request_id_with_a_line_break_is_one_line(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator)
    headers = (("x-request-id", "abc def"),)
    simulator.inject("config-status", Fault("body", status=400, body=b"{}", headers=headers))
    with pytest.raises(BadRequestError) as caught:
        client.get_byok_config("cfg")
    assert_one_line(caught.value)


# -- key identifiers are ASCII where Azure's are ---------------------------------------------------

VERSION = "0a" * 16


@pytest.mark.parametrize(
    "text",
    [
        f"https://cmkvault.vault.azure.net/keys/adobe-cm\u212a/{VERSION}",  # Kelvin sign for k
        f"https://cmkvault\u017f.vault.azure.net/keys/adobe-cmk/{VERSION}",  # long s
        f"https://cmkvault.vault.azure.net/keys/adobe-cmk\n/{VERSION}",
        f"https://cmkvault.vault.azure.net/keys/adobe-cmk/{VERSION}\nx",
    ],
)
def test_key_identifier_look_alikes_are_refused_and_never_the_same_key(text: str) -> None:
    with pytest.raises(ValueError):
        parse_key_identifier(text)
    assert read_key_identifier(text) is None
    details = parse_byok_config("cfg", {"status": "COMPLETED", "configData": {"keyVaultUri": text}})
    assert details.key is None and details.holds(KEY) is None


# -- any status, any JSON body ---------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "status",
                    "configData",
                    "config",
                    "jobData",
                    "id",
                    "keyVaultKeyIdentifier",
                    "keyVaultUri",
                    "errorMessage",
                    "message",
                    "error_code",
                    "x-request-id",
                    "name",
                ]
            )
            | st.text(max_size=10),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
#: Final statuses (1xx are informational, never an answer: http.client waits past them).
STATUSES = st.integers(min_value=200, max_value=599)


@settings(max_examples=200, deadline=None, database=None)
@given(body=JSON_VALUES)
def test_parse_byok_config_any_json_is_details_or_unreadable(body: Any) -> None:
    try:
        if not carries_configuration(body):
            return
        details = parse_byok_config("cfg", body)
    except Unreadable as unreadable:
        assert_one_line(unreadable)
        return
    for text in (details.status, details.config_id, details.vault_url, details.reason):
        assert "\n" not in text and "\r" not in text
    assert details.status == "" or details.status.replace("_", "").isalpha()


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(status=STATUSES, body=JSON_VALUES)
def test_get_byok_config_any_answer_is_a_result_or_a_one_line_platform_error(
    status: int, body: Any
) -> None:
    raw = json.dumps(body).encode()
    with PlatformSimulator() as sim:
        client = PlatformClient(
            base_url=sim.url,
            org_id=sim.org_id,
            tokens=StaticToken(sim.issue_token()),
            backoff=lambda attempt: 0.0,
            session=http.build_session(backoff_factor=0.0),
        )
        sim.inject("config-status", Fault("body", status=status, body=raw, count=100))
        try:
            client.get_byok_config("cfg")
        except PlatformError as error:
            assert_one_line(error)
