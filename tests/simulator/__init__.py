"""A stateful stand-in for Adobe's Platform CMK API and the IMS token endpoint, over real HTTP.

It follows ``/work/shared/reference/adobe-platform-cmk-api.md`` (the "current" generation) and
``seed-cmk-realtime-cdp.md`` (the "beta" generation, whose POST answers are job objects): the
gateway's header checks and error bodies, the app registration, the BYOK configuration with its
asynchronous job walking NEW -> RUNNING -> UPDATE_EXISTING_RESOURCES -> COMPLETED (or FAILED for a
key marked bad), and faults injected per route (error status with Retry-After, slow answers,
dropped connections, truncated JSON, and answers lost after the request was processed).

In tests::

    with PlatformSimulator() as sim:
        token = requests.post(sim.ims_url, data={...}).json()["access_token"]
        requests.get(f"{sim.url}/data/infrastructure/manager/byok/app-registration", headers=...)

Alone, for trying a client by hand (prints its URL on the first line, serves until Ctrl-C)::

    python -m tests.simulator --port 8080 [--config-generation beta] [--job-seconds 5]

Only the standard library is used; everything listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import http
import json
import re
import secrets
import signal
import socket
import string
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, cast
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "APP_REGISTRATION_PATH",
    "CONFIG_PATH",
    "TOKEN_PATH",
    "Fault",
    "LoggedRequest",
    "PlatformSimulator",
]

# --------------------------------------------------------------------------------------------
# Paths, route names and fixed values
# --------------------------------------------------------------------------------------------

TOKEN_PATH = "/ims/token/v3"
APP_REGISTRATION_PATH = "/data/infrastructure/manager/byok/app-registration"
CONFIG_PATH = "/data/infrastructure/manager/customer/config"

RouteName = Literal["token", "app-registration", "config", "config-status", "unknown"]
ROUTES: tuple[str, ...] = ("token", "app-registration", "config", "config-status")
ROUTE_METHODS: dict[str, tuple[str, ...]] = {
    "token": ("POST",),
    "app-registration": ("GET", "POST"),
    "config": ("POST",),
    "config-status": ("GET",),
}

Generation = Literal["current", "beta"]
FaultKind = Literal["status", "slow", "drop", "malformed_json"]
FAULT_KINDS: tuple[str, ...] = ("status", "slow", "drop", "malformed_json")

API_KEY = "acp_provisioning"
CONFIG_TYPE = "BYOK_CONFIG"
PROVIDER_TYPE = "AZURE_KEYVAULT"
APPLICATION_ID = "e463a445-c6ac-4ca2-b36a-b5146fcf6a52"
FAILED_KEY_MESSAGE = "Unable to access key vault key: forbidden"
MALFORMED_BODY = b'{"status": "RUNN'
MASK = "***"

# Configuration statuses, in the order the simulated job walks them.
NEW, RUNNING, UPDATING, COMPLETED, FAILED = (
    "NEW",
    "RUNNING",
    "UPDATE_EXISTING_RESOURCES",
    "COMPLETED",
    "FAILED",
)

CONFIG_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# A *versioned* key identifier, as Azure shows it under "Key Identifier":
#   https://<vault>.vault.azure.net/keys/<name>/<32-hex version>
#   https://<hsm>.managedhsm.azure.net/keys/<name>/<32-hex version>
KEY_IDENTIFIER_RE = re.compile(
    r"^(?P<base>https://[A-Za-z0-9-]{1,63}\.(?:vault|managedhsm)\.azure\.net)"
    r"/keys/(?P<name>[A-Za-z0-9-]{1,127})/(?P<version>[0-9a-fA-F]{32})$"
)

# App registration answers; the current one is from the reference, the beta one from the seed.
_APP_NAMES: dict[str, str] = {
    "current": "acpebae9422Caepcmkmultitenantapp",
    "beta": "acpebae9422Kacpprovisioningbyok",
}
_APP_IDS: dict[str, str] = {"current": "byok", "beta": "acpebae9422Kacpprovisioningbyok"}

_REQUEST_ID_ALPHABET = string.ascii_letters + string.digits


# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One fault to apply to the next matching request(s) on a route.

    kind:
        ``"status"`` answers ``status`` with an Adobe-style error body (429 -> ``429050``,
        5xx -> ``"<status>000"``, other 4xx -> a problem body); ``"slow"`` sleeps ``delay`` then
        answers normally; ``"drop"`` closes the connection without answering; ``"malformed_json"``
        answers 200, ``Content-Type: application/json``, with a truncated body.
    retry_after: the ``Retry-After`` header to send with a ``"status"`` fault (``"2"`` or a date).
    after_processing: process the request first (state changes happen), then apply the fault
        to the answer: the "POST whose answer is lost" case.
    method: only match requests with this method; None matches any.
    count: how many consecutive matching requests the fault applies to.
    """

    kind: FaultKind
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0
    after_processing: bool = False
    method: str | None = None
    count: int = 1

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"Fault.kind must be one of {FAULT_KINDS}, not {self.kind!r}")
        if not 100 <= self.status <= 599:
            raise ValueError(f"Fault.status must be an HTTP status, not {self.status!r}")
        if self.delay < 0:
            raise ValueError(f"Fault.delay must be >= 0, not {self.delay!r}")
        if self.count < 1:
            raise ValueError(f"Fault.count must be >= 1, not {self.count!r}")


