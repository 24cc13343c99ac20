"""Benchmark: `scripts/fleet check` under the real Pulumi CLI (built by scripts/pulumi-cli) over
offline stacks, and how its time grows with the fleet.

It measures, on a project copy with 12 offline stacks (copies of Pulumi.sim.yaml, each its own
configuration name, per-stack credentials as docs/fleet.md says) against one Platform simulator:

- the rollout that deploys them (`scripts/fleet up --yes --parallel 4`), and `pulumi install
  --no-plugins` alone (what every command runs first);
- `scripts/fleet check` (as a user runs it, install included) over 3 and 12 stacks at width 1
  and 4;
- one engine run per stack against two: `preview --refresh` (what `check` runs: its refresh steps
  give the drift, its plan the pending changes) against `refresh --preview-only` then `preview`,
  each through the Automation API on one stack at a time.

Not run by CI; prints figures, no pass/fail::

    .venv/bin/python -m bench.bench_fleet [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pulumi.automation import LocalWorkspace, PulumiCommand, Stack

from fleet.credentials import per_stack_variable
from tests.pulumi_cli.cli import Project, cli_bin
from tests.pulumi_cli.engine_events import stack_config, write_stack_file
from tests.simulator import PlatformSimulator

SIZES = (3, 12)
WIDTHS = (1, 4)
STACKS = tuple(f"brand-{n:02d}" for n in range(1, max(SIZES) + 1))


def timed(action: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    action(*args, **kwargs)
    return time.perf_counter() - started


def two_runs(stack: Stack) -> None:
    stack.preview_refresh()
    stack.preview()


def fleet(project: Project, *argv: str) -> None:
    result = subprocess.run(
        [str(project.dir / "scripts" / "fleet"), *argv],
        cwd=project.dir,
        env=project.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"scripts/fleet {' '.join(argv)} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )


def selection(stacks: Sequence[str]) -> list[str]:
    return [arg for stack in stacks for arg in ("--stack", stack)]


def engine_runs(project: Project, stacks: Sequence[str]) -> dict[str, list[float]]:
    """Per stack, one engine run (`preview --refresh`) against two (`refresh --preview-only`,
    then `preview`), through the Automation API as the fleet drives it."""
    command = PulumiCommand(root=str(cli_bin().parent))
    figures: dict[str, list[float]] = {
        "one run: preview --refresh": [],
        "two runs: refresh --preview-only + preview": [],
    }
    for name in stacks:
        workspace = LocalWorkspace(
            work_dir=str(project.dir),
            pulumi_command=command,
            env_vars={
                **project.env,
                "ADOBE_CLIENT_SECRET": project.env[per_stack_variable("ADOBE_CLIENT_SECRET", name)],
            },
        )
        stack = Stack.select(name, workspace)
        figures["one run: preview --refresh"].append(timed(stack.preview, refresh=True))
        figures["two runs: refresh --preview-only + preview"].append(timed(two_runs, stack))
    return figures


def one_round(scratch: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    secret = secrets.token_urlsafe(24)
    with PlatformSimulator(client_secret=secret) as sim:
        env = {per_stack_variable("ADOBE_CLIENT_SECRET", s): secret for s in STACKS}
        project = Project(scratch, extra_env=env, extra=("fleet", "preflight", "scripts/fleet"))
        for stack in STACKS:
            write_stack_file(project, stack, stack_config(sim, stack))
            project.run("stack", "init", stack)
        figures[f"up --yes --parallel 4, {len(STACKS)} stacks"] = timed(
            fleet, project, "up", "--yes", "--parallel", "4"
        )
        figures["pulumi install --no-plugins alone"] = timed(project.run, "install", "--no-plugins")
        for size in SIZES:
            for width in WIDTHS:
                figures[f"check, {size:2} stacks, width {width}"] = timed(
                    fleet, project, "check", "--parallel", str(width), *selection(STACKS[:size])
                )
        for name, values in engine_runs(project, STACKS[:3]).items():
            figures[f"per stack, {name}"] = statistics.median(values)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    cli_bin()  # builds first if needed, outside the figures
    rounds = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as scratch:
            rounds.append(one_round(Path(scratch)))
    print(
        f"fleet of offline stacks, {os.cpu_count()} CPUs, {args.runs} run(s) "
        "(median, min, max seconds):"
    )
    for name in rounds[0]:
        values = [r[name] for r in rounds]
        print(f"  {name:58} {statistics.median(values):6.1f} {min(values):6.1f} {max(values):6.1f}")


if __name__ == "__main__":
    main()
