"""Waiting for Adobe's jobs: one loop, :func:`poll_until`, with the schedule and an injected clock.

Checks come every 5 s at first (the ``retryDelayInSeconds`` of Adobe's own job objects), then
every tenth of the time waited so far, at most every 30 s: a job is noticed at most 10 % of its
own duration late (5 s for short ones), and a job of an hour costs about 140 requests instead of
the 720 of fixed 5-second polling. ``bench/bench_byok_up.py`` measures it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

POLL_MIN_SECONDS = 5.0
POLL_FRACTION_OF_ELAPSED = 0.1
POLL_MAX_SECONDS = 30.0
#: A wait whose status does not change says so this often, so a long job is never silence.
HEARTBEAT_SECONDS = 300.0


@dataclass(frozen=True)
class PollSchedule:
    """Seconds between job checks: ``fraction`` of the time waited so far, within
    ``[minimum, maximum]``. ``PollSchedule(5, 0, 5)`` is plain fixed 5-second polling."""

    minimum: float = POLL_MIN_SECONDS
    fraction: float = POLL_FRACTION_OF_ELAPSED
    maximum: float = POLL_MAX_SECONDS

    def interval(self, elapsed: float) -> float:
        """The wait before the next check, ``elapsed`` seconds after the wait began."""
        return min(self.maximum, max(self.minimum, elapsed * self.fraction))


@dataclass(frozen=True)
class Clock:
    """Where a wait reads the time and sleeps; tests pass a fake one."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


DEFAULT_POLL = PollSchedule()
REAL_CLOCK = Clock()


def poll_until(
    check: Callable[[float], T | None],
    *,
    timeout: float,
    schedule: PollSchedule,
    clock: Clock,
) -> T | None:
    """Call ``check(elapsed)`` until it returns something (returned) or ``timeout`` seconds have
    passed (``None``). The first check is immediate; a last, shorter sleep is taken so that one
    check falls on the deadline."""
    started = clock.now()
    deadline = started + timeout
    while True:
        result = check(clock.now() - started)
        if result is not None:
            return result
        remaining = deadline - clock.now()
        if remaining <= 0:
            return None
        clock.sleep(min(remaining, schedule.interval(clock.now() - started)))


def sleep_within(clock: Clock, deadline: float, seconds: float) -> bool:
    """Sleep ``seconds`` if that ends before ``deadline``; False (no sleep) when it would not."""
    if clock.now() + seconds > deadline:
        return False
    clock.sleep(seconds)
    return True
