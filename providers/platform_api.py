"""Adobe Experience Platform's customer-managed-key API: the one place this project calls Adobe.

:class:`PlatformClient` knows nothing of Pulumi. It sends the headers every CMK call needs
(``Authorization``, ``x-api-key: acp_provisioning``, ``x-gw-ims-org-id``), retries what is
transient (see :mod:`providers.transport`), renews a token once on a 401, never POSTs a BYOK
configuration twice, raises the one-line errors of :mod:`providers.errors`, and waits for jobs.

Endpoints (under the Platform base URL):

- ``GET  /data/infrastructure/manager/byok/app-registration`` → 200 app registration, 404 none yet
- ``POST /data/infrastructure/manager/byok/app-registration`` (beta, no body) → 200 job
- ``POST /data/infrastructure/manager/customer/config`` → 200 configuration (current) or job (beta)
- ``GET  /data/infrastructure/manager/customer/config/<name>?configType=BYOK_CONFIG`` → 200 / 404
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar, cast
from urllib.parse import quote

import requests
from requests.auth import AuthBase

from providers.errors import (
    AuthenticationError,
    JobFailedError,
    NotFoundError,
    PlatformError,
    TransientError,
    WaitTimeoutError,
    adobe_message,
    error_class_for_status,
)
from providers.ims import TokenSource
from providers.key_identifier import KeyIdentifier, parse_key_identifier
from providers.transport import (
    DEFAULT_TIMEOUT,
    MAX_RETRIES,
    RETRY_DEADLINE_SECONDS,
    backoff_seconds,
    build_session,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

ApiGeneration = Literal["current", "beta"]
API_GENERATIONS: tuple[str, ...] = ("current", "beta")

API_KEY = "acp_provisioning"
APP_REGISTRATION_PATH = "/data/infrastructure/manager/byok/app-registration"
CONFIG_PATH = "/data/infrastructure/manager/customer/config"

#: Job statuses. Anything not listed counts as still in progress until the deadline.
PENDING_STATUSES = frozenset({"NEW", "CREATED", "RUNNING", "UPDATE_EXISTING_RESOURCES"})
SUCCESS_STATUS = "COMPLETED"
FAILURE_STATUS = "FAILED"

#: Job polling. Checks come every 5 s at first (the ``retryDelayInSeconds`` of Adobe's own job
#: objects), then every tenth of the time waited so far, at most every 30 s: a job is noticed at
#: most 10 % of its own duration late (5 s for short ones), and a job of an hour costs about 140
#: requests instead of the 720 of fixed 5-second polling. ``bench/bench_byok_up.py`` measures it.
POLL_MIN_SECONDS = 5.0
POLL_FRACTION_OF_ELAPSED = 0.1
POLL_MAX_SECONDS = 30.0

_REGION = re.compile(r"^[a-z]{2,5}[0-9]{1,2}$")
#: Configuration names Adobe accepts (it reads them back in a URL path; case-sensitive).
CONFIG_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ORG_ID = re.compile(r"^[A-Za-z0-9]+@AdobeOrg$")


def platform_url_for_region(region: str) -> str:
    """``va7`` → ``https://platform.adobe.io``; any other region → ``https://platform-<region>.adobe.io``."""
    if not _REGION.match(region or ""):
        raise ValueError(
            f"region {region!r} is not a Platform region; use e.g. va7, nld2, aus5, can2, gbr9"
        )
    return "https://platform.adobe.io" if region == "va7" else f"https://platform-{region}.adobe.io"


@dataclass(frozen=True)
class AppRegistrationDetails:
    """Adobe's CMK multi-tenant application for the organisation."""

    application_id: str
    application_name: str
    application_uri: str
    consent_url: str


@dataclass(frozen=True)
class ByokConfigDetails:
    """A BYOK configuration as Adobe reports it, in either API generation's shape.

    ``name`` is the name that was asked for (Adobe's echo is not reliable). ``vault_url`` is
    ``https://<vault>.vault.azure.net``; ``key_version`` may be empty when Adobe does not say.
    """

    name: str
    status: str
    config_id: str
    vault_url: str
    key_name: str
    key_version: str
    reason: str = ""
    request_id: str = ""

    @property
    def finished(self) -> bool:
        """``COMPLETED`` or ``FAILED``."""
        return self.status in (SUCCESS_STATUS, FAILURE_STATUS)

    def refers_to(self, key: KeyIdentifier) -> bool:
        """Whether this configuration names ``key``'s vault and key name (any version)."""
        return (self.vault_url.lower(), self.key_name.lower()) == (key.vault_url, key.name.lower())


