"""`scripts/fleet` as a user runs it, under the real Pulumi CLI (built by scripts/pulumi-cli) and
the real Automation API: three offline stacks on one file backend, each organisation against a
Platform simulator of its own with its own credential (`ADOBE_CLIENT_SECRET__BRAND_A`, …), while a
shared `ADOBE_CLIENT_SECRET` that no organisation accepts is exported.

The tests of this module are steps of one fleet's life, in order, on one xdist worker: listed,
rolled out, checked in sync, drifted at Adobe, with a broken stack, with a locked stack, rolled
out again.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from fleet.credentials import per_stack_variable
from tests.pulumi_cli.cli import COMMAND_TIMEOUT, Project
from tests.pulumi_cli.engine_events import LOCK, hold_lock, stack_config, write_stack_file
from tests.simulator import PlatformSimulator

pytestmark = [pytest.mark.xdist_group("cli-fleet"), pytest.mark.timeout(300)]

ORGS = {
    "brand-a": "1111AAAA2222@AdobeOrg",
    "brand-b": "3333BBBB4444@AdobeOrg",
    "brand-c": "5555CCCC6666@AdobeOrg",
}
BYOK = "pulumi-python:dynamic/adobe:ByokConfig"
SHARED_SECRET = "a-shared-secret-no-organisation-accepts"
REFUSED = "adobe-cmk:orgId is 'not-an-org': an IMS org id looks like 1234ABCD5678@AdobeOrg"


class Run:
    """One `scripts/fleet` command: its exit code, stdout and stderr, and the JSON report (stdout
    with `--json`, or the file `report` names with `--json FILE`, the table then on stdout)."""

    def __init__(self, result: subprocess.CompletedProcess[str], report: Path | None) -> None:
        self.code, self.out, self.err = result.returncode, result.stdout, result.stderr
        self.report = report

    @property
    def doc(self) -> dict[str, Any]:
        return dict(json.loads(self.report.read_text() if self.report else self.out))

    def stacks(self) -> dict[str, dict[str, Any]]:
        return {s["stack"]: s for s in self.doc["stacks"]}

    def statuses(self) -> dict[str, str]:
        return {name: s["status"] for name, s in self.stacks().items()}

    def __repr__(self) -> str:
        return f"exit {self.code}\n{self.out}\n{self.err}"


@pytest.fixture(scope="module")
def sims() -> Iterator[dict[str, PlatformSimulator]]:
    with ExitStack() as running:
        yield {
            stack: running.enter_context(
                PlatformSimulator(org_id=org, client_secret=secrets.token_urlsafe(24))
            )
            for stack, org in ORGS.items()
        }


@pytest.fixture(scope="module")
def project(
    tmp_path_factory: pytest.TempPathFactory, sims: dict[str, PlatformSimulator]
) -> Project:
    """The program with `fleet/` and `scripts/fleet`, a stack file per organisation (Pulumi.sim.yaml
    pointed at its simulator, a configuration name of its own, protected so that the policy pack
    passes), each stack initialised; each organisation's secret in its per-stack variable."""
    env = {
        per_stack_variable("ADOBE_CLIENT_SECRET", stack): sim.client_secret
        for stack, sim in sims.items()
    }
    project = Project(
        tmp_path_factory.mktemp("fleet"),
        extra_env={**env, "ADOBE_CLIENT_SECRET": SHARED_SECRET},
        extra=("fleet", "preflight", "scripts/fleet"),
    )
    for stack, sim in sims.items():
        write_stack_file(project, stack, stack_config(sim, stack))
        project.run("stack", "init", stack)
    return project


def fleet(project: Project, *argv: str, report: Path | None = None) -> Run:
    """`scripts/fleet <argv>` in the project, with its environment (and `--json report`)."""
    extra = ["--json", str(report)] if report else []
    return Run(
        subprocess.run(
            [str(project.dir / "scripts" / "fleet"), *argv, *extra],
            cwd=project.dir,
            env=project.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        ),
        report,
    )


def posts(sims: dict[str, PlatformSimulator]) -> dict[str, int]:
    return {stack: sim.count("POST", "config") for stack, sim in sims.items()}


# --- list --------------------------------------------------------------------------------------


def test_list_shows_each_stack_file_against_the_backend(project: Project) -> None:
    project.run("stack", "init", "brand-gone")
    (project.dir / "Pulumi.brand-gone.yaml").unlink()  # `stack init` wrote it (its salt)
    (project.dir / "Pulumi.brand-new.yaml").write_text("config:\n  adobe-cmk:orgId: X@AdobeOrg\n")
    try:
        run = fleet(project, "list", "--json")
    finally:
        project.run("stack", "rm", "--yes", "--stack", "brand-gone")
        (project.dir / "Pulumi.brand-new.yaml").unlink()
    assert run.code == 0, run
    assert {
        name: (s["org_id"], s["in_backend"], s["resources"]) for name, s in run.stacks().items()
    } == {
        **{stack: (org, True, 0) for stack, org in ORGS.items()},
        "brand-new": ("X@AdobeOrg", False, None),
    }
    assert run.doc["orphans"] == ["brand-gone"]