class Headers(dict[str, str]):
    """Request headers as sent (names keep their case), looked up case-insensitively."""

    def _find(self, key: object) -> str | None:
        if dict.__contains__(self, key):
            return cast(str, key)
        if isinstance(key, str):
            lowered = key.lower()
            for name in self:
                if name.lower() == lowered:
                    return name
        return None

    def __getitem__(self, key: str) -> str:
        name = self._find(key)
        if name is None:
            raise KeyError(key)
        return dict.__getitem__(self, name)

    def __contains__(self, key: object) -> bool:
        return self._find(key) is not None

    def get(self, key: str, default: Any = None) -> Any:
        name = self._find(key)
        return default if name is None else dict.__getitem__(self, name)


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


# --------------------------------------------------------------------------------------------
# Internal state
# --------------------------------------------------------------------------------------------


@dataclass
class _LogEntry:
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


@dataclass
class _Config:
    name: str
    ims_org_id: str
    key_identifier: str  # the versioned identifier as sent (current or beta field)
    config_data: dict[str, Any]  # the configData the GET answers
    id: str
    created: float  # monotonic
    frozen_status: str | None = None
    error_message: str | None = None


@dataclass
class _PendingFault:
    fault: Fault
    remaining: int


@dataclass
class _Request:
    method: str
    route: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    raw_body: bytes
    request_id: str


@dataclass
class _Response:
    status: int
    body: Any
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        return json.dumps(self.body).encode()


def _gateway_error(status: int, code: str, message: str) -> _Response:
    return _Response(status, {"error_code": code, "message": message})


def _problem(status: int, detail: str, title: str | None = None) -> _Response:
    phrase = title or http.HTTPStatus(status).phrase
    return _Response(
        status,
        {
            "type": f"https://ns.adobe.com/aep/errors/BYOK-{status}",
            "status": status,
            "title": phrase,
            "detail": detail,
        },
        content_type="application/problem+json",
    )


def _ims_error(status: int, error: str, description: str) -> _Response:
    return _Response(status, {"error": error, "error_description": description})


def _fault_response(fault: Fault) -> _Response:
    status = fault.status
    if status == 429:
        response = _gateway_error(429, "429050", "Too many requests")
    elif status >= 500:
        response = _gateway_error(status, f"{status}000", _phrase(status))
    elif status >= 400:
        response = _problem(status, f"Injected fault: {_phrase(status)}")
    else:
        response = _Response(status, {})
    if fault.retry_after is not None:
        response.headers["Retry-After"] = fault.retry_after
    return response


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _route_of(path: str) -> tuple[str, str | None]:
    """(route name, configuration name for config-status)."""
    if path == TOKEN_PATH:
        return "token", None
    if path == APP_REGISTRATION_PATH:
        return "app-registration", None
    if path == CONFIG_PATH:
        return "config", None
    prefix = CONFIG_PATH + "/"
    if path.startswith(prefix):
        name = unquote(path[len(prefix) :])
        if name and "/" not in name:
            return "config-status", name
    return "unknown", None


def _media_type(headers: Mapping[str, str]) -> str:
    return headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


def _new_request_id() -> str:
    return "".join(secrets.choice(_REQUEST_ID_ALPHABET) for _ in range(32))


