"""Engine events as the real CLI writes them, kept as fixtures (tests/fixtures/engine_events/) for
the fleet's classifier and the CLI double of tests/test_fleet_doubles.py.

One offline stack, `STACK`, against a simulator on `PORT` (the events record the Platform URL, so
a fixed port keeps a re-recording's diff to what changed), is taken through every case the fleet
classifies. Each case is one command, run as the Automation API runs it (`--non-interactive`,
`--exec-kind auto.local`, `--event-log`, `PULUMI_AUTOMATION_API`): `<case>.jsonl` is the event log
exactly as the CLI wrote it, `<case>.result.json` its arguments, exit code, stdout and stderr (the
Automation API types errors by them); in both, the temporary project folder is written `<project>`
(the only change). Record again after a CLI upgrade or a change to the program's resources:

    .venv/bin/python -m tests.pulumi_cli.engine_events
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.pulumi_cli.cli import ROOT, Project
from tests.pulumi_cli.machine_paths import scrub_text
from tests.simulator import PlatformSimulator

FIXTURES = ROOT / "tests" / "fixtures" / "engine_events"
#: The recorded stack; the double writes another stack's name in its place.
STACK = "recorded-org"
# Not the simulator's usual 8181, nor the state fixtures' port.
PORT = 18473
CLIENT_SECRET = "engine-events-client-secret"  # the simulator's, not a real secret
#: A key of another name than Pulumi.sim.yaml's: what a merged, not yet deployed change sends.
OTHER_KEY = "https://sim-vault.vault.azure.net/keys/sim-key-2/fedcba9876543210fedcba9876543210"
#: What `up` and `refresh` write in a lock file (the DIY backend's lock.go); the pid is made up.
LOCK = {
    "pid": 4242,
    "username": "runner",
    "hostname": "ci-host",
    "timestamp": "2026-12-01T05:17:00Z",
}
#: The variables with which the CLI accepts the Automation API's hidden flags (`--event-log`,
#: `--exec-kind`), as the SDK sets them.
#: The version of the CLI that wrote the fixtures (`pulumi version`, without its `v`).
VERSION_FILE = "cli-version.txt"
AUTOMATION_ENV = {"PULUMI_AUTOMATION_API": "true", "PULUMI_DEBUG_COMMANDS": "true"}

#: Each case: what it shows, and the command that records it (after the step before it).
CASES: Mapping[str, str] = {
    "not-deployed": "preview --refresh of a stack initialised and never updated",
    "up": "up of that stack: both Adobe resources created",
    "stack-ls": "stack ls --json after that up",
    "stack-output": "stack output --json --show-secrets, as the Automation API's up reads it",
    "stack-history": "stack history --json --show-secrets --page-size 1 --page 1, likewise",
    "stack-select-missing": "stack select of a stack the backend does not have",
    "in-sync": "preview --refresh right after up",
    "in-sync.refresh-only": "refresh --preview-only right after up",
    "drifted": "preview --refresh after the configuration turned FAILED at Adobe",
    "drifted.refresh-only": "refresh --preview-only of the same",
    "gone": "preview --refresh after Adobe lost the configuration",
    "gone.refresh-only": "refresh --preview-only of the same",
    "pending": "preview --refresh after a merged change (another key name), not yet deployed",
    "policy": "preview --refresh --policy-pack policy of the stack unprotected: mandatory rule",
    "failed": "preview --refresh with a setting refused (orgId)",
    "up-failed": "up of a key whose jobs end FAILED at Adobe",
    "locked": "up while another process holds the stack's lock",
}


def stack_config(sim: PlatformSimulator, stack: str, **overrides: Any) -> dict[str, Any]:
    """Pulumi.sim.yaml's config for one organisation of a fleet: pointed at `sim`, a configuration
    name of its own, protected (the policy pack's mandatory rule), the org of `sim`."""
    config = dict(yaml.safe_load((ROOT / "Pulumi.sim.yaml").read_text())["config"])
    config.update(
        {
            "adobe-cmk:orgId": sim.org_id,
            "adobe-cmk:configName": f"cmk-{stack}",
            "adobe-cmk:protect": True,
            "adobe-cmk:platformUrl": sim.url,
            "adobe-cmk:imsUrl": sim.ims_url,
            **overrides,
        }
    )
    return config


def write_stack_file(project: Project, stack: str, config: Mapping[str, Any]) -> Path:
    path = project.dir / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": dict(config)}, sort_keys=False))
    return path


def hold_lock(project: Project, stack: str) -> Path:
    """A lock file as a running (or killed) `up` leaves it on the file backend."""
    folder = project.backend / ".pulumi" / "locks" / "organization" / "adobe-cmk" / stack
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "0e4f6c1e-3c35-4a8e-9d3c-5c1d2b7a9f00.json"
    path.write_text(json.dumps(LOCK))
    return path


class Recorder:
    """Runs the cases on `STACK` of `project`, writing each case's files into `out`."""

    def __init__(self, project: Project, out: Path) -> None:
        self.project, self.out = project, out

    def record(self, case: str, *args: str, fails: bool = False) -> None:
        """An engine operation (`preview`, `refresh`, `up`) on `STACK`, with its events."""
        log = self.out / f"{case}.jsonl"
        log.unlink(missing_ok=True)
        self.command(
            case,
            *args,
            "--stack",
            STACK,
            "--exec-kind",
            "auto.local",
            "--event-log",
            str(log),
            fails=fails,
        )

    def command(self, case: str, *args: str, fails: bool = False) -> None:
        """Any command, as the Automation API runs it; its result only."""
        assert case in CASES, case
        log = self.out / f"{case}.jsonl"
        argv = ["--non-interactive", *args]
        result = self.project.run(*argv, check=False, env=AUTOMATION_ENV)
        if (result.returncode != 0) != fails:
            raise AssertionError(
                f"{case}: pulumi {' '.join(argv)} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        here = self.project.dir
        if log.exists():
            log.write_text(scrub_text(log.read_text(), here))
        # The Automation API gives `--event-log` a tcp:// address, the recording a file.
        shown = ["<event log>" if a == str(log) else scrub_text(a, here) for a in argv]
        recorded = {
            "args": shown,
            "code": result.returncode,
            "stdout": scrub_text(result.stdout, here),
            "stderr": scrub_text(result.stderr, here),
        }
        (self.out / f"{case}.result.json").write_text(json.dumps(recorded, indent=1) + "\n")


def record_all(directory: Path, out: Path = FIXTURES) -> list[Path]:
    """Records every case of `CASES` in `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.json*"):
        stale.unlink()
    with PlatformSimulator(port=PORT, client_secret=CLIENT_SECRET) as sim:
        project = Project(directory, extra_env={"ADOBE_CLIENT_SECRET": CLIENT_SECRET})
        config = stack_config(sim, STACK)
        write_stack_file(project, STACK, config)
        project.run("stack", "init", STACK)
        version = project.run("version").stdout.strip().removeprefix("v")
        (out / VERSION_FILE).write_text(version + "\n")
        name = config["adobe-cmk:configName"]
        rec = Recorder(project, out)
        refresh_only = ("refresh", "--preview-only")

        rec.record("not-deployed", "preview", "--refresh")
        rec.record("up", "up", "--yes", "--skip-preview")
        rec.command("stack-ls", "stack", "ls", "--json")
        rec.command("stack-output", "stack", "output", "--json", "--show-secrets", "--stack", STACK)
        rec.command(
            "stack-history",
            "stack",
            "history",
            "--json",
            "--show-secrets",
            "--page-size",
            "1",
            "--page",
            "1",
            "--stack",
            STACK,
        )
        rec.command(
            "stack-select-missing", "stack", "select", "--stack", "no-such-stack", fails=True
        )
        rec.record("in-sync", "preview", "--refresh")
        rec.record("in-sync.refresh-only", *refresh_only)
        sim.set_config_status(name, "FAILED", "the key could not be read")
        rec.record("drifted", "preview", "--refresh")
        rec.record("drifted.refresh-only", *refresh_only)
        sim.remove_config(name)
        rec.record("gone", "preview", "--refresh")
        rec.record("gone.refresh-only", *refresh_only)
        project.run("up", "--yes", "--skip-preview", "--refresh", "--stack", STACK)

        project.config_set(STACK, {"adobe-cmk:existingKeyId": OTHER_KEY})
        rec.record("pending", "preview", "--refresh")
        project.config_set(
            STACK,
            {
                "adobe-cmk:existingKeyId": config["adobe-cmk:existingKeyId"],
                "adobe-cmk:protect": "false",
            },
        )
        rec.record("policy", "preview", "--refresh", "--policy-pack", "policy", fails=True)
        project.config_set(STACK, {"adobe-cmk:protect": "true", "adobe-cmk:orgId": "not-an-org"})
        rec.record("failed", "preview", "--refresh", fails=True)
        # No resend: the first FAILED job fails the update (a resend waits minutes).
        project.config_set(
            STACK,
            {
                "adobe-cmk:orgId": sim.org_id,
                "adobe-cmk:failedResends": "0",
                "adobe-cmk:existingKeyId": OTHER_KEY,
            },
        )
        sim.mark_bad_key(OTHER_KEY)
        rec.record("up-failed", "up", "--yes", "--skip-preview", fails=True)
        project.config_set(STACK, {"adobe-cmk:existingKeyId": config["adobe-cmk:existingKeyId"]})
        hold_lock(project, STACK)
        rec.record("locked", "up", "--yes", "--skip-preview", fails=True)
    return [*sorted(out.glob("*.json*")), out / VERSION_FILE]


def load_events(case: str, fixtures: Path = FIXTURES) -> list[dict[str, Any]]:
    """The recorded events of `case`, in order, as JSON objects."""
    lines = (fixtures / f"{case}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def recorded_version(fixtures: Path = FIXTURES) -> str:
    """The version of the CLI that wrote the fixtures, e.g. `3.276.0`."""
    return (fixtures / VERSION_FILE).read_text().strip()


def load_result(case: str, fixtures: Path = FIXTURES) -> dict[str, Any]:
    """The recorded command of `case`: `args`, `code`, `stdout`, `stderr`."""
    result: dict[str, Any] = json.loads((fixtures / f"{case}.result.json").read_text())
    return result


if __name__ == "__main__":
    scratch = Path(tempfile.mkdtemp(prefix="engine-events-"))
    try:
        for path in record_all(scratch):
            print(path.relative_to(ROOT))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    sys.exit(0)
