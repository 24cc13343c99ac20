"""What travels over the wire: Adobe's paths, fixed values, and the shapes of requests and answers.

The shapes follow docs/offline-stack.md and Adobe's CMK pages: gateway errors are
``{"error_code", "message"}``, service errors are problem bodies ``{"type", "status", "title",
"detail"}``, IMS errors are ``{"error", "error_description"}``.
"""

from __future__ import annotations

import http
import json
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast
from urllib.parse import unquote

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
GENERATIONS: tuple[str, ...] = ("current", "beta")

API_KEY = "acp_provisioning"
CONFIG_TYPE = "BYOK_CONFIG"
PROVIDER_TYPE = "AZURE_KEYVAULT"
APPLICATION_ID = "e463a445-c6ac-4ca2-b36a-b5146fcf6a52"
MASK = "***"

# Configuration statuses, in the order a simulated job walks them.
NEW, RUNNING, UPDATING, COMPLETED, FAILED = (
    "NEW",
    "RUNNING",
    "UPDATE_EXISTING_RESOURCES",
    "COMPLETED",
    "FAILED",
)

_REQUEST_ID_ALPHABET = string.ascii_letters + string.digits


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


@dataclass
class Request:
    """One request as the handler read it (headers and body unmasked: never log this)."""

    method: str
    route: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    raw_body: bytes
    request_id: str


@dataclass
class Response:
    """One answer. ``raw`` (bytes) is sent instead of ``body`` encoded as JSON when it is set;
    ``content_type`` None sends no ``Content-Type`` (a 204, say)."""

    status: int
    body: Any
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None

    def payload(self) -> bytes:
        return self.raw if self.raw is not None else json.dumps(self.body).encode()


def gateway_error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error_code": code, "message": message})


def problem(status: int, detail: str, title: str | None = None) -> Response:
    return Response(
        status,
        {
            "type": f"https://ns.adobe.com/aep/errors/BYOK-{status}",
            "status": status,
            "title": title or phrase(status),
            "detail": detail,
        },
        content_type="application/problem+json",
    )


def ims_error(status: int, error: str, description: str) -> Response:
    return Response(status, {"error": error, "error_description": description})


def phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def route_of(path: str) -> tuple[str, str | None]:
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


def media_type(headers: Mapping[str, str]) -> str:
    return str(headers.get("Content-Type", "")).split(";", 1)[0].strip().lower()


def new_request_id() -> str:
    return "".join(secrets.choice(_REQUEST_ID_ALPHABET) for _ in range(32))
