"""Runs Pulumi on many stacks through the Automation API: one workspace per stack, a thread pool.

Each stack gets its own ``LocalWorkspace`` over the project folder, with its own environment
(:mod:`fleet.credentials`); every SDK call is a CLI process of its own that names ``--stack``, so
threads are enough and stacks never share a lock (docs/fleet.md). Plugins and dependencies are
installed once (:meth:`Runner.install`) before fanning out: concurrent installs race.
A check is read-only (``preview --refresh`` or ``refresh --preview-only``); only ``up`` (with
``--refresh``) writes.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pulumi.automation import CommandResult, EngineEvent, LocalWorkspace, PulumiCommand, Stack

from fleet.classify import FAILURES, Outcome, Status, classify, classify_error
from fleet.credentials import stack_environment
from fleet.stacks import BackendStack, Member, parse_stack_ls

#: Stacks checked at once by default: each runs a language host and provider processes, and
#: about ten Azure providers at once have exhausted a runner's memory (docs/fleet.md).
DEFAULT_WIDTH = 4


@dataclass(frozen=True)
class StackResult:
    """One stack's outcome, with what the backend said of it and how long it took."""

    member: Member
    outcome: Outcome
    duration_s: float
    backend: BackendStack | None


class Runner:
    """Pulumi operations on the stacks of one project folder.

    ``command`` is the Pulumi CLI (``PulumiCommand()`` finds it on the PATH); ``environ`` is the
    environment per-stack credentials are taken from (the process's by default).
    """

    def __init__(
        self,
        project_dir: Path,
        command: PulumiCommand,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.project_dir = project_dir
        self.command = command
        self.environ = dict(os.environ if environ is None else environ)

    def workspace(self, stack: str | None = None) -> LocalWorkspace:
        """A workspace over the project folder, with ``stack``'s own environment if named."""
        return LocalWorkspace(
            work_dir=str(self.project_dir),
            pulumi_command=self.command,
            env_vars=stack_environment(stack, self.environ) if stack else {},
        )

    def install(self, *, no_plugins: bool = False) -> None:
        """``pulumi install``: the program's dependencies and plugins (not the plugins with
        ``no_plugins``), once for all stacks."""
        self.workspace().install(no_plugins=no_plugins)

    def backend_stacks(self, tags: Sequence[str] = ()) -> dict[str, BackendStack]:
        """The backend's stacks of this project (``stack ls --json``), only those carrying every
        tag in ``tags`` (``key`` or ``key=value``) when given."""
        if not tags:
            return parse_stack_ls(self._stack_ls([]).stdout)
        found: dict[str, BackendStack] | None = None
        for tag in tags:
            tagged = parse_stack_ls(self._stack_ls(["--tag", tag]).stdout)
            found = tagged if found is None else {n: s for n, s in found.items() if n in tagged}
        return found or {}

    def check(
        self,
        member: Member,
        backend: BackendStack | None,
        *,
        refresh_only: bool = False,
        policy_packs: Sequence[str] = (),
    ) -> StackResult:
        """Read-only: ``preview --refresh`` (or ``refresh --preview-only``), classified. A stack
        the backend does not list is reported not initialised without running anything."""
        started = time.monotonic()
        if backend is None:
            outcome = Outcome(
                Status.NOT_INITIALISED,
                error_kind="not-initialised",
                error="no stack in the backend: `pulumi stack init` it first",
            )
            return StackResult(member, outcome, 0.0, None)
        events: list[EngineEvent] = []
        try:
            stack = Stack.select(member.stack, self.workspace(member.stack))
            if refresh_only:
                stack.preview_refresh(on_event=events.append)
            else:
                stack.preview(
                    refresh=True, policy_packs=list(policy_packs) or None, on_event=events.append
                )
            outcome = classify(events, deployed=backend.deployed)
        except Exception as error:  # one stack's failure is a row, not the end
            outcome = classify_error(error, events)
        return StackResult(member, outcome, time.monotonic() - started, backend)

    def up(
        self, member: Member, backend: BackendStack | None, *, policy_packs: Sequence[str] = ()
    ) -> StackResult:
        """``pulumi up --yes --skip-preview --refresh`` with the policy packs; ``updated`` on
        success. The refresh first makes the update act on what the cloud holds, so that it does
        what ``check`` (a ``preview --refresh``) reported pending: without it, a drift (Adobe's
        configuration FAILED or gone) would stay, the state still saying it is done."""
        started = time.monotonic()
        events: list[EngineEvent] = []
        try:
            stack = Stack.select(member.stack, self.workspace(member.stack))
            result = stack.up(
                refresh=True, policy_packs=list(policy_packs) or None, on_event=events.append
            )
            # Only the counts: the summary also holds the stack's config, secrets shown.
            changes = {str(op): int(n) for op, n in (result.summary.resource_changes or {}).items()}
            outcome = Outcome(Status.UPDATED, change_summary=changes)
        except Exception as error:  # one stack's failure is a row, not the end
            outcome = classify_error(error, events)
        return StackResult(member, outcome, time.monotonic() - started, backend)

    def _stack_ls(self, extra: list[str]) -> CommandResult:
        return self.command.run(["stack", "ls", "--json", *extra], str(self.project_dir), {})


def fan_out(
    members: Sequence[Member],
    task: Callable[[Member], StackResult],
    *,
    width: int,
    max_failures: int | None = None,
) -> list[StackResult]:
    """``task`` on every member, ``width`` at a time, results in the members' order. With
    ``max_failures``, a member not yet started once that many have failed is ``skipped``
    (with width 1: stops at exactly that failure)."""
    failures = 0
    lock = threading.Lock()

    def guarded(member: Member) -> StackResult:
        nonlocal failures
        with lock:
            stop = max_failures is not None and failures >= max_failures
        if stop:
            reason = f"not started: {max_failures} stack(s) failed (--max-failures)"
            return StackResult(
                member, Outcome(Status.SKIPPED, error_kind="skipped", error=reason), 0.0, None
            )
        result = task(member)
        if result.outcome.status in FAILURES:
            with lock:
                failures += 1
        return result

    with ThreadPoolExecutor(max_workers=max(1, width), thread_name_prefix="fleet") as pool:
        return list(pool.map(guarded, members))
