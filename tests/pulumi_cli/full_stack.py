"""The whole program under the real CLI: the Platform simulator for Adobe, the Azure stand-in
plugins (tests/azure_standins) for azure-native and azuread.

`full_stack` makes a copy of the program with the stand-ins installed in the test `PULUMI_HOME`,
a stand-in state file of its own, and a stack from the example `Pulumi.dev.yaml` pointed at the
simulator; `engine_steps` reads the order the engine ran its steps in from `--event-log`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.azure_standins import STATE_ENV, AzureState
from tests.azure_standins.plugins import install
from tests.pulumi_cli.cli import ROOT, Project, pulumi_home
from tests.simulator import PlatformSimulator

STACK = "dev"
#: `--event-log` is one of the CLI's debug commands (pkg/cmd/pulumi/operations/up.go).
DEBUG_COMMANDS = {"PULUMI_DEBUG_COMMANDS": "true"}


@dataclass(frozen=True)
class FullStack:
    """A project, its stack, and what "Azure" holds for it."""

    project: Project
    azure: AzureState
    stack: str = STACK

    def run(self, *args: str, check: bool = True) -> Any:
        """`pulumi <args> --stack <stack>`."""
        return self.project.run(*args, "--stack", self.stack, check=check)

    def set(self, values: Mapping[str, str | Sequence[str]]) -> None:
        """`pulumi config set` each value; a list item by item with `--path` (replacing it)."""
        for key, value in values.items():
            if isinstance(value, str):
                self.project.config_set(self.stack, {key: value})
                continue
            self.project.run("config", "rm", "--stack", self.stack, key, check=False)
            for index, item in enumerate(value):
                self.project.run("config", "set", "--stack", self.stack, "--path",
                                 f"{key}[{index}]", item)

    def outputs(self) -> dict[str, Any]:
        return self.project.outputs(self.stack)

    def state_of(self, type_token: str, name: str) -> dict[str, Any]:
        """The engine's state of the resource ``name`` of ``type_token``."""
        for resource in self.project.export(self.stack)["deployment"]["resources"]:
            if resource["type"] == type_token and resource["urn"].endswith(f"::{name}"):
                return dict(resource)
        raise KeyError(f"{type_token} {name}")


def full_stack(directory: Path, sim: PlatformSimulator,
               settings: Mapping[str, str | Sequence[str]] | None = None,
               extra_env: Mapping[str, str] | None = None) -> FullStack:
    """The program in ``directory`` with the example stack's settings, pointed at ``sim``, its
    Adobe client secret in the environment (as docs/offline-stack.md has it)."""
    install(pulumi_home())
    azure = AzureState(directory / "azure-standin.json")
    project = Project(directory, extra_env={
        "ADOBE_CLIENT_SECRET": sim.client_secret, STATE_ENV: str(azure.path),
        **DEBUG_COMMANDS, **(extra_env or {})})
    shutil.copy2(ROOT / "Pulumi.dev.yaml", directory / f"Pulumi.{STACK}.yaml")
    project.run("stack", "init", STACK)
    stack = FullStack(project, azure)
    stack.set({"adobe-cmk:orgId": sim.org_id, "adobe-cmk:clientId": sim.client_id,
               "adobe-cmk:platformUrl": sim.url, "adobe-cmk:imsUrl": sim.ims_url,
               "adobe-cmk:waitTimeoutMinutes": "5", **(settings or {})})
    return stack


@dataclass(frozen=True)
class EngineStep:
    """One resource's step in an event log: the sequence numbers of its start and its end."""

    urn: str
    op: str
    started: int
    finished: int | None

    def overlaps(self, other: EngineStep) -> bool:
        """Whether the two ran at the same time (each started before the other ended)."""
        return (self.started < (other.finished or 1 << 62)
                and other.started < (self.finished or 1 << 62))


def engine_steps(event_log: Path) -> dict[str, EngineStep]:
    """Each resource's step in an `--event-log` file, by URN (`resourcePreEvent` opens a step,
    `resOutputsEvent` closes it; the events' `sequence` orders them)."""
    started: dict[str, tuple[str, int]] = {}
    finished: dict[str, int] = {}
    for line in event_log.read_text().splitlines():
        event = json.loads(line)
        for kind, target in (("resourcePreEvent", started), ("resOutputsEvent", finished)):
            if kind in event:
                metadata = event[kind]["metadata"]
                if target is started:
                    started[metadata["urn"]] = (metadata["op"], event["sequence"])
                else:
                    finished[metadata["urn"]] = event["sequence"]
    return {urn: EngineStep(urn, op, seq, finished.get(urn)) for urn, (op, seq) in started.items()}


def step_named(steps: Mapping[str, EngineStep], type_token: str, name: str) -> EngineStep:
    (found,) = [s for urn, s in steps.items() if urn.endswith(f"{type_token}::{name}")]
    return found
