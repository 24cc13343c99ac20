"""The errors the Managed HSM client raises: the Platform client's hierarchy, HSM-worded.

Every error carries method, path, status, the HSM's ``error.code`` and message and its
``x-ms-request-id``; ``str()`` is one line with every registered secret masked
(:class:`~providers.platform.errors.PlatformError` does both).
"""

from __future__ import annotations

import json
from typing import Any

from providers.platform.errors import PlatformError
from providers.platform.http import Answer

#: What a 403 means here, and who fixes it: the deploying identity lacks a local HSM role, which
#: only an HSM administrator can grant (docs/runbooks.md, "Managed HSM").
GRANT_HINT = (
    "the deploying identity needs the local HSM roles Managed HSM Crypto User (keys) and "
    "Managed HSM Policy Administrator (role assignments): an HSM administrator grants them "
    "(docs/runbooks.md, Managed HSM)"
)

#: An HSM that is not activated answers every data-plane call with a refusal.
NOT_ACTIVATED_HINT = (
    "the HSM is not activated: its administrators activate it (security domain download); this "
    "program never does"
)


class HsmError(PlatformError):
    """Base of every error the HSM client raises."""


class HsmAuthenticationError(HsmError):
    """No token could be had, or the HSM refused it (401)."""


class HsmPermissionError(HsmError):
    """The token is valid but its identity lacks a local HSM role (403)."""


class HsmNotFoundError(HsmError):
    """The key or assignment does not exist (404)."""


class HsmConflictError(HsmError):
    """409: a soft-deleted key of that name, or an assignment name taken by another body."""


class HsmBadRequestError(HsmError):
    """The HSM refused the request as malformed (400 and other 4xx), or an HSM not activated."""


class HsmTransientError(HsmError):
    """429, 5xx, a dropped connection or a transient answer still there at the deadline."""


class HsmUnexpectedAnswerError(HsmError):
    """An answer of no plausible shape (not JSON, wrong fields, a redirect)."""


_FOR_STATUS: dict[int, type[HsmError]] = {
    400: HsmBadRequestError,
    401: HsmAuthenticationError,
    403: HsmPermissionError,
    404: HsmNotFoundError,
    409: HsmConflictError,
    429: HsmTransientError,
}


def hsm_code_and_message(content: bytes) -> tuple[str, str]:
    """``(code, message)`` from a KeyVaultError body ``{"error": {"code", "message"}}``."""
    try:
        body: Any = json.loads(content)
    except (ValueError, RecursionError):
        return "", ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", ""
    inner = error.get("innererror")
    code = str(error.get("code") or "")
    if isinstance(inner, dict) and inner.get("code"):
        code = f"{code}/{inner['code']}"
    return code, str(error.get("message") or "")


def error_for(method: str, path: str, answer: Answer, summary: str = "") -> HsmError:
    """The error for an answer that is not the one expected."""
    status = answer.status
    cls = _FOR_STATUS.get(status) or (HsmTransientError if status >= 500 else HsmBadRequestError)
    if 300 <= status < 400:
        cls = HsmUnexpectedAnswerError
    code, message = hsm_code_and_message(answer.content)
    text = summary or message or answer.reason or "unexpected answer"
    if "notactivated" in code.lower():
        cls, text = HsmBadRequestError, f"{text}; {NOT_ACTIVATED_HINT}"
    elif status == 403:
        text = f"{text}; {GRANT_HINT}"
    return cls(
        text,
        method=method,
        path=path,
        status=status,
        code=code,
        request_id=str(answer.headers.get("x-ms-request-id", "")),
    )
