"""Adobe IMS and the Platform gateway: access tokens, and the header checks before any route.

Error codes as Adobe's gateway answers them: ``403010`` token missing, ``401013`` token not
valid, ``403000``/``403003`` API key missing/invalid, ``400003`` org header missing, ``403025``
token not entitled for that org.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from tests.simulator.wire import API_KEY, Request, Response, gateway_error, ims_error, media_type


class Tokens:
    """Access tokens issued, their expiry on the simulator's clock, and the revoked ones."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._issued: list[str] = []
        self._revoked: set[str] = set()

    def issue(self, lifetime: float) -> str:
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._expiry[token] = self._clock() + lifetime
            self._issued.append(token)
        return token

    def issued(self) -> list[str]:
        with self._lock:
            return list(self._issued)

    def revoke_all(self) -> None:
        with self._lock:
            self._revoked.update(self._issued)

    def valid(self, token: str) -> bool:
        now = self._clock()
        with self._lock:
            expiry = self._expiry.get(token)
            return expiry is not None and now < expiry and token not in self._revoked


def token_answer(
    request: Request, client_id: str, client_secret: str, issue: Callable[[], str], lifetime: float
) -> Response:
    """IMS's answer to a token request (client credentials in the form body or the query)."""
    if media_type(request.headers) != "application/x-www-form-urlencoded":
        return ims_error(
            400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded"
        )
    form = dict(request.query)
    form.update(parse_qsl(request.raw_body.decode("utf-8", "replace")))
    grant_type = form.get("grant_type")
    if not grant_type:
        return ims_error(400, "invalid_request", "missing grant_type parameter")
    if grant_type != "client_credentials":
        return ims_error(400, "unsupported_grant_type", f"unsupported grant_type {grant_type}")
    if form.get("client_id") != client_id or not secrets.compare_digest(
        form.get("client_secret", "").encode(), client_secret.encode()
    ):
        return ims_error(401, "invalid_client", "invalid client_id or client_secret")
    return Response(
        200, {"access_token": issue(), "token_type": "bearer", "expires_in": int(lifetime)}
    )


def gateway_check(
    headers: Mapping[str, str], tokens: Tokens, org_id: str, expected_api_key: str | None
) -> Response | None:
    """The gateway's refusal of these headers, or None when they pass.

    The token is checked first, then ``x-api-key`` (``acp_provisioning``, or only
    ``expected_api_key`` when that is set), then ``x-gw-ims-org-id``.
    """
    authorization = headers.get("Authorization", "").strip()
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if not authorization or (scheme.lower() == "bearer" and not token):
        return gateway_error(403, "403010", "Oauth token is missing.")
    if scheme.lower() != "bearer" or not tokens.valid(token):
        return gateway_error(401, "401013", "Oauth token is not valid")
    api_key = headers.get("x-api-key")
    if not api_key:
        return gateway_error(403, "403000", "Api Key is required")
    if api_key != (API_KEY if expected_api_key is None else expected_api_key):
        return gateway_error(403, "403003", "Api Key is invalid")
    org = headers.get("x-gw-ims-org-id")
    if not org:
        return gateway_error(400, "400003", "Missing header: x-gw-ims-org-id")
    if org != org_id:
        return gateway_error(403, "403025", "Profile is not valid")
    return None