# --- up: the rollout -----------------------------------------------------------------------------


def test_up_rolls_out_every_stack_each_with_its_own_credential(
    project: Project, sims: dict[str, PlatformSimulator]
) -> None:
    # Three at once: no stack's processes hold another organisation's credential.
    run = fleet(project, "up", "--yes", "--parallel", "3", "--json")
    assert run.code == 0, run
    assert "ADOBE_CLIENT_SECRET ignored" in run.err and SHARED_SECRET not in run.err
    assert "pulumi install without plugins" in run.err, "offline, the plugins cannot be fetched"
    for stack, entry in run.stacks().items():
        assert (entry["status"], entry["change_summary"]) == ("updated", {"create": 4}), stack
        assert entry["resources"] == 5, f"{stack}: the row shows the stack after its up"
    for stack, sim in sims.items():
        assert sim.configs[f"cmk-{stack}"]["status"] == "COMPLETED", stack
        assert sim.count("POST", "token") == 1, f"{stack}: one token, its own organisation's"
    assert posts(sims) == dict.fromkeys(ORGS, 1)


# --- check -------------------------------------------------------------------------------------


def test_check_in_sync_exits_0_and_changes_nothing(
    project: Project, sims: dict[str, PlatformSimulator]
) -> None:
    run = fleet(project, "check", "--json")
    assert run.code == 0, run
    for stack, entry in run.stacks().items():
        assert entry["status"] == "in-sync", stack
        assert (entry["drift"], entry["pending"], entry["change_summary"]) == ([], [], {"same": 4})
    assert posts(sims) == dict.fromkeys(ORGS, 1)


def test_check_finds_a_failed_configuration_as_drift_and_exits_2_naming_the_stack(
    project: Project, sims: dict[str, PlatformSimulator], tmp_path: Path
) -> None:
    sims["brand-b"].set_config_status("cmk-brand-b", "FAILED", "the key could not be read")
    run = fleet(project, "check", report=tmp_path / "report.json")
    assert run.code == 2, run
    assert run.statuses() == {"brand-a": "in-sync", "brand-b": "drifted", "brand-c": "in-sync"}
    entry = run.stacks()["brand-b"]
    assert [(c["type"], c["op"], c["paths"]) for c in entry["drift"]] == [
        (BYOK, "update", {"status": "update"})
    ], "the refresh saw the status change"
    assert [(c["type"], c["op"]) for c in entry["pending"]] == [(BYOK, "update")], "up resends"
    for shown in (run.out, (tmp_path / "report.json").read_text()):
        assert "FAILED" not in shown and "the key could not be read" not in shown, "no values"
    (row,) = [line for line in run.out.splitlines() if line.startswith("brand-b")]
    assert " drifted " in row and "adobe-cmk-byok: status (update)" in row, row


def test_check_with_a_broken_stack_exits_3_with_its_error(
    project: Project, sims: dict[str, PlatformSimulator]
) -> None:
    project.config_set("brand-c", {"adobe-cmk:orgId": "not-an-org"})
    run = fleet(project, "check", "--json")
    assert run.code == 3, run
    assert run.statuses() == {"brand-a": "in-sync", "brand-b": "drifted", "brand-c": "failed"}
    assert run.stacks()["brand-c"]["error"]["first_line"] == REFUSED
    assert posts(sims) == dict.fromkeys(ORGS, 1)


def test_a_locked_stack_is_checked_and_its_up_reports_the_lock_holder(
    project: Project, sims: dict[str, PlatformSimulator]
) -> None:
    lock = hold_lock(project, "brand-a")
    try:
        check = fleet(project, "check", "--json", "--stack", "brand-a")
        up = fleet(project, "up", "--yes", "--json", "--stack", "brand-a")
    finally:
        lock.unlink()
    # A preview takes no lock on a DIY backend, and no lock stops it.
    assert (check.code, check.statuses()) == (0, {"brand-a": "in-sync"}), check
    assert (up.code, up.statuses()) == (3, {"brand-a": "locked"}), up
    holder = f"created by {LOCK['username']}@{LOCK['hostname']} (pid {LOCK['pid']})"
    first_line = up.stacks()["brand-a"]["error"]["first_line"]
    assert lock.name in first_line and holder in first_line, first_line
    assert posts(sims) == dict.fromkeys(ORGS, 1)


def test_up_again_mends_the_drift_and_stops_at_the_broken_stack(
    project: Project, sims: dict[str, PlatformSimulator]
) -> None:
    run = fleet(project, "up", "--yes", "--json")
    assert run.code == 3, run
    assert run.statuses() == {"brand-a": "updated", "brand-b": "updated", "brand-c": "failed"}
    assert run.stacks()["brand-c"]["error"]["first_line"] == REFUSED
    assert sims["brand-b"].configs["cmk-brand-b"]["status"] == "COMPLETED"
    assert posts(sims) == {"brand-a": 1, "brand-b": 2, "brand-c": 1}, "brand-b sent once again"
