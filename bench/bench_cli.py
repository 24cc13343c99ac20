"""Benchmark: the real Pulumi CLI (built by scripts/pulumi-cli) on the offline stack.

It measures:

- the CLI build: cached (``scripts/pulumi-cli`` when the build is there); with ``--cold``, a
  whole build into an empty cache (minutes);
- ``pulumi preview``, ``up`` (a 12 s simulator job: also the seconds from the job's completion
  at the simulator to the CLI's exit), ``refresh --skip-preview`` and ``refresh`` (which previews
  first) wall times;
- where the time goes, each part started alone as the engine starts it: the CLI (``pulumi
  version``), the language host (to its port line), the program (the settings and component
  under mocks, as ``bench_program`` does), the dynamic-provider plugin (to its port line).

Not run by CI; prints figures, no pass/fail::

    .venv/bin/python -m bench.bench_cli [--runs 3] [--cold]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.pulumi_cli.cli import ROOT, Project, cli_bin
from tests.simulator import PlatformSimulator

JOB = (2.0, 8.0, 2.0)  # NEW, RUNNING, UPDATE_EXISTING_RESOURCES: COMPLETED 12 s after the POST
STACK = "sim"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def to_port_line(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds from starting a plugin to its first stdout line (the port the engine waits for)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.kill()
    process.wait()
    return elapsed


PROGRAM_TIMER = """
import time, yaml
started = time.perf_counter()
from tests.mocks import run_main
config = yaml.safe_load(open("Pulumi.sim.yaml"))["config"]
run_main(config={**config, "adobe-cmk:clientSecret": "bench"})
print(time.perf_counter() - started)
"""


def program_seconds() -> float:
    """The offline stack's program, imports included, in a fresh interpreter under mocks."""
    result = subprocess.run([sys.executable, "-c", PROGRAM_TIMER], cwd=ROOT, check=True,
                            capture_output=True, text=True)
    return float(result.stdout.strip().splitlines()[-1])


def cold_build() -> float:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "ADOBE_CMK_CACHE": cache}
        return timed(lambda: subprocess.run([str(ROOT / "scripts" / "pulumi-cli")], env=env,
                                            check=True, capture_output=True))


def one_round(scratch: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    secret = secrets.token_urlsafe(24)
    with PlatformSimulator(client_secret=secret, job_durations=JOB) as sim:
        project = Project(scratch, extra_env={"ADOBE_CLIENT_SECRET": secret})
        shutil.copy2(ROOT / "Pulumi.sim.yaml", scratch / f"Pulumi.{STACK}.yaml")
        project.run("stack", "init", STACK)
        project.config_set(STACK, {"adobe-cmk:platformUrl": sim.url,
                                   "adobe-cmk:imsUrl": sim.ims_url})
        figures["preview"] = timed(lambda: project.run("preview", "--stack", STACK))
        started = time.perf_counter()
        project.run("up", "--yes", "--stack", STACK)
        exited = time.perf_counter()
        figures["up"] = exited - started
        # The simulator logs arrival on the monotonic clock: both ends on that clock.
        exited_monotonic = time.monotonic() - (time.perf_counter() - exited)
        posted = [r.time for r in sim.requests if r.method == "POST" and r.route == "config"]
        figures["up: job done to CLI exit"] = exited_monotonic - (posted[0] + sum(JOB))
        figures["refresh --skip-preview"] = timed(
            lambda: project.run("refresh", "--yes", "--skip-preview", "--stack", STACK))
        figures["refresh"] = timed(lambda: project.run("refresh", "--yes", "--stack", STACK))
        env = project.env
        figures["part: CLI start (pulumi version)"] = timed(
            lambda: subprocess.run(["pulumi", "version"], env=env, check=True,
                                   capture_output=True))
        figures["part: language host to its port"] = to_port_line(
            [str(cli_bin() / "pulumi-language-python"), "127.0.0.1:1"], scratch, env)
        figures["part: dynamic-provider plugin to its port"] = to_port_line(
            [str(cli_bin() / "pulumi-resource-pulumi-python"), "127.0.0.1:1"], scratch,
            {**env, "PULUMI_RUNTIME_VIRTUALENV": ".venv"})
        figures["part: program (imports and evaluation, under mocks)"] = program_seconds()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="also time a build into an empty cache")
    args = parser.parse_args()
    cli_bin()  # builds first if needed, outside the figures
    cached = timed(lambda: subprocess.run([str(ROOT / "scripts" / "pulumi-cli")], check=True,
                                          capture_output=True))
    print(f"CLI build, cached: {cached:.2f} s")
    if args.cold:
        print(f"CLI build, cold (empty cache): {cold_build():.0f} s")
    rounds = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as scratch:
            rounds.append(one_round(Path(scratch)))
    print(f"\noffline stack, {args.runs} runs (median, min, max seconds):")
    for name in rounds[0]:
        values = [r[name] for r in rounds]
        print(f"  {name:48} {statistics.median(values):6.2f} {min(values):6.2f} {max(values):6.2f}")


if __name__ == "__main__":
    main()
