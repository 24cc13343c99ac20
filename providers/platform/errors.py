"""The errors the Platform API client raises.

One flat hierarchy under :class:`PlatformError`. Every error carries what Adobe support asks for
(method, path, HTTP status, Adobe's code and message, ``x-request-id``) and its ``str()`` is one
line, bounded in length, with every secret the process holds masked (:mod:`.redaction`): no error
ever holds an access token, a client secret or a request header, even when Adobe echoes one.
"""

from __future__ import annotations

from typing import Any

from providers.platform.redaction import redact

#: The longest Adobe text (message, code, request id) kept in an error: a hostile or broken
#: answer must not turn one line into a page.
MAX_TEXT = 1200


class PlatformError(Exception):
    """Base of every error the client raises; ``str()`` is a single line."""

    def __init__(
        self,
        summary: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        code: str = "",
        request_id: str = "",
    ) -> None:
        self.summary = one_line(summary)
        self.method = method
        self.path = path
        self.status = status
        self.code = one_line(code, 80)
        self.request_id = one_line(request_id, 120)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = []
        if self.method or self.path:
            parts.append(f"{self.method} {self.path}".strip())
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"[{self.code}]")
        text = " ".join(parts)
        text = f"{text}: {self.summary}" if text else self.summary
        if self.request_id:
            text += f" (x-request-id: {self.request_id})"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__str__()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep errors picklable (they may cross the dynamic-provider boundary) without the
        # default reduce, which would call __init__ with the formatted message only.
        return (_rebuild, (type(self), self.__dict__.copy()))


class AuthenticationError(PlatformError):
    """IMS refused the credential, or Platform refused a fresh token (401)."""


class TokenRefusedError(AuthenticationError):
    """Platform refused a pre-issued token, which cannot be renewed."""


class PermissionDeniedError(PlatformError):
    """The token is valid but not allowed this (403): missing product permission or wrong org."""


class NotFoundError(PlatformError):
    """The object does not exist (404)."""


class BadRequestError(PlatformError):
    """Adobe rejected the request as malformed (400, 405, 409, 415, 422)."""


class UnexpectedAnswerError(PlatformError):
    """An answer that fits none of the shapes Adobe may plausibly give (or a redirect): nothing
    more is sent on its account."""


class TransientError(PlatformError):
    """Throttling (429), a server error (5xx), a timeout, a dropped connection or an unreadable
    answer, still failing when the retry budget or deadline ran out."""


class ThrottledError(TransientError):
    """A 429 whose ``Retry-After`` ends past the call's deadline: nothing was processed, and
    nothing is sent again in this call."""


class LostPostError(TransientError):
    """The answer to a POST was lost and Adobe did not show the configuration: it was not sent
    again (it may have landed)."""


class ResendRefusedError(BadRequestError):
    """Adobe refused a configuration sent again under a name it has (409, or "already exists")."""


class JobFailedError(PlatformError):
    """A BYOK configuration (or app registration) job ended ``FAILED``."""


class WaitTimeoutError(PlatformError):
    """A job did not finish before its deadline; it may still finish at Adobe."""

    def __init__(self, summary: str, *, last_status: str = "", **kwargs: Any) -> None:
        self.last_status = last_status
        super().__init__(summary, **kwargs)


#: HTTP status → error class; other statuses map by class (4xx bad request, 5xx transient).
ERROR_FOR_STATUS: dict[int, type[PlatformError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: TransientError,
    429: TransientError,
}


def error_class_for_status(status: int) -> type[PlatformError]:
    """The error class for an HTTP status (see :data:`ERROR_FOR_STATUS`)."""
    if status in ERROR_FOR_STATUS:
        return ERROR_FOR_STATUS[status]
    return TransientError if status >= 500 else BadRequestError


def adobe_message(body: Any) -> tuple[str, str]:
    """``(code, message)`` from any of Adobe's error bodies.

    Gateway errors are ``{"error_code", "message"}``, service errors problem-style
    ``{"title", "detail"}``, IMS ``{"error", "error_description"}``; else ``("", "")``.
    """
    if not isinstance(body, dict):
        return "", ""
    code = str(body.get("error_code") or body.get("error") or body.get("type") or "")
    message_parts = [
        str(body[k])
        for k in ("message", "title", "detail", "error_description", "errorMessage")
        if body.get(k)
    ]
    return code, ": ".join(message_parts)


def one_line(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` on one line, secrets masked, at most ``limit`` characters."""
    flat = " ".join(redact(str(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _rebuild(cls: type[PlatformError], state: dict[str, Any]) -> PlatformError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error.__str__())
    return error
