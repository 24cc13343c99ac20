"""Test doubles for the fleet tests (no tests here): engine events shaped as the CLI writes them,
and a ``PulumiCommand`` that answers the commands the Automation API runs.

The double follows docs/fleet.md's contract: it reports CLI 3.205.0, so the SDK reads events from
an ``--event-log`` file of JSON lines (ended by a ``cancelEvent``) rather than over gRPC; it
answers ``stack ls|select|output|history``, ``install``, ``preview``, ``refresh --preview-only``
and ``up``; and it fails the way the CLI does, with the stderr text the SDK types errors by. Every
event also carries the stack's secret in its old and new inputs and outputs (as a diff would),
so a report that copied a value would show it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.automation import CommandResult, PulumiCommand
from pulumi.automation._cmd import create_command_error
from semver import VersionInfo

PROJECT = "adobe-cmk"
SECRET = "s3cr3t-value-never-shown"
VAULT = "azure-native:keyvault:Vault"
BYOK = "pulumi-python:dynamic:Resource"


def urn(stack: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_}::{name}"


def _state(urn_: str, type_: str) -> dict[str, Any]:
    values = {"clientSecret": SECRET, "enableSoftDelete": True}
    return {"urn": urn_, "type": type_, "id": "id-1", "inputs": values, "outputs": values}


def step(
    op: str,
    urn_: str,
    type_: str = VAULT,
    *,
    detailed: Mapping[str, str] | None = None,
    diffs: list[str] | None = None,
) -> dict[str, Any]:
    """Step metadata as the engine writes it (old and new states with values included)."""
    meta: dict[str, Any] = {
        "op": op,
        "urn": urn_,
        "type": type_,
        "provider": "urn:pulumi:x::adobe-cmk::pulumi:providers:azure-native::default::1",
        "old": _state(urn_, type_),
        "new": _state(urn_, type_),
    }
    if detailed is not None:
        meta["detailedDiff"] = {p: {"diffKind": k, "inputDiff": False} for p, k in detailed.items()}
        meta["diffs"] = sorted({p.split(".")[0] for p in detailed})
    if diffs is not None:
        meta["diffs"] = diffs
    return meta


def pre(meta: dict[str, Any]) -> dict[str, Any]:
    return {"resourcePreEvent": {"metadata": meta, "planning": True}}


def outputs(meta: dict[str, Any]) -> dict[str, Any]:
    return {"resOutputsEvent": {"metadata": meta, "planning": True}}


def summary(**changes: int) -> dict[str, Any]:
    return {
        "summaryEvent": {
            "maybeCorrupt": False,
            "durationSeconds": 2,
            "resourceChanges": changes,
            "PolicyPacks": {},
        }
    }


def diagnostic(message: str, severity: str = "error") -> dict[str, Any]:
    return {"diagnosticEvent": {"message": message, "color": "never", "severity": severity}}


def policy(name: str, message: str, level: str = "mandatory") -> dict[str, Any]:
    return {
        "policyEvent": {
            "message": message,
            "color": "never",
            "policyName": name,
            "policyPackName": "adobe-cmk",
            "policyPackVersion": "0.1.0",
            "policyPackVersionTag": "0.1.0",
            "enforcementLevel": level,
        }
    }


def prelude() -> dict[str, Any]:
    return {"preludeEvent": {"config": {"adobe-cmk:clientSecret": SECRET}}}


def stdout_event(message: str) -> dict[str, Any]:
    return {"stdoutEvent": {"message": message, "color": "never"}}


def scenario_events(stack: str, name: str) -> list[dict[str, Any]]:
    """The events of ``preview --refresh`` for a named scenario."""
    vault = urn(stack, VAULT, "cmk-vault")
    byok = urn(stack, BYOK, "cmk-byok")
    refresh_same = [pre(step("refresh", vault)), outputs(step("refresh", vault))]
    if name == "in-sync":
        return [prelude(), *refresh_same, pre(step("same", vault)), summary(same=2)]
    if name == "drifted":
        meta = step("refresh", vault, detailed={"properties.networkAcls.defaultAction": "update"})
        return [
            prelude(),
            pre(step("refresh", vault)),
            outputs(meta),
            pre(step("update", vault, detailed={"properties.networkAcls.defaultAction": "update"})),
            summary(same=1, update=1),
        ]
    if name == "pending":
        return [
            prelude(),
            *refresh_same,
            pre(step("update", byok, BYOK, detailed={"keyVaultKeyIdentifier": "update"})),
            stdout_event(f"diff shows {SECRET}"),
            summary(same=1, update=1),
        ]
    if name == "policy":
        return [
            prelude(),
            *refresh_same,
            policy("vault-purge-protection", "Purge protection\nmore"),
        ]
    if name == "failed":
        return [
            prelude(),
            diagnostic("adobe-cmk:orgId is not an IMS organisation id: x\nTraceback", "error"),
        ]
    raise AssertionError(f"unknown scenario {name}")


@dataclass
class FakePulumi(PulumiCommand):
    """A Pulumi CLI stand-in. ``stacks`` maps each backend stack to its check scenario
    (``in-sync``, ``drifted``, ``pending``, ``policy``, ``failed``, ``locked``); ``up`` maps a stack
    to ``ok`` or ``fail``; a stack missing from ``stacks`` does not exist in the backend.
    ``barrier``, when set, makes every preview wait for that many previews at once (a deadline,
    not a sleep: a run that never reaches the width breaks the barrier and fails)."""

    stacks: dict[str, str]
    up_outcome: dict[str, str] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    tags: dict[str, set[str]] = field(default_factory=dict)
    barrier: threading.Barrier | None = None
    calls: list[tuple[list[str], dict[str, str]]] = field(default_factory=list)
    running: int = 0
    most_running: int = 0

    def __post_init__(self) -> None:
        # PulumiCommand.__init__ would run `pulumi version`: the fake states its version.
        self.command = "pulumi"
        self.version = VersionInfo(3, 205, 0)
        self._lock = threading.Lock()

    def run(self, args, cwd, additional_env, on_output=None, on_error=None) -> CommandResult:
        args = list(args)
        with self._lock:
            self.calls.append((args, dict(additional_env)))
        stack = args[args.index("--stack") + 1] if "--stack" in args else ""
        if args[:3] == ["stack", "ls", "--json"]:
            return self._ok(json.dumps(self._listing(args)))
        if args[:2] == ["stack", "select"]:
            if stack not in self.stacks:
                self._fail(f"error: no stack named '{stack}' found", 255)
            return self._ok("")
        if args[0] == "install":
            return self._ok("Installing dependencies...\nFinished installing dependencies")
        if args[0] in ("preview", "refresh", "up"):
            return self._operation(args, stack)
        if args[:2] == ["stack", "output"]:
            return self._ok(json.dumps({"vaultUri": "https://v.vault.azure.net/", "x": SECRET}))
        if args[:2] == ["stack", "history"]:
            return self._ok(json.dumps([self._history()]))
        raise AssertionError(f"the fake does not answer {args}")

    # --- helpers -----------------------------------------------------------------------------

    def commands(self, verb: str) -> list[list[str]]:
        return [args for args, _ in self.calls if args[0] == verb]

    def env_of(self, verb: str, stack: str) -> dict[str, str]:
        for args, env in self.calls:
            if args[0] == verb and args[args.index("--stack") + 1] == stack:
                return env
        raise AssertionError(f"no {verb} of {stack}")

    def _listing(self, args: list[str]) -> list[dict[str, Any]]:
        tag = args[args.index("--tag") + 1] if "--tag" in args else None
        found = []
        for name in sorted(self.stacks):
            if tag is not None and tag not in self.tags.get(name, set()):
                continue
            count = self.resources.get(name, 4)
            entry: dict[str, Any] = {"name": name, "current": False, "resourceCount": count}
            if count:
                entry["lastUpdate"] = "2026-11-30T08:15:05.000Z"
            found.append(entry)
        return found

    def _operation(self, args: list[str], stack: str) -> CommandResult:
        with self._lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            if self.barrier is not None:
                self.barrier.wait()
            scenario = self.stacks[stack]
            if args[0] == "up":
                events = (
                    [prelude(), diagnostic("boom: Adobe answered 500")]
                    if (self.up_outcome.get(stack) == "fail")
                    else [prelude(), summary(same=3, update=1)]
                )
                self._log(args, events)
                if self.up_outcome.get(stack) == "fail":
                    self._fail("error: update failed", 255)
                return self._ok(f"Updating ({stack})\n")
            if scenario == "locked":
                # End the log so the SDK's file reader stops at once instead of after 5 s.
                self._log(args, [])
                self._fail(
                    "error: the stack is currently locked by 1 lock(s). Either wait for the other "
                    "process(es) to end or delete the lock file with `pulumi cancel`.\n"
                    f"  azblob://state/.pulumi/locks/organization/adobe-cmk/{stack}/1.json: "
                    "created by runner@host (pid 42) at 2026-12-01T05:17:00Z",
                    255,
                )
            events = scenario_events(stack, scenario)
            self._log(args, events)
            if scenario in ("failed", "policy"):
                self._fail("error: preview failed", 255)
            return self._ok(f"Previewing update ({stack})\n")
        finally:
            with self._lock:
                self.running -= 1

    def _log(self, args: list[str], events: list[dict[str, Any]]) -> None:
        if "--event-log" not in args:
            return
        path = args[args.index("--event-log") + 1]
        with open(path, "a", encoding="utf-8") as log:
            for sequence, event in enumerate([*events, {"cancelEvent": {}}], start=1):
                log.write(json.dumps({"sequence": sequence, "timestamp": 1764576000, **event}))
                log.write("\n")

    def _history(self) -> dict[str, Any]:
        return {
            "kind": "update",
            "startTime": "2026-12-01T05:17:00.000Z",
            "endTime": "2026-12-01T05:18:00.000Z",
            "message": "",
            "environment": {},
            "config": {"adobe-cmk:clientSecret": {"value": SECRET, "secret": True}},
            "result": "succeeded",
            "resourceChanges": {"same": 3, "update": 1},
        }

    @staticmethod
    def _ok(stdout: str) -> CommandResult:
        return CommandResult(stdout=stdout, stderr="", code=0)

    @staticmethod
    def _fail(stderr: str, code: int) -> None:
        raise create_command_error(CommandResult(stdout="", stderr=stderr, code=code))
