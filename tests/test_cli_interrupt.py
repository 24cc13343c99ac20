"""Ctrl-C during `pulumi up`, under the real CLI, while Adobe's job runs (a 60 s simulator job).

What the engine does (measured here): one SIGINT makes the CLI wait for the create in flight, so
the configuration completes and is recorded, and the CLI exits non-zero ("update canceled"); a
second SIGINT ends it at once and leaves a pending create in the state. Either way the next
`pulumi up` finishes without a second POST, but the engine keeps warning about the pending create
until `pulumi refresh --clear-pending-creates` clears it, which works before that `up` as well as
after it: what docs/lifecycle.md advises.
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.pulumi_cli.cli import ROOT, Project, interrupt
from tests.simulator import PlatformSimulator

pytestmark = pytest.mark.timeout(420)

STACK = "sim"
CONFIG_NAME = "adobe-cmk"
JOB_SECONDS = (1.0, 58.0, 1.0)  # NEW, RUNNING, …: 60 s in all
BYOK_URN = ("urn:pulumi:sim::adobe-cmk::adobe-cmk:index:CustomerManagedKey"
            "$pulumi-python:dynamic/adobe:ByokConfig::adobe-cmk-byok")


@pytest.fixture
def sim() -> Iterator[PlatformSimulator]:
    with PlatformSimulator(client_secret=secrets.token_urlsafe(24),
                           job_durations=JOB_SECONDS) as simulator:
        yield simulator


def offline_project(directory: Path, sim: PlatformSimulator) -> Project:
    project = Project(directory, extra_env={"ADOBE_CLIENT_SECRET": sim.client_secret})
    shutil.copy2(ROOT / "Pulumi.sim.yaml", directory / f"Pulumi.{STACK}.yaml")
    project.run("stack", "init", STACK)
    project.config_set(STACK, {"adobe-cmk:platformUrl": sim.url, "adobe-cmk:imsUrl": sim.ims_url,
                               "adobe-cmk:waitTimeoutMinutes": "5"})
    return project


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


def up_interrupted(project: Project, sim: PlatformSimulator, log: Path, times: int) -> int:
    """`pulumi up --yes`, Ctrl-C `times` times once Adobe's job runs; the CLI's exit code."""
    process = project.start("up", "--yes", "--stack", STACK, log=log)
    wait_for(lambda: sim.configs.get(CONFIG_NAME, {}).get("status") == "RUNNING", 120,
             "the BYOK job running")
    for _ in range(times):
        interrupt(process)
        # The second Ctrl-C counts only once the CLI has taken the first.
        wait_for(lambda: "received; cancelling" in log.read_text() or process.poll() is not None,
                 30, "the CLI taking Ctrl-C")
    return process.wait(timeout=180)


def pending_operations(project: Project) -> list[dict[str, object]]:
    return list(project.export(STACK)["deployment"].get("pending_operations") or [])


def test_one_ctrl_c_waits_for_the_job_and_the_next_up_has_nothing_to_do(
        tmp_path: Path, sim: PlatformSimulator) -> None:
    project = offline_project(tmp_path, sim)
    code = up_interrupted(project, sim, tmp_path / "up.log", times=1)
    output = (tmp_path / "up.log").read_text()
    assert code != 0, output
    assert "canceled" in output or "cancelled" in output, output
    assert sim.configs[CONFIG_NAME]["status"] == "COMPLETED"
    assert pending_operations(project) == []
    project.run("up", "--yes", "--stack", STACK)
    project.run("preview", "--stack", STACK, "--expect-no-changes")
    assert sim.count("POST", "config") == 1


def test_two_ctrl_c_leave_a_pending_create_that_the_next_up_finishes_without_a_second_post(
        tmp_path: Path, sim: PlatformSimulator) -> None:
    project = offline_project(tmp_path, sim)
    code = up_interrupted(project, sim, tmp_path / "up.log", times=2)
    assert code != 0
    pending = pending_operations(project)
    assert [op["resource"]["urn"] for op in pending] == [BYOK_URN]  # type: ignore[index]
    assert sim.configs[CONFIG_NAME]["status"] == "RUNNING"
    second = project.run("up", "--yes", "--stack", STACK)
    assert "interrupted while creating" in second.stdout
    assert project.outputs(STACK)["configStatus"] == "COMPLETED"
    assert sim.count("POST", "config") == 1
    # The engine keeps the interrupted create pending after that up, and warns on every run,
    # until a refresh clears it: the docs say to run one.
    assert len(pending_operations(project)) == 1
    project.run("refresh", "--yes", "--clear-pending-creates", "--stack", STACK)
    assert pending_operations(project) == []
    quiet = project.run("preview", "--stack", STACK, "--expect-no-changes")
    assert "interrupted while creating" not in quiet.stdout
    assert sim.count("POST", "config") == 1


def test_refresh_clear_pending_creates_then_up_finishes_without_a_second_post(
        tmp_path: Path, sim: PlatformSimulator) -> None:
    project = offline_project(tmp_path, sim)
    up_interrupted(project, sim, tmp_path / "up.log", times=2)
    assert pending_operations(project)
    project.run("refresh", "--yes", "--clear-pending-creates", "--stack", STACK)
    assert pending_operations(project) == []
    project.run("up", "--yes", "--stack", STACK)
    assert project.outputs(STACK)["configStatus"] == "COMPLETED"
    assert sim.count("POST", "config") == 1
