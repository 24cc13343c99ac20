"""``PlatformSimulator``: Adobe's Platform CMK API and IMS token endpoint on 127.0.0.1.

Every option is a constructor keyword and an attribute a test may change while it runs; the
defaults answer as Adobe documents it. The options for what Adobe's docs leave open are described
in docs/offline-stack.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal

from tests.simulator.answers import (
    ECHOES,
    FAILURE_REASON_FIELDS,
    AnswerStyle,
    Echo,
    adobe_echo_name,
)
from tests.simulator.answers import FailureReasonField as FailureReasonField
from tests.simulator.faults import Fault, FaultQueue
from tests.simulator.gateway import Tokens
from tests.simulator.jobs import RESENDS, Configurations, Resend, key_parts, new_configuration
from tests.simulator.request_log import LoggedRequest, RequestLog
from tests.simulator.server import Server
from tests.simulator.wire import GENERATIONS, TOKEN_PATH, Generation

UnknownConfig = Literal["404", "empty-object", "empty-body", "204"]
UNKNOWN_CONFIGS: tuple[str, ...] = ("404", "empty-object", "empty-body", "204")
VersionToken = Literal["hex", "any"]
VERSION_TOKENS: tuple[str, ...] = ("hex", "any")


class PlatformSimulator:
    """Adobe Platform CMK API + IMS token endpoint on ``127.0.0.1``, in a background thread.

    Every answer carries a fresh ``x-request-id`` header. Time is ``clock`` (``time.monotonic``
    unless a test gives its own): tokens really expire, and a configuration's status is derived
    from the time since its POST.

    What Adobe's docs leave open, each a keyword and an attribute (the defaults are today's):

    unknown_config: a GET of a name never sent (or removed) answers ``"404"`` (a problem body),
        ``"empty-object"`` (200 ``{}``), ``"empty-body"`` (200, no bytes) or ``"204"``.
    echo: ``"asked"`` echoes ``name`` and ``configData.keyName`` as sent; ``"adobe"`` echoes
        ``name`` as ``adobe_echo_name`` (org-derived) and ``keyName`` as the configuration name,
        in the POST answer and GETs.
    key_identifier_in_answers: False drops ``keyVaultKeyIdentifier`` and ``keyVersion`` from
        answers; ``keyVaultUri`` is then the vault's base URL (beta too).
    version_token: ``"any"`` accepts any alphanumeric version token in a POSTed identifier.
    resend: a POST of a name that exists ``"replace"``s it (new id, new job),
        ``"update-in-place"`` (same id, new key, job restarts), or is refused with 409
        (``"refuse-409"``) or a 400 saying it exists (``"refuse-400"``); a refusal changes nothing.
    stale_reads: after a POST that replaces or updates a configuration, the next N GETs of that
        name show the previous one as it was at that POST (id, key, status), then the new one.
    failing_jobs: the first N jobs (accepted POSTs) end ``FAILED`` with
        ``ACCESS_DENIED_MESSAGE`` after ``NEW`` and ``RUNNING``.
    failure_reason_field: where a ``FAILED`` GET carries its reason (``"none"``: nowhere).
    expected_api_key: None accepts ``acp_provisioning``; a string accepts only that ``x-api-key``
        (others answer 403 ``403003``).
    """

    def __init__(
        self,
        org_id: str = "1234ABCD5678@AdobeOrg",
        client_id: str = "sim-client-id",
        client_secret: str = "sim-client-secret",
        token_lifetime: float = 86399.0,
        app_generation: Generation = "current",
        app_registration_delay: float = 0.2,
        config_generation: Generation = "current",
        job_durations: tuple[float, float, float] = (0.1, 0.1, 0.1),
        port: int = 0,
        *,
        unknown_config: UnknownConfig = "404",
        echo: Echo = "asked",
        key_identifier_in_answers: bool = True,
        version_token: VersionToken = "hex",
        resend: Resend = "replace",
        stale_reads: int = 0,
        failing_jobs: int = 0,
        failure_reason_field: FailureReasonField = "errorMessage",
        expected_api_key: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for label, value, choices in (
            ("app_generation", app_generation, GENERATIONS),
            ("config_generation", config_generation, GENERATIONS),
            ("unknown_config", unknown_config, UNKNOWN_CONFIGS),
            ("echo", echo, ECHOES),
            ("version_token", version_token, VERSION_TOKENS),
            ("resend", resend, RESENDS),
            ("failure_reason_field", failure_reason_field, FAILURE_REASON_FIELDS),
        ):
            if value not in choices:
                raise ValueError(f"{label} must be one of {choices}, not {value!r}")
        if len(job_durations) != 3 or any(d < 0 for d in job_durations):
            raise ValueError("job_durations must be three non-negative numbers of seconds")
        if stale_reads < 0 or failing_jobs < 0:
            raise ValueError("stale_reads and failing_jobs must be >= 0")
        self.org_id = org_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = float(token_lifetime)
        self.app_generation: Generation = app_generation
        self.app_registration_delay = float(app_registration_delay)
        self.config_generation: Generation = config_generation
        self.job_durations = tuple(float(d) for d in job_durations)
        self.unknown_config: UnknownConfig = unknown_config
        self.echo: Echo = echo
        self.key_identifier_in_answers = key_identifier_in_answers
        self.version_token: VersionToken = version_token
        self.resend: Resend = resend
        self.stale_reads = stale_reads
        self.failing_jobs = failing_jobs
        self.failure_reason_field: FailureReasonField = failure_reason_field
        self.expected_api_key = expected_api_key
        self.clock = clock
        self._port = port

        self._tokens = Tokens(lambda: self.clock())
        self._configs = Configurations(lambda: self.clock())
        self._faults = FaultQueue()
        self._log = RequestLog(lambda: self.client_secret)
        self._lock = threading.Lock()
        self._app_registration_started: float | None = None
        self._server: Server | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> PlatformSimulator:
        """Bind 127.0.0.1 (port 0 = any free port) and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        self._server = Server(("127.0.0.1", self._port), self)
        self._server.serve_in_background()
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and every open connection. Idempotent."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> PlatformSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The Platform base URL, ``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError("the simulator is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def ims_url(self) -> str:
        """The IMS token endpoint, ``<url>/ims/token/v3``."""
        return f"{self.url}{TOKEN_PATH}"

    @property
    def adobe_echo_name(self) -> str:
        """The ``name`` answers echo when ``echo == "adobe"``."""
        return adobe_echo_name(self.org_id)

    # ---- tokens ----------------------------------------------------------------------------

    def issue_token(self) -> str:
        """A valid access token, as if IMS had issued it (no credential needed)."""
        return self._tokens.issue(self.token_lifetime)

    @property
    def issued_tokens(self) -> list[str]:
        """Every access token issued so far, oldest first."""
        return self._tokens.issued()

    def revoke_tokens(self) -> None:
        """Every token issued so far answers 401 ``401013`` from now on (new ones are valid)."""
        self._tokens.revoke_all()

    # ---- faults and keys -------------------------------------------------------------------

    def inject(self, route: str, fault: Fault) -> None:
        """Queue ``fault`` on ``route``; a route's faults are consumed in FIFO order.

        A request takes the first queued fault of its route whose ``method`` matches.
        """
        self._faults.inject(route, fault)

    def mark_bad_key(self, key_identifier_or_prefix: str) -> None:
        """Jobs whose key identifier starts with this end FAILED after NEW and RUNNING."""
        self._configs.mark_bad_key(key_identifier_or_prefix)

    # ---- the request log -------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request received, in order of arrival (a copy)."""
        return self._log.requests()

    def count(self, method: str, route: str) -> int:
        """How many requests with this method arrived on this route, faulted ones included."""
        return self._log.count(method, route)

    def clear_log(self) -> None:
        self._log.clear()

    # ---- configurations --------------------------------------------------------------------

    @property
    def configs(self) -> dict[str, dict[str, Any]]:
        """What Adobe holds: the GET view of every configuration by name, status computed from the
        clock now, in the default answer style whatever the answer options (name as sent, full
        key identifier, reason in ``errorMessage``; no stale reads)."""
        truth = AnswerStyle("asked", True, "errorMessage", self.org_id)
        return {
            c.name: truth.view(c, *self._configs.status_of(c, self.job_durations))
            for c in self._configs.all()
        }

    def seed_config(
        self,
        name: str,
        key_identifier: str,
        *,
        status: str | None = None,
        error_message: str | None = None,
        key_name: str | None = None,
        config_id: str | None = None,
    ) -> dict[str, Any]:
        """Hold a configuration as if it had been POSTed, with any ``key_identifier`` text (no
        check: a non-hex version, say); it belongs to ``config_generation``. ``status`` None
        starts its job now; a status freezes it there (FAILED with ``error_message``).
        ``key_name`` is what beta answers echo (default: the identifier's key name);
        ``config_id`` its id (default: a new one), as a state written elsewhere recorded it.
        Counts as no job and no request; replaces any configuration of that name. Returns its
        ``configs`` view (``["id"]`` is its id)."""
        config = new_configuration(
            name=name,
            org_id=self.org_id,
            key_identifier=key_identifier,
            key_name=key_parts(key_identifier).name if key_name is None else key_name,
            generation=self.config_generation,
            created=self.clock(),
            config_id=config_id,
        )
        self._configs.seed(config)
        if status is not None:
            self._configs.freeze(name, status, error_message)
        return self.configs[name]

    def remove_config(self, name: str) -> None:
        """Forget a configuration, as if Adobe lost it: its GET answers as a name never sent.
        KeyError if unknown."""
        self._configs.remove(name)

    def set_config_status(self, name: str, status: str, error_message: str | None = None) -> None:
        """Freeze a configuration at ``status`` (a FAILED one gets ``error_message`` or a default).

        KeyError if unknown. A later POST with the same name replaces it and unfreezes it.
        """
        self._configs.freeze(name, status, error_message)

    # ---- used by the routes ----------------------------------------------------------------

    def _answer_style(self) -> AnswerStyle:
        return AnswerStyle(
            self.echo, self.key_identifier_in_answers, self.failure_reason_field, self.org_id
        )

    def _start_app_registration(self) -> None:
        with self._lock:
            if self._app_registration_started is None:
                self._app_registration_started = self.clock()

    def _app_registration_done(self) -> bool:
        with self._lock:
            started = self._app_registration_started
        return started is not None and self.clock() - started >= self.app_registration_delay
