"""Secrets masked in every text that leaves the client: errors, progress lines and logs.

The process registers each secret it holds (the client secret, every access token) as it reads or
receives it; :func:`redact` replaces any of them with ``***`` wherever it appears, because Adobe's
and IMS's answers may echo a request (an ``error_description`` quoting the form, a problem body
quoting the ``Authorization`` header) and those answers end up in messages.
"""

from __future__ import annotations

import json
import logging
import threading
from urllib.parse import quote, quote_plus

MASK = "***"
#: Shorter strings are not registered: masking "a" everywhere would garble every message, and a
#: real secret or token is far longer.
MIN_SECRET_LENGTH = 8

_lock = threading.Lock()
_secrets: set[str] = set()


def register(secret: str) -> None:
    """Mask ``secret`` from now on, in this process, as sent and in the encodings an echo may
    carry it in (a form body's ``%2B``/``+``, a query's ``%20``, a JSON string's escapes)."""
    if len(secret) >= MIN_SECRET_LENGTH:
        forms = {secret, quote_plus(secret), quote(secret, safe=""), json.dumps(secret)[1:-1]}
        with _lock:
            _secrets.update(forms)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***`` (longest first)."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in a record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
