"""The request log: every request received, with the access token and client secret masked."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from tests.simulator.wire import MASK, Headers, Request


@dataclass(frozen=True)
class LoggedRequest:
    """One request the simulator received.

    ``headers`` has ``Authorization`` masked as ``"Bearer ***"`` and the client secret masked
    wherever it appears; ``body`` is the parsed JSON object, or the (masked) form of a token
    request, or None. ``status`` is the status answered, 0 if the connection was dropped (or the
    answer is still being prepared). ``time`` is ``time.monotonic()`` when it arrived.
    """

    method: str
    route: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any] | None
    status: int
    time: float


@dataclass
class LogEntry:
    """A request being answered; ``status`` is filled in just before the answer goes out."""

    method: str
    route: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any] | None
    time: float
    status: int = 0

    def freeze(self) -> LoggedRequest:
        return LoggedRequest(
            method=self.method,
            route=self.route,
            path=self.path,
            query=dict(self.query),
            headers=Headers(self.headers),
            body=None if self.body is None else dict(self.body),
            status=self.status,
            time=self.time,
        )


class RequestLog:
    """Thread-safe, in order of arrival. ``secret()`` gives the client secret to mask (read at
    each request, so a secret changed at run time is masked too)."""

    def __init__(self, secret: Callable[[], str]) -> None:
        self._secret = secret
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []

    def start(self, request: Request) -> LogEntry:
        """Log ``request`` (masked) with status 0."""
        headers = Headers()
        for name, value in request.headers.items():
            if name.lower() == "authorization":
                scheme = value.split(" ", 1)[0]
                headers[name] = f"{scheme} {MASK}" if " " in value else MASK
            else:
                headers[name] = self._mask(value)
        body: dict[str, Any] | None = None
        if request.route == "token":
            form = dict(parse_qsl(request.raw_body.decode("utf-8", "replace")))
            body = {k: self._mask(v) for k, v in form.items()} or None
            if body is not None and "client_secret" in body:
                body["client_secret"] = MASK
        elif request.raw_body:
            try:
                parsed = json.loads(request.raw_body)
            except (ValueError, RecursionError):
                parsed = None
            body = parsed if isinstance(parsed, dict) else None
        query = {k: self._mask(v) for k, v in request.query.items()}
        if "client_secret" in query:
            query["client_secret"] = MASK
        entry = LogEntry(
            method=request.method,
            route=request.route,
            path=request.path,
            query=query,
            headers=headers,
            body=body,
            time=time.monotonic(),
        )
        with self._lock:
            self._entries.append(entry)
        return entry

    def finish(self, entry: LogEntry, status: int) -> None:
        with self._lock:
            entry.status = status

    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return [entry.freeze() for entry in self._entries]

    def count(self, method: str, route: str) -> int:
        method = method.upper()
        with self._lock:
            return sum(1 for e in self._entries if e.method == method and e.route == route)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _mask(self, value: str) -> str:
        secret = self._secret()
        if secret and secret in value:
            return value.replace(secret, MASK)
        return value
