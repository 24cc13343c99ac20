"""Where the client secret and tokens may go under hostile answers: plain http only to real
loopback, no redirects with credentials, known secrets masked in every message, a malformed token
never echoed in an error (how many POSTs and how long: test_client_hostile_posts.py).

Each test drives the real client over loopback: the simulator's hostile faults, or a tiny
scripted server where the simulator cannot play the part ("the other host", one gateway serving
IMS and Platform under one prefix).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from providers.platform import byok
from providers.platform.client import PlatformClient
from providers.platform.endpoints import check_endpoint, is_loopback
from providers.platform.errors import (
    AuthenticationError,
    BadRequestError,
    TransientError,
    UnexpectedAnswerError,
)
from providers.platform.ims import ClientCredential, StaticToken
from providers.platform.polling import PollSchedule
from providers.platform.redaction import MASK
from tests.client_support import (
    KEY,
    FakeClock,
    Received,
    ScriptedServer,
    make_client,
)
from tests.simulator import APP_REGISTRATION_PATH, CONFIG_PATH, Fault, PlatformSimulator


def nothing(request: Received) -> tuple[int, dict[str, str], bytes]:
    """The other host's answer: it should never be asked."""
    return 200, {"Content-Type": "application/json"}, b'{"access_token": "stolen-token-value"}'


# -- plain http only to real loopback, decided as requests decides, by the client itself -----------


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.test:8080\\@127.0.0.1/ims/token/v3",  # urlsplit: loopback; requests: evil
        "http://127.0.0.1\\@evil.test/ims/token/v3",
        "http://0.0.0.0:8080/ims/token/v3",
        "https://user:password@ims-na1.adobelogin.com/ims/token/v3",
        "http://user@127.0.0.1/ims/token/v3",
        "http://127.0.0.1.nip.io/ims/token/v3",
        "http://localhost.evil.test/ims/token/v3",
        "http://[::]/ims/token/v3",
        "http://2130706433/ims/token/v3",
        "https://ims-na1.adobelogin.com /ims/token/v3",
        "https://ims-na1.adobelogin.com/ims/token/v3\n",
        "https://ims-na1.adobelogin.çom/ims/token/v3",
        "ftp://127.0.0.1/ims",
        "",
    ],
)
def test_check_endpoint_refuses_what_may_send_a_credential_elsewhere(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_endpoint(url)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://ims-na1.adobelogin.com/ims/token/v3",
        "https://platform-nld2.adobe.io/",
        "http://127.0.0.1:8181",
        "http://127.4.5.6:8181/ims/token/v3",
        "http://localhost:8181/ims/token/v3",
        "http://[::1]:8181/ims/token/v3",
    ],
)
def test_check_endpoint_accepts_https_and_real_loopback(url: str) -> None:
    assert check_endpoint(url) == url.rstrip("/")


def test_is_loopback_is_127_8_and_ipv6_one_and_localhost_only() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.255.0.9", "::1", "[::1]", "LocalHost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "localhost.evil.test"))


def test_ims_url_with_a_backslash_never_carries_the_secret() -> None:
    with ScriptedServer(nothing) as other:
        port = other.url.rsplit(":", 1)[1]
        url = f"http://127.0.0.1:{port}\\@127.0.0.1:1/ims/token/v3"
        with pytest.raises(ValueError, match="IMS URL") as caught:
            ClientCredential(client_id="id", client_secret="a-client-secret", ims_url=url)
        assert "a-client-secret" not in str(caught.value)
    assert other.received == []


def test_client_refuses_a_platform_url_that_may_not_carry_the_token() -> None:
    for url in ("http://platform.example.com", "http://0.0.0.0:8080", "https://u@platform"):
        with pytest.raises(ValueError):
            PlatformClient(base_url=url, org_id="ORG@AdobeOrg", tokens=StaticToken("t" * 20))


# -- no redirect is followed with a credential -----------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_ims_redirect_to_another_host_is_not_followed(
    simulator: PlatformSimulator, status: int
) -> None:
    client, tokens = make_client(simulator)
    with ScriptedServer(nothing) as other:
        where = f"{other.url}/ims/token/v3"
        simulator.inject("token", Fault("redirect", status=status, location=where))
        with pytest.raises(UnexpectedAnswerError, match="redirect") as caught:
            client.get_app_registration()
    assert other.received == [], "the form, client secret included, reached the other host"
    assert caught.value.status == status
    assert tokens.minted == 0
    assert simulator.count("GET", "app-registration") == 0, "no token from elsewhere was used"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_platform_redirect_is_refused_and_the_token_stays_home(
    simulator: PlatformSimulator, method: str
) -> None:
    client, _ = make_client(simulator)
    route, path = ("app-registration", APP_REGISTRATION_PATH)
    if method == "POST":
        route, path = ("config", CONFIG_PATH)
    with ScriptedServer(nothing) as other:
        simulator.inject(route, Fault("redirect", location=f"{other.url}{path}", method=method))
        with pytest.raises(UnexpectedAnswerError, match=r"redirect to 127\.0\.0\.1") as caught:
            if method == "GET":
                client.get_app_registration()
            else:
                client.post_byok_config("cfg", KEY, "current")
    assert other.received == [], "the Authorization header reached the other host"
    assert simulator.count(method, route) == 1
    assert "\n" not in str(caught.value)


