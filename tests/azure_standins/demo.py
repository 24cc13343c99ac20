"""``scripts/demo``: the whole program offline, in one command — the example stack's every
resource (resource group, vault, key, Adobe's app registration and service principal, the role,
the BYOK configuration) planned and deployed by the real Pulumi CLI, in the engine's own order,
against the Platform simulator for Adobe and the Azure stand-in plugins for Azure, then what each
was asked.

Everything happens in a scratch copy of the program with a backend, a ``PULUMI_HOME`` (where the
stand-ins are installed: never your own, whose real plugins they would shadow) and a stand-in
state of its own, all deleted afterwards: nothing in the checkout changes, and every run starts
afresh. The CLI is the ``pulumi`` on the ``PATH``, else the tests' build (``scripts/pulumi-cli``).
The stand-ins prove the program's wiring under the real engine, not Azure's behaviour
(docs/lifecycle.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.azure_standins.plugins import install
from tests.azure_standins.state import STATE_ENV, AzureState
from tests.pulumi_cli.cli import INHERITED_OUT, PASSPHRASE, PROGRAM_DIRS, PROGRAM_FILES, ROOT
from tests.pulumi_cli.full_stack import DEBUG_COMMANDS, engine_steps
from tests.simulator import PlatformSimulator

STACK = "demo"
VAULT = "azure-native:keyvault:Vault"


def cli_directory() -> Path:
    """Where ``pulumi`` (and, beside it, its language host) is."""
    found = shutil.which("pulumi")
    if found is not None:
        return Path(found).resolve().parent
    from tests.pulumi_cli.cli import cli_bin

    return cli_bin()


def environment(scratch: Path, cli: Path, sim: PlatformSimulator) -> dict[str, str]:
    """The run's environment: offline, its own home and backend, the simulator's credential."""
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_OUT}
    env.update(
        {
            "PATH": f"{cli}{os.pathsep}{env.get('PATH', '')}",
            "PULUMI_HOME": str(scratch / "pulumi-home"),
            "PULUMI_BACKEND_URL": (scratch / "state").as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
            "ADOBE_CLIENT_ID": sim.client_id,
            "ADOBE_CLIENT_SECRET": sim.client_secret,
            STATE_ENV: str(scratch / "azure-standin.json"),
            **DEBUG_COMMANDS,
        }
    )
    return env


def copy_program(directory: Path) -> None:
    directory.mkdir(parents=True)
    for name in PROGRAM_FILES:
        shutil.copy2(ROOT / name, directory / name)
    for name in PROGRAM_DIRS:
        shutil.copytree(
            ROOT / name, directory / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    (directory / ".venv").symlink_to(ROOT / ".venv")
    shutil.copy2(ROOT / "Pulumi.dev.yaml", directory / f"Pulumi.{STACK}.yaml")


def main() -> int:
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="adobe-cmk-demo-") as name,
        PlatformSimulator(job_durations=(0.5, 0.5, 0.5)) as sim,
    ):
        scratch = Path(name)
        program = scratch / "adobe-cmk"
        copy_program(program)
        env = environment(scratch, cli_directory(), sim)
        (scratch / "state").mkdir()
        install(Path(env["PULUMI_HOME"]))
        azure = AzureState(Path(env[STATE_ENV]))
        azure.set_latency(VAULT, 1.0)  # a vault takes a while to create, as in Azure

        def pulumi(*args: str, quiet: bool = False) -> None:
            out = subprocess.DEVNULL if quiet else None
            subprocess.run(["pulumi", *args], cwd=program, env=env, check=True, stdout=out)

        print(
            "adobe-cmk demo: the whole program offline — the Platform simulator for Adobe at "
            f"{sim.url}, stand-in plugins for azure-native and azuread (they prove the "
            "program's wiring under the real engine, not Azure's behaviour)\n",
            flush=True,
        )
        pulumi("stack", "init", STACK, quiet=True)
        for key, value in {
            "orgId": sim.org_id,
            "clientId": sim.client_id,
            "platformUrl": sim.url,
            "imsUrl": sim.ims_url,
            "waitTimeoutMinutes": "5",
        }.items():
            pulumi("config", "set", "--stack", STACK, f"adobe-cmk:{key}", value, quiet=True)
        events = scratch / "events.jsonl"
        pulumi(
            "up",
            "--yes",
            "--stack",
            STACK,
            "--policy-pack",
            str(program / "policy"),
            "--event-log",
            str(events),
        )
        print("\nIn the engine's order (its event log, numbered: where each step started and "
              "ended; steps whose spans overlap ran side by side):")
        for step in sorted(engine_steps(events).values(), key=lambda s: s.started):
            kind = step.urn.split("::")[2].split("$")[-1]
            if not kind.startswith(("pulumi:", "adobe-cmk:index:")):  # resources, not components
                print(f"  events {step.started:>3} to {step.finished or '…':>3}  {kind} "
                      f"{step.urn.rsplit('::', 1)[-1]}")
        print("\nWhat the Azure stand-ins were asked to change (tests/azure_standins):")
        for call in azure.calls():
            if call["method"] in ("Create", "Update", "Delete"):
                print(f"  {call['method']} {call['type']} {call['name']}")
        print(f"\nWhat the Platform simulator received ({len(sim.requests)} requests):")
        for request in sim.requests:
            print(f"  {request.method} {request.path} → {request.status or 'no answer'}")
    print(
        f"\nadobe-cmk demo: done in {time.monotonic() - started:.0f} s; its scratch copy, "
        "state and stand-ins are gone"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as failed:
        print(
            f"adobe-cmk demo: `{' '.join(failed.cmd)}` failed ({failed.returncode})",
            file=sys.stderr,
        )
        sys.exit(1)
