"""Which URLs may carry Adobe's credential: https anywhere, plain http only to real loopback.

One rule, used by the settings at ``preview`` and by the client itself (so ``refresh`` and
``destroy``, which configure providers from the stored stack config without running the program,
obey it too). The URL is read with the parser ``requests`` uses (urllib3's ``parse_url``) and must
read the same with the standard library's ``urlsplit``: anything the two could disagree on
(user info, backslashes, spaces, control or non-ASCII characters) is refused outright, so the host
that is checked is the host that receives the secret.
"""

from __future__ import annotations

import ipaddress
import string
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

#: Characters a credential-carrying URL may contain: printable ASCII without space, ``\``, ``@``
#: (user info), quotes, angle brackets or braces.
_ALLOWED = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]!$&'()*+,;=%")
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """``127.0.0.0/8``, ``::1`` or ``localhost`` — not ``0.0.0.0`` or any other address."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url: str, *, allow_query: bool = False) -> str:
    """``url`` with any trailing ``/`` removed, if it may carry a credential; else ``ValueError``
    with a one-line reason (the caller names the setting). A base URL (Platform, IMS, an HSM) has
    no query or fragment; ``allow_query`` is for a full request URL handed over as is."""
    if not isinstance(url, str) or not url:
        raise ValueError("is empty: it must be an https URL")
    bad = sorted({c for c in url if c not in _ALLOWED})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        raise ValueError(
            f"contains {shown}: only a plain https URL is accepted (no user info, spaces, "
            "backslashes or non-ASCII characters)"
        )
    try:
        parsed = parse_url(url)
    except LocationParseError:
        raise ValueError("is not a URL: it must look like https://host/path") from None
    split = urlsplit(url)
    scheme = (parsed.scheme or "").lower()
    # urllib3 keeps an IPv6 literal's brackets ("[::1]"), urlsplit drops them ("::1").
    host = (parsed.host or "").lower().strip("[]")
    if not host or host != (split.hostname or "").lower() or parsed.auth or split.username:
        raise ValueError("is not an unambiguous URL: it must look like https://host/path")
    if not allow_query and (split.query or split.fragment):
        raise ValueError("has a query or fragment: it must look like https://host/path")
    if scheme == "https":
        return url.rstrip("/")
    if scheme == "http" and is_loopback(host):
        return url.rstrip("/")
    if scheme == "http":
        raise ValueError(
            f"uses plain http to {host}: credentials travel only over https (plain http is "
            "accepted for 127.0.0.1, ::1 and localhost, the offline simulator)"
        )
    raise ValueError(f"has scheme {scheme or 'none'!r}: it must be an https URL")