def byok_config_body(
    name: str, org_id: str, key: KeyIdentifier, generation: ApiGeneration
) -> dict[str, Any]:
    """The ``POST customer/config`` body: ``keyVaultKeyIdentifier`` (current) or the seed's
    ``keyVaultUri`` + ``keyName`` (beta). Both carry the versioned identifier."""
    config_data: dict[str, str] = {"providerType": "AZURE_KEYVAULT"}
    if generation == "beta":
        config_data.update(keyVaultUri=key.versioned, keyName=key.name)
    else:
        config_data["keyVaultKeyIdentifier"] = key.versioned
    return {"name": name, "type": "BYOK_CONFIG", "imsOrgId": org_id, "configData": config_data}


def parse_byok_config(name: str, body: Any, request_id: str = "") -> ByokConfigDetails:
    """Any of Adobe's configuration answers → :class:`ByokConfigDetails`.

    Shapes: the status object (``GET …/config/<name>``), the current POST answer
    (``{"id", "status", "config": {…}}``) and the seed's job object (``jobData.config``).
    """
    if not isinstance(body, dict):
        raise TransientError("configuration answer is not a JSON object", request_id=request_id)
    config: dict[str, Any] = body
    if isinstance(body.get("config"), dict):
        config = body["config"]
    elif isinstance(body.get("jobData"), dict) and isinstance(body["jobData"].get("config"), dict):
        config = body["jobData"]["config"]
        request_id = request_id or str(body["jobData"].get("x-request-id") or "")
    status = str(config.get("status") or body.get("status") or "").upper()
    data = config.get("configData")
    if not isinstance(data, dict):
        data = {}
    vault_url, key_name, key_version = _key_from_config_data(data)
    reason = _failure_reason(body) if status == FAILURE_STATUS else ""
    return ByokConfigDetails(
        name=name,
        status=status,
        config_id=str(body.get("id") or config.get("id") or ""),
        vault_url=vault_url,
        key_name=key_name,
        key_version=key_version,
        reason=reason,
        request_id=request_id,
    )


def landed(
    found: ByokConfigDetails, previous: ByokConfigDetails | None, key: KeyIdentifier
) -> bool:
    """Whether ``found`` (looked up after a POST whose answer was lost) is that POST's doing.

    Yes when nothing was there before, when the id changed, or when the configuration now names
    ``key`` and is not ``FAILED`` where before it named another key or had failed (in case Adobe
    updates a configuration in place, keeping its id: unconfirmed either way).
    """
    if previous is None or found.config_id != previous.config_id:
        return True
    was_stale = previous.status == FAILURE_STATUS or not previous.refers_to(key)
    return was_stale and found.refers_to(key) and found.status != FAILURE_STATUS


def parse_app_registration(body: Any, request_id: str = "") -> AppRegistrationDetails:
    """``GET byok/app-registration`` → :class:`AppRegistrationDetails`."""
    if not isinstance(body, dict) or not body.get("applicationId"):
        raise TransientError("app registration answer has no applicationId", request_id=request_id)
    return AppRegistrationDetails(
        application_id=str(body["applicationId"]),
        application_name=str(body.get("name") or body.get("id") or ""),
        application_uri=str(body.get("applicationUri") or ""),
        consent_url=str(body.get("applicationRedirectUrl") or ""),
    )


@dataclass(frozen=True)
class PollSchedule:
    """Seconds between job checks: ``fraction`` of the time waited so far, within
    ``[minimum, maximum]``. ``PollSchedule(5, 0, 5)`` is plain fixed 5-second polling."""

    minimum: float = POLL_MIN_SECONDS
    fraction: float = POLL_FRACTION_OF_ELAPSED
    maximum: float = POLL_MAX_SECONDS

    def interval(self, elapsed: float) -> float:
        """The wait before the next check, ``elapsed`` seconds after the wait began."""
        return min(self.maximum, max(self.minimum, elapsed * self.fraction))


