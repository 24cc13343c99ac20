"""What an HTTP answer means: the one-line error it raises, or nothing for a 2xx.

A redirect is never followed with a credential, so it is an error naming only the host it points
to; a 429 on a POST is :class:`Throttled` (nothing was processed: safe to send again after
``Retry-After``); every other 4xx/5xx is the error class of :mod:`.errors` for its status, with
Adobe's code, message and ``x-request-id``.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from providers.platform import http
from providers.platform.decisions import retry_after_seconds
from providers.platform.errors import (
    AuthenticationError,
    PlatformError,
    TransientError,
    UnexpectedAnswerError,
    adobe_message,
    error_class_for_status,
)
from providers.platform.models import Unreadable, decode_json


class Throttled(TransientError):
    """A 429 answer to a POST: nothing was processed, so sending again is safe."""

    def __init__(self, error: PlatformError, retry_after: float) -> None:
        self.error = error
        self.retry_after = retry_after
        super().__init__(error.summary, method=error.method, path=error.path, status=error.status)


def raise_for(answer: http.Answer, method: str, path: str) -> None:
    """Raise the error an answer means; return for a 2xx."""
    if 300 <= answer.status < 400:
        location = urlsplit(str(answer.headers.get("Location", ""))).hostname or "elsewhere"
        raise UnexpectedAnswerError(
            f"answered with a redirect to {location}, which is never followed with a credential",
            method=method,
            path=path,
            status=answer.status,
            request_id=answer.request_id,
        )
    if answer.status < 400:
        return
    try:
        body = decode_json(answer.content)
    except Unreadable:
        body = None
    code, message = adobe_message(body)
    error_class = error_class_for_status(answer.status)
    if answer.status == 401:
        error_class, message = AuthenticationError, message or "access token refused"
    error = error_class(
        message or answer.reason or "request failed",
        method=method,
        path=path,
        status=answer.status,
        code=code,
        request_id=answer.request_id,
    )
    if answer.status == 429 and method == "POST":
        after = retry_after_seconds(
            str(answer.headers.get("Retry-After", "")),
            now=time.time(),
            default=1.0,
            cap=http.CALL_SECONDS + 1,
        )
        raise Throttled(error, after)
    raise error
