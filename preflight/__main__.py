"""``python -m preflight [stack]`` (``scripts/preflight``): the checks, one line each, and the
exit status (0 only when every check passed)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from preflight import checks as run
from preflight.offline import (
    OfflineStackError,
    loopback_address,
    offline_environ,
    start_offline_simulator,
)
from preflight.report import Check, exit_status, render
from preflight.stack_config import ROOT, ConfigUnreadable, read_stack_config

if TYPE_CHECKING:
    from tests.simulator import PlatformSimulator

STACK_CONFIG = "stack config read"
SIMULATOR = "simulator of this run"


def preflight(
    stack: str,
    environ: Mapping[str, str],
    *,
    root: Path = ROOT,
    cli: str | None = None,
    seconds: float = run.CHECK_SECONDS,
    simulator: PlatformSimulator | None = None,
) -> list[Check]:
    """Every check for ``stack``: its config read (through ``cli``, default ``pulumi`` on the
    PATH, else the stack file under ``root``), then :func:`~preflight.checks.check_all`.

    An offline stack (a loopback ``platformUrl``) is checked against a simulator this run starts
    on its port, with the simulator's own credential whatever ``environ`` holds
    (:mod:`preflight.offline`), never against anything else that listens there; or against
    ``simulator``, one the caller started in this process and vouches for (the tests drive every
    check against it as against Adobe, with the credential they choose)."""
    try:
        config = read_stack_config(stack, root=root, cli=cli)
    except ConfigUnreadable as error:
        return [Check.failed(STACK_CONFIG, str(error), error.fix)]
    detail = f"from {config.source}"
    if config.unreadable:
        detail += (
            f"; encrypted {', '.join(config.unreadable)} cannot be read without the CLI: "
            "the credential is taken from the environment"
        )
    read = Check.ok(STACK_CONFIG, detail)
    found = loopback_address(config.values)
    if found is None or (simulator is not None and urlsplit(simulator.url).port == found[1]):
        return [read, *run.check_all(config, environ, seconds=seconds)]
    try:
        sim = start_offline_simulator(config, found[1])
    except OfflineStackError as error:
        after = (run.SETTINGS, run.TOKEN, run.PLATFORM, run.APP, run.CONFIG)
        skipped = [Check.skipped(name, f"needs '{SIMULATOR}'") for name in after]
        return [read, Check.failed(SIMULATOR, str(error), error.fix), *skipped]
    try:
        started = Check.ok(SIMULATOR, f"started at {sim.url}, stopped after the checks")
        offline = run.check_all(config, offline_environ(environ, sim), seconds=seconds)
    finally:
        sim.stop()
    return [read, started, *offline]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/preflight",
        description="Check, without changing anything, what a first `up` of a stack needs.",
    )
    parser.add_argument("stack", nargs="?", default="dev", help="the stack (default: dev)")
    parser.add_argument(
        "--timeout", type=float, default=run.CHECK_SECONDS, help="seconds per check at most"
    )
    parser.add_argument(
        "--stack-dir",
        type=Path,
        default=ROOT,
        help="where Pulumi.<stack>.yaml is, without the CLI (default: the project's folder)",
    )
    args = parser.parse_args(argv)
    # The client logs its retries; the preflight's own lines say what matters, one per check.
    logging.getLogger("providers").addHandler(logging.NullHandler())
    logging.getLogger("providers").propagate = False
    checks = preflight(args.stack, os.environ, root=args.stack_dir, seconds=args.timeout)
    print(f"preflight for stack {args.stack}")
    print(render(checks))
    return exit_status(checks)


if __name__ == "__main__":
    sys.exit(main())
