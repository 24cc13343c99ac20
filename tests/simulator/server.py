"""The HTTP server: reads each request, applies the route's queued fault, and writes the answer."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlsplit

from tests.simulator.faults import Fault, fault_answer
from tests.simulator.routes import process
from tests.simulator.wire import (
    Headers,
    Request,
    Response,
    gateway_error,
    new_request_id,
    problem,
    route_of,
)

if TYPE_CHECKING:
    from tests.simulator.simulator import PlatformSimulator


class Server(ThreadingHTTPServer):
    """Serves ``simulator`` in a daemon thread; ``stop()`` also closes open connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: PlatformSimulator) -> None:
        self.simulator = simulator
        self.stopping = threading.Event()  # wakes slow and trickling answers; handlers drop
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(address, _Handler)

    def serve_in_background(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.01},  # stop() waits at most this long
            name=f"platform-simulator-{self.server_address[1]}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or go away are part of the game; stay quiet (no prints).
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests.Session expects
    # Headers and body go out in two writes; without this, Nagle and delayed ACKs add ~40 ms.
    disable_nagle_algorithm = True
    server_version = "PlatformSimulator/1.0"
    timeout = 60  # an idle keep-alive connection is closed after this many seconds
    _request_id = ""

    @property
    def _server(self) -> Server:
        return cast(Server, self.server)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def send_response(self, code: int, message: str | None = None) -> None:
        super().send_response(code, message)
        # Every answer, including the stdlib's own error pages, carries an x-request-id.
        self.send_header("x-request-id", self._request_id or new_request_id())

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_HEAD(self) -> None:
        self._request_id = new_request_id()
        self._read_body()
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _dispatch(self, method: str) -> None:
        sim, stopping = self._server.simulator, self._server.stopping
        self._request_id = new_request_id()
        if stopping.is_set():
            self.close_connection = True
            return
        split = urlsplit(self.path)
        route, config_name = route_of(split.path)
        raw_body = self._read_body()
        if raw_body is None:
            self._send(problem(400, "Unreadable request body"))
            self.close_connection = True
            return
        request = Request(
            method=method,
            route=route,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=Headers(self.headers.items()),
            raw_body=raw_body,
            request_id=self._request_id,
        )
        entry = sim._log.start(request)
        fault: Fault | None = sim._faults.take(route, method) if route != "unknown" else None
        response: Response | None = None
        if fault is None or fault.after_processing or fault.kind == "trickle":
            response = self._safely_process(request, config_name)
        if fault is not None and fault.kind == "slow":
            stopping.wait(fault.delay)
            if response is None:
                response = self._safely_process(request, config_name)
            fault = None
        if stopping.is_set():
            self.close_connection = True
            return
        if fault is not None and fault.kind == "drop":
            self.close_connection = True  # the logged status stays 0
            return
        trickle = fault.delay if fault is not None and fault.kind == "trickle" else None
        if fault is not None and fault.kind != "trickle":
            response = fault_answer(fault, request, response)
        assert response is not None
        # Logged before answering, so a client that got its answer also sees it in the log.
        sim._log.finish(entry, response.status)
        self._send(response, trickle)

    def _safely_process(self, request: Request, config_name: str | None) -> Response:
        try:
            return process(self._server.simulator, request, config_name)
        except Exception as error:  # a simulator bug: answer it rather than hang the client
            return gateway_error(500, "500000", f"simulator error: {error!r}")

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return None
        return self.rfile.read(size) if size > 0 else b""

    def _send(self, response: Response, trickle: float | None = None) -> None:
        """Write ``response``; with ``trickle``, the body one byte every ``trickle`` seconds."""
        payload = response.payload()
        try:
            self.send_response(response.status)
            if response.content_type is not None:
                self.send_header("Content-Type", f"{response.content_type};charset=utf-8")
            if not any(name.lower() == "content-length" for name in response.headers):
                self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                # UTF-8, not the stdlib's strict Latin-1: hostile answers send any header value.
                self._headers_buffer.append(  # type: ignore[attr-defined]
                    f"{name}: {value}\r\n".encode()
                )
            self.end_headers()
            if trickle is None:
                self.wfile.write(payload)
                self.wfile.flush()
                return
            for index in range(len(payload)):
                if self._server.stopping.wait(trickle):
                    self.close_connection = True
                    return
                self.wfile.write(payload[index : index + 1])
                self.wfile.flush()
        except OSError:  # the client went away (e.g. its read timeout fired)
            self.close_connection = True
