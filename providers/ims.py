"""Adobe IMS access tokens: OAuth Server-to-Server ``client_credentials``, or a pre-issued token.

A token source hands out one token and reuses it until shortly before it expires, across threads
(the dynamic-provider server runs four), so a whole ``pulumi up`` mints one token. Adobe may
throttle integrations that mint too many. Neither the client secret nor any token appears in a
``repr``, an exception message or a log record.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import requests

from providers.errors import AuthenticationError, PlatformError, TransientError, adobe_message

log = logging.getLogger(__name__)

DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com/ims/token/v3"
DEFAULT_SCOPES = "openid,session,AdobeID,read_organizations,additional_info.projectedProductContext"

#: Renew a token this long before IMS says it expires (clock skew, long calls in flight) …
REFRESH_MARGIN_SECONDS = 300.0
#: … but never more than this fraction of its lifetime (short-lived tokens in tests and proxies).
REFRESH_MARGIN_FRACTION = 0.1


@dataclass(frozen=True)
class ClientCredential:
    """An OAuth Server-to-Server credential from the Adobe Developer Console."""

    client_id: str
    client_secret: str = field(repr=False)
    scopes: str = DEFAULT_SCOPES
    ims_url: str = DEFAULT_IMS_URL


class TokenSource(Protocol):
    """Something that gives a bearer token and can be told that a token was refused."""

    def token(self) -> str:
        """A token believed valid now."""
        ...

    def invalidate(self, token: str) -> None:
        """Platform refused ``token`` (401): do not hand it out again."""
        ...


class StaticToken:
    """A token obtained elsewhere (``adobe-cmk:accessToken``); it cannot be renewed."""

    def __init__(self, access_token: str) -> None:
        self._token = access_token
        self._refused = False

    def __repr__(self) -> str:
        return "StaticToken(***)"

    def token(self) -> str:
        """The token; AuthenticationError once Platform has refused it."""
        if self._refused:
            raise AuthenticationError(
                "the access token from adobe-cmk:accessToken / ADOBE_ACCESS_TOKEN was refused "
                "(expired or revoked); get a new one, or configure adobe-cmk:clientId and "
                "adobe-cmk:clientSecret so tokens are renewed"
            )
        return self._token

    def invalidate(self, token: str) -> None:
        """Remember that the token was refused."""
        if token == self._token:
            self._refused = True


class ImsTokenSource:
    """Mints tokens from a :class:`ClientCredential`, caching each until shortly before expiry.

    ``token()`` is safe to call from many threads: at most one request to IMS is in flight, and
    every caller gets the cached token while it is fresh.
    """

    def __init__(
        self,
        credential: ClientCredential,
        session: requests.Session,
        *,
        timeout: tuple[float, float] = (10.0, 30.0),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credential = credential
        self._session = session
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        #: How many tokens were minted; tests and benchmarks read it.
        self.minted = 0

    def __repr__(self) -> str:
        return f"ImsTokenSource(client_id={self._credential.client_id!r})"

    def token(self) -> str:
        """A cached token, or a new one from IMS (``POST <ims_url>``, form-encoded, expects 200)."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._token, lifetime = self._mint()
                margin = min(REFRESH_MARGIN_SECONDS, lifetime * REFRESH_MARGIN_FRACTION)
                self._renew_at = self._clock() + lifetime - margin
            return self._token

    def invalidate(self, token: str) -> None:
        """Drop ``token`` from the cache so the next ``token()`` mints a new one."""
        with self._lock:
            if token == self._token:
                self._token = None

    def _mint(self) -> tuple[str, float]:
        cred = self._credential
        log.info("requesting an access token from IMS for client %s", cred.client_id)
        try:
            response = self._session.post(
                cred.ims_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": cred.client_id,
                    "client_secret": cred.client_secret,
                    "scope": cred.scopes,
                },
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            # The exception text may contain the URL, never the form body.
            raise TransientError(
                f"IMS token request failed: {type(exc).__name__}", method="POST", path=cred.ims_url
            ) from None
        request_id = response.headers.get("x-request-id", "")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            code, message = adobe_message(body)
            error: type[PlatformError] = (
                TransientError
                if response.status_code == 429 or response.status_code >= 500
                else AuthenticationError
            )
            raise error(
                f"IMS refused the credential for client {cred.client_id}: "
                f"{message or response.reason}; check adobe-cmk:clientId / adobe-cmk:clientSecret "
                "and the credential's scopes",
                method="POST",
                path=cred.ims_url,
                status=response.status_code,
                code=code,
                request_id=request_id,
            )
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise TransientError(
                "IMS answered without an access_token",
                method="POST",
                path=cred.ims_url,
                status=response.status_code,
                request_id=request_id,
            )
        self.minted += 1
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        return body["access_token"], lifetime
