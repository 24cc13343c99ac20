"""The stand-in's HTTP side: bearer check, activation, RBAC, routes, faults and the request log."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
import threading
from collections import defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.hsm_simulator.state import (
    CRYPTO_USER,
    POLICY_ADMINISTRATOR,
    HsmState,
    normal_scope,
)

TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CHALLENGE = (
    f'Bearer authorization="https://login.microsoftonline.com/{TENANT}", '
    'resource="https://managedhsm.azure.net"'
)
# The version is optional, and an empty one means the latest (REST "Get Key", API 7.5:
# GET {vaultBaseUrl}/keys/{key-name}/{key-version}; azure-keyvault-keys sends /keys/<name>/).
_KEY = re.compile(r"/keys/(?P<name>[A-Za-z0-9-]+)(?:/(?P<version>[0-9a-f]{32})?)?\Z")
_CREATE = re.compile(r"/keys/(?P<name>[A-Za-z0-9-]+)/create\Z")
_ASSIGNMENT = re.compile(
    r"(?P<scope>(?:/keys(?:/[A-Za-z0-9-]+)?)?)/providers/Microsoft\.Authorization/"
    r"roleAssignments(?:/(?P<name>[0-9A-Fa-f-]+))?\Z"
)


@dataclass(frozen=True)
class LoggedRequest:
    """One request: who (the principal, never the token), what, and the status answered."""

    method: str
    path: str
    """As sent, slashes and all, without the query."""
    route: str
    """``create``, ``key``, ``assignment``, ``assignments`` or ``other``."""
    principal: str
    body: dict[str, Any] | None
    status: int


@dataclass
class Fault:
    status: int = 0
    """0: drop the connection without answering."""
    retry_after: str | None = None
    body: dict[str, Any] | None = None


class HsmSimulator:
    """The stand-in, serving on 127.0.0.1 (port 0 by default). ``tokens`` maps bearer tokens
    to principals; the deployer is granted Crypto User and Policy Administrator at ``/`` unless
    ``deployer_roles`` is False."""

    def __init__(
        self,
        tokens: dict[str, str],
        *,
        deployer_roles: bool = True,
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.tokens = dict(tokens)
        self.expired: set[str] = set()
        self.state = HsmState()
        self.log: list[LoggedRequest] = []
        self.faults: dict[tuple[str, str], list[Fault]] = defaultdict(list)
        #: GETs of a just-written key or assignment that still answer 404.
        self.hidden_after_write = 0
        #: GETs of a just-deleted assignment that still answer 200.
        self.lingering_after_delete = 0
        self._hidden: dict[str, int] = {}
        self._lingering: dict[str, tuple[int, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        if deployer_roles:
            for principal in set(self.tokens.values()):
                self.state.grant(principal, CRYPTO_USER)
                self.state.grant(principal, POLICY_ADMINISTRATOR)
        self._server = _Server(("127.0.0.1", port), self)
        # Over TLS (a server context with its certificate) for clients that send a bearer token
        # to https only, as Microsoft's Key Vault SDKs do.
        self._scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        self.state.base_url = self.url

    @property
    def url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HsmSimulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def fail_next(self, method: str, route: str, *faults: Fault) -> None:
        """Answer the next requests of ``method`` on ``route`` with ``faults``, in order."""
        with self._lock:
            self.faults[(method, route)].extend(faults)

    def requests(self, method: str | None = None, route: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [
                r
                for r in self.log
                if (method is None or r.method == method) and (route is None or r.route == route)
            ]

    # --- one request ------------------------------------------------------------------------

    def answer(
        self, method: str, raw_path: str, headers: Any, body: dict[str, Any] | None
    ) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        parts = urlsplit(raw_path)
        path = "/" + parts.path.lstrip("/")  # "//providers" and "/providers" alike
        query = parse_qs(parts.query)
        route = _route_of(path)
        token = str(headers.get("Authorization", "")).removeprefix("Bearer ").strip()
        principal = self.tokens.get(token, "") if token not in self.expired else ""
        with self._lock:
            queued = self.faults.get((method, route))
            fault = queued.pop(0) if queued else None
        if fault is not None:
            status, extra, out = fault.status, {}, fault.body
            if fault.retry_after is not None:
                extra["Retry-After"] = fault.retry_after
            if status and out is None:
                out = {"error": {"code": "Throttled", "message": f"HTTP {status}"}}
        elif not principal:
            status, extra, out = (
                401,
                {"WWW-Authenticate": CHALLENGE},
                _error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."),
            )
        elif query.get("api-version") != ["7.5"]:
            status, extra, out = 400, {}, _error("BadParameter", "api-version 7.5 expected")
        elif self.state.activation != "Active":
            status, extra = 403, {}
            out = _error("Forbidden", "Operation not allowed: the HSM is not activated")
            out["error"]["innererror"] = {"code": "HsmNotActivated"}
        else:
            status, out = self._route(method, path, route, principal, body, query)
            extra = {}
        self.log.append(
            LoggedRequest(method, raw_path.split("?")[0], route, principal, body, status)
        )
        return status, extra, out

    def _route(
        self,
        method: str,
        path: str,
        route: str,
        principal: str,
        body: dict[str, Any] | None,
        query: dict[str, list[str]],
    ) -> tuple[int, dict[str, Any] | None]:
        state = self.state
        if route == "create" and method == "POST":
            name = _CREATE.match(path)["name"]  # type: ignore[index]
            if not state.allowed(principal, CRYPTO_USER, f"/keys/{name}"):
                return 403, _forbidden()
            status, out = state.create_key(name, body or {})
            if status == 200:
                self._hide(f"key:{name.lower()}")
            return status, out
        if route == "key" and method == "GET":
            match = _KEY.match(path)
            assert match is not None
            name = match["name"]
            if not state.allowed(principal, CRYPTO_USER, f"/keys/{name}"):
                return 403, _forbidden()
            version = state.find_key(name, match["version"])
            if version is None or self._still_hidden(f"key:{name.lower()}"):
                return 404, _error("KeyNotFound", f"A key with (name/id) {name} was not found")
            return 200, state.key_bundle(name, version)
        if route in ("assignment", "assignments"):
            match = _ASSIGNMENT.match(path)
            assert match is not None
            scope, name = normal_scope(match["scope"]), match["name"]
            if not state.allowed(principal, POLICY_ADMINISTRATOR, scope):
                return 403, _forbidden()
            ident = f"ra:{scope.lower()}:{(name or '').lower()}"
            if route == "assignments" and method == "GET":
                wanted = (query.get("$filter") or [""])[0]
                who = re.search(r"principalId eq '?([0-9A-Fa-f-]+)", wanted)
                return 200, {"value": state.list_assignments(scope, who[1] if who else None)}
            if method == "PUT":
                status, out = state.put_assignment(scope, name, body or {})
                if status in (200, 201):
                    self._hide(ident)
                return status, out
            if method == "GET":
                lingering = self._linger(ident)
                if lingering is not None:
                    return 200, lingering
                found = state.assignment_body(scope, name)
                if found is None or self._still_hidden(ident):
                    return 404, _error("RoleAssignmentNotFound", "not found")
                return 200, found
            if method == "DELETE":
                found = state.assignment_body(scope, name)
                if found is None:
                    return 404, _error("RoleAssignmentNotFound", "not found")
                state.remove_assignment(scope, name)
                if self.lingering_after_delete:
                    self._lingering[ident] = (self.lingering_after_delete, found)
                return 200, found
        return 405, _error("MethodNotAllowed", f"{method} {path}")

    def _hide(self, ident: str) -> None:
        if self.hidden_after_write:
            self._hidden[ident] = self.hidden_after_write

    def _still_hidden(self, ident: str) -> bool:
        left = self._hidden.get(ident, 0)
        if left:
            self._hidden[ident] = left - 1
        return left > 0

    def _linger(self, ident: str) -> dict[str, Any] | None:
        left, body = self._lingering.get(ident, (0, {}))
        if not left:
            return None
        self._lingering[ident] = (left - 1, body)
        return body


def _route_of(path: str) -> str:
    if _CREATE.match(path):
        return "create"
    if _KEY.match(path):
        return "key"
    match = _ASSIGNMENT.match(path)
    if match:
        return "assignment" if match["name"] else "assignments"
    return "other"


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _forbidden() -> dict[str, Any]:
    return _error("Forbidden", "Operation not allowed: caller is not authorized (no local role)")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: HsmSimulator) -> None:
        self.simulator = simulator
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        server = self.server
        assert isinstance(server, _Server)
        status, extra, out = server.simulator.answer(self.command, self.path, self.headers, body)
        if status == 0:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        payload = json.dumps(out).encode() if out is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-ms-request-id", "hsm-sim-request")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_DELETE = _serve
