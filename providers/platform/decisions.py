"""The client's decisions, as pure functions: no I/O, no clock.

- what a job status means (:data:`PENDING_STATUSES`, :data:`SUCCESS_STATUS`, ...);
- what to do with the configuration found before sending (:func:`decide_create`);
- whether an answer read after a POST is about that POST (:func:`about_this_post`): whether
  Adobe replaces a configuration sent again under the same name, and how soon its GET shows the
  new one, is undocumented, so a terminal status counts only when it is provably this POST's;
- whether Adobe refused a resend (:func:`refused_resend`), when to send again after an early
  ``FAILED`` (:func:`failed_resend_delay`), and how to read ``Retry-After``.
"""

from __future__ import annotations

import enum
from email.utils import parsedate_to_datetime

from providers.key_identifier import KeyIdentifier
from providers.platform.models import ByokConfigDetails

#: Job statuses. Anything not listed counts as still in progress until the deadline.
PENDING_STATUSES = frozenset({"NEW", "CREATED", "RUNNING", "UPDATE_EXISTING_RESOURCES"})
SUCCESS_STATUS = "COMPLETED"
FAILURE_STATUS = "FAILED"
TERMINAL_STATUSES = frozenset({SUCCESS_STATUS, FAILURE_STATUS})

#: Waits before sending again a configuration whose job FAILED on a first run: Entra replicates a
#: new service principal and Azure RBAC makes a new role assignment effective within minutes (up
#: to about ten), and Adobe's job checks access first. 2 min, then 5 min, then 5 min …: two
#: resends cover the documented ten minutes with the jobs' own time, without hammering Adobe.
FAILED_RESEND_DELAYS_SECONDS = (120.0, 300.0)


class Action(enum.Enum):
    """What ``create`` does with the configuration found under the name."""

    ADOPT = "adopt"
    """``COMPLETED`` for this key (or for a key the answer does not name): nothing is sent."""
    WAIT = "wait"
    """A job is running: wait for it, nothing is sent."""
    POST = "post"
    """Absent, ``FAILED``, or provably another key: send the configuration."""


def decide_create(existing: ByokConfigDetails | None, key: KeyIdentifier) -> Action:
    """What to do before sending. An answer that does not say which key it holds is never a
    reason to send: it is kept (the caller says the key could not be confirmed)."""
    if existing is None or existing.status == FAILURE_STATUS or existing.holds(key) is False:
        return Action.POST
    return Action.ADOPT if existing.status == SUCCESS_STATUS else Action.WAIT


def about_this_post(
    found: ByokConfigDetails,
    previous: ByokConfigDetails | None,
    key: KeyIdentifier,
    *,
    pending_seen: bool = False,
) -> bool:
    """Whether ``found``, read after a POST, is that POST's configuration and not a stale view of
    ``previous`` (what was there before it; ``None`` for nothing).

    Provably yes when nothing was there before, when the id changed, when it names ``key`` where
    the previous named another, when its status differs from the previous one (a job ran since),
    or when a non-terminal status was seen since the POST (``pending_seen``), or when it
    ``FAILED`` for another reason than the previous one.
    """
    if previous is None or pending_seen:
        return True
    if found.config_id and previous.config_id and found.config_id != previous.config_id:
        return True
    if found.holds(key) is True and previous.holds(key) is False:
        return True
    failed_again = found.status == FAILURE_STATUS and found.reason and previous.reason
    if failed_again and found.reason != previous.reason:  # failed again, for another reason
        return True
    return bool(found.status) and found.status != previous.status


def refused_resend(status: int | None, message: str, *, existed: bool) -> bool:
    """Whether an error answer to a POST refuses to replace a configuration that ``existed``
    (409, or a 400 saying it already exists). Nothing existed: no refusal of a resend."""
    text = message.lower()
    return existed and (status == 409 or (status == 400 and "already exist" in text))


def failed_resend_delay(resend: int) -> float:
    """Seconds to wait before resend number ``resend`` (1, 2, …) after a ``FAILED`` job."""
    index = min(resend, len(FAILED_RESEND_DELAYS_SECONDS)) - 1
    return FAILED_RESEND_DELAYS_SECONDS[max(0, index)]


def retry_after_seconds(value: str, *, now: float, default: float, cap: float) -> float:
    """``Retry-After`` in seconds, from ASCII digits or an HTTP date (``now`` is the epoch time),
    within ``[0, cap]``; ``default`` when absent or unreadable (negative, not ASCII, garbage)."""
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(cap, float(value[:12]))
    if not value or not value.isascii():
        return default
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return default
    try:
        return min(cap, max(0.0, when.timestamp() - now))
    except (OverflowError, ValueError, OSError):
        return default
