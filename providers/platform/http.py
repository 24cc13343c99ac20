"""HTTP under the client: a ``requests.Session`` with urllib3 retries, and one deadline per call.

urllib3's ``Retry`` does the transport part of retrying: connection errors, read timeouts and the
statuses 429/500/502/503/504, with exponential backoff and jitter, honouring ``Retry-After``.
:class:`DeadlineRetry` adds what urllib3 lacks: it never starts a sleep that would end past the
deadline of the operation under way, and logs one line per retry.

**Deadlines, in one place.** Every call the client makes runs under an operation deadline
(:func:`deadline`): :data:`CALL_SECONDS` for one call with its retries, or the caller's own (a
job wait). The retries, the client's own re-sends and re-reads, and the reading of an answer's body
all stop there; a server that trickles its body a byte at a time is cut off at the deadline too
(the socket's read timeout bounds each read, not the answer), and so is one that trickles its
status line or headers: the exchange runs in a worker the caller stops waiting for at the
deadline.

POST is never retried by the transport on the Platform session: a BYOK configuration must never be
sent twice, so the client decides itself. Only the IMS session (:func:`build_session` with
``retry_posts``), where a repeat merely mints another token, retries POSTs. No session follows
redirects: a credential never travels to a host it was not configured for.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
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
#: The deadline of one call (a token, a GET, a POST with its look-up), retries and body included.
CALL_SECONDS = 120.0
#: Connect and read timeouts for every request (each read; the deadline bounds the whole).
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 30.0)
#: The largest answer read (Adobe's are a few kB): a larger one is cut off as unreadable.
MAX_BODY_BYTES = 1 << 20

_active = threading.local()


def remaining() -> float:
    """Seconds left before the current operation's deadline (:data:`CALL_SECONDS` outside one)."""
    at = getattr(_active, "deadline", None)
    return CALL_SECONDS if at is None else at - time.monotonic()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Run the block under a deadline ``seconds`` from now, or the enclosing one if sooner."""
    outer = getattr(_active, "deadline", None)
    at = time.monotonic() + seconds
    _active.deadline = at if outer is None else min(outer, at)
    try:
        yield
    finally:
        _active.deadline = outer


class DeadlineRetry(Retry):
    """A urllib3 ``Retry`` that never sleeps past the current operation's deadline."""

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
        if wait > remaining():
            log.warning("giving up on %s %s: deadline reached", method, path)
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
            try:
                after = self.get_retry_after(response)
            except Exception:
                after = None
            if after:
                return after
        return self.get_backoff_time()

    def sleep_for_retry(self, response: Any = None) -> bool:
        try:
            return bool(super().sleep_for_retry(response))
        except Exception:
            return False


def backoff_seconds(attempt: int, factor: float = BACKOFF_FACTOR_SECONDS) -> float:
    """The wait before attempt ``attempt + 1`` of what the client itself repeats (a POST found
    not to have landed, a GET whose answer was unreadable): the schedule urllib3 uses, 0.5 s, 1 s,
    2 s … with jitter, at most :data:`BACKOFF_MAX_SECONDS`."""
    jitter = random.uniform(0, min(BACKOFF_JITTER_SECONDS, factor))  # noqa: S311 — not security
    return min(BACKOFF_MAX_SECONDS, factor * 2 ** (attempt - 1) + jitter)


def build_retry(
    *, allowed_methods: frozenset[str], backoff_factor: float = BACKOFF_FACTOR_SECONDS
) -> DeadlineRetry:
    """The retry policy of one session."""
    return DeadlineRetry(
        total=MAX_RETRIES,
        connect=MAX_RETRIES,
        read=MAX_RETRIES,
        status=MAX_RETRIES,
        other=0,
        redirect=0,
        allowed_methods=allowed_methods,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_jitter=min(BACKOFF_JITTER_SECONDS, backoff_factor),
        backoff_max=BACKOFF_MAX_SECONDS,
        respect_retry_after_header=True,
        # Hand the last response back instead of raising, so its status, body and x-request-id
        # reach the error message.
        raise_on_status=False,
        raise_on_redirect=False,
        # A Retry-After longer than any deadline is cut to just past it, which increment() then
        # refuses to sleep: the request fails at once instead of waiting.
        retry_after_max=int(CALL_SECONDS) + 1,
    )


