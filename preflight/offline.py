"""``scripts/up``: ``pulumi up`` for a stack, and for the offline stack the simulator with it.

An offline stack is one whose stack file's ``adobe-cmk:platformUrl`` is ``http`` on a loopback
host with a port (:func:`loopback_platform`), whatever its name. For it, ``scripts/up`` (and
``scripts/preflight``) start the Platform API simulator (``python -m tests.simulator``'s
defaults, docs/offline-stack.md) in this process on that port, and only that simulator counts:
the port is bound here, and a port something else holds fails the run in one line before any
request is sent (:func:`start_offline_simulator`), so nothing that merely listens there is ever
taken for the simulator. The run then uses the simulator's own credential, whatever the shell
exports (:func:`offline_environ`), and the stack may hold no secret of its own
(:func:`offline_problem`). ``up`` shows the stack's outputs and the simulator's request log (what
"Adobe" was asked), then stops it: the whole demo in one command.

Every other stack runs with the policy pack, as the pipelines do (``--policy-pack policy``, its
requirements installed into this virtualenv first: ``pulumi install`` installs only the root
``requirements.txt``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cmk_facts import NAMESPACE
from preflight.stack_config import ROOT, ConfigUnreadable, StackConfig, from_stack_file
from providers.credentials import ACCESS_TOKEN_ENV, CLIENT_ID_ENV, CLIENT_SECRET_ENV

if TYPE_CHECKING:
    from tests.simulator import PlatformSimulator

INSTALL_PAGE = "https://www.pulumi.com/docs/install/"
NO_CLI = f"scripts/up: the Pulumi CLI is not on the PATH; install it from {INSTALL_PAGE}"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: The only address the simulator listens on, so the only host an offline stack may name.
SIMULATOR_HOST = "127.0.0.1"
#: The offline stack's passphrase when the demo starts the simulator (docs/offline-stack.md).
DEMO_PASSPHRASE = "sim"  # noqa: S105 - encrypts only the offline stack's simulator secret
PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE"  # noqa: S105 (a variable name)
#: Settings that would carry a credential of the stack's own to the simulator's address.
CREDENTIAL_SETTINGS = (f"{NAMESPACE}:clientSecret", f"{NAMESPACE}:accessToken")
#: The policy pack the pipelines run, whatever directory the stack files are in.
POLICY_PACK = Path(__file__).resolve().parent.parent / "policy"


class OfflineStackError(Exception):
    """The offline stack cannot run against a simulator of this run; ``str()`` says why, ``fix``
    what to do (one line each)."""

    def __init__(self, message: str, fix: str) -> None:
        self.fix = fix
        super().__init__(message)


def loopback_address(values: Mapping[str, Any]) -> tuple[str, int] | None:
    """The host and port of ``platformUrl`` when it is ``http`` on a loopback host with a port
    (the simulator's shape); ``None`` otherwise (Adobe)."""
    url = urlsplit(str(values.get(f"{NAMESPACE}:platformUrl") or ""))
    try:
        port = url.port
    except ValueError:
        return None
    if url.scheme != "http" or url.hostname not in LOOPBACK_HOSTS or port is None:
        return None
    return url.hostname, port


def loopback_platform(stack: str, root: Path = ROOT) -> tuple[str, int] | None:
    """:func:`loopback_address` of the stack file's config; ``None`` without a stack file."""
    try:
        values = from_stack_file(stack, root / f"Pulumi.{stack}.yaml").values
    except ConfigUnreadable:
        return None
    return loopback_address(values)


def is_offline(stack: str, root: Path = ROOT) -> bool:
    """Whether the stack talks to a simulator on this machine (:func:`loopback_platform`): such
    a stack gets no policy pack. The offline stack declares nothing of Azure for the pack to
    check and is unprotected on purpose (docs/offline-stack.md)."""
    return loopback_platform(stack, root) is not None


def offline_problem(config: StackConfig, port: int) -> OfflineStackError | None:
    """Why the offline stack's config cannot be run against the simulator on ``port``: a
    ``platformUrl`` host it does not listen on, an ``imsUrl`` elsewhere (the simulator's
    secret would go there), a credential of the stack's own; ``None`` when it can."""
    from tests.simulator import TOKEN_PATH

    simulator = f"http://{SIMULATOR_HOST}:{port}"
    platform = str(config.values.get(f"{NAMESPACE}:platformUrl") or "")
    if urlsplit(platform).hostname != SIMULATOR_HOST:
        return OfflineStackError(
            f"{NAMESPACE}:platformUrl is {platform}, a loopback address the simulator does not "
            f"listen on (it binds {SIMULATOR_HOST} only)",
            f"`pulumi config set {NAMESPACE}:platformUrl {simulator}`",
        )
    ims = str(config.values.get(f"{NAMESPACE}:imsUrl") or "")
    if ims != simulator + TOKEN_PATH:
        return OfflineStackError(
            f"{NAMESPACE}:imsUrl is {ims or 'unset (Adobe IMS)'}, not the simulator's token "
            "endpoint, where the offline stack's secret goes",
            f"`pulumi config set {NAMESPACE}:imsUrl {simulator + TOKEN_PATH}`",
        )
    for key in CREDENTIAL_SETTINGS:
        if key in config.values or key in config.unreadable:
            return OfflineStackError(
                f"{key} is set in the offline stack, which runs with the simulator's own "
                "credential only",
                f"`pulumi config rm {key}`",
            )
    return None


def start_offline_simulator(config: StackConfig, port: int) -> PlatformSimulator:
    """The simulator as ``python -m tests.simulator --port <port>`` serves it, started on a port
    bound here; :class:`OfflineStackError` when the config cannot use it (:func:`offline_problem`)
    or the port is taken (nothing is sent to whatever holds it)."""
    from tests.simulator.cli import simulator_for

    problem = offline_problem(config, port)
    if problem is not None:
        raise problem
    try:
        return simulator_for(["--port", str(port)]).start()
    except OSError as exc:
        raise OfflineStackError(
            f"{SIMULATOR_HOST}:{port}, the offline stack's simulator port, is taken "
            f"({exc.strerror or type(exc).__name__}): only a simulator this run starts is "
            "trusted with the run",
            "stop what listens there (a simulator you started: Ctrl-C in its terminal), then "
            "run again",
        ) from None


def offline_environ(environ: Mapping[str, str], sim: PlatformSimulator) -> dict[str, str]:
    """``environ`` for a run against ``sim``: the simulator's client id and secret in place of
    whatever the shell exports, and no pre-issued token."""
    env = {k: v for k, v in environ.items() if k != ACCESS_TOKEN_ENV}
    env[CLIENT_ID_ENV] = sim.client_id
    env[CLIENT_SECRET_ENV] = sim.client_secret
    return env


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


def request_log(sim: PlatformSimulator) -> list[str]:
    """One line per request the simulator received (tokens and secrets are masked there)."""
    return [f"  {r.method} {r.path} → {r.status or 'no answer'}" for r in sim.requests]


def run_up(
    stack: str, up_args: Sequence[str], *, environ: Mapping[str, str], root: Path = ROOT
) -> int:
    """``pulumi install``, ``stack select --create``, ``up`` (with :func:`policy_pack_args`) and
    the outputs; for an offline stack, with a simulator of this run around them. The exit status
    is ``up``'s (1 without the CLI, after one line saying where to get it, when the pack's
    requirements do not install, or when the offline stack cannot run: :class:`OfflineStackError`).
    """
    cli = shutil.which("pulumi", path=environ.get("PATH", ""))
    if cli is None:
        print(NO_CLI, file=sys.stderr)
        return 1
    env = dict(environ)
    policy = policy_pack_args(stack, root)
    if policy and install_policy_requirements(env) != 0:
        print("scripts/up: installing policy/requirements.txt failed (see above)", file=sys.stderr)
        return 1
    found = loopback_platform(stack, root)
    sim = None
    if found is not None:
        try:
            config = from_stack_file(stack, root / f"Pulumi.{stack}.yaml")
            sim = start_offline_simulator(config, found[1])
        except OfflineStackError as error:
            print(f"scripts/up: {error}; fix: {error.fix}", file=sys.stderr)
            return 1
        print(f"scripts/up: started the Platform API simulator at {sim.url} for this run")
        env = offline_environ(env, sim)
        if not env.get(PASSPHRASE_ENV) and not env.get(f"{PASSPHRASE_ENV}_FILE"):
            env[PASSPHRASE_ENV] = DEMO_PASSPHRASE
    try:

        def pulumi(*args: str) -> int:
            return subprocess.run([cli, *args], cwd=root, env=env, check=False).returncode  # noqa: S603

        # An offline stack declares nothing of Azure: `pulumi install` would fetch the Azure
        # provider plugins the virtualenv's packages name, and fail without the internet.
        install = ("install", "--no-plugins") if sim is not None else ("install",)
        status = pulumi(*install) or pulumi("stack", "select", "--create", stack)
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