class _BearerAuth(AuthBase):
    """Sets ``Authorization`` per request (and keeps requests from using .netrc instead)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "_BearerAuth(***)"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


class PlatformClient:
    """A client of the Platform CMK API for one organisation.

    Thread-safe: the provider server's worker threads share one client, its session and its
    cached token. ``poll`` spaces job checks, ``backoff(attempt)`` the POSTs sent again and the
    answers read again; ``clock`` and ``sleep`` drive every wait. All may be replaced in tests.
    """

    def __init__(
        self,
        *,
        base_url: str,
        org_id: str,
        tokens: TokenSource,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry_deadline_seconds: float = RETRY_DEADLINE_SECONDS,
        poll: PollSchedule = PollSchedule(),
        backoff: Callable[[int], float] = backoff_seconds,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.org_id = org_id
        self._tokens = tokens
        self._session = session or build_session(deadline_seconds=retry_deadline_seconds)
        self._timeout = timeout
        self._retry_deadline = retry_deadline_seconds
        self._poll = poll
        self._backoff = backoff
        self._clock = clock
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"PlatformClient(base_url={self.base_url!r}, org_id={self.org_id!r})"

    # -- app registration -------------------------------------------------------------------

    def get_app_registration(self) -> AppRegistrationDetails | None:
        """``GET byok/app-registration`` (200); ``None`` on 404 (beta: not started yet)."""
        try:
            body, request_id = self._send("GET", APP_REGISTRATION_PATH)
        except NotFoundError:
            return None
        return parse_app_registration(body, request_id)

    def start_app_registration(self) -> None:
        """``POST byok/app-registration`` with no body (beta generation). A repeat is harmless, so
        a lost or throttled POST is simply sent again, within the retry deadline."""
        self._post(APP_REGISTRATION_PATH, None, after_lost=lambda _error: None)

    def wait_for_app_registration(self, timeout_seconds: float) -> AppRegistrationDetails:
        """Poll ``GET byok/app-registration`` until it answers 200 or ``timeout_seconds`` pass."""
        started = self._clock()
        deadline = started + timeout_seconds
        while True:
            try:
                details = self.get_app_registration()
            except TransientError as exc:
                log.warning("checking the app registration failed, will retry: %s", exc)
                details = None
            if details is not None:
                return details
            if not self._sleep_before(deadline, self._poll.interval(self._clock() - started)):
                raise WaitTimeoutError(
                    f"the app registration did not appear within {timeout_seconds:g}s; "
                    "run `pulumi up` again to keep waiting",
                    method="GET",
                    path=APP_REGISTRATION_PATH,
                )

    # -- BYOK configuration -----------------------------------------------------------------

    def get_byok_config(self, name: str) -> ByokConfigDetails | None:
        """``GET customer/config/<name>?configType=BYOK_CONFIG`` (200); ``None`` on 404."""
        try:
            body, request_id = self._send("GET", _config_path(name), params=_BYOK_QUERY)
        except NotFoundError:
            return None
        return parse_byok_config(name, body, request_id)

    def create_byok_config(
        self,
        name: str,
        key: KeyIdentifier,
        generation: ApiGeneration = "current",
        *,
        previous: ByokConfigDetails | None = None,
    ) -> ByokConfigDetails:
        """``POST customer/config`` (200): send the configuration; Adobe starts its job.

        Never sends it twice: when the answer is lost (dropped connection, timeout, 5xx) the name
        is looked up first and compared with ``previous``, the configuration as it was before
        this call (``None`` if there was none), by :func:`landed`. Throttled (429) requests are
        sent again after ``Retry-After``.
        """
        body = byok_config_body(name, self.org_id, key, generation)

        def after_lost(lost: TransientError) -> ByokConfigDetails | None:
            # The POST may or may not have reached Adobe: look before sending again. A lookup
            # that cannot answer (its own retries spent) leaves the fate unknown, and then
            # nothing is sent: `pulumi up` again starts with a lookup.
            found = self._lookup_after_lost_post(name, lost)
            if found is not None and landed(found, previous, key):
                log.info("the answer to POST %s was lost, but %s exists", CONFIG_PATH, name)
                return found
            return None

        sent = self._post(
            CONFIG_PATH,
            body,
            after_lost=after_lost,
            parse=lambda a, r: parse_byok_config(name, a, r),
        )
        log.info("sent BYOK configuration %s: %s", name, sent.status or "accepted")
        return sent

    def wait_for_byok_config(
        self,
        name: str,
        timeout_seconds: float,
        on_status: Callable[[ByokConfigDetails], None] | None = None,
    ) -> ByokConfigDetails:
        """Poll ``GET customer/config/<name>`` until ``COMPLETED`` and return it.

        Calls ``on_status`` on the first answer and on every status change. Raises
        :class:`JobFailedError` on ``FAILED`` (with Adobe's reason) and :class:`WaitTimeoutError`
        (naming the configuration and its last status) when ``timeout_seconds`` pass first.
        Transient errors and a not-yet-visible configuration count as "still pending".
        """
        started = self._clock()
        deadline = started + timeout_seconds
        last: ByokConfigDetails | None = None
        while True:
            try:
                current = self.get_byok_config(name)
            except TransientError as exc:
                log.warning("checking BYOK configuration %s failed, will retry: %s", name, exc)
                current = last
            if current is not None and (last is None or current.status != last.status):
                log.info("BYOK configuration %s is %s", name, current.status or "unknown")
                if current.status not in PENDING_STATUSES | {SUCCESS_STATUS, FAILURE_STATUS}:
                    log.warning(
                        "status %r is not one Adobe documents: still waiting", current.status
                    )
                if on_status is not None:
                    on_status(current)
            last = current or last
            if current is not None and current.status == SUCCESS_STATUS:
                return current
            if current is not None and current.status == FAILURE_STATUS:
                reason = current.reason or "Adobe gave no reason"
                raise JobFailedError(
                    f"BYOK configuration {name!r} FAILED: {reason}",
                    method="GET",
                    path=_config_path(name),
                    request_id=current.request_id,
                )
            if not self._sleep_before(deadline, self._poll.interval(self._clock() - started)):
                status = last.status if last is not None else "not visible yet"
                raise WaitTimeoutError(
                    f"BYOK configuration {name!r} is still {status} after {timeout_seconds:g}s",
                    last_status=last.status if last is not None else "",
                    method="GET",
                    path=_config_path(name),
                )

    # -- plumbing -----------------------------------------------------------------------------

    def _post(
        self,
        path: str,
        body: dict[str, Any] | None,
        *,
        after_lost: Callable[[TransientError], T | None],
        parse: Callable[[Any, str], T] | None = None,
    ) -> T:
        """POST, sent again after a 429 (nothing was processed) once ``Retry-After`` has passed.

        When the POST's fate is unknown (dropped, timed out, 5xx), ``after_lost(error)`` decides:
        what it returns is the result, ``None`` means "send again". Gives up at the retry deadline
        with the last error.
        """
        deadline = self._clock() + self._retry_deadline
        attempt = 0
        while True:
            attempt += 1
            try:
                answer, request_id = self._send("POST", path, json=body)
                return parse(answer, request_id) if parse else cast(T, None)
            except _Throttled as throttled:
                wait = throttled.retry_after
                error: PlatformError = throttled.error
            except TransientError as exc:
                found = after_lost(exc)
                if found is not None:
                    return found
                wait, error = self._backoff(attempt), exc
            if not self._sleep_before(deadline, wait, allow_partial=False):
                raise error
            log.warning("sending POST %s again (attempt %d, after %.1fs)", path, attempt + 1, wait)

    def _lookup_after_lost_post(self, name: str, lost: TransientError) -> ByokConfigDetails | None:
        try:
            return self.get_byok_config(name)
        except TransientError as exc:
            raise TransientError(
                f"the answer to sending BYOK configuration {name!r} was lost ({lost.summary}) "
                f"and looking it up failed too ({exc.summary}); it was not sent again: run "
                "`pulumi up` again, which looks it up first",
                method="POST",
                path=CONFIG_PATH,
                status=exc.status,
                request_id=exc.request_id or lost.request_id,
            ) from None

    def _sleep_before(self, deadline: float, seconds: float, *, allow_partial: bool = True) -> bool:
        """Sleep ``seconds`` unless that ends past ``deadline``. With ``allow_partial`` a last,
        shorter sleep up to the deadline is taken (for one final look). False when time is up."""
        remaining = deadline - self._clock()
        if remaining <= 0:
            return False
        if seconds > remaining:
            if not allow_partial:
                return False
            seconds = remaining
        self._sleep(seconds)
        return True

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> tuple[Any, str]:
        """One call with a token renewal on 401; returns ``(parsed JSON or None, x-request-id)``.

        Raises the error class for the status; a 429 on a POST is raised as :class:`_Throttled`,
        which :meth:`_post` sends again. An unreadable answer to a GET is read again.
        """
        url = self.base_url + path
        deadline = self._clock() + self._retry_deadline
        renewed = False
        unreadable = 0
        while True:
            token = self._tokens.token()
            headers = {
                "x-api-key": API_KEY,
                "x-gw-ims-org-id": self.org_id,
                "Accept": "application/json",
            }
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=headers,
                    auth=_BearerAuth(token),
                    timeout=self._timeout,
                )
            except requests.RequestException as exc:
                raise TransientError(
                    f"no answer ({type(exc).__name__})", method=method, path=path
                ) from None
            request_id = response.headers.get("x-request-id", "")
            if response.status_code == 401 and not renewed:
                log.info("%s %s: token refused (401), renewing it once", method, path)
                self._tokens.invalidate(token)
                renewed = True
                continue
            if response.status_code == 429 and method == "POST":
                raise _Throttled(
                    _error_from(response, method, path), _retry_after_seconds(response)
                )
            if response.status_code >= 400:
                raise _error_from(response, method, path)
            if not response.content:
                return None, request_id
            try:
                return response.json(), request_id
            except ValueError:
                # A truncated answer to a GET is read again (urllib3 retries only on statuses
                # and connection errors); a POST's is handled by its caller, who looks up first.
                unreadable += 1
                if (
                    method == "GET"
                    and unreadable <= MAX_RETRIES
                    and self._sleep_before(deadline, self._backoff(unreadable), allow_partial=False)
                ):
                    log.warning("%s %s: answer is not valid JSON, reading it again", method, path)
                    continue
                raise TransientError(
                    "Adobe's answer is not valid JSON",
                    method=method,
                    path=path,
                    status=response.status_code,
                    request_id=request_id,
                ) from None


class _Throttled(TransientError):
    """A 429 answer to a POST: nothing was processed, so sending again is safe."""

    def __init__(self, error: PlatformError, retry_after: float) -> None:
        self.error = error
        self.retry_after = retry_after
        super().__init__(
            error.summary,
            method=error.method,
            path=error.path,
            status=error.status,
            code=error.code,
            request_id=error.request_id,
        )


_BYOK_QUERY = {"configType": "BYOK_CONFIG"}


def _config_path(name: str) -> str:
    return f"{CONFIG_PATH}/{quote(name, safe='')}"


def _error_from(response: requests.Response, method: str, path: str) -> PlatformError:
    try:
        body = response.json()
    except ValueError:
        body = None
    code, message = adobe_message(body)
    status = response.status_code
    error_class = error_class_for_status(status)
    if status == 401:
        error_class = AuthenticationError
        message = message or "access token refused"
    return error_class(
        message or response.reason or "request failed",
        method=method,
        path=path,
        status=status,
        code=code,
        request_id=response.headers.get("x-request-id", ""),
    )


def _retry_after_seconds(response: requests.Response, default: float = 1.0) -> float:
    """``Retry-After`` in seconds, from either the seconds or the HTTP-date form."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return default + random.uniform(0, default)  # noqa: S311 — jitter, not security
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def _key_from_config_data(data: dict[str, Any]) -> tuple[str, str, str]:
    """``(vault_url, key_name, key_version)`` from a ``configData`` of either generation."""
    for field in ("keyVaultKeyIdentifier", "keyVaultUri"):
        value = data.get(field)
        if isinstance(value, str) and "/keys/" in value:
            try:
                key = parse_key_identifier(value, require_version=False)
            except ValueError:
                continue
            return key.vault_url, key.name, key.version or ""
    vault_url = str(data.get("keyVaultUri") or "").rstrip("/").lower()
    return vault_url, str(data.get("keyName") or ""), str(data.get("keyVersion") or "")


def _failure_reason(body: dict[str, Any]) -> str:
    for container in (body, body.get("config"), body.get("jobData")):
        if isinstance(container, dict):
            for field in ("errorMessage", "reason", "message", "statusMessage", "error"):
                if container.get(field):
                    return " ".join(str(container[field]).split())
    return ""
