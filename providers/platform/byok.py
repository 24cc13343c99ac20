"""The BYOK operation: bring Adobe's configuration to ``COMPLETED`` for a key, sending it at most
when needed, and never because an answer was ambiguous.

1. Look the name up. Completed for this key (or for a key the answer does not name) → adopted;
   running → waited for; absent, ``FAILED`` or provably another key → sent.
2. Send once. A lost answer is looked up (a few times, :data:`SETTLE_LOOKS`, as Adobe's GET may
   lag its POST) before anything is sent again, and a resend Adobe refuses because the
   configuration exists means the lost one landed; an answered POST whose body cannot be read was
   sent, and is followed by name. A 429 past the deadline fails at once.
3. Wait, accepting a terminal status only from an answer provably about this POST
   (:func:`~.decisions.about_this_post`): a stale ``COMPLETED`` for the old key is never done, a
   stale ``FAILED`` never this job's failure.
4. A job that ends ``FAILED`` is sent again up to ``failed_resends`` times, after growing delays
   (:data:`~.decisions.FAILED_RESEND_DELAYS_SECONDS`), all within the one deadline: on a fresh
   tenant Adobe's job may run before Azure makes its access effective.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from providers.key_identifier import KeyIdentifier
from providers.platform import http
from providers.platform.client import CONFIG_PATH, PlatformClient, config_path
from providers.platform.decisions import (
    FAILURE_STATUS,
    PENDING_STATUSES,
    SUCCESS_STATUS,
    TERMINAL_STATUSES,
    Action,
    about_this_post,
    decide_create,
    failed_resend_delay,
)
from providers.platform.errors import (
    JobFailedError,
    LostPostError,
    PlatformError,
    ResendRefusedError,
    ThrottledError,
    TransientError,
    WaitTimeoutError,
    one_line,
)
from providers.platform.models import ByokConfigDetails
from providers.platform.polling import HEARTBEAT_SECONDS, poll_until

log = logging.getLogger(__name__)

#: Looks at the name after a lost answer before it counts as not landed (Adobe's GET may lag its
#: POST), spaced by the poll schedule's minimum (5 s).
SETTLE_LOOKS = 3
#: Each FAILED attempt's reason is cut to this many characters, so that all fit in one error.
MAX_REASON = 160

#: Said with every heartbeat of a long wait: the CLI's Ctrl-C does not reach a dynamic provider.
STOPPING = (
    "Ctrl-C does not stop this wait; if pulumi is stopped, `pulumi up` again adopts Adobe's job "
    "(no second POST), or `pulumi refresh --clear-pending-creates` clears the pending create"
)


@dataclass
class _Watch:
    """What a wait has seen since its POST."""

    previous: ByokConfigDetails | None
    pending_seen: bool = False
    last: ByokConfigDetails | None = None
    stale_said: bool = False
    heartbeat_at: float = HEARTBEAT_SECONDS
    reasons: list[str] = field(default_factory=list)


def converge(
    client: PlatformClient,
    name: str,
    key: KeyIdentifier,
    generation: str,
    *,
    timeout_seconds: float,
    failed_resends: int = 0,
) -> ByokConfigDetails:
    """Adopt, wait for or send the configuration ``name`` for ``key`` until ``COMPLETED``.

    Raises :class:`JobFailedError` (every attempt's reason), :class:`WaitTimeoutError`,
    :class:`~.client.ResendRefusedError`, :class:`LostPostError` or the client's errors.
    """
    clock = client.clock
    deadline = clock.now() + timeout_seconds
    existing = client.get_byok_config(name)
    action = decide_create(existing, key)
    if action is Action.ADOPT:
        assert existing is not None
        if existing.holds(key) is None:
            log.info(
                "BYOK configuration %s is COMPLETED but Adobe's answer does not say which key it "
                "holds: kept as it is, the key could not be confirmed",
                name,
            )
        else:
            log.info("BYOK configuration %s is already COMPLETED for this key: adopted", name)
        return existing
    watch = _Watch(previous=existing)
    if action is Action.WAIT:
        log.info("BYOK configuration %s is still running at Adobe: waiting again", name)
        if existing is not None and existing.holds(key) is None:
            log.info("Adobe's answer does not say which key %s holds: not confirmed", name)
        watch.previous, watch.pending_seen = None, True
    else:
        _say_resending(existing, name)
        _send(client, name, key, generation, watch)
    resends = 0
    while True:
        done = _wait(client, name, key, watch, deadline)
        if done.status == SUCCESS_STATUS:
            return done
        watch.reasons.append(one_line(done.reason or "Adobe gave no reason", MAX_REASON))
        resends += 1
        delay = failed_resend_delay(resends)
        if resends > failed_resends or clock.now() + delay > deadline:
            raise _failed(name, done, watch.reasons, resends <= failed_resends)
        log.info(
            "BYOK configuration %s FAILED: %s; access may still be propagating; sending it again "
            "in %.0f s, attempt %d of %d. %s",
            name,
            watch.reasons[-1],
            delay,
            resends + 1,
            failed_resends + 1,
            STOPPING,
        )
        clock.sleep(delay)
        watch = _Watch(previous=done, reasons=watch.reasons)
        _send(client, name, key, generation, watch)


def _send(
    client: PlatformClient, name: str, key: KeyIdentifier, generation: str, watch: _Watch
) -> None:
    """POST once; when the answer is lost, look before sending again (within one call's time)."""
    attempt = 0
    with http.deadline(http.CALL_SECONDS):
        while True:
            attempt += 1
            existed = watch.previous is not None or attempt > 1
            try:
                sent = client.post_byok_config(name, key, generation, existed=existed)
            except ThrottledError:
                raise  # nothing was processed, and Adobe asks for more time than is left
            except ResendRefusedError:
                if attempt == 1:
                    raise
                log.info("Adobe says %s exists: the POST whose answer was lost landed", name)
                return
            except TransientError as lost:
                if _landed_anyway(client, name, key, watch, lost):
                    return
                wait = client.backoff(attempt)
                if wait >= http.remaining():
                    raise
                client.clock.sleep(wait)
                log.warning("sending POST %s again (attempt %d)", CONFIG_PATH, attempt + 1)
                continue
            status = sent.status if sent is not None else "accepted (answer unreadable)"
            log.info("sent BYOK configuration %s: %s", name, status or "accepted")
            return


def _landed_anyway(
    client: PlatformClient, name: str, key: KeyIdentifier, watch: _Watch, lost: PlatformError
) -> bool:
    """Whether the configuration a lost POST sent shows up within :data:`SETTLE_LOOKS` looks;
    :class:`LostPostError` (nothing sent again) when Adobe cannot be asked."""
    for look in range(SETTLE_LOOKS):
        if look:
            client.clock.sleep(client.poll.minimum)
        try:
            found = client.get_byok_config(name)
        except PlatformError as exc:
            raise LostPostError(
                f"the answer to sending BYOK configuration {name!r} was lost ({lost.summary}) "
                f"and looking it up failed too ({exc.summary}); it was not sent again (it may "
                "have landed): the next attempt looks it up first",
                method="POST",
                path=CONFIG_PATH,
                status=exc.status,
                request_id=exc.request_id or lost.request_id,
            ) from None
        if found is not None and about_this_post(found, watch.previous, key):
            log.info("the answer to POST %s was lost, but %s exists", CONFIG_PATH, name)
            return True
    return False


def _wait(
    client: PlatformClient, name: str, key: KeyIdentifier, watch: _Watch, deadline: float
) -> ByokConfigDetails:
    """Poll until a terminal status provably about this POST; WaitTimeoutError at ``deadline``."""
    clock = client.clock
    total_minutes = max(0.0, deadline - clock.now()) / 60

    def check(elapsed: float) -> ByokConfigDetails | None:
        try:
            with http.deadline(max(1.0, min(http.CALL_SECONDS, deadline - clock.now()))):
                found = client.get_byok_config(name)
        except TransientError as exc:
            log.warning("checking BYOK configuration %s failed, will retry: %s", name, exc)
            return None
        if found is None:
            return None
        if found.status not in TERMINAL_STATUSES:
            watch.pending_seen = True
        ours = about_this_post(found, watch.previous, key, pending_seen=watch.pending_seen)
        if ours and (watch.last is None or found.status != watch.last.status):
            log.info("BYOK configuration %s is %s", name, found.status or "unknown")
            if found.status not in PENDING_STATUSES | TERMINAL_STATUSES:
                log.warning("status %r is not one Adobe documents: still waiting", found.status)
            watch.last = found
        elif not ours and not watch.stale_said:
            log.info(
                "BYOK configuration %s: Adobe still shows the previous job (%s); waiting for "
                "this one",
                name,
                found.status,
            )
            watch.stale_said = True
        if elapsed >= watch.heartbeat_at:
            status = watch.last.status if watch.last else "not visible yet"
            log.info(
                "BYOK configuration %s still %s after %.0f min; waiting up to %.0f. %s",
                name,
                status,
                elapsed / 60,
                total_minutes,
                STOPPING,
            )
            watch.heartbeat_at += HEARTBEAT_SECONDS
        return found if ours and found.status in TERMINAL_STATUSES else None

    done = poll_until(
        check, timeout=max(0.0, deadline - clock.now()), schedule=client.poll, clock=clock
    )
    if done is None:
        last = watch.last.status if watch.last else ""
        stale = (
            "" if watch.last or not watch.stale_said else " (Adobe still showed the previous job)"
        )
        earlier = "; ".join(f"attempt {i}: {r}" for i, r in enumerate(watch.reasons, 1))
        raise WaitTimeoutError(
            f"BYOK configuration {name!r} is still {last or 'not visible'}{stale} after "
            f"{total_minutes:.3g} minutes" + (f" (earlier, {earlier})" if earlier else ""),
            last_status=last,
            method="GET",
            path=config_path(name),
        )
    return done


def _say_resending(existing: ByokConfigDetails | None, name: str) -> None:
    if existing is not None:
        held = f"{existing.key.versionless}" if existing.key else "a key it does not name"
        log.info(
            "BYOK configuration %s is %s for %s: sending it again", name, existing.status, held
        )


def _failed(
    name: str, done: ByokConfigDetails, reasons: list[str], out_of_time: bool
) -> JobFailedError:
    attempts = "; ".join(f"attempt {i}: {reason}" for i, reason in enumerate(reasons, 1))
    why = " (no time left in the wait to send it again)" if out_of_time else ""
    count = f" {len(reasons)} times" if len(reasons) > 1 else ""
    return JobFailedError(
        f"BYOK configuration {name!r} {FAILURE_STATUS}{count}{why}: {attempts}",
        method="GET",
        path=config_path(name),
        request_id=done.request_id,
    )
