"""The deadline bounds the whole exchange, the status line and headers included: a server that
trickles its headers a byte at a time is cut off at the deadline (each byte arrives well within the
read timeout, so no socket timeout would ever fire)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from providers.platform import http
from providers.platform.client import PlatformClient
from providers.platform.errors import TransientError
from providers.platform.ims import StaticToken

HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"x" * 200 + b"\r\n\r\n"
)


@pytest.fixture
def header_trickler() -> Iterator[tuple[str, threading.Event]]:
    """A loopback server that sends its status line and headers one byte every 0.05 s."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                for byte in HEAD:
                    if stop.is_set():
                        break
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break
                    time.sleep(0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", stop
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_trickled_headers_are_cut_off_at_the_deadline(header_trickler) -> None:
    url, _ = header_trickler
    client = PlatformClient(
        base_url=url, org_id="1234ABCD5678@AdobeOrg", tokens=StaticToken("t" * 40)
    )
    started = time.monotonic()
    with http.deadline(1.0), pytest.raises(TransientError, match="deadline reached") as caught:
        client.get_app_registration()
    took = time.monotonic() - started
    # The headers alone would take about 11 s; the call ends at its 1 s deadline (the bound
    # leaves room for a loaded machine).
    assert 0.9 <= took < 4.0, f"ended after {took:.2f} s"
    assert "\n" not in str(caught.value)
