"""Adobe IMS access tokens: OAuth Server-to-Server ``client_credentials``, or a pre-issued token.

A token source hands out one token and reuses it until shortly before it expires, across threads
(the dynamic-provider server runs four), so a whole ``pulumi up`` mints one token. Adobe may
throttle integrations that mint too many. Neither the client secret nor any token appears in a
``repr``, an exception message or a log record: both are registered with :mod:`.redaction` as
soon as they are known, and checked to be one line of printable ASCII (a token pasted across two
lines would otherwise make ``http.client`` quote the whole header in its error).

The token request goes only to an endpoint :func:`~.endpoints.check_endpoint` accepts, on a
session of its own (the only one that retries POSTs), and never follows a redirect.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from cmk_facts import DEFAULT_IMS_URL, DEFAULT_SCOPES
from providers.platform import http
from providers.platform.endpoints import check_endpoint
from providers.platform.errors import (
    AuthenticationError,
    PlatformError,
    TokenRefusedError,
    TransientError,
    UnexpectedAnswerError,
    adobe_message,
)
from providers.platform.redaction import register

log = logging.getLogger(__name__)

#: What a client id, client secret or token may be: one line of printable ASCII, no spaces.
_CREDENTIAL_TEXT = re.compile(r"[\x21-\x7e]+\Z")
#: An ``expires_in`` outside these bounds (0, negative, NaN, centuries) is not believed.
MIN_LIFETIME_SECONDS = 60.0
MAX_LIFETIME_SECONDS = 24 * 3600.0
#: The lifetime assumed when IMS gives none that can be believed (renewed on a 401 anyway).
ASSUMED_LIFETIME_SECONDS = 3600.0

#: Renew a token this long before IMS says it expires (clock skew, long calls in flight) …
REFRESH_MARGIN_SECONDS = 300.0
#: … but never more than this fraction of its lifetime (short-lived tokens in tests and proxies).
REFRESH_MARGIN_FRACTION = 0.1


def credential_problem(value: str) -> str:
    """Why ``value`` cannot be a client id, secret or token ("" when it can): the caller names
    the setting or variable. Never quotes the value."""
    if _CREDENTIAL_TEXT.match(value):
        return ""
    if any(c in value for c in "\r\n"):
        return "spans several lines (pasted with a line break?): it must be one line"
    if any(c.isspace() for c in value):
        return "contains spaces: it must be one word"
    return "contains characters other than printable ASCII"


@dataclass(frozen=True)
class ClientCredential:
    """An OAuth Server-to-Server credential from the Adobe Developer Console.

    Raises ``ValueError`` (one line, no value quoted) for a malformed id, secret or IMS URL.
    """

    client_id: str
    client_secret: str = field(repr=False)
    scopes: str = DEFAULT_SCOPES
    ims_url: str = DEFAULT_IMS_URL

    def __post_init__(self) -> None:
        for label, value in (("client id", self.client_id), ("client secret", self.client_secret)):
            problem = credential_problem(value)
            if problem:
                raise ValueError(f"the {label} {problem}")
        register(self.client_secret)
        try:
            check_endpoint(self.ims_url)
        except ValueError as exc:
            raise ValueError(f"the IMS URL {exc}") from None


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
        problem = credential_problem(access_token)
        if problem:
            raise ValueError(f"the access token {problem}")
        register(access_token)
        self._token = access_token
        self._refused = False

    def __repr__(self) -> str:
        return "StaticToken(***)"

    def token(self) -> str:
        """The token; AuthenticationError once Platform has refused it."""
        if self._refused:
            raise TokenRefusedError(
                "the pre-issued access token was refused (expired or revoked): it cannot be "
                "renewed; use a new one, or a client credential so that tokens are renewed"
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
        session: requests.Session | None = None,
        *,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credential = credential
        self._session = session or http.build_session(retry_posts=True)
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
        form = {
            "grant_type": "client_credentials",
            "client_id": cred.client_id,
            "client_secret": cred.client_secret,
            "scope": cred.scopes,
        }
        path = check_endpoint(cred.ims_url)
        try:
            with http.deadline(http.CALL_SECONDS):
                answer = http.send(
                    self._session, "POST", cred.ims_url, data=form, timeout=self._timeout
                )
        except http.NoAnswer as exc:
            raise TransientError(
                f"IMS token request failed: {exc}", method="POST", path=path
            ) from None
        body = _json_or_none(answer.content)
        if 300 <= answer.status < 400:
            raise UnexpectedAnswerError(
                "IMS answered with a redirect, which is never followed with a credential",
                method="POST",
                path=path,
                status=answer.status,
                request_id=answer.request_id,
            )
        if answer.status != 200:
            code, message = adobe_message(body)
            transient = answer.status == 429 or answer.status >= 500
            error: type[PlatformError] = TransientError if transient else AuthenticationError
            verdict = (
                f"IMS issued no token for client {cred.client_id}: "
                if transient
                else f"IMS refused the credential for client {cred.client_id}: "
            )
            raise error(
                verdict + f"{message or answer.reason}",
                method="POST",
                path=path,
                status=answer.status,
                code=code,
                request_id=answer.request_id,
            )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or credential_problem(token):
            raise TransientError(
                "IMS answered without a usable access_token",
                method="POST",
                path=path,
                status=answer.status,
                request_id=answer.request_id,
            )
        register(token)
        self.minted += 1
        return token, lifetime_of(body.get("expires_in") if isinstance(body, dict) else None)


def lifetime_of(expires_in: Any) -> float:
    """``expires_in`` in seconds, within [:data:`MIN_LIFETIME_SECONDS`,
    :data:`MAX_LIFETIME_SECONDS`]; :data:`ASSUMED_LIFETIME_SECONDS` when missing or not a number
    (``0``, negative and ``NaN`` would mint a token per call, or never renew)."""
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError, OverflowError):
        return ASSUMED_LIFETIME_SECONDS
    if not math.isfinite(seconds) or seconds <= 0:
        return ASSUMED_LIFETIME_SECONDS
    return min(MAX_LIFETIME_SECONDS, max(MIN_LIFETIME_SECONDS, seconds))


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except (ValueError, RecursionError):
        return None
