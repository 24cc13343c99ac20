"""Shared fixtures. The Platform API simulator is a real HTTP server on 127.0.0.1."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.provider_host import ProviderHost
from tests.simulator import PlatformSimulator


@pytest.fixture
def simulator() -> Iterator[PlatformSimulator]:
    """A started simulator with the defaults (current generations, jobs of 0.1 s per status)."""
    with PlatformSimulator() as sim:
        yield sim


@pytest.fixture
def make_simulator() -> Iterator[Callable[..., PlatformSimulator]]:
    """``make_simulator(**kwargs)`` starts a ``PlatformSimulator(**kwargs)``; all stop after."""
    started: list[PlatformSimulator] = []

    def make(**kwargs: Any) -> PlatformSimulator:
        sim = PlatformSimulator(**kwargs).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


def credentials_config(sim: PlatformSimulator) -> dict[str, str]:
    """A stack config with the simulator's OAuth Server-to-Server credential and IMS URL."""
    return {
        "adobe-cmk:clientId": sim.client_id,
        "adobe-cmk:clientSecret": sim.client_secret,
        "adobe-cmk:imsUrl": sim.ims_url,
    }


@pytest.fixture
def start_host() -> Iterator[Callable[..., ProviderHost]]:
    """``start_host(config, env=None)`` starts a provider server (``python -m pulumi.dynamic``)
    configured with ``config``; every server started is stopped after the test."""
    hosts: list[ProviderHost] = []

    def start(config: dict[str, Any], env: dict[str, str] | None = None) -> ProviderHost:
        host = ProviderHost(config, env=env)
        hosts.append(host)
        host.start()
        return host

    yield start
    for host in hosts:
        host.stop()


@pytest.fixture
def host_for(
    start_host: Callable[..., ProviderHost],
) -> Callable[[PlatformSimulator], ProviderHost]:
    """``host_for(sim)``: a provider server configured with ``sim``'s client credential."""

    def start(sim: PlatformSimulator) -> ProviderHost:
        return start_host(credentials_config(sim))

    return start
