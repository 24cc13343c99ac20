"""The fault model: what may go wrong with an answer, queued per route and consumed in order."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

from tests.simulator.wire import (
    ROUTES,
    Request,
    Response,
    gateway_error,
    ims_error,
    phrase,
    problem,
)

FaultKind = Literal[
    "status", "slow", "drop", "malformed_json", "redirect", "echo", "body", "trickle"
]
FAULT_KINDS: tuple[str, ...] = (
    "status",
    "slow",
    "drop",
    "malformed_json",
    "redirect",
    "echo",
    "body",
    "trickle",
)
MALFORMED_BODY = b'{"status": "RUNN'


@dataclass(frozen=True)
class Fault:
    """One fault to apply to the next matching request(s) on a route.

    kind:
        ``"status"`` answers ``status`` with an Adobe-style error body (429 -> ``429050``,
        5xx -> ``"<status>000"``, other 4xx -> a problem body); ``"slow"`` sleeps ``delay`` then
        answers normally; ``"drop"`` closes the connection without answering; ``"malformed_json"``
        answers 200, ``Content-Type: application/json``, with a truncated body.

        Hostile answers: ``"redirect"`` answers ``status`` (3xx) with ``Location: location`` and
        no body; ``"echo"`` answers ``status`` with an error body that repeats the request (on the
        token route an IMS error whose ``error_description`` is the whole form, decoded, client
        secret verbatim; elsewhere a problem body whose ``detail`` holds the ``Authorization``
        header); ``"body"`` answers ``status`` with ``body`` as is and ``headers`` (values sent
        as UTF-8; ``Content-Type: application/json`` unless given; ``Content-Length`` from the
        body unless given); ``"trickle"`` answers normally but sends the body one byte every
        ``delay`` seconds (the status line and headers go at once).
    status: the status answered; 0 (the default) means 307 for ``"redirect"``, 503 otherwise.
    retry_after: the ``Retry-After`` header to send with a ``"status"`` fault (``"2"`` or a date).
    after_processing: process the request first (state changes happen), then apply the fault
        to the answer: the "POST whose answer is lost" case (with ``"body"``: a POST that was
        answered, state changed, whose body is unreadable).
    method: only match requests with this method; None matches any.
    count: how many consecutive matching requests the fault applies to.
    location: the ``Location`` of a ``"redirect"``.
    body, headers: the raw answer of a ``"body"`` fault.
    """

    kind: FaultKind
    status: int = 0
    retry_after: str | None = None
    delay: float = 0.0
    after_processing: bool = False
    method: str | None = None
    count: int = 1
    location: str = ""
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"Fault.kind must be one of {FAULT_KINDS}, not {self.kind!r}")
        if self.status == 0:
            object.__setattr__(self, "status", 307 if self.kind == "redirect" else 503)
        if not 100 <= self.status <= 599:
            raise ValueError(f"Fault.status must be an HTTP status, not {self.status!r}")
        if self.delay < 0:
            raise ValueError(f"Fault.delay must be >= 0, not {self.delay!r}")
        if self.count < 1:
            raise ValueError(f"Fault.count must be >= 1, not {self.count!r}")
        if self.kind == "redirect" and not (300 <= self.status <= 399 and self.location):
            raise ValueError("a redirect Fault needs a 3xx status and a location")
        if not isinstance(self.body, bytes):
            raise ValueError("Fault.body must be bytes")


@dataclass
class _Pending:
    fault: Fault
    remaining: int


class FaultQueue:
    """Faults waiting on each route, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, list[_Pending]] = {route: [] for route in ROUTES}

    def inject(self, route: str, fault: Fault) -> None:
        """Queue ``fault`` on ``route``; a route's faults are consumed in FIFO order.

        A request takes the first queued fault of its route whose ``method`` matches.
        """
        if route not in ROUTES:
            raise ValueError(f"route must be one of {ROUTES}, not {route!r}")
        with self._lock:
            self._queues[route].append(_Pending(fault, fault.count))

    def take(self, route: str, method: str) -> Fault | None:
        """The fault for this request, consumed; None if none is queued for it."""
        with self._lock:
            queue = self._queues.get(route)
            for index, pending in enumerate(queue or ()):
                wanted = pending.fault.method
                if wanted is None or wanted.upper() == method:
                    pending.remaining -= 1
                    if pending.remaining <= 0:
                        del queue[index]  # type: ignore[union-attr]
                    return pending.fault
        return None


def fault_answer(fault: Fault, request: Request, processed: Response | None) -> Response:
    """The answer a ``status``, ``malformed_json``, ``redirect``, ``echo`` or ``body`` fault sends
    instead of ``processed`` (the real answer, when the request was processed first)."""
    status = fault.status
    if fault.kind == "malformed_json":
        # After processing, the real answer cut in half; before, a cut status answer.
        raw = MALFORMED_BODY
        if processed is not None:
            full = processed.payload()
            raw = full[: max(1, len(full) // 2)]
        return Response(200, None, raw=raw)
    if fault.kind == "redirect":
        return Response(
            status, None, content_type=None, headers={"Location": fault.location}, raw=b""
        )
    if fault.kind == "echo":
        return _echo(status, request)
    if fault.kind == "body":
        headers = dict(fault.headers)
        content_type = (
            None if any(k.lower() == "content-type" for k in headers) else "application/json"
        )
        return Response(status, None, content_type=content_type, headers=headers, raw=fault.body)
    if status == 429:
        response = gateway_error(429, "429050", "Too many requests")
    elif status >= 500:
        response = gateway_error(status, f"{status}000", phrase(status))
    elif status >= 400:
        response = problem(status, f"Injected fault: {phrase(status)}")
    else:
        response = Response(status, {})
    if fault.retry_after is not None:
        response.headers["Retry-After"] = fault.retry_after
    return response


def _echo(status: int, request: Request) -> Response:
    """An error that repeats what was sent, as careless servers do (secrets included)."""
    if request.route == "token":
        # The form decoded, so the client secret appears exactly as the client holds it.
        pairs = parse_qsl(request.raw_body.decode("utf-8", "replace")) or list(
            request.query.items()
        )
        form = "&".join(f"{name}={value}" for name, value in pairs)
        error = "invalid_client" if "client_secret" in dict(pairs) else "invalid_request"
        return ims_error(status, error, f"could not process request: {form}")
    authorization = request.headers.get("Authorization", "")
    return problem(
        status,
        f"Request {request.method} {request.path} rejected; headers were "
        f"Authorization: {authorization}; x-api-key: {request.headers.get('x-api-key', '')}",
    )
