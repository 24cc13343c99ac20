"""The HTTP transport under the Platform API client: a ``requests.Session`` with urllib3 retries.

urllib3's ``Retry`` does the transport part of retrying: connection errors, read timeouts and the
statuses 429/500/502/503/504, with exponential backoff and jitter, honouring ``Retry-After`` (both
the seconds and the HTTP-date forms). :class:`DeadlineRetry` adds what urllib3 lacks: a bound on the
time spent retrying (it never starts a sleep that would end past the deadline, and caps
``Retry-After`` to what is left) and one log line per retry.

POST is left out of ``allowed_methods`` on purpose: a BYOK configuration must never be sent twice,
so the client decides itself, after looking the name up, whether to send a POST again. Only the IMS
token endpoint, where a repeat merely mints another token, retries POSTs here.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

#: Statuses worth sending a GET again for.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Attempts after the first, per request.
MAX_RETRIES = 5
#: Backoff: 0.5 s, 1 s, 2 s, 4 s … plus up to 0.5 s of jitter, at most 30 s between attempts.
BACKOFF_FACTOR_SECONDS = 0.5
BACKOFF_JITTER_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
#: Time a single request may spend retrying, first failure to last attempt.
RETRY_DEADLINE_SECONDS = 120.0
#: Connect and read timeouts for every request.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 30.0)


class DeadlineRetry(Retry):
    """A urllib3 ``Retry`` that also gives up once ``deadline_seconds`` have passed since the
    first failure, and never sleeps past that point."""

    def __init__(
        self,
        *args: Any,
        deadline_seconds: float = RETRY_DEADLINE_SECONDS,
        first_failure_at: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.deadline_seconds = deadline_seconds
        self.first_failure_at = first_failure_at
        super().__init__(*args, **kwargs)

    def new(self, **kw: Any) -> DeadlineRetry:
        kw.setdefault("deadline_seconds", self.deadline_seconds)
        started = self.first_failure_at if self.first_failure_at is not None else time.monotonic()
        kw.setdefault("first_failure_at", started)
        return super().new(**kw)

    def remaining(self) -> float:
        """Seconds left before the deadline (the full budget before the first failure)."""
        if self.first_failure_at is None:
            return self.deadline_seconds
        return self.deadline_seconds - (time.monotonic() - self.first_failure_at)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> DeadlineRetry:
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        assert isinstance(retry, DeadlineRetry)
        wait = retry.planned_sleep(response)
        path = urlsplit(url or "").path
        if wait > retry.remaining():
            log.warning("giving up on %s %s: retry deadline reached", method, path)
            raise MaxRetryError(_pool, url or "", error) from error
        cause = f"HTTP {response.status}" if response is not None else type(error).__name__
        log.warning(
            "retrying %s %s after %s (attempt %d, sleeping %.1fs)",
            method,
            path,
            cause,
            len(retry.history) + 1,
            wait,
        )
        return retry

    def planned_sleep(self, response: Any) -> float:
        """How long :meth:`sleep` will wait before the next attempt."""
        if response is not None and self.respect_retry_after_header:
            after = self.get_retry_after(response)
            if after:
                return after
        return self.get_backoff_time()


def backoff_seconds(attempt: int, factor: float = BACKOFF_FACTOR_SECONDS) -> float:
    """The wait before attempt ``attempt + 1`` of what the client itself repeats (a POST found
    not to have landed, a GET whose answer was unreadable): the schedule urllib3 uses, 0.5 s, 1 s,
    2 s … with jitter, at most :data:`BACKOFF_MAX_SECONDS`."""
    jitter = random.uniform(0, min(BACKOFF_JITTER_SECONDS, factor))  # noqa: S311 — not security
    return min(BACKOFF_MAX_SECONDS, factor * 2 ** (attempt - 1) + jitter)


def build_retry(
    *,
    allowed_methods: frozenset[str] = frozenset({"GET"}),
    deadline_seconds: float,
    backoff_factor: float = BACKOFF_FACTOR_SECONDS,
) -> DeadlineRetry:
    """The retry policy for one adapter."""
    return DeadlineRetry(
        total=MAX_RETRIES,
        connect=MAX_RETRIES,
        read=MAX_RETRIES,
        status=MAX_RETRIES,
        other=0,
        allowed_methods=allowed_methods,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_jitter=min(BACKOFF_JITTER_SECONDS, backoff_factor),
        backoff_max=BACKOFF_MAX_SECONDS,
        respect_retry_after_header=True,
        # Hand the last response back instead of raising, so its status, body and x-request-id
        # reach the error message.
        raise_on_status=False,
        # A Retry-After longer than the whole deadline is cut to just past it, which
        # increment() then refuses to sleep: the request fails at once instead of waiting.
        retry_after_max=int(deadline_seconds) + 1,
        deadline_seconds=deadline_seconds,
    )


def build_session(
    *,
    ims_url: str | None = None,
    deadline_seconds: float = RETRY_DEADLINE_SECONDS,
    backoff_factor: float = BACKOFF_FACTOR_SECONDS,
) -> requests.Session:
    """A session that retries GETs everywhere and POSTs to ``ims_url`` only."""
    session = requests.Session()
    retry = build_retry(deadline_seconds=deadline_seconds, backoff_factor=backoff_factor)
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if ims_url:
        session.mount(
            ims_url,
            HTTPAdapter(max_retries=retry.new(allowed_methods=frozenset({"POST"}))),
        )
    return session
