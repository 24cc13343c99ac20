"""Shared fixtures. The Platform API simulator is a real HTTP server on 127.0.0.1."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.platform_simulator import PlatformSimulator


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
