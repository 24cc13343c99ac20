"""Test doubles for the fleet tests (no tests here): a ``PulumiCommand`` that answers the commands
the Automation API runs with what the real CLI answered, and event builders for the cases no
recording covers.

The answers are the real CLI's, recorded by tests/pulumi_cli/engine_events.py in
tests/fixtures/engine_events/ (the recorded stack's name replaced by the stack asked about): the
engine events of ``preview --refresh`` and ``refresh --preview-only`` in sync, drifted, with the
resource gone, with a change pending, never deployed, refused by a setting or by the policy pack;
of ``up`` done and failed; a locked ``up``'s error; ``stack ls|output|history`` and the error of
``stack select`` of a missing stack. The double reports the recorded CLI's version, so the SDK
takes the events over gRPC (``--event-log tcp://…``) as from the real CLI, and the double streams
them there.

The real engine shows a secret as ``[secret]`` in its events. So that a report that copied any
value would show it, the double also puts ``SECRET`` in every step's old and new states (the same
value in both, so no diff comes of it), in the prelude's config, in a stdout event, and in the
stack outputs and the update history (which the SDK reads with ``--show-secrets``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc
from pulumi.automation import CommandResult, PulumiCommand
from pulumi.automation._cmd import create_command_error
from pulumi.runtime.proto import events_pb2, events_pb2_grpc
from semver import VersionInfo

from tests.pulumi_cli import engine_events
from tests.pulumi_cli.engine_events import STACK as RECORDED_STACK

PROJECT = "adobe-cmk"
SECRET = "s3cr3t-value-never-shown"
VAULT = "azure-native:keyvault:Vault"
BYOK = "pulumi-python:dynamic/adobe:ByokConfig"
#: The check scenarios recorded from the real CLI (``<scenario>.jsonl``).
CHECKS = ("in-sync", "drifted", "gone", "pending", "not-deployed", "policy", "failed")
CLI_VERSION = VersionInfo.parse(engine_events.recorded_version())
#: What the real CLI printed for `pulumi install` offline, when the Azure plugins the program's
#: packages name cannot be downloaded (CLI 3.276.0, no route to get.pulumi.com; stdout omitted).
INSTALL_FAILED = (
    "error: installing packages: failed to download plugin: azure-native-3.29.0: "
    "failed all 5 attempts\ncontext canceled\n"
)


def urn(stack: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_}::{name}"


# --- recorded answers --------------------------------------------------------------------------


def recorded_events(case: str, stack: str = RECORDED_STACK) -> list[dict[str, Any]]:
    """The real engine's events of ``case`` for ``stack``, with ``SECRET`` planted."""
    text = (engine_events.FIXTURES / f"{case}.jsonl").read_text(encoding="utf-8")
    events = [json.loads(line) for line in text.replace(RECORDED_STACK, stack).splitlines()]
    return [_planted(event) for event in events]


def recorded_result(case: str, stack: str = RECORDED_STACK) -> CommandResult:
    """The real CLI's exit code, stdout and stderr of ``case`` for ``stack``."""
    recorded = engine_events.load_result(case)
    stdout, stderr = (recorded[k].replace(RECORDED_STACK, stack) for k in ("stdout", "stderr"))
    return CommandResult(stdout=stdout, stderr=stderr, code=recorded["code"])


def _planted(event: dict[str, Any]) -> dict[str, Any]:
    for kind in ("resourcePreEvent", "resOutputsEvent"):
        meta = event.get(kind, {}).get("metadata") or {}
        for state in (meta.get("old"), meta.get("new")):
            for part in ("inputs", "outputs"):
                if state and isinstance(state.get(part), dict):
                    state[part]["plantedValue"] = SECRET
    if "preludeEvent" in event:
        event["preludeEvent"]["config"]["adobe-cmk:clientSecret"] = SECRET
    return event


# --- events for what no recording shows (shaped as the real engine writes them) ---------------


def _state(urn_: str, type_: str) -> dict[str, Any]:
    values = {"enableSoftDelete": True, "plantedValue": SECRET}
    return {
        "type": type_,
        "urn": urn_,
        "custom": True,
        "id": "id-1",
        "parent": "",
        "provider": "",
        "inputs": dict(values),
        "outputs": dict(values),
    }


def step(
    op: str,
    urn_: str,
    type_: str = VAULT,
    *,
    detailed: Mapping[str, str] | None = None,
    diffs: list[str] | None = None,
) -> dict[str, Any]:
    """Step metadata as the engine writes it: old and new states with values, ``detailedDiff``
    null unless the provider gave one (azure-native does for a plan step; no provider the offline
    stack uses does, and no refresh step has one)."""
    meta: dict[str, Any] = {
        "op": op,
        "urn": urn_,
        "type": type_,
        "provider": "urn:pulumi:x::adobe-cmk::pulumi:providers:azure-native::default::1",
        "old": None if op == "create" else _state(urn_, type_),
        "new": _state(urn_, type_),
        "detailedDiff": None,
    }
    if detailed is not None:
        meta["detailedDiff"] = {p: {"diffKind": k, "inputDiff": True} for p, k in detailed.items()}
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
            "isPreview": True,
            "result": "succeeded",
        }
    }


def policy(name: str, message: str, level: str = "mandatory") -> dict[str, Any]:
    return {
        "policyEvent": {
            "resourceUrn": urn("prod", BYOK, "adobe-cmk-byok"),
            "message": message,
            "color": "never",
            "policyName": name,
            "policyPackName": "adobe-cmk",
            "policyPackVersion": "0.1.0",
            "policyPackVersionTag": "0.1.0",
            "enforcementLevel": level,
            "severity": "critical",
        }
    }


def stdout_event(message: str) -> dict[str, Any]:
    return {"stdoutEvent": {"message": message, "color": "never"}}


