"""What the Platform client's tests share: keys, a client wired like one provider process's, a
clock a test moves, and a tiny scripted server on loopback for what the simulator cannot answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from providers.key_identifier import parse_key_identifier
from providers.platform import http
from providers.platform.client import PlatformClient
from providers.platform.ims import ClientCredential, ImsTokenSource
from providers.platform.polling import Clock, PollSchedule
from tests.simulator import PlatformSimulator

KEY = parse_key_identifier("https://cmkvault.vault.azure.net/keys/adobe-cmk/" + "0a" * 16)
OTHER_KEY = parse_key_identifier("https://cmkvault.vault.azure.net/keys/other-key/" + "0b" * 16)

#: Fast polling for tests that wait for real simulator jobs.
FAST_POLL = PollSchedule(minimum=0.02, fraction=0.1, maximum=0.1)


class FakeClock:
    """A monotonic clock that only moves when slept on or advanced; ``sleeps`` records every
    sleep, and ``on_sleep(now)`` (if set) runs after each, so a test can change the world at a
    given time. Give ``now`` to the simulator and the token source, ``clock`` to the client."""

    def __init__(self) -> None:
        self.time = 0.0
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[float], None] | None = None

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
        if self.on_sleep is not None:
            self.on_sleep(self.time)

    def advance(self, seconds: float) -> None:
        self.time += seconds

    @property
    def clock(self) -> Clock:
        return Clock(now=self.now, sleep=self.sleep)


def make_client(
    sim: PlatformSimulator,
    *,
    org_id: str | None = None,
    client_secret: str | None = None,
    fake_clock: FakeClock | None = None,
    **kwargs: Any,
) -> tuple[PlatformClient, ImsTokenSource]:
    """A client with its own sessions and token source, like one provider process has, with
    fast transport backoff; ``fake_clock`` drives the token cache and every wait."""
    credential = ClientCredential(
        client_id=sim.client_id,
        client_secret=client_secret or sim.client_secret,
        ims_url=sim.ims_url,
    )
    tokens = ImsTokenSource(
        credential,
        http.build_session(retry_posts=True, backoff_factor=0.01),
        clock=fake_clock.now if fake_clock else time.monotonic,
    )
    kwargs.setdefault("poll", FAST_POLL)
    kwargs.setdefault("backoff", lambda attempt: 0.01)
    if fake_clock is not None:
        kwargs["clock"] = fake_clock.clock
    client = PlatformClient(
        base_url=sim.url,
        org_id=org_id or sim.org_id,
        tokens=tokens,
        session=http.build_session(backoff_factor=0.01),
        **kwargs,
    )
    return client, tokens


def statuses_at(sim: PlatformSimulator, route: str) -> list[int]:
    return [r.status for r in sim.requests if r.route == route]


@dataclass(frozen=True)
class Received:
    """One request a :class:`ScriptedServer` received, as it arrived (nothing masked)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


#: ``answer(request) -> (status, headers, body)``.
Script = Callable[[Received], tuple[int, dict[str, str], bytes]]


class ScriptedServer:
    """A tiny HTTP server on 127.0.0.1 that answers each request as ``script`` says and keeps
    every request it received (``received``): a hostile host, or "the other host" a credential
    must never reach."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.received: list[Received] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(
                    self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                with outer._lock:
                    outer.received.append(request)
                status, headers, body = outer.script(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