# --------------------------------------------------------------------------------------------
# The simulator
# --------------------------------------------------------------------------------------------


class PlatformSimulator:
    """Adobe Platform CMK API + IMS token endpoint on ``127.0.0.1``, in a background thread.

    State (tokens, app registration, configurations, queued faults, the request log) is guarded by
    one lock; every answer carries a fresh ``x-request-id`` header. Time is ``time.monotonic()``:
    tokens really expire, and a configuration's status is derived from the time since its POST.
    """

    def __init__(
        self,
        org_id: str = "1234ABCD5678@AdobeOrg",
        client_id: str = "sim-client-id",
        client_secret: str = "sim-client-secret",
        token_lifetime: float = 86399.0,
        app_generation: Generation = "current",
        app_registration_delay: float = 0.2,
        config_generation: Generation = "current",
        job_durations: tuple[float, float, float] = (0.1, 0.1, 0.1),
        port: int = 0,
    ) -> None:
        for label, value in (
            ("app_generation", app_generation),
            ("config_generation", config_generation),
        ):
            if value not in ("current", "beta"):
                raise ValueError(f"{label} must be 'current' or 'beta', not {value!r}")
        if len(job_durations) != 3 or any(d < 0 for d in job_durations):
            raise ValueError("job_durations must be three non-negative numbers of seconds")
        self.org_id = org_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = float(token_lifetime)
        self.app_generation: Generation = app_generation
        self.app_registration_delay = float(app_registration_delay)
        self.config_generation: Generation = config_generation
        self.job_durations = tuple(float(d) for d in job_durations)
        self._port = port

        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._issued: list[str] = []
        self._revoked: set[str] = set()
        self._app_registration_started: float | None = None
        self._configs: dict[str, _Config] = {}
        self._faults: dict[str, list[_PendingFault]] = {route: [] for route in ROUTES}
        self._bad_keys: list[str] = []
        self._log: list[_LogEntry] = []

        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> PlatformSimulator:
        """Bind 127.0.0.1 (port 0 = any free port) and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        self._stopping.clear()
        server = _Server(("127.0.0.1", self._port), _Handler, self)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},  # stop() waits at most this long
            name=f"platform-simulator-{server.server_address[1]}",
            daemon=True,
        )
        self._server, self._thread = server, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and every open connection. Idempotent."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes "slow" faults and makes in-flight handlers drop
        server.shutdown()
        server.server_close()
        server.close_connections()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> PlatformSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The Platform base URL, ``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError("the simulator is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def ims_url(self) -> str:
        """The IMS token endpoint, ``<url>/ims/token/v3``."""
        return f"{self.url}{TOKEN_PATH}"

    # ---- tokens ----------------------------------------------------------------------------

    def issue_token(self) -> str:
        """A valid access token, as if IMS had issued it (no credential needed)."""
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_lifetime
            self._issued.append(token)
        return token

    @property
    def issued_tokens(self) -> list[str]:
        """Every access token issued so far, oldest first."""
        with self._lock:
            return list(self._issued)

    def revoke_tokens(self) -> None:
        """Every token issued so far answers 401 ``401013`` from now on (new ones are valid)."""
        with self._lock:
            self._revoked.update(self._issued)

    # ---- faults and keys -------------------------------------------------------------------

    def inject(self, route: str, fault: Fault) -> None:
        """Queue ``fault`` on ``route``; a route's faults are consumed in FIFO order.

        A request takes the first queued fault of its route whose ``method`` matches.
        """
        if route not in ROUTES:
            raise ValueError(f"route must be one of {ROUTES}, not {route!r}")
        with self._lock:
            self._faults[route].append(_PendingFault(fault, fault.count))

    def mark_bad_key(self, key_identifier_or_prefix: str) -> None:
        """Jobs whose key identifier starts with this end FAILED after NEW and RUNNING."""
        with self._lock:
            self._bad_keys.append(key_identifier_or_prefix)

    # ---- the request log -------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request received, in order of arrival (a copy)."""
        with self._lock:
            return [entry.freeze() for entry in self._log]

    def count(self, method: str, route: str) -> int:
        """How many requests with this method arrived on this route, faulted ones included."""
        method = method.upper()
        with self._lock:
            return sum(1 for e in self._log if e.method == method and e.route == route)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # ---- configurations --------------------------------------------------------------------

    @property
    def configs(self) -> dict[str, dict[str, Any]]:
        """The GET view of every configuration by name, status computed from the clock now."""
        now = time.monotonic()
        with self._lock:
            return {name: self._config_view(c, now) for name, c in self._configs.items()}

    def remove_config(self, name: str) -> None:
        """Forget a configuration, as if Adobe lost it: its GET answers 404. KeyError if unknown."""
        with self._lock:
            del self._configs[name]

    def set_config_status(self, name: str, status: str, error_message: str | None = None) -> None:
        """Freeze a configuration at ``status`` (a FAILED one gets ``error_message`` or a default).

        KeyError if unknown. A later POST with the same name replaces it and unfreezes it.
        """
        with self._lock:
            config = self._configs[name]
            config.frozen_status = status
            if status == FAILED:
                config.error_message = error_message or FAILED_KEY_MESSAGE
            else:
                config.error_message = error_message

    # ---- request processing (called by the handler threads) --------------------------------

    def _log_start(self, request: _Request) -> _LogEntry:
        headers = Headers()
        for name, value in request.headers.items():
            if name.lower() == "authorization":
                scheme = value.split(" ", 1)[0]
                headers[name] = f"{scheme} {MASK}" if " " in value else MASK
            else:
                headers[name] = self._mask_secret(value)
        body: dict[str, Any] | None = None
        if request.route == "token":
            form = dict(parse_qsl(request.raw_body.decode("utf-8", "replace")))
            body = {k: self._mask_secret(v) for k, v in form.items()} or None
            if body is not None and "client_secret" in body:
                body["client_secret"] = MASK
        elif request.raw_body:
            try:
                parsed = json.loads(request.raw_body)
            except ValueError:
                parsed = None
            body = parsed if isinstance(parsed, dict) else None
        query = {k: self._mask_secret(v) for k, v in request.query.items()}
        if "client_secret" in query:
            query["client_secret"] = MASK
        entry = _LogEntry(
            method=request.method,
            route=request.route,
            path=request.path,
            query=query,
            headers=headers,
            body=body,
            time=time.monotonic(),
        )
        with self._lock:
            self._log.append(entry)
        return entry

    def _log_finish(self, entry: _LogEntry, status: int) -> None:
        with self._lock:
            entry.status = status

    def _mask_secret(self, value: str) -> str:
        if self.client_secret and self.client_secret in value:
            return value.replace(self.client_secret, MASK)
        return value

    def _take_fault(self, route: str, method: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(route)
            if not queue:
                return None
            for index, pending in enumerate(queue):
                wanted = pending.fault.method
                if wanted is None or wanted.upper() == method:
                    pending.remaining -= 1
                    if pending.remaining <= 0:
                        del queue[index]
                    return pending.fault
        return None

    def _process(self, request: _Request, config_name: str | None) -> _Response:
        route, method = request.route, request.method
        if route == "unknown":
            return _problem(404, f"No route for {method} {request.path}")
        allowed = ROUTE_METHODS[route]
        if method not in allowed:
            response = _problem(405, f"{method} is not supported on {request.path}")
            response.headers["Allow"] = ", ".join(allowed)
            return response
        if route == "token":
            return self._token(request)
        denied = self._gateway_check(request.headers)
        if denied is not None:
            return denied
        if request.raw_body and _media_type(request.headers) != "application/json":
            return _problem(415, "Content-Type must be application/json on requests with a body")
        if route == "app-registration":
            return self._app_registration(request)
        if route == "config":
            return self._create_config(request)
        assert config_name is not None
        return self._config_status(request, config_name)

    def _token(self, request: _Request) -> _Response:
        if _media_type(request.headers) != "application/x-www-form-urlencoded":
            return _ims_error(
                400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded"
            )
        form = dict(request.query)
        form.update(parse_qsl(request.raw_body.decode("utf-8", "replace")))
        grant_type = form.get("grant_type")
        if not grant_type:
            return _ims_error(400, "invalid_request", "missing grant_type parameter")
        if grant_type != "client_credentials":
            return _ims_error(400, "unsupported_grant_type", f"unsupported grant_type {grant_type}")
        if form.get("client_id") != self.client_id or not secrets.compare_digest(
            form.get("client_secret", "").encode(), self.client_secret.encode()
        ):
            return _ims_error(401, "invalid_client", "invalid client_id or client_secret")
        token = self.issue_token()
        return _Response(
            200,
            {"access_token": token, "token_type": "bearer", "expires_in": int(self.token_lifetime)},
        )

    def _gateway_check(self, headers: Mapping[str, str]) -> _Response | None:
        authorization = headers.get("Authorization", "").strip()
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if not authorization or (scheme.lower() == "bearer" and not token):
            return _gateway_error(403, "403010", "Oauth token is missing.")
        now = time.monotonic()
        with self._lock:
            expiry = self._tokens.get(token) if scheme.lower() == "bearer" else None
            valid = expiry is not None and now < expiry and token not in self._revoked
        if not valid:
            return _gateway_error(401, "401013", "Oauth token is not valid")
        api_key = headers.get("x-api-key")
        if not api_key:
            return _gateway_error(403, "403000", "Api Key is required")
        if api_key != API_KEY:
            return _gateway_error(403, "403003", "Api Key is invalid")
        org = headers.get("x-gw-ims-org-id")
        if not org:
            return _gateway_error(400, "400003", "Missing header: x-gw-ims-org-id")
        if org != self.org_id:
            return _gateway_error(403, "403025", "Profile is not valid")
        return None

    def _app_registration(self, request: _Request) -> _Response:
        generation = self.app_generation
        if request.method == "POST":
            if request.raw_body.strip():
                return _problem(400, "This endpoint does not accept a payload for POST requests")
            with self._lock:
                if self._app_registration_started is None:
                    self._app_registration_started = time.monotonic()
            return _Response(200, self._job_object("BYOK_APP_REGISTRATION", request.request_id, {}))
        if generation == "beta":
            with self._lock:
                started = self._app_registration_started
            if started is None or time.monotonic() - started < self.app_registration_delay:
                return _problem(
                    404,
                    f"No app registration found for {self.org_id}: "
                    "POST to this endpoint first to start it",
                )
        name = _APP_NAMES[generation]
        uri = f"https://adobe.com/{name}"
        return _Response(
            200,
            {
                "id": _APP_IDS[generation],
                "name": name,
                "applicationUri": uri,
                "applicationId": APPLICATION_ID,
                "applicationRedirectUrl": (
                    "https://login.microsoftonline.com/common/oauth2/authorize"
                    f"?response_type=code&client_id={APPLICATION_ID}"
                    f"&redirect_uri={uri}&scope=user.read"
                ),
            },
        )

    def _create_config(self, request: _Request) -> _Response:
        try:
            body = json.loads(request.raw_body) if request.raw_body else None
        except ValueError:
            return _problem(400, "The request body is not valid JSON")
        if not isinstance(body, dict):
            return _problem(400, "The request body must be a JSON object")
        header_org = request.headers.get("x-gw-ims-org-id")
        name = body.get("name")
        config_data = body.get("configData")
        if body.get("type") != CONFIG_TYPE:
            return _problem(400, f"type must be {CONFIG_TYPE!r}, got {body.get('type')!r}")
        if body.get("imsOrgId") != header_org:
            return _problem(400, "imsOrgId must equal the x-gw-ims-org-id header")
        if not isinstance(name, str) or not CONFIG_NAME_RE.match(name):
            return _problem(400, f"name must match {CONFIG_NAME_RE.pattern}, got {name!r}")
        if not isinstance(config_data, dict):
            return _problem(400, "configData must be an object")
        if config_data.get("providerType") != PROVIDER_TYPE:
            return _problem(
                400,
                f"configData.providerType must be {PROVIDER_TYPE!r}, "
                f"got {config_data.get('providerType')!r}",
            )
        beta = self.config_generation == "beta"
        key_field = "keyVaultUri" if beta else "keyVaultKeyIdentifier"
        identifier = config_data.get(key_field)
        match = KEY_IDENTIFIER_RE.match(identifier) if isinstance(identifier, str) else None
        if match is None:
            return _problem(
                400,
                f"configData.{key_field} must be a versioned key identifier "
                "https://<vault>.vault.azure.net/keys/<name>/<version>, "
                f"got {identifier!r}",
            )
        assert isinstance(identifier, str)
        key_name = config_data.get("keyName")
        if beta and (not isinstance(key_name, str) or not key_name):
            return _problem(400, "configData.keyName must be a non-empty string")

        if beta:
            stored_data: dict[str, Any] = {
                "keyVaultUri": identifier,
                "keyName": key_name,
                "providerType": PROVIDER_TYPE,
            }
        else:
            stored_data = {
                "keyVaultUri": match.group("base"),
                "keyVaultKeyIdentifier": identifier,
                "keyVersion": match.group("version"),
                "keyName": match.group("name"),
                "providerType": PROVIDER_TYPE,
            }
        config = _Config(
            name=name,
            ims_org_id=self.org_id,
            key_identifier=identifier,
            config_data=stored_data,
            id=str(uuid.uuid4()),
            created=time.monotonic(),
        )
        with self._lock:
            self._configs[name] = config  # same name: replaced, its job starts again

        echoed = {
            "name": name,
            "type": CONFIG_TYPE,
            "imsOrgId": body.get("imsOrgId"),
            "status": NEW,
        }
        if beta:
            job_config = {**echoed, "configData": dict(config_data)}
            return _Response(
                200, self._job_object("BYOK_CONFIG", request.request_id, {"config": job_config})
            )
        # The job id differs from the configuration's id (as in the seed): do not rely on it.
        return _Response(
            200,
            {
                "id": str(uuid.uuid4()),
                "status": "CREATED",
                "config": {**echoed, "configData": dict(stored_data)},
            },
        )

    def _config_status(self, request: _Request, name: str) -> _Response:
        config_type = request.query.get("configType")
        if config_type != CONFIG_TYPE:
            return _problem(
                400, f"query parameter configType must be {CONFIG_TYPE!r}, got {config_type!r}"
            )
        now = time.monotonic()
        with self._lock:
            config = self._configs.get(name)
            view = None if config is None else self._config_view(config, now)
        if view is None:
            return _problem(404, f"No configuration named {name!r} of type {CONFIG_TYPE}")
        return _Response(200, view)

    def _config_view(self, config: _Config, now: float) -> dict[str, Any]:
        """The GET answer for ``config``; the caller holds the lock."""
        status, error = self._status_of(config, now)
        view: dict[str, Any] = {
            "name": config.name,
            "type": CONFIG_TYPE,
            "status": status,
            "configData": dict(config.config_data),
            "imsOrgId": config.ims_org_id,
            "subscriptionId": "undefined",
            "id": config.id,
            "rowType": "BYOK_KEY",
        }
        if error is not None:
            view["errorMessage"] = error
        return view

    def _status_of(self, config: _Config, now: float) -> tuple[str, str | None]:
        if config.frozen_status is not None:
            return config.frozen_status, config.error_message
        new, running, updating = self.job_durations
        elapsed = now - config.created
        if elapsed < new:
            return NEW, None
        if elapsed < new + running:
            return RUNNING, None
        if any(config.key_identifier.startswith(prefix) for prefix in self._bad_keys):
            return FAILED, FAILED_KEY_MESSAGE
        if elapsed < new + running + updating:
            return UPDATING, None
        return COMPLETED, None

    def _job_object(
        self, workflow_type: str, request_id: str, job_data: dict[str, Any]
    ) -> dict[str, Any]:
        """The seed's CustomerPolicyJob answer."""
        return {
            "id": str(uuid.uuid4()),
            "jobType": "CustomerPolicyJob",
            "workflowType": workflow_type,
            "status": "CREATED",
            "currentState": "CALL_PROVISIONING_ENDPOINT",
            "recoverableState": True,
            "doRetryCurrentState": True,
            "retryCount": 3,
            "retryDelayInSeconds": 5,
            "jobData": {"x-request-id": request_id, "userId": "", **job_data},
            "imsOrgId": self.org_id,
            "executionComplete": False,
            "recovered": False,
            "timeOutForCurrentStateInMins": 5,
            "monitorJob": True,
            "firstJobStateTimestamp": 0,
            "startTime": int(time.time() * 1000),
            "endTime": 0,
        }


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        simulator: PlatformSimulator,
    ) -> None:
        self.simulator = simulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

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
    def simulator(self) -> PlatformSimulator:
        return cast(_Server, self.server).simulator

    def log_message(self, format: str, *args: Any) -> None:
        return

    def send_response(self, code: int, message: str | None = None) -> None:
        super().send_response(code, message)
        # Every answer, including the stdlib's own error pages, carries an x-request-id.
        self.send_header("x-request-id", self._request_id or _new_request_id())

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
        self._request_id = _new_request_id()
        self._read_body()
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _dispatch(self, method: str) -> None:
        sim = self.simulator
        self._request_id = _new_request_id()
        if sim._stopping.is_set():
            self.close_connection = True
            return
        split = urlsplit(self.path)
        route, config_name = _route_of(split.path)
        raw_body = self._read_body()
        if raw_body is None:
            self._send(_problem(400, "Unreadable request body"))
            self.close_connection = True
            return
        request = _Request(
            method=method,
            route=route,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=Headers(self.headers.items()),
            raw_body=raw_body,
            request_id=self._request_id,
        )
        entry = sim._log_start(request)
        fault = sim._take_fault(route, method) if route != "unknown" else None
        response: _Response | None = None
        if fault is None or fault.after_processing:
            response = self._safely_process(request, config_name)
        if fault is not None and fault.kind == "slow":
            sim._stopping.wait(fault.delay)
            if response is None:
                response = self._safely_process(request, config_name)
            fault = None
        if sim._stopping.is_set():
            self.close_connection = True
            return
        if fault is not None and fault.kind == "drop":
            self.close_connection = True  # the logged status stays 0
            return
        raw: bytes | None = None
        if fault is None:
            assert response is not None
        elif fault.kind == "malformed_json":
            # After processing, the real answer cut in half; before, a cut status answer.
            raw = MALFORMED_BODY
            if response is not None:
                full = response.encode()
                raw = full[: max(1, len(full) // 2)]
            response = _Response(200, None)
        else:
            response = _fault_response(fault)
        # Logged before answering, so a client that got its answer also sees it in the log.
        sim._log_finish(entry, response.status)
        self._send(response, raw)

    def _safely_process(self, request: _Request, config_name: str | None) -> _Response:
        try:
            return self.simulator._process(request, config_name)
        except Exception as error:  # a simulator bug: answer it rather than hang the client
            return _gateway_error(500, "500000", f"simulator error: {error!r}")

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

    def _send(self, response: _Response, raw: bytes | None = None) -> None:
        payload = raw if raw is not None else response.encode()
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", f"{response.content_type};charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:  # the client went away (e.g. its read timeout fired)
            self.close_connection = True


# --------------------------------------------------------------------------------------------
# Running it alone
# --------------------------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.simulator",
        description="Serve a simulated Adobe Platform CMK API + IMS token endpoint on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--org-id", default="1234ABCD5678@AdobeOrg")
    parser.add_argument("--client-id", default="sim-client-id")
    parser.add_argument("--client-secret", default="sim-client-secret")
    parser.add_argument("--token-lifetime", type=float, default=86399.0)
    parser.add_argument("--app-generation", choices=("current", "beta"), default="current")
    parser.add_argument("--app-registration-delay", type=float, default=2.0)
    parser.add_argument("--config-generation", choices=("current", "beta"), default="current")
    parser.add_argument(
        "--job-seconds",
        type=float,
        default=3.0,
        help="seconds spent in each of NEW, RUNNING and UPDATE_EXISTING_RESOURCES",
    )
    parser.add_argument(
        "--bad-key",
        action="append",
        default=[],
        help="key identifier (or prefix) whose configuration ends FAILED; repeatable",
    )
    args = parser.parse_args(None if argv is None else list(argv))
    sim = PlatformSimulator(
        org_id=args.org_id,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_lifetime=args.token_lifetime,
        app_generation=args.app_generation,
        app_registration_delay=args.app_registration_delay,
        config_generation=args.config_generation,
        job_durations=(args.job_seconds,) * 3,
        port=args.port,
    )
    for prefix in args.bad_key:
        sim.mark_bad_key(prefix)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
    sim.start()
    print(sim.url, flush=True)
    print(
        f"IMS token URL {sim.ims_url}; org {sim.org_id}; client id {sim.client_id}; "
        f"client secret {sim.client_secret}; x-api-key {API_KEY}. Ctrl-C stops.",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":  # pragma: no cover - python -m tests.simulator uses __main__.py
    sys.exit(main())
