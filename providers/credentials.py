"""Where the Adobe credential comes from: the one place that resolves it.

Each part is looked up in the stack config first, then in the environment, then (for the IMS
endpoint and scopes only) Adobe's defaults from :mod:`cmk_facts`:

- ``adobe-cmk:clientId`` / ``adobe-cmk:clientSecret`` (secret), else ``ADOBE_CLIENT_ID`` /
  ``ADOBE_CLIENT_SECRET``: an OAuth Server-to-Server credential; tokens are minted and renewed;
- ``adobe-cmk:accessToken`` (secret), else ``ADOBE_ACCESS_TOKEN``: a token obtained elsewhere,
  used when no client credential is configured;
- ``adobe-cmk:imsUrl`` and ``adobe-cmk:scopes`` tune the token request.

:func:`resolve` is pure and is what both sides use: the settings call it at preview to check that
a credential is there (and to name, in a message, where each part came from), and the dynamic
providers call :func:`token_source` in their own process at ``configure`` time. Credentials are
never captured in the serialized provider and never become resource properties; no value held
here appears in a ``repr`` or a message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cmk_facts import DEFAULT_IMS_URL, DEFAULT_SCOPES, NAMESPACE
from providers.platform.endpoints import check_endpoint
from providers.platform.ims import (
    ClientCredential,
    ImsTokenSource,
    StaticToken,
    TokenSource,
    credential_problem,
)

#: The settings whose values are secrets: set with ``pulumi config set --secret`` only.
SECRET_SETTINGS: tuple[str, ...] = ("clientSecret", "accessToken")

#: The environment variables read when the credential's settings are empty.
CLIENT_ID_ENV = "ADOBE_CLIENT_ID"
CLIENT_SECRET_ENV = "ADOBE_CLIENT_SECRET"  # noqa: S105 (a variable name)
ACCESS_TOKEN_ENV = "ADOBE_ACCESS_TOKEN"  # noqa: S105 (a variable name)

#: What an empty ``imsUrl`` / ``scopes`` means: Adobe's production endpoint and the scopes an
#: OAuth Server-to-Server credential asks for.
DEFAULTS: dict[str, str] = {"imsUrl": DEFAULT_IMS_URL, "scopes": DEFAULT_SCOPES}

#: What the providers raise (as ``ValueError``) when no credential reaches their process.
MISSING_CREDENTIALS = (
    "no Adobe credentials: set adobe-cmk:clientId and `pulumi config set --secret "
    "adobe-cmk:clientSecret <secret>` (or ADOBE_CLIENT_ID / ADOBE_CLIENT_SECRET), or "
    "`pulumi config set --secret adobe-cmk:accessToken <token>` (or ADOBE_ACCESS_TOKEN)"
)


@dataclass(frozen=True)
class Part:
    """One resolved part of the credential and where it came from."""

    value: str = field(repr=False)
    source: str
    """What the user set: the full key (``adobe-cmk:clientId``), the environment variable
    (``ADOBE_CLIENT_ID``), or ``""`` for Adobe's default."""


@dataclass(frozen=True)
class Missing:
    """Why no credential can be used: the setting to fix and a one-line message saying how."""

    key: str
    message: str


