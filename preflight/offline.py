"""``scripts/up``: ``pulumi up`` for a stack, and for the offline stack the simulator with it.

When the stack file's ``adobe-cmk:platformUrl`` is a loopback URL where nothing listens, the
Platform API simulator (``python -m tests.simulator``'s defaults, docs/offline-stack.md) is
started in this process on that port before ``up`` and stopped after it, and its request log
(what "Adobe" was asked) is printed with the stack's outputs: the whole demo in one command. The
simulator's own well-known secret and a throwaway passphrase are supplied only then, and only
when the environment sets none.

Every other stack runs with the policy pack, as the pipelines do (``--policy-pack policy``, its
requirements installed into this virtualenv first: ``pulumi install`` installs only the root
``requirements.txt``). What makes a stack offline is what it points at, a loopback Platform URL
(:func:`is_offline`), never its name.
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
#: The offline stack's passphrase when the demo starts the simulator (docs/offline-stack.md).
DEMO_PASSPHRASE = "sim"  # noqa: S105 - encrypts only the offline stack's simulator secret
#: The policy pack the pipelines run, whatever directory the stack files are in.
POLICY_PACK = Path(__file__).resolve().parent.parent / "policy"


def loopback_platform(stack: str, root: Path = ROOT) -> tuple[str, int] | None:
    """The host and port of the stack file's ``platformUrl`` when it is ``http`` on a loopback
    host with a port (the simulator's shape); ``None`` otherwise (Adobe, or no stack file)."""
    try:
        values = from_stack_file(stack, root / f"Pulumi.{stack}.yaml").values
    except ConfigUnreadable:
        return None
    url = urlsplit(str(values.get(f"{NAMESPACE}:platformUrl") or ""))
    if url.scheme != "http" or url.hostname not in LOOPBACK_HOSTS or url.port is None:
        return None
    return url.hostname, url.port


def is_offline(stack: str, root: Path = ROOT) -> bool:
    """Whether the stack talks to a simulator on this machine (:func:`loopback_platform`): such
    a stack gets no policy pack. The offline stack declares nothing of Azure for the pack to
    check and is unprotected on purpose (docs/offline-stack.md)."""
    return loopback_platform(stack, root) is not None


def simulator_port(stack: str, root: Path = ROOT) -> int | None:
    """The port to start the simulator on: the stack file's ``platformUrl`` is ``http`` on a
    loopback host where nothing listens; ``None`` otherwise (a real Adobe, or one running)."""
    found = loopback_platform(stack, root)
    if found is None:
        return None
    host, port = found
    return None if listening(host, port) else port


def policy_pack_args(stack: str, root: Path = ROOT) -> list[str]:
    """What ``up`` adds for the policy pack: ``--policy-pack policy``, or nothing for an offline
    stack (:func:`is_offline`)."""
    if is_offline(stack, root):
        return []
    inside = POLICY_PACK.is_relative_to(root)  # `up` runs in root: as the pipelines name it
    return ["--policy-pack", str(POLICY_PACK.relative_to(root) if inside else POLICY_PACK)]


def install_policy_requirements(environ: Mapping[str, str]) -> int:
    """``pip install -r policy/requirements.txt`` into the virtualenv running this (the pack's,
    policy/PulumiPolicy.yaml); its exit status."""
    argv = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    argv += ["-r", str(POLICY_PACK / "requirements.txt")]
    return subprocess.run(argv, env=dict(environ), check=False).returncode  # noqa: S603


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
    """``pulumi install``, ``stack select --create``, ``up`` (with :func:`policy_pack_args`) and
    the outputs; with the simulator around them when :func:`simulator_port` says so. The exit
    status is ``up``'s (1 without the CLI, after one line saying where to get it, or when the
    pack's requirements do not install)."""
    cli = shutil.which("pulumi", path=environ.get("PATH", ""))
    if cli is None:
        print(NO_CLI, file=sys.stderr)
        return 1
    env = dict(environ)
    policy = policy_pack_args(stack, root)
    if policy and install_policy_requirements(env) != 0:
        print("scripts/up: installing policy/requirements.txt failed (see above)", file=sys.stderr)
        return 1
    port = simulator_port(stack, root)
    sim = None
    if port is not None:
        sim = start_simulator(port)
        print(f"scripts/up: started the Platform API simulator at {sim.url} for this run")
        # The simulator's own credential, not a real one: taken from the simulator it started.
        demo = {
            "ADOBE_CLIENT_SECRET": sim.client_secret,
            "PULUMI_CONFIG_PASSPHRASE": DEMO_PASSPHRASE,
        }
        for name, value in demo.items():
            if not env.get(name) and not env.get(f"{name}_FILE"):
                env[name] = value
    try:

        def pulumi(*args: str) -> int:
            return subprocess.run([cli, *args], cwd=root, env=env, check=False).returncode  # noqa: S603

        status = pulumi("install") or pulumi("stack", "select", "--create", stack)
        if status == 0:
            status = pulumi("up", "--stack", stack, *up_args, *policy)
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
