"""Engine events → a stack's status: in sync, drifted, pending, or why it could not be told.

Pure: takes the events of one ``preview --refresh`` (or ``refresh --preview-only``) and the error
the operation raised, if any. Two notions, two lists (docs/fleet.md, "What the statuses mean"):

- **drift**: the cloud no longer matches the state: a refresh step that changed the resource's
  outputs, or found it gone;
- **pending**: the program would still change something after the refresh: every step other
  than ``same``/``refresh``/``read``, with the summary's counts as a cross-check.

One ``preview --refresh`` shows both, as ``refresh --preview-only`` and ``preview`` would. The
engine gives no diff for a refresh step (its events carry ``detailedDiff: null``, and ``op``
``refresh`` in ``preview --refresh``; ``update``/``delete`` in ``refresh --preview-only``), nor for
a dynamic provider's step, so a change's paths are the engine's when it gives them, else those
where the step's old and new outputs (a refresh) or inputs (a step of the plan) differ, as the
CLI's own diff display finds them. A change is recorded as property paths and diff kinds only:
values are compared, never copied, so no value (the engine shows a secret as ``[secret]``) can
reach a report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pulumi.automation import ConcurrentUpdateError, EngineEvent, StackNotFoundError
from pulumi.automation.events import OpType, StepEventMetadata, StepEventStateMetadata

from fleet.property_diff import changed_paths


class Status(StrEnum):
    """What a fleet command found for one stack (the ``status`` of the table and JSON)."""

    IN_SYNC = "in-sync"
    DRIFTED = "drifted"
    PENDING = "pending"
    NOT_DEPLOYED = "not-deployed"
    NOT_INITIALISED = "not-initialised"
    LOCKED = "locked"
    FAILED = "failed"
    #: ``up`` only: the update succeeded; or it was not started after ``--max-failures``.
    UPDATED = "updated"
    SKIPPED = "skipped"
    #: ``list`` only: a backend stack without a stack file.
    ORPHAN = "orphan"


#: Statuses that mean "the answer is unknown or the operation failed": exit code 3.
FAILURES = frozenset({Status.FAILED, Status.LOCKED, Status.NOT_INITIALISED, Status.SKIPPED})
#: Statuses that mean "known, and not as declared": exit code 2.
DIFFERENCES = frozenset({Status.DRIFTED, Status.PENDING, Status.NOT_DEPLOYED})

#: Step ops that change nothing, or are already accounted for by the op they belong to.
_NO_CHANGE = frozenset(
    {
        OpType.SAME,
        OpType.REFRESH,
        OpType.READ,
        OpType.CREATE_REPLACEMENT,
        OpType.DELETE_REPLACED,
        OpType.DISCARD_REPLACED,
        OpType.REMOVE_PENDING_REPLACE,
    }
)
_ERROR_LINE = re.compile(r"\berror\b", re.IGNORECASE)
_TRACEBACK = "Traceback (most recent call last):"
_PROVIDER_TYPE = "pulumi:providers:"
_LOCK_LINE = re.compile(r"locked by|created by|Another update is currently in progress")


@dataclass(frozen=True)
class Change:
    """One resource that differs: where and how, never what from or to."""

    urn: str
    type: str
    op: str
    #: Property path → diff kind (``add``, ``update``, ``delete``, ``…-replace``); for a step with
    #: only top-level keys, the key → ``update``.
    paths: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """The classified result of one stack's operation."""

    status: Status
    drift: tuple[Change, ...] = ()
    pending: tuple[Change, ...] = ()
    #: The summary event's counts by op (``{"same": 4, "update": 1}``); empty without one.
    change_summary: Mapping[str, int] = field(default_factory=dict)
    #: ``""`` or the error's class (``failed``, ``locked``, …) and its first meaningful line.
    error_kind: str = ""
    error: str = ""


def classify(events: Iterable[EngineEvent], *, deployed: bool) -> Outcome:
    """The status of a read-only check that completed. ``deployed`` is the backend's word that
    the stack has resources; without them every difference is a first deployment."""
    events = list(events)
    drift = _drift(events)
    pending = _pending(events)
    summary = _summary(events)
    changed = sum(n for op, n in summary.items() if op != OpType.SAME.value)
    if mandatory := _mandatory_violation(events):
        return Outcome(Status.FAILED, drift, pending, summary, "policy", mandatory)
    if not deployed:
        status = Status.NOT_DEPLOYED
    elif drift:
        status = Status.DRIFTED
    elif pending or changed:
        status = Status.PENDING
    else:
        status = Status.IN_SYNC
    return Outcome(status, drift, pending, summary)