@dataclass(frozen=True)
class Resolved:
    """The credential parts found; a part nobody set is ``None``."""

    client_id: Part | None
    client_secret: Part | None
    access_token: Part | None
    ims_url: Part
    scopes: Part

    @property
    def kind(self) -> str:
        """``client`` (a client credential, preferred), ``token``, or ``""`` for none."""
        if self.client_id and self.client_secret:
            return "client"
        return "token" if self.access_token else ""

    def missing(self) -> Missing | None:
        """``None`` when a credential is usable; else what is missing, naming what *is* set."""
        if self.kind:
            return None
        if self.client_id:
            return Missing(
                "adobe-cmk:clientSecret",
                f"adobe-cmk:clientSecret is not set ({self.client_id.source} is): `pulumi config "
                f"set --secret adobe-cmk:clientSecret <secret>`, or set {CLIENT_SECRET_ENV}",
            )
        if self.client_secret:
            return Missing(
                "adobe-cmk:clientId",
                f"adobe-cmk:clientId is not set ({self.client_secret.source} is): `pulumi config "
                f"set adobe-cmk:clientId <client id>`, or set {CLIENT_ID_ENV}",
            )
        return Missing(
            "adobe-cmk:clientSecret",
            "adobe-cmk:clientSecret and adobe-cmk:clientId are not set and there is no Adobe "
            "credential: `pulumi config set adobe-cmk:clientId <client id>` and `pulumi config "
            "set --secret adobe-cmk:clientSecret <secret>` (or ADOBE_CLIENT_ID / "
            "ADOBE_CLIENT_SECRET), or `pulumi config set --secret adobe-cmk:accessToken <token>` "
            "(or ADOBE_ACCESS_TOKEN)",
        )


def resolve(get: Callable[[str], Any], environ: Mapping[str, str]) -> Resolved:
    """The credential parts from ``get`` (full config key → value or ``None``), else ``environ``.

    Values are stripped; an empty value counts as not set. Pure: reads nothing else.
    """

    def part(name: str, env: str = "") -> Part | None:
        value = get(_key(name))
        text = "" if value is None else str(value).strip()
        if text:
            return Part(text, _key(name))
        text = environ.get(env, "").strip() if env else ""
        return Part(text, env) if text else None

    def tuning(name: str) -> Part:
        return part(name) or Part(DEFAULTS[name], "")

    return Resolved(
        client_id=part("clientId", CLIENT_ID_ENV),
        client_secret=part("clientSecret", CLIENT_SECRET_ENV),
        access_token=part("accessToken", ACCESS_TOKEN_ENV),
        ims_url=tuning("imsUrl"),
        scopes=tuning("scopes"),
    )


_lock = threading.Lock()
_sources: dict[tuple[str, ...], TokenSource] = {}


def token_source(get: Callable[[str], Any], environ: Mapping[str, str]) -> TokenSource:
    """The process-wide token source for the configured credential.

    One source per credential per process, so every resource of a run shares one token.
    Raises ``ValueError`` with :data:`MISSING_CREDENTIALS` when nothing is configured, and the
    credential's own one-line ``ValueError`` when a part is malformed.
    """
    found = resolve(get, environ)
    ims_url, scopes = found.ims_url.value, found.scopes.value
    check_text(found)
    if found.client_id and found.client_secret:
        client_id, client_secret = found.client_id.value, found.client_secret.value
        key: tuple[str, ...] = ("client", client_id, client_secret, ims_url, scopes)
    elif found.access_token:
        key = ("token", found.access_token.value)
    else:
        raise ValueError(MISSING_CREDENTIALS)

    with _lock:
        if key not in _sources:
            source: TokenSource
            if key[0] == "client":
                source = ImsTokenSource(ClientCredential(client_id, client_secret, scopes, ims_url))
            else:
                source = StaticToken(key[1])
            _sources[key] = source
        return _sources[key]


def check_text(found: Resolved) -> None:
    """Each part is one line of printable ASCII and the IMS URL may carry the secret: else a
    one-line ``ValueError`` naming the setting or variable it came from (never the value)."""
    for part in (found.client_id, found.client_secret, found.access_token):
        problem = credential_problem(part.value) if part else ""
        if part and problem:
            raise ValueError(f"{part.source} {problem}")
    try:
        check_endpoint(found.ims_url.value)
    except ValueError as exc:
        raise ValueError(f"{found.ims_url.source or _key('imsUrl')} {exc}") from None


def forget_all() -> None:
    """Drop every cached token source (tests that start several simulators use it)."""
    with _lock:
        _sources.clear()


def _key(name: str) -> str:
    return f"{NAMESPACE}:{name}"