def build_session(
    *, retry_posts: bool = False, backoff_factor: float = BACKOFF_FACTOR_SECONDS
) -> requests.Session:
    """A session that retries GETs (and POSTs too with ``retry_posts``: the IMS session only)."""
    session = requests.Session()
    session.trust_env = False  # no proxy, .netrc or CA bundle from the environment decides
    methods = frozenset({"GET", "POST"} if retry_posts else {"GET"})
    adapter = HTTPAdapter(
        max_retries=build_retry(allowed_methods=methods, backoff_factor=backoff_factor),
        pool_maxsize=8,
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class BearerAuth(AuthBase):
    """Sets ``Authorization`` per request (and keeps requests from using .netrc instead)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "BearerAuth(***)"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


class Answer:
    """An answer read whole: ``status``, ``headers``, ``content`` (bytes), ``reason``."""

    def __init__(self, response: requests.Response, content: bytes) -> None:
        self.status = response.status_code
        self.headers = response.headers
        self.reason = response.reason or ""
        self.content = content

    @property
    def request_id(self) -> str:
        """Adobe's ``x-request-id`` (empty when absent)."""
        return str(self.headers.get("x-request-id", ""))


class NoAnswer(Exception):
    """No usable answer: connection refused or dropped, a timeout, the deadline, or whatever the
    HTTP stack raised. ``str()`` names the kind only, never a header or a body."""


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    **kwargs: Any,
) -> Answer:
    """One request (with the transport's retries), its body read before the deadline.

    Never follows a redirect (the 3xx is returned). Raises :class:`NoAnswer` for anything that is
    not an answer, including ``http.client`` and ``UnicodeError`` complaints about a header (their
    text would quote the header, token included).
    """
    left = remaining()
    if left <= 0:
        raise NoAnswer("deadline reached")
    at = time.monotonic() + left
    outcome: list[Answer | NoAnswer] = []

    def exchange() -> None:
        with deadline(at - time.monotonic()):
            try:
                outcome.append(_exchange(session, method, url, timeout, kwargs))
            except NoAnswer as exc:
                outcome.append(exc)

    # The exchange runs in a worker so that the whole of it, status line and headers included
    # (which http.client reads with only a per-read timeout), ends at the deadline for the caller;
    # a worker still reading then is left to end on its own read timeouts, its answer unused.
    worker = threading.Thread(target=exchange, daemon=True, name="adobe-cmk-http")
    worker.start()
    worker.join(left)
    if not outcome:
        raise NoAnswer("deadline reached")
    result = outcome[0]
    if isinstance(result, NoAnswer):
        raise result
    return result


def _exchange(
    session: requests.Session,
    method: str,
    url: str,
    timeout: tuple[float, float],
    kwargs: dict[str, Any],
) -> Answer:
    left = remaining()
    connect, read = timeout
    try:
        response = session.request(
            method,
            url,
            timeout=(min(connect, left), min(read, left)),
            allow_redirects=False,
            stream=True,
            **kwargs,
        )
    except (requests.RequestException, ValueError, UnicodeError, OSError) as exc:
        raise NoAnswer(type(exc).__name__) from None
    try:
        return Answer(response, _read_body(response))
    finally:
        response.close()


def _read_body(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if remaining() <= 0:
                raise NoAnswer("deadline reached while reading the answer")
            chunk = response.raw.read1(65536, decode_content=True)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise NoAnswer("answer too large")
            chunks.append(chunk)
    except NoAnswer:
        raise
    except Exception as exc:
        raise NoAnswer(type(exc).__name__) from None