def classify_error(error: BaseException, events: Iterable[EngineEvent]) -> Outcome:
    """The status of an operation that raised: not initialised, locked (with the lock holder
    as the detail) or failed (with the first error line: the engine's, else the CLI's)."""
    events = list(events)
    summary = _summary(events)
    if isinstance(error, StackNotFoundError):
        return Outcome(
            Status.NOT_INITIALISED,
            error_kind="not-initialised",
            error="no stack in the backend: `pulumi stack init` it first",
        )
    text = _stderr(str(error))
    if isinstance(error, ConcurrentUpdateError):
        # The DIY backend names each lock file and who holds it ("created by user@host (pid
        # N) at …"): that is what a person needs; the fleet never cancels a lock itself.
        lines = [line.strip() for line in text.splitlines() if _LOCK_LINE.search(line)]
        holders = [line for line in lines if "created by" in line] or lines[:1]
        return Outcome(Status.LOCKED, (), (), summary, "locked", "; ".join(holders) or "locked")
    first = _mandatory_violation(events) or _first_diagnostic_error(events) or _first_line(text)
    return Outcome(
        Status.FAILED,
        _drift(events),
        _pending(events),
        summary,
        type(error).__name__,
        first or "failed with no message",
    )


def _drift(events: list[EngineEvent]) -> tuple[Change, ...]:
    refreshing: set[str] = set()
    found: dict[str, Change] = {}
    for event in events:
        if event.resource_pre_event and event.resource_pre_event.metadata.op == OpType.REFRESH:
            refreshing.add(event.resource_pre_event.metadata.urn)
        outputs = event.res_outputs_event
        # A refresh's result is the first outputs event after its pre event: op "refresh" in
        # preview --refresh (whose plan steps follow, for the same resources), the result op
        # (same/update/delete) in refresh --preview-only. Both are recorded alike: "delete" for
        # a resource gone, else "update".
        if not outputs or outputs.metadata.urn not in refreshing:
            continue
        meta = outputs.metadata
        refreshing.discard(meta.urn)
        if meta.op == OpType.SAME or _is_provider(meta):
            continue
        if meta.op == OpType.DELETE or meta.new is None:
            found[meta.urn] = Change(meta.urn, meta.type, OpType.DELETE.value, {})
            continue
        paths = _paths(meta) or changed_paths(
            _values(meta.old, "outputs"), _values(meta.new, "outputs")
        )
        if paths:
            found[meta.urn] = Change(meta.urn, meta.type, OpType.UPDATE.value, paths)
    return tuple(found.values())


def _pending(events: list[EngineEvent]) -> tuple[Change, ...]:
    found: dict[str, Change] = {}
    for event in events:
        pre = event.resource_pre_event
        if not pre or pre.metadata.op in _NO_CHANGE or pre.metadata.urn in found:
            continue
        meta = pre.metadata
        if _is_provider(meta):
            continue
        paths = _paths(meta)
        if not paths and meta.old is not None and meta.new is not None:
            paths = changed_paths(_values(meta.old, "inputs"), _values(meta.new, "inputs"))
        found[meta.urn] = Change(meta.urn, meta.type, meta.op.value, paths)
    return tuple(found.values())


def _is_provider(meta: StepEventMetadata) -> bool:
    """A provider resource: its state is its configuration (for the dynamic providers' default
    one, the whole stack config), which changes reach the cloud only through the steps of the
    resources it serves; the summary does not count it either."""
    return meta.type.startswith(_PROVIDER_TYPE)


def _values(state: StepEventStateMetadata | None, part: str) -> Mapping[str, Any]:
    values = getattr(state, part, None) if state is not None else None
    return values if isinstance(values, dict) else {}


def _paths(meta: StepEventMetadata) -> dict[str, str]:
    if meta.detailed_diff:
        return {path: diff.diff_kind.value for path, diff in meta.detailed_diff.items()}
    return {key: "update" for key in meta.diffs or ()}


def _summary(events: list[EngineEvent]) -> dict[str, int]:
    for event in events:
        if event.summary_event:
            changes = event.summary_event.resource_changes or {}
            return {str(getattr(op, "value", op)): int(n) for op, n in changes.items()}
    return {}


def _mandatory_violation(events: list[EngineEvent]) -> str:
    for event in events:
        policy = event.policy_event
        if policy and policy.enforcement_level == "mandatory":
            # The message is the policy's description, then what the resource violated.
            return f"policy {policy.policy_name}: {_last_line(policy.message)}"
    return ""


def _first_diagnostic_error(events: list[EngineEvent]) -> str:
    for event in events:
        diagnostic = event.diagnostic_event
        if diagnostic and diagnostic.severity == "error":
            line = _first_line(diagnostic.message)
            if line:
                return line
    return ""


def _stderr(text: str) -> str:
    """The stderr part of a CommandError's text (``code: …  stdout: …  stderr: …``): the CLI
    writes its errors there, and stdout may hold a diff."""
    _, found, after = text.partition(" stderr: ")
    return after if found else text


def error_line(error: BaseException) -> str:
    """The line of an exception's text that says what went wrong: for a failed CLI command, the
    first error line of its stderr (its first line, ``code: N``, says nothing)."""
    return _first_line(_stderr(str(error)))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _first_line(text: str) -> str:
    """The first line naming an error, else the first line; of a Python traceback (a dynamic
    provider's failure reaches the engine as one), the exception's line, its last."""
    if text.lstrip().startswith(_TRACEBACK):
        return _last_line(text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if _ERROR_LINE.search(line):
            return line
    return lines[0] if lines else ""