# -- known secrets are masked in every message -----------------------------------------------------


@pytest.mark.parametrize("secret", ["sim-client-secret", "p8e-Ab+cd/ef=gh&ij%kl q"])
def test_ims_error_echoing_the_secret_is_masked(
    make_simulator: Callable[..., Any], caplog: pytest.LogCaptureFixture, secret: str
) -> None:
    caplog.set_level(logging.DEBUG)
    sim = make_simulator(client_secret=secret.replace(" ", "-"))
    secret = sim.client_secret
    sim.inject("token", Fault("echo", status=401))
    client, _ = make_client(sim)
    with pytest.raises(AuthenticationError) as caught:
        client.get_app_registration()
    message = str(caught.value)
    assert "client_secret=" + MASK in message, message  # the echo is there, masked
    logging.getLogger("test").error("as a CLI would print it: %s", caught.value)
    for text in (message, repr(caught.value), caplog.text):
        assert secret not in text
        assert json.dumps(secret)[1:-1] not in text
        assert quote_plus(secret) not in text and quote(secret, safe="") not in text


def test_ims_error_echoing_the_secret_while_waiting_is_masked_in_the_log(
    make_simulator: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    sim = make_simulator(clock=clock.now)
    client, _ = make_client(sim, fake_clock=clock, poll=PollSchedule())
    sim.seed_config("cfg", KEY.versioned, status="RUNNING")

    def meanwhile(now: float) -> None:
        if len(clock.sleeps) == 1:  # the token is revoked, and IMS echoes every retry
            sim.revoke_tokens()
            sim.inject("token", Fault("echo", status=503, count=6))
        if now >= 30:
            sim.set_config_status("cfg", "COMPLETED")

    clock.on_sleep = meanwhile
    done = byok.converge(client, "cfg", KEY, "current", timeout_seconds=600)
    assert done.status == "COMPLETED"
    warnings = [r.getMessage() for r in caplog.records if "could not process" in r.getMessage()]
    assert warnings, "the echo was logged (masked) while the wait rode it out"
    assert "client_secret=" + MASK in warnings[0]
    assert sim.client_secret not in caplog.text


def test_platform_error_echoing_the_authorization_header_is_masked(
    simulator: PlatformSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, _ = make_client(simulator)
    simulator.inject("config-status", Fault("echo", status=400))
    with pytest.raises(BadRequestError) as caught:
        client.get_byok_config("cfg")
    logging.getLogger("test").error("as a CLI would print it: %s", caught.value)
    message = str(caught.value)
    assert f"Authorization: Bearer {MASK}" in message
    (token,) = simulator.issued_tokens
    assert token not in message and token not in caplog.text


# -- a malformed token or secret never reaches an error --------------------------------------------

MALFORMED = ["first-half-of-it\nsecond-half-of-it", "tökén-with-ümlauts-and-€", "two words here"]


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_secret_or_token_is_a_one_line_value_error_without_the_value(
    value: str,
) -> None:
    for make in (
        lambda: ClientCredential(client_id="id", client_secret=value),
        lambda: ClientCredential(client_id=value, client_secret="a-good-secret"),
        lambda: StaticToken(value),
    ):
        with pytest.raises(ValueError) as caught:
            make()
        message = str(caught.value)
        assert "\n" not in message
        assert value not in message and value.split()[0] not in message


class _RawToken:
    """A token source that hands out whatever it holds, unchecked (as a buggy source might)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        return


@pytest.mark.parametrize("token", ["token-part-one\r\nX-Evil: header-injected", "tokén-€-value"])
def test_what_the_http_stack_raises_about_a_header_never_quotes_it(
    simulator: PlatformSimulator, token: str
) -> None:
    client = PlatformClient(
        base_url=simulator.url, org_id=simulator.org_id, tokens=_RawToken(token)
    )
    with pytest.raises(TransientError) as caught:
        client.get_app_registration()
    message = str(caught.value)
    assert "\n" not in message and "token-part-one" not in message and "tok" not in message
    assert simulator.count("GET", "app-registration") == 0, "no request with a forged header"


@pytest.mark.parametrize("token", ["two-line\ntoken-from-ims", "token-\u20ac-from-ims", 42, ""])
def test_ims_token_that_is_not_one_ascii_line_is_refused(
    simulator: PlatformSimulator, token: object
) -> None:
    body = json.dumps({"access_token": token, "expires_in": 3600}).encode()
    simulator.inject("token", Fault("body", status=200, body=body))
    client, tokens = make_client(simulator)
    with pytest.raises(TransientError, match="without a usable access_token") as caught:
        client.get_app_registration()
    assert "\n" not in str(caught.value)
    assert tokens.minted == 0
    assert simulator.count("GET", "app-registration") == 0
