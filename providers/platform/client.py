"""Adobe Experience Platform's customer-managed-key API: one method per documented call.

Endpoints (under the Platform base URL):

- ``GET  /data/infrastructure/manager/byok/app-registration`` → 200 app registration, 404 none yet
- ``POST /data/infrastructure/manager/byok/app-registration`` (beta, no body) → 200 job
- ``POST /data/infrastructure/manager/customer/config`` → 200 configuration (current) or job (beta)
- ``GET  /data/infrastructure/manager/customer/config/<name>?configType=BYOK_CONFIG`` → 200 / 404

Every call sends ``Authorization``, ``x-api-key`` and ``x-gw-ims-org-id``, runs under one deadline
(:mod:`.http`), renews the token once on a 401, and raises the one-line errors of :mod:`.errors`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

from cmk_facts import DEFAULT_API_KEY
from providers.key_identifier import KeyIdentifier
from providers.platform import http
from providers.platform.answers import Throttled, raise_for
from providers.platform.decisions import refused_resend
from providers.platform.endpoints import check_endpoint
from providers.platform.errors import (
    BadRequestError,
    NotFoundError,
    ResendRefusedError,
    ThrottledError,
    TransientError,
    UnexpectedAnswerError,
)
from providers.platform.ims import TokenSource
from providers.platform.models import (
    CONFIG_TYPE,
    AppRegistrationDetails,
    ByokConfigDetails,
    Unreadable,
    byok_config_body,
    carries_configuration,
    decode_json,
    parse_app_registration,
    parse_byok_config,
)
from providers.platform.polling import (
    DEFAULT_POLL,
    REAL_CLOCK,
    Clock,
    PollSchedule,
    poll_until,
    sleep_within,
)

log = logging.getLogger(__name__)

APP_REGISTRATION_PATH = "/data/infrastructure/manager/byok/app-registration"
CONFIG_PATH = "/data/infrastructure/manager/customer/config"
_BYOK_QUERY = {"configType": CONFIG_TYPE}


class PlatformClient:
    """A client of the Platform CMK API for one organisation.

    Thread-safe: the provider server's worker threads share one client, its session and its
    cached token. ``poll`` spaces job checks, ``backoff(attempt)`` the re-sends and re-reads;
    ``clock`` drives every wait. All may be replaced in tests. ``ValueError`` for a ``base_url``
    that may not carry a credential (:func:`~.endpoints.check_endpoint`).
    """

    def __init__(
        self,
        *,
        base_url: str,
        org_id: str,
        tokens: TokenSource,
        api_key: str = DEFAULT_API_KEY,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
        poll: PollSchedule = DEFAULT_POLL,
        backoff: Callable[[int], float] = http.backoff_seconds,
        clock: Clock = REAL_CLOCK,
    ) -> None:
        self.base_url = check_endpoint(base_url)
        self.org_id = org_id
        self.api_key = api_key
        self.poll = poll
        self.clock = clock
        self._tokens = tokens
        self._session = session or http.build_session()
        self._timeout = timeout
        self.backoff = backoff

    def __repr__(self) -> str:
        return f"PlatformClient(base_url={self.base_url!r}, org_id={self.org_id!r})"

    # -- app registration -------------------------------------------------------------------

    def get_app_registration(self) -> AppRegistrationDetails | None:
        """``GET byok/app-registration`` (200); ``None`` on 404 (beta: not started yet)."""
        try:
            body, request_id = self._call("GET", APP_REGISTRATION_PATH)
        except NotFoundError:
            return None
        try:
            return parse_app_registration(body)
        except Unreadable as exc:
            raise TransientError(
                f"app registration answer: {exc}",
                method="GET",
                path=APP_REGISTRATION_PATH,
                request_id=request_id,
            ) from None

    def start_app_registration(self) -> None:
        """``POST byok/app-registration`` with no body (beta generation). A repeat is harmless,
        so a lost or throttled POST is sent again, within the call's deadline."""
        with http.deadline(http.CALL_SECONDS):
            attempt = 0
            while True:
                attempt += 1
                try:
                    self._call("POST", APP_REGISTRATION_PATH)
                    return
                except TransientError as exc:
                    wait = getattr(exc, "retry_after", None) or self.backoff(attempt)
                    if wait > http.remaining():
                        raise
                    self.clock.sleep(wait)

    def wait_for_app_registration(self, timeout_seconds: float) -> AppRegistrationDetails | None:
        """Poll ``GET byok/app-registration`` until it answers 200; ``None`` after
        ``timeout_seconds``. Transient errors count as "not yet"."""

        def check(_elapsed: float) -> AppRegistrationDetails | None:
            try:
                return self.get_app_registration()
            except TransientError as exc:
                log.warning("checking the app registration failed, will retry: %s", exc)
                return None

        return poll_until(check, timeout=timeout_seconds, schedule=self.poll, clock=self.clock)

    # -- BYOK configuration -----------------------------------------------------------------

    def get_byok_config(self, name: str) -> ByokConfigDetails | None:
        """``GET customer/config/<name>?configType=BYOK_CONFIG``. ``None`` when Adobe has none by
        that name: 404, or a 2xx with no configuration (empty, ``{}``, 204). Any other shape is an
        :class:`UnexpectedAnswerError`."""
        path = config_path(name)
        try:
            body, request_id = self._call("GET", path, params=_BYOK_QUERY)
        except NotFoundError:
            return None
        try:
            if not carries_configuration(body):
                return None
            return parse_byok_config(name, body, request_id)
        except Unreadable as exc:
            raise UnexpectedAnswerError(
                f"configuration {name!r}: the answer is {exc}",
                method="GET",
                path=path,
                request_id=request_id,
            ) from None

    def post_byok_config(
        self, name: str, key: KeyIdentifier, generation: str, *, existed: bool = False
    ) -> ByokConfigDetails | None:
        """``POST customer/config`` once: the configuration as the answer reports it, or ``None``
        when Adobe answered 2xx with a body that cannot be read (it was sent all the same).

        Sent again only after a 429 (nothing was processed), and :class:`ThrottledError` when its
        ``Retry-After`` ends past the deadline. A lost answer (no answer, a timeout, a 5xx)
        raises :class:`TransientError`: the caller looks the name up before anything is sent
        again. Adobe refusing to replace a configuration that ``existed`` raises
        :class:`ResendRefusedError`.
        """
        body = byok_config_body(name, self.org_id, key, generation)
        attempt = 0
        while True:
            attempt += 1
            try:
                answer, request_id = self._call("POST", CONFIG_PATH, json=body, read_json=False)
                break
            except Throttled as throttled:
                if not sleep_within(
                    self.clock, self.clock.now() + http.remaining(), throttled.retry_after
                ):
                    raise ThrottledError(
                        f"{throttled.summary} (Retry-After {throttled.retry_after:.0f} s ends "
                        "past the call's deadline)",
                        method="POST",
                        path=CONFIG_PATH,
                        status=throttled.status,
                        request_id=throttled.error.request_id,
                    ) from None
                log.warning(
                    "sending POST %s again after 429 (attempt %d)", CONFIG_PATH, attempt + 1
                )
            except BadRequestError as exc:
                if refused_resend(exc.status, exc.summary, existed=existed):
                    raise ResendRefusedError(
                        exc.summary,
                        method=exc.method,
                        path=exc.path,
                        status=exc.status,
                        code=exc.code,
                        request_id=exc.request_id,
                    ) from None
                raise
        try:
            return parse_byok_config(name, decode_json(answer), request_id)
        except Unreadable as exc:
            log.warning("Adobe accepted configuration %s but its answer is %s", name, exc)
            return None

    # -- plumbing -----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
        read_json: bool = True,
    ) -> tuple[Any, str]:
        """One call under the current deadline (or a fresh :data:`~.http.CALL_SECONDS`), with a
        token renewal on 401 → ``(parsed JSON, or the raw bytes without read_json; request id)``.

        A 429 on a POST raises :class:`Throttled`. An unreadable answer to a GET is read again.
        """
        with http.deadline(http.CALL_SECONDS):
            renewed, unreadable = False, 0
            while True:
                token = self._tokens.token()
                headers = {
                    "x-api-key": self.api_key,
                    "x-gw-ims-org-id": self.org_id,
                    "Accept": "application/json",
                }
                try:
                    answer = http.send(
                        self._session,
                        method,
                        self.base_url + path,
                        params=params,
                        json=json,
                        headers=headers,
                        auth=http.BearerAuth(token),
                        timeout=self._timeout,
                    )
                except http.NoAnswer as exc:
                    raise TransientError(f"no answer ({exc})", method=method, path=path) from None
                if answer.status == 401 and not renewed:
                    log.info("%s %s: token refused (401), renewing it once", method, path)
                    self._tokens.invalidate(token)
                    renewed = True
                    continue
                raise_for(answer, method, path)
                if not read_json:
                    return answer.content, answer.request_id
                try:
                    return decode_json(answer.content), answer.request_id
                except Unreadable:
                    # A truncated answer to a GET is read again (urllib3 retries statuses and
                    # connection errors only).
                    unreadable += 1
                    if method == "GET" and unreadable <= http.MAX_RETRIES:
                        wait = self.backoff(unreadable)
                        if wait < http.remaining():
                            log.warning(
                                "%s %s: answer is not valid JSON, reading it again", method, path
                            )
                            self.clock.sleep(wait)
                            continue
                    raise TransientError(
                        "Adobe's answer is not valid JSON",
                        method=method,
                        path=path,
                        status=answer.status,
                        request_id=answer.request_id,
                    ) from None


def config_path(name: str) -> str:
    """The path of the configuration named ``name``."""
    return f"{CONFIG_PATH}/{quote(name, safe='')}"
