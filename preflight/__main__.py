"""``python -m preflight [stack]`` (``scripts/preflight``): the checks, one line each, and the
exit status (0 only when every check passed)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from preflight.checks import CHECK_SECONDS, check_all
from preflight.report import Check, exit_status, render
from preflight.stack_config import ROOT, ConfigUnreadable, read_stack_config

STACK_CONFIG = "stack config read"


def preflight(
    stack: str,
    environ: Mapping[str, str],
    *,
    root: Path = ROOT,
    cli: str | None = None,
    seconds: float = CHECK_SECONDS,
) -> list[Check]:
    """Every check for ``stack``: its config read (through ``cli``, default ``pulumi`` on the
    PATH, else the stack file under ``root``), then :func:`~preflight.checks.check_all`."""
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
    return [Check.ok(STACK_CONFIG, detail), *check_all(config, environ, seconds=seconds)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/preflight",
        description="Check, without changing anything, what a first `up` of a stack needs.",
    )
    parser.add_argument("stack", nargs="?", default="dev", help="the stack (default: dev)")
    parser.add_argument(
        "--timeout", type=float, default=CHECK_SECONDS, help="seconds per check at most"
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