def stream_events(address: str, events: list[dict[str, Any]]) -> None:
    """Sends ``events`` to the SDK's event server at ``tcp://host:port``, as the CLI does."""
    with grpc.insecure_channel(address.removeprefix("tcp://")) as channel:
        requests = (events_pb2.EventRequest(event=json.dumps(e)) for e in events)
        events_pb2_grpc.EventsStub(channel).StreamEvents(requests, timeout=30)


# --- the CLI double ----------------------------------------------------------------------------


@dataclass
class FakePulumi(PulumiCommand):
    """A Pulumi CLI stand-in answering with the real CLI's recordings. ``stacks`` maps each
    backend stack to its check scenario (one of :data:`CHECKS`); ``up_outcome`` maps a stack to
    ``ok`` (the default), ``fail`` (Adobe failed the job) or ``locked``; a stack missing from
    ``stacks`` does not exist in the backend. ``install_fails`` makes ``pulumi install`` fail
    as the real one does offline. ``barrier``, when set, makes every preview wait for that many
    previews at once (a deadline, not a sleep: a run that never reaches the width breaks the
    barrier and fails)."""

    stacks: dict[str, str]
    up_outcome: dict[str, str] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    tags: dict[str, set[str]] = field(default_factory=dict)
    install_fails: bool = False
    #: `stack ls` fails once an `up` has run (the backend unreachable after the rollout).
    listing_fails_after_up: bool = False
    barrier: threading.Barrier | None = None
    calls: list[tuple[list[str], dict[str, str]]] = field(default_factory=list)
    running: int = 0
    most_running: int = 0

    def __post_init__(self) -> None:
        # PulumiCommand.__init__ would run `pulumi version`: the double states the recorded one.
        self.command = "pulumi"
        self.version = CLI_VERSION
        self._lock = threading.Lock()

    def run(self, args, cwd, additional_env, on_output=None, on_error=None) -> CommandResult:
        args = [a for a in args if a != "--non-interactive"]
        with self._lock:
            self.calls.append((args, dict(additional_env)))
        stack = args[args.index("--stack") + 1] if "--stack" in args else ""
        if args[:3] == ["stack", "ls", "--json"]:
            if self.listing_fails_after_up and self.commands("up"):
                self._fail(CommandResult(stdout="", stderr="error: backend unreachable", code=1))
            return self._ok(json.dumps(self._listing(args)))
        if args[:2] == ["stack", "select"]:
            if stack not in self.stacks:
                self._fail(recorded_result("stack-select-missing", stack))
            return self._ok("")
        if args[0] == "install":
            if self.install_fails:
                self._fail(CommandResult(stdout="", stderr=INSTALL_FAILED, code=1))
            return self._ok("Installing dependencies...\nFinished installing dependencies")
        if args[0] in ("preview", "refresh", "up"):
            return self._operation(args, stack)
        if args[:2] == ["stack", "output"]:
            answer = json.loads(recorded_result("stack-output", stack).stdout)
            return self._ok(json.dumps({**answer, "plantedValue": SECRET}))
        if args[:2] == ["stack", "history"]:
            (entry,) = json.loads(recorded_result("stack-history", stack).stdout)
            entry["config"]["adobe-cmk:clientSecret"] = {"value": SECRET, "secret": True}
            return self._ok(json.dumps([entry]))
        raise AssertionError(f"the double does not answer {args}")

    # --- helpers -----------------------------------------------------------------------------

    def commands(self, verb: str) -> list[list[str]]:
        return [args for args, _ in self.calls if args[0] == verb]

    def env_of(self, verb: str, stack: str) -> dict[str, str]:
        for args, env in self.calls:
            if args[0] == verb and args[args.index("--stack") + 1] == stack:
                return env
        raise AssertionError(f"no {verb} of {stack}")

    def _listing(self, args: list[str]) -> list[dict[str, Any]]:
        """``stack ls --json`` in the real CLI's shape: a stack initialised and never updated
        has a ``lastUpdate`` too (its creation) and ``resourceCount`` 0."""
        (template,) = json.loads(recorded_result("stack-ls").stdout)
        tag = args[args.index("--tag") + 1] if "--tag" in args else None
        found = []
        for name in sorted(self.stacks):
            if tag is not None and tag not in self.tags.get(name, set()):
                continue
            found.append(
                {
                    **template,
                    "name": name,
                    "current": False,
                    "lastUpdate": "2026-11-30T08:15:05.000Z",
                    "resourceCount": self.resources.get(name, template["resourceCount"]),
                }
            )
        return found

    def _operation(self, args: list[str], stack: str) -> CommandResult:
        with self._lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            if self.barrier is not None:
                self.barrier.wait()
            if args[0] == "up":
                case = {"ok": "up", "fail": "up-failed", "locked": "locked"}[
                    self.up_outcome.get(stack, "ok")
                ]
            else:
                scenario = self.stacks[stack]
                assert scenario in CHECKS, f"no recording of a check {scenario}"
                case = f"{scenario}.refresh-only" if args[0] == "refresh" else scenario
            if (engine_events.FIXTURES / f"{case}.jsonl").exists():
                events = recorded_events(case, stack)
                events.insert(1, stdout_event(f"diff shows {SECRET}"))
                stream_events(args[args.index("--event-log") + 1], events)
            # A locked `up` writes no event: the CLI stops before the engine starts.
            result = recorded_result(case, stack)
            if result.code != 0:
                self._fail(result)
            return result
        finally:
            with self._lock:
                self.running -= 1

    @staticmethod
    def _ok(stdout: str) -> CommandResult:
        return CommandResult(stdout=stdout, stderr="", code=0)

    @staticmethod
    def _fail(result: CommandResult) -> None:
        raise create_command_error(result)
