"""Job state: the BYOK configurations, how their status moves with time, and what a resend does.

A configuration's status is derived from the clock: ``NEW``, ``RUNNING``,
``UPDATE_EXISTING_RESOURCES`` for ``job_durations`` seconds each, then ``COMPLETED`` — or ``FAILED``
after ``RUNNING`` when its key is marked bad or its job is one of the first ``failing_jobs``.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from tests.simulator.wire import COMPLETED, FAILED, NEW, RUNNING, UPDATING, Generation

Resend = Literal["replace", "update-in-place", "refuse-409", "refuse-400"]
RESENDS: tuple[str, ...] = ("replace", "update-in-place", "refuse-409", "refuse-400")

FAILED_KEY_MESSAGE = "Unable to access key vault key: forbidden"
#: Why one of the first ``failing_jobs`` jobs fails: Azure's refusal while a new role assignment
#: or service principal has not propagated yet.
ACCESS_DENIED_MESSAGE = (
    "Unable to access key vault key: access denied. Caller is not authorized to perform "
    "wrapKey on the key. If role assignments were changed recently, please observe "
    "propagation time."
)

# A *versioned* key identifier, as Azure shows it under "Key Identifier":
#   https://<vault>.vault.azure.net/keys/<name>/<32-hex version>
#   https://<hsm>.managedhsm.azure.net/keys/<name>/<32-hex version>
KEY_IDENTIFIER_RE = re.compile(
    r"^(?P<base>https://[A-Za-z0-9-]{1,63}\.(?:vault|managedhsm)\.azure\.net)"
    r"/keys/(?P<name>[A-Za-z0-9-]{1,127})/(?P<version>[0-9a-fA-F]{32})$"
)
# The same with any version token (Adobe's own example version, ``7c1d50lo…``, is not hex).
ANY_VERSION_KEY_IDENTIFIER_RE = re.compile(
    r"^(?P<base>https://[A-Za-z0-9-]{1,63}\.(?:vault|managedhsm)\.azure\.net)"
    r"/keys/(?P<name>[A-Za-z0-9-]{1,127})/(?P<version>[A-Za-z0-9]{1,64})$"
)


@dataclass(frozen=True)
class KeyParts:
    """A key identifier's vault base URL, key name and version, as far as they can be read."""

    base: str
    name: str
    version: str


def key_parts(identifier: str) -> KeyParts:
    """Read any text leniently (seeded identifiers may be anything)."""
    match = ANY_VERSION_KEY_IDENTIFIER_RE.match(identifier)
    if match is not None:
        return KeyParts(match.group("base"), match.group("name"), match.group("version"))
    base, _, rest = identifier.partition("/keys/")
    name, _, version = rest.partition("/")
    return KeyParts(base, name, version)


@dataclass
class Configuration:
    """One configuration as Adobe holds it.

    ``key_identifier`` is the versioned identifier as sent (current field, or beta
    ``keyVaultUri``); ``key_name`` is the beta ``keyName`` as sent, or the identifier's key name.
    ``created`` is on the simulator's clock. ``fails_with``: the job ends FAILED with this reason.
    """

    name: str
    ims_org_id: str
    key_identifier: str
    key_name: str
    generation: Generation
    id: str
    created: float
    frozen_status: str | None = None
    error_message: str | None = None
    fails_with: str | None = None


@dataclass
class _Stale:
    snapshot: Configuration
    remaining: int


class Configurations:
    """Every configuration by name, thread-safe. Statuses are read with ``now`` from the caller's
    clock and the ``durations`` of the three running states."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._by_name: dict[str, Configuration] = {}
        self._stale: dict[str, _Stale] = {}
        self._bad_keys: list[str] = []
        self._jobs_started = 0

    def mark_bad_key(self, prefix: str) -> None:
        with self._lock:
            self._bad_keys.append(prefix)

    def status_of(
        self, config: Configuration, durations: tuple[float, ...]
    ) -> tuple[str, str | None]:
        """(status, reason when FAILED) of ``config`` now."""
        if config.frozen_status is not None:
            return config.frozen_status, config.error_message
        new, running, updating = durations
        elapsed = self._clock() - config.created
        if elapsed < new:
            return NEW, None
        if elapsed < new + running:
            return RUNNING, None
        if config.fails_with is not None:
            return FAILED, config.fails_with
        with self._lock:
            bad = any(config.key_identifier.startswith(prefix) for prefix in self._bad_keys)
        if bad:
            return FAILED, FAILED_KEY_MESSAGE
        if elapsed < new + running + updating:
            return UPDATING, None
        return COMPLETED, None

    def exists(self, name: str) -> bool:
        with self._lock:
            return name in self._by_name

    def all(self) -> list[Configuration]:
        with self._lock:
            return list(self._by_name.values())

    def read(self, name: str) -> Configuration | None:
        """What a GET of ``name`` shows: a pending stale read first (consumed), else the truth."""
        with self._lock:
            stale = self._stale.get(name)
            if stale is not None:
                stale.remaining -= 1
                if stale.remaining <= 0:
                    del self._stale[name]
                return stale.snapshot
            return self._by_name.get(name)

    def post(
        self,
        new: Configuration,
        *,
        resend: Resend,
        stale_reads: int,
        failing_jobs: int,
        durations: tuple[float, ...],
    ) -> Configuration | None:
        """Accept a POSTed configuration; None when ``resend`` refuses a name that exists (then
        nothing changes). Returns the configuration now held (its id is the old one when updated
        in place)."""
        with self._lock:
            old = self._by_name.get(new.name)
        if old is not None and resend in ("refuse-409", "refuse-400"):
            return None
        snapshot = None
        if old is not None:
            status, reason = self.status_of(old, durations)
            snapshot = replace(old, frozen_status=status, error_message=reason)
        with self._lock:
            self._jobs_started += 1
            if self._jobs_started <= failing_jobs:
                new.fails_with = ACCESS_DENIED_MESSAGE
            held = new
            if old is not None and resend == "update-in-place":
                held = replace(new, id=old.id)
            self._by_name[new.name] = held
            if snapshot is not None and stale_reads > 0:
                self._stale[new.name] = _Stale(snapshot, stale_reads)
            else:
                self._stale.pop(new.name, None)
        return held

    def seed(self, config: Configuration) -> None:
        """Hold ``config`` as is: no job counted, no stale reads."""
        with self._lock:
            self._by_name[config.name] = config
            self._stale.pop(config.name, None)

    def remove(self, name: str) -> None:
        with self._lock:
            del self._by_name[name]
            self._stale.pop(name, None)

    def freeze(self, name: str, status: str, error_message: str | None) -> None:
        with self._lock:
            config = self._by_name[name]
            config.frozen_status = status
            if status == FAILED:
                config.error_message = error_message or FAILED_KEY_MESSAGE
            else:
                config.error_message = error_message


def new_configuration(
    name: str,
    org_id: str,
    key_identifier: str,
    key_name: str,
    generation: Generation,
    created: float,
    config_id: str | None = None,
) -> Configuration:
    return Configuration(
        name=name,
        ims_org_id=org_id,
        key_identifier=key_identifier,
        key_name=key_name,
        generation=generation,
        id=config_id or str(uuid.uuid4()),
        created=created,
    )
