"""The client's errors in the user's words: which setting to change, which command to run.

The Platform client speaks of HTTP and Adobe (method, path, status, Adobe's code and message,
``x-request-id``); a provider call that fails raises ``RuntimeError(explain(error))``, whose text is
the last line the Pulumi CLI shows. Every message stays one line, with Adobe's part kept whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from cmk_facts import ADOBE_ADDRESS, DEFAULT_API_KEY, NAMESPACE
from providers.platform.errors import (
    AuthenticationError,
    JobFailedError,
    LostPostError,
    PermissionDeniedError,
    PlatformError,
    ResendRefusedError,
    TokenRefusedError,
    UnexpectedAnswerError,
    WaitTimeoutError,
)

#: Adobe's gateway code for an ``x-api-key`` it does not accept.
INVALID_API_KEY = "403003"

#: What usually makes Adobe's job fail, appended to a FAILED error.
FAILURE_CAUSES = (
    "usual causes: the role assignment for Adobe's app is missing or not yet propagated (Entra "
    "and RBAC can take minutes), the key is disabled or expired, or the vault firewall blocks "
    f"Adobe (allow {ADOBE_ADDRESS} and trusted Microsoft services)"
)


def explain(error: PlatformError, *, config_name: str = "") -> str:
    """One line: what went wrong at Adobe, and what the user can do about it."""
    text = str(error)
    if isinstance(error, ResendRefusedError):
        return (
            f"Adobe refused to replace BYOK configuration {config_name!r}: {text}; nothing else "
            f"was sent. To send the key under another name, set a new {NAMESPACE}:configName"
        )
    if isinstance(error, JobFailedError):
        return f"{text}; {FAILURE_CAUSES}"
    if isinstance(error, WaitTimeoutError):
        return (
            f"{text} ({NAMESPACE}:waitTimeoutMinutes); the job goes on at Adobe, and `pulumi up` "
            "again resumes waiting without a second POST"
        )
    if isinstance(error, LostPostError):
        return f"{text}; run `pulumi up` again"
    if isinstance(error, PermissionDeniedError) and error.code == INVALID_API_KEY:
        return (
            f"{text}; Adobe does not accept the x-api-key {NAMESPACE}:apiKey sends: set it to "
            f"what your Adobe credential's API uses (its client id, or {DEFAULT_API_KEY})"
        )
    if isinstance(error, PermissionDeniedError):
        return (
            f"{text}; check that the credential belongs to {NAMESPACE}:orgId's organisation and "
            "that its product profile has the 'Manage Customer Managed Keys' permission"
        )
    if isinstance(error, TokenRefusedError):
        return (
            f"the pre-issued access token ({NAMESPACE}:accessToken or ADOBE_ACCESS_TOKEN) was "
            "refused (expired or revoked) and cannot be renewed: use a new one, or a client "
            f"credential ({NAMESPACE}:clientId and {NAMESPACE}:clientSecret) so that tokens are "
            "renewed"
        )
    if isinstance(error, AuthenticationError):
        return (
            f"{text}; check {NAMESPACE}:clientId and {NAMESPACE}:clientSecret (or ADOBE_CLIENT_ID "
            f"/ ADOBE_CLIENT_SECRET), the credential's scopes ({NAMESPACE}:scopes) and "
            f"{NAMESPACE}:imsUrl"
        )
    if isinstance(error, UnexpectedAnswerError):
        return f"{text}; nothing was sent on account of it. Report it to Adobe with the request id"
    return text


@contextlib.contextmanager
def in_user_words(*, config_name: str = "") -> Iterator[None]:
    """Turn a client error raised in the block into ``RuntimeError(explain(error))``."""
    try:
        yield
    except PlatformError as error:
        raise RuntimeError(explain(error, config_name=config_name)) from None
