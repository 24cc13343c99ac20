"""Where the dynamic providers get Adobe credentials: stack config, else the environment.

Read in the provider process at ``configure`` time, never captured in the serialized provider and
never resource properties:

- ``adobe-cmk:clientId`` / ``adobe-cmk:clientSecret`` (secret), else ``ADOBE_CLIENT_ID`` /
  ``ADOBE_CLIENT_SECRET``: an OAuth Server-to-Server credential; tokens are minted and renewed;
- ``adobe-cmk:accessToken`` (secret), else ``ADOBE_ACCESS_TOKEN``: a token obtained elsewhere,
  used when no client credential is configured;
- ``adobe-cmk:imsUrl`` and ``adobe-cmk:scopes`` tune the token request.

One token source per credential per process, so every resource of a run shares one token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import requests

from providers.ims import (
    DEFAULT_IMS_URL,
    DEFAULT_SCOPES,
    ClientCredential,
    ImsTokenSource,
    StaticToken,
    TokenSource,
)
from providers.transport import build_session

NAMESPACE = "adobe-cmk"

MISSING_CREDENTIALS = (
    "no Adobe credentials: set adobe-cmk:clientId and `pulumi config set --secret "
    "adobe-cmk:clientSecret <secret>` (or ADOBE_CLIENT_ID / ADOBE_CLIENT_SECRET), or "
    "`pulumi config set --secret adobe-cmk:accessToken <token>` (or ADOBE_ACCESS_TOKEN)"
)

_lock = threading.Lock()
_sources: dict[tuple[str, ...], tuple[TokenSource, requests.Session]] = {}


def token_source(
    get: Callable[[str], Any], environ: Mapping[str, str]
) -> tuple[TokenSource, requests.Session]:
    """The process-wide token source (and its HTTP session) for the configured credential.

    ``get`` looks up a full config key (``adobe-cmk:clientId``); ``environ`` is the environment.
    Raises ``ValueError`` with :data:`MISSING_CREDENTIALS` when nothing is configured.
    """

    def setting(key: str, env: str = "") -> str:
        value = get(f"{NAMESPACE}:{key}")
        if value in (None, "") and env:
            value = environ.get(env)
        return str(value).strip() if value not in (None, "") else ""

    client_id = setting("clientId", "ADOBE_CLIENT_ID")
    client_secret = setting("clientSecret", "ADOBE_CLIENT_SECRET")
    access_token = setting("accessToken", "ADOBE_ACCESS_TOKEN")
    ims_url = setting("imsUrl") or DEFAULT_IMS_URL
    scopes = setting("scopes") or DEFAULT_SCOPES

    if client_id and client_secret:
        key: tuple[str, ...] = ("client", client_id, client_secret, ims_url, scopes)
    elif access_token:
        key = ("token", access_token)
    else:
        raise ValueError(MISSING_CREDENTIALS)

    with _lock:
        if key not in _sources:
            session = build_session(ims_url=ims_url)
            source: TokenSource
            if key[0] == "client":
                credential = ClientCredential(client_id, client_secret, scopes, ims_url)
                source = ImsTokenSource(credential, session)
            else:
                source = StaticToken(access_token)
            _sources[key] = (source, session)
        return _sources[key]


def forget_all() -> None:
    """Drop every cached token source (tests that start several simulators use it)."""
    with _lock:
        _sources.clear()
