"""Where the Managed HSM bearer token comes from, in the provider process only.

A refresh runs without the program, so a token passed as an input would be stale: tokens are
minted here, as the same identity azure-native uses for the ARM calls, in azure-native's order
(each value from the stack config ``azure-native:<name>`` first, then the ``ARM_*`` variable):

1. ``ADOBE_CMK_HSM_TOKEN``: a pre-issued token from the environment (as ``ADOBE_ACCESS_TOKEN`` is
   on the Adobe side), used as is;
2. OIDC (``useOidc`` / ``ARM_USE_OIDC``) with ``clientId`` and ``tenantId``: a client assertion,
   a *fresh* GitHub ID token fetched for every Entra token request (``oidcRequestUrl`` /
   ``ARM_OIDC_REQUEST_URL`` or ``ACTIONS_ID_TOKEN_REQUEST_URL``, with its bearer
   ``oidcRequestToken``), or a fixed ``oidcToken`` / ``ARM_OIDC_TOKEN``;
3. a client secret (``clientSecret`` / ``ARM_CLIENT_SECRET``) with ``clientId`` and ``tenantId``;
4. a managed identity (``useMsi`` / ``ARM_USE_MSI``), user-assigned when ``clientId`` is set;
5. azure-identity's default chain (Azure CLI, environment, workload identity …).

The token's audience follows the HSM's host suffix (sovereign clouds): ``https://managedhsm.
azure.net`` and the matching Entra authority. No token or secret appears in a message or log.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from providers.platform.endpoints import check_endpoint, is_loopback
from providers.platform.errors import one_line
from providers.platform.http import build_session, deadline, send
from providers.platform.redaction import register

#: A token obtained elsewhere, used instead of minting one.
HSM_TOKEN_ENV = "ADOBE_CMK_HSM_TOKEN"  # noqa: S105 (a variable name)
#: The HSM host suffix → (token audience, Entra authority host).
CLOUDS: dict[str, tuple[str, str]] = {
    "managedhsm.azure.net": ("https://managedhsm.azure.net", "login.microsoftonline.com"),
    "managedhsm.azure.cn": ("https://managedhsm.azure.cn", "login.chinacloudapi.cn"),
    "managedhsm.usgovcloudapi.net": (
        "https://managedhsm.usgovcloudapi.net",
        "login.microsoftonline.us",
    ),
}
PUBLIC_SUFFIX = "managedhsm.azure.net"
#: GitHub's audience for Entra workload identity federation (azure/login uses the same).
OIDC_AUDIENCE = "api://AzureADTokenExchange"
#: Renew a minted token this long before it expires.
RENEW_BEFORE_SECONDS = 300.0
#: The deadline of one GitHub ID-token request.
OIDC_REQUEST_SECONDS = 30.0


class HsmTokens(Protocol):
    """What the client needs: a token now, and forgetting one the HSM refused."""

    def token(self) -> str: ...

    def invalidate(self) -> None: ...


@dataclass(frozen=True)
class Cloud:
    """The token audience and Entra authority of an HSM host."""

    audience: str
    authority: str

    @property
    def scope(self) -> str:
        return f"{self.audience}/.default"


def cloud_of(hsm_uri: str) -> Cloud:
    """By host suffix; a loopback stand-in is treated as the public cloud."""
    host = (urlsplit(hsm_uri).hostname or "").lower()
    for suffix, (audience, authority) in CLOUDS.items():
        if host.endswith(f".{suffix}"):
            return Cloud(audience, authority)
    if is_loopback(host):
        audience, authority = CLOUDS[PUBLIC_SUFFIX]
        return Cloud(audience, authority)
    raise ValueError(f"{hsm_uri!r} is not a Managed HSM address")


class StaticToken:
    """A pre-issued token; it cannot be renewed."""

    def __init__(self, token: str) -> None:
        register(token)
        self._token = token

    def token(self) -> str:
        return self._token

    def invalidate(self) -> None:
        """Nothing to renew: the next call sends the same token (and fails the same way)."""

    def __repr__(self) -> str:
        return "StaticToken(***)"


class CredentialTokens:
    """Tokens from an azure-identity credential for one scope, cached until near expiry."""

    def __init__(
        self, credential: Any, scope: str, *, now: Callable[[], float] = time.time
    ) -> None:
        self.credential = credential
        self.scope = scope
        self._now = now
        self._lock = threading.Lock()
        self._token = ""
        self._expires = 0.0

    def token(self) -> str:
        with self._lock:
            if not self._token or self._now() >= self._expires - RENEW_BEFORE_SECONDS:
                try:
                    access = self.credential.get_token(self.scope)
                except Exception as exc:
                    # azure-identity's messages name the credential and Entra's reason and may
                    # run to many lines; an echo of a secret is masked *before* the cut, or one
                    # straddling it would keep its first characters.
                    reason = one_line(str(exc), 400)
                    raise PermissionError(
                        f"no Managed HSM token ({type(self.credential).__name__}): {reason}"
                    ) from None
                register(access.token)
                self._token, self._expires = access.token, float(access.expires_on)
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = ""

    def __repr__(self) -> str:
        return f"CredentialTokens({type(self.credential).__name__}, {self.scope!r})"


def token_source(hsm_uri: str, get: Callable[[str], Any], environ: Mapping[str, str]) -> HsmTokens:
    """The token source for ``hsm_uri``, chosen in the order of the module docstring."""
    static = environ.get(HSM_TOKEN_ENV, "").strip()
    if static:
        return StaticToken(static)
    cloud = cloud_of(hsm_uri)
    return CredentialTokens(build_credential(cloud, get, environ), cloud.scope)


def build_credential(cloud: Cloud, get: Callable[[str], Any], environ: Mapping[str, str]) -> Any:
    """The azure-identity credential azure-native would authenticate with."""
    from azure.identity import (
        ClientAssertionCredential,
        ClientSecretCredential,
        DefaultAzureCredential,
        ManagedIdentityCredential,
    )

    def value(name: str, *variables: str) -> str:
        configured = get(f"azure-native:{name}")
        if configured not in (None, ""):
            return str(configured).strip()
        for variable in variables:
            if environ.get(variable, "").strip():
                return environ[variable].strip()
        return ""

    def flag(name: str, variable: str) -> bool:
        return value(name, variable).lower() == "true"

    client_id = value("clientId", "ARM_CLIENT_ID")
    tenant_id = value("tenantId", "ARM_TENANT_ID")
    authority = cloud.authority
    if flag("useOidc", "ARM_USE_OIDC") and client_id and tenant_id:
        fixed = value("oidcToken", "ARM_OIDC_TOKEN")
        request_url = value(
            "oidcRequestUrl", "ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"
        )
        request_token = value(
            "oidcRequestToken", "ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
        )
        if fixed:
            register(fixed)
            assertion: Callable[[], str] = lambda: fixed  # noqa: E731
        elif request_url and request_token:
            assertion = GitHubIdToken(request_url, request_token)
        else:
            assertion = _missing_oidc
        return ClientAssertionCredential(tenant_id, client_id, assertion, authority=authority)
    secret = value("clientSecret", "ARM_CLIENT_SECRET")
    if secret and client_id and tenant_id:
        register(secret)
        return ClientSecretCredential(tenant_id, client_id, secret, authority=authority)
    if flag("useMsi", "ARM_USE_MSI"):
        return ManagedIdentityCredential(client_id=client_id or None)
    return DefaultAzureCredential(authority=authority, exclude_interactive_browser_credential=True)


class GitHubIdToken:
    """A fresh GitHub Actions ID token per call: ``GET <request url>&audience=…`` with the
    request token as bearer → ``{"value": <jwt>}``. GitHub's tokens live minutes, and Entra
    refuses an expired assertion, so none is kept."""

    def __init__(self, request_url: str, request_token: str) -> None:
        self.url = check_endpoint(request_url, allow_query=True)
        register(request_token)
        self._request_token = request_token
        self._session = build_session()

    def __call__(self) -> str:
        joiner = "&" if "?" in self.url else "?"
        url = f"{self.url}{joiner}audience={OIDC_AUDIENCE}"
        with deadline(OIDC_REQUEST_SECONDS):
            answer = send(
                self._session,
                "GET",
                url,
                headers={"Authorization": f"Bearer {self._request_token}"},
            )
        if answer.status != 200:
            raise PermissionError(f"GitHub's ID token endpoint answered HTTP {answer.status}")
        try:
            token = json.loads(answer.content).get("value")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise PermissionError("GitHub's ID token endpoint answered without a token")
        register(token)
        return token

    def __repr__(self) -> str:
        return "GitHubIdToken(***)"


def _missing_oidc() -> str:
    raise PermissionError(
        "azure-native:useOidc (ARM_USE_OIDC) is true but there is no ID token: set "
        "ARM_OIDC_TOKEN, or ARM_OIDC_REQUEST_URL and ARM_OIDC_REQUEST_TOKEN (GitHub Actions sets "
        "ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN with `permissions: id-token: write`)"
    )
