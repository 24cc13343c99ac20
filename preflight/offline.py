"""``scripts/up``: ``pulumi up`` for a stack, and for the offline stack the simulator with it.

When the stack file's ``adobe-cmk:platformUrl`` is a loopback URL where nothing listens, the
Platform API simulator (``python -m tests.simulator``'s defaults, docs/offline-stack.md) is
started in this process on that port before ``up`` and stopped after it, and its request log
(what "Adobe" was asked) is printed with the stack's outputs: the whole demo in one command. The
simulator's own well-known secret and a throwaway passphrase are supplied only then, and only
when the environment sets none.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cmk_facts import NAMESPACE
from preflight.stack_config import ROOT, ConfigUnreadable, from_stack_file

if TYPE_CHECKING:
    from tests.simulator import PlatformSimulator

INSTALL_PAGE = "https://www.pulumi.com/docs/install/"
NO_CLI = f"scripts/up: the Pulumi CLI is not on the PATH; install it from {INSTALL_PAGE}"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: How long a connection attempt may take to tell whether something listens (loopback: instant).
PROBE_SECONDS = 1.0
#: What the offline stack expects when the demo starts the simulator (docs/offline-stack.md).
DEMO_ENV = {"ADOBE_CLIENT_SECRET": "sim-client-secret", "PULUMI_CONFIG_PASSPHRASE": "sim"}


def simulator_port(stack: str, root: Path = ROOT) -> int | None:
    """The port to start the simulator on: the stack file's ``platformUrl`` is ``http`` on a
    loopback host where nothing listens; ``None`` otherwise (a real Adobe, or one running)."""
    try:
        values = from_stack_file(stack, root / f"Pulumi.{stack}.yaml").values
    except ConfigUnreadable:
        return None
    url = urlsplit(str(values.get(f"{NAMESPACE}:platformUrl") or ""))
    if url.scheme != "http" or url.hostname not in LOOPBACK_HOSTS or url.port is None:
        return None
    return None if listening(url.hostname, url.port) else url.port


def listening(host: str, port: int) -> bool:
    """Whether something accepts connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS):
            return True
    except OSError:
        return False


def start_simulator(port: int) -> PlatformSimulator:
    """The simulator as ``python -m tests.simulator --port <port>`` serves it, started."""
    from tests.simulator.cli import simulator_for

    return simulator_for(["--port", str(port)]).start()


def request_log(sim: PlatformSimulator) -> list[str]:
    """One line per request the simulator received (tokens and secrets are masked there)."""
    return [f"  {r.method} {r.path} → {r.status or 'no answer'}" for r in sim.requests]


def run_up(
    stack: str, up_args: Sequence[str], *, environ: Mapping[str, str], root: Path = ROOT
) -> int:
    """``pulumi install``, ``stack select --create``, ``up`` and the outputs; with the simulator
    around them when :func:`simulator_port` says so. The exit status is ``up``'s (1 without
    the CLI, after one line saying where to get it)."""
    cli = shutil.which("pulumi", path=environ.get("PATH", ""))
    if cli is None:
        print(NO_CLI, file=sys.stderr)
        return 1
    env = dict(environ)
    port = simulator_port(stack, root)
    sim = None
    if port is not None:
        sim = start_simulator(port)
        print(f"scripts/up: started the Platform API simulator at {sim.url} for this run")
        for name, value in DEMO_ENV.items():
            if not env.get(name) and not env.get(f"{name}_FILE"):
                env[name] = value
    try:

        def pulumi(*args: str) -> int:
            return subprocess.run([cli, *args], cwd=root, env=env, check=False).returncode  # noqa: S603

        status = pulumi("install") or pulumi("stack", "select", "--create", stack)
        if status == 0:
            status = pulumi("up", "--stack", stack, *up_args)
            if status == 0:
                pulumi("stack", "output", "--stack", stack)
        if sim is not None:
            print(f"Requests the simulator received ({len(sim.requests)}):")
            print("\n".join(request_log(sim)))
        return status
    finally:
        if sim is not None:
            sim.stop()
            print("scripts/up: stopped the simulator (its state goes with it)")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    stack = args.pop(0) if args and not args[0].startswith("-") else "dev"
    return run_up(stack, args, environ=os.environ)


if __name__ == "__main__":
    sys.exit(main())
