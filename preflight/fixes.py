"""What to change, for each answer of IMS and the Platform gateway the preflight may get.

The gateway's codes and their meaning are those of docs/errors.md ("Adobe refused the call");
IMS's are OAuth 2.0's ``error`` values. Each function returns one line, never a secret (the
errors' own text is redacted by :mod:`providers.platform.errors`).
"""

from __future__ import annotations

from cmk_facts import NAMESPACE
from providers.credentials import Resolved
from providers.platform.errors import (
    AuthenticationError,
    PermissionDeniedError,
    PlatformError,
    TransientError,
    UnexpectedAnswerError,
)

#: Adobe's gateway codes (docs/errors.md).
TOKEN_FOR_ANOTHER_ORG = "403025"  # noqa: S105 (a gateway code)
API_KEY_CODES = frozenset({"403000", "403003"})
REGION_MISSING = "403027"

_TRY_LATER = "Adobe is throttling or unavailable: run the preflight again in a few minutes"


def _where(resolved: Resolved, part: str) -> str:
    """Where the credential's ``part`` (client_id, client_secret) was set, for a message."""
    found = getattr(resolved, part)
    return found.source if found is not None else f"{NAMESPACE}:{part}"


def ims_fix(error: PlatformError, resolved: Resolved) -> str:
    """What to change when IMS issued no token."""
    client_id, secret = _where(resolved, "client_id"), _where(resolved, "client_secret")
    code = error.code
    if isinstance(error, TransientError) or (error.status or 0) == 429:
        return _TRY_LATER
    if isinstance(error, UnexpectedAnswerError):
        return f"{NAMESPACE}:imsUrl is not IMS's token endpoint: unset it for Adobe's"
    if code == "invalid_client":
        return (
            f"IMS does not know this client id and secret: copy both again from the credential's "
            f"page in the Adobe Developer Console into {client_id} and {secret} (a rotated secret "
            "invalidates the old one)"
        )
    if code == "invalid_scope":
        source = resolved.scopes.source or "the default scopes"
        return (
            f"the credential may not ask for a scope in {source}: unset {NAMESPACE}:scopes for "
            "Adobe's default, or use the scopes shown on the credential's page"
        )
    if code in ("unsupported_grant_type", "invalid_request"):
        return (
            f"IMS refused the form: {NAMESPACE}:imsUrl must be IMS's /ims/token/v3 endpoint and "
            "the credential an OAuth Server-to-Server one (not JWT, not user OAuth)"
        )
    return (
        f"IMS refused the credential: check {client_id} and {secret}, that the credential is "
        f"an OAuth Server-to-Server one still present in the Developer Console, "
        f"{NAMESPACE}:scopes and {NAMESPACE}:imsUrl"
    )


def platform_fix(error: PlatformError, *, static_token: bool, region_key: str) -> str:
    """What to change when the Platform API refused the credential or the organisation."""
    if isinstance(error, AuthenticationError):
        if static_token:
            return (
                "the pre-issued token is expired or revoked: get a new one, or use a client "
                "credential so tokens are renewed (adobe-cmk:accessToken or ADOBE_ACCESS_TOKEN)"
            )
        return (
            "Platform refused even a fresh token: add the Experience Platform API to the "
            f"credential's project in the Developer Console, and check {NAMESPACE}:imsUrl is the "
            "IMS Platform trusts"
        )
    if isinstance(error, PermissionDeniedError):
        if error.code == TOKEN_FOR_ANOTHER_ORG:
            return (
                f"the token is for another organisation: set {NAMESPACE}:orgId to the "
                "credential's Organization ID (its page in the Developer Console), or give the "
                "credential an Experience Platform product profile in this organisation"
            )
        if error.code in API_KEY_CODES:
            return (
                f"Adobe does not accept the x-api-key: `pulumi config set {NAMESPACE}:apiKey "
                "<value>` (acp_provisioning, or the credential's client id)"
            )
        if error.code == REGION_MISSING:
            return (
                f"Adobe knows no region for the organisation here: check {NAMESPACE}:orgId and "
                f"{region_key}, then ask Adobe support"
            )
        return (
            "the credential may not manage keys: add the permission 'Manage Customer Managed "
            "Keys' to its product profile in the Admin Console (Experience Platform → the "
            "profile → Permissions), and add the credential to that profile"
        )
    if isinstance(error, TransientError):
        return _TRY_LATER
    if isinstance(error, UnexpectedAnswerError):
        return (
            f"{NAMESPACE}:platformUrl (or {NAMESPACE}:region) does not point at the Platform "
            "API: unset platformUrl for the region's address"
        )
    return "report it to Adobe support with the x-request-id above"
