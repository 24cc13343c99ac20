"""The Platform client's access tokens against the simulator: one per process, renewed before
expiry or once on a 401, never retried when refused; and no secret or token in any text."""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Callable
from typing import Any

import pytest

from providers.platform.client import PlatformClient
from providers.platform.errors import AuthenticationError, PlatformError
from providers.platform.ims import StaticToken
from tests.client_support import KEY, FakeClock, make_client, statuses_at
from tests.simulator import Fault, PlatformSimulator

# -- tokens ---------------------------------------------------------------------------------------


def test_token_is_reused_across_threads(simulator: PlatformSimulator) -> None:
    client, tokens = make_client(simulator)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                client.get_app_registration()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert simulator.count("POST", "token") == 1
    assert simulator.count("GET", "app-registration") == 24
    assert tokens.minted == 1


def test_token_is_renewed_shortly_before_it_expires(make_simulator: Callable[..., Any]) -> None:
    clock = FakeClock()
    sim = make_simulator(token_lifetime=600.0, clock=clock.now)
    client, tokens = make_client(sim, fake_clock=clock)
    client.get_app_registration()
    clock.advance(550.0)  # inside the last tenth of the lifetime, before the simulator's expiry
    client.get_app_registration()
    assert tokens.minted == 2
    assert statuses_at(sim, "app-registration") == [200, 200], "no request saw a stale token"


def test_token_is_kept_while_fresh(make_simulator: Callable[..., Any]) -> None:
    clock = FakeClock()
    sim = make_simulator(token_lifetime=600.0, clock=clock.now)
    client, tokens = make_client(sim, fake_clock=clock)
    client.get_app_registration()
    clock.advance(500.0)
    client.get_app_registration()
    assert tokens.minted == 1


def test_token_revoked_midway_is_renewed_once(simulator: PlatformSimulator) -> None:
    client, tokens = make_client(simulator)
    client.get_app_registration()
    simulator.revoke_tokens()
    assert client.get_app_registration() is not None
    assert tokens.minted == 2
    assert statuses_at(simulator, "app-registration") == [200, 401, 200]


def test_static_token_refused_raises_authentication_error(simulator: PlatformSimulator) -> None:
    token = simulator.issue_token()
    client = PlatformClient(
        base_url=simulator.url, org_id=simulator.org_id, tokens=StaticToken(token)
    )
    assert client.get_app_registration() is not None
    simulator.revoke_tokens()
    with pytest.raises(AuthenticationError, match="pre-issued access token was refused") as caught:
        client.get_app_registration()
    assert token not in str(caught.value)
    assert statuses_at(simulator, "app-registration") == [200, 401], "not sent again"


def test_wrong_client_secret_raises_authentication_error(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator, client_secret="wrong-secret-value")
    with pytest.raises(AuthenticationError, match="IMS refused the credential") as caught:
        client.get_app_registration()
    assert caught.value.status == 401
    assert "sim-client-id" in str(caught.value), "names the client, for the user to check"
    assert "wrong-secret-value" not in str(caught.value)
    assert simulator.count("POST", "token") == 1, "a refused credential is not retried"


def test_token_endpoint_5xx_is_retried(simulator: PlatformSimulator) -> None:
    simulator.inject("token", Fault("status", status=503, count=2))
    client, tokens = make_client(simulator)
    assert client.get_app_registration() is not None
    assert simulator.count("POST", "token") == 3
    assert tokens.minted == 1


# -- secrets --------------------------------------------------------------------------------------


def test_no_secret_or_token_in_errors_reprs_or_logs(
    simulator: PlatformSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, tokens = make_client(simulator)
    raised: list[PlatformError] = []
    client.post_byok_config("cfg", KEY, "current")
    simulator.revoke_tokens()
    simulator.inject("config-status", Fault("status", status=503, count=10))
    for action in (
        lambda: client.get_byok_config("cfg"),
        lambda: make_client(simulator, client_secret="not-the-secret")[0].get_app_registration(),
        lambda: make_client(simulator, org_id="OTHER0000000@AdobeOrg")[0].get_byok_config("x"),
    ):
        with pytest.raises(PlatformError) as caught:
            action()
        raised.append(caught.value)
    texts = [caplog.text, repr(client), repr(tokens)]
    for error in raised:
        texts += [str(error), repr(error), repr(pickle.loads(pickle.dumps(error)))]
    secrets = [simulator.client_secret, "not-the-secret", *simulator.issued_tokens]
    assert len(simulator.issued_tokens) >= 2
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert all("\n" not in str(error) for error in raised)
