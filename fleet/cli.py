"""``scripts/fleet``: list, check and roll out every organisation's stack.

    scripts/fleet list   [selection] [--json [FILE]]
    scripts/fleet check  [selection] [--parallel 4] [--refresh-only] [--policy-pack DIR]
                         [--json [FILE]] [--markdown] [--no-install]
    scripts/fleet up     [selection] --yes [--parallel 1] [--max-failures 1] [--policy-pack policy]
    scripts/fleet report REPORT.json... [--json [FILE]] [--markdown]

    selection: --stack NAME (repeatable; also selects an excluded stack), --exclude NAME,
               --tag KEY[=VALUE] (the backend's stack tags; repeatable: all must match)

Exit codes: 0 all in sync (or updated), 2 drift / pending / never deployed, 3 a stack failed, is
locked, not initialised or skipped, 1 the command itself failed. docs/fleet.md has the details.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from pulumi.automation import PulumiCommand

from fleet import report
from fleet.classify import error_line
from fleet.credentials import check_distinct, shared_credentials
from fleet.runner import DEFAULT_WIDTH, Runner, StackResult, fan_out
from fleet.stacks import SelectionError, orphans, select, stack_files

ROOT = Path(__file__).resolve().parent.parent


def main(
    argv: Sequence[str] | None = None,
    *,
    command: PulumiCommand | None = None,
    project_dir: Path = ROOT,
    environ: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Runs one fleet command; returns its exit code. ``command`` is the Pulumi CLI (found on
    the PATH when omitted); ``environ`` the environment per-stack credentials come from."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # argparse: 0 for --help, 2 for bad arguments (2 means drift here)
        return report.OK if stop.code in (0, None) else report.COMMAND_FAILED
    environ = dict(os.environ if environ is None else environ)
    try:
        if args.command == "report":
            doc = report.merge(
                json.loads(Path(p).read_text(encoding="utf-8")) for p in args.reports
            )
            return _emit(doc, args, out)
        if args.command == "up" and not args.yes:
            raise SelectionError("`up` changes every selected stack: add --yes to go ahead")
        if ignored := shared_credentials(environ):
            print(
                f"fleet: {', '.join(ignored)} ignored: each stack uses its own Adobe credential "
                "(its stack config, or ADOBE_CLIENT_ID__<STACK> …; see docs/fleet.md)",
                file=err,
            )
        runner = Runner(project_dir, command or _pulumi_on_path(), environ)
        return _run(args, runner, out, err)
    except (SelectionError, ValueError, OSError) as error:
        print(f"fleet: {error}", file=err)
        return report.COMMAND_FAILED
    except Exception as error:  # the CLI missing or failing outside any one stack
        print(f"fleet: {type(error).__name__}: {error_line(error)}", file=err)
        return report.COMMAND_FAILED


def _run(args: argparse.Namespace, runner: Runner, out: TextIO, err: TextIO) -> int:
    backend = runner.backend_stacks()
    tagged = set(runner.backend_stacks(args.tag)) if args.tag else None
    files = stack_files(runner.project_dir)
    check_distinct(m.stack for m in files)
    selection = select(files, stacks=args.stack, exclude=args.exclude, tagged=tagged)
    lost = orphans(files, backend)
    if args.command == "list":
        doc = report.listing(selection.members, backend, orphans=lost, excluded=selection.excluded)
        if args.json:
            _write(report.dumps(doc), args.json, out)
        if args.json != "-":
            out.write(report.listing_table(doc))
        return report.OK
    if not args.no_install:
        # An offline stack declares nothing of Azure; the Azure plugins the virtualenv's packages
        # name cannot be fetched offline, and `pulumi install` would fail on them (as scripts/up).
        offline = all(m.offline for m in selection.members)
        plugins = " without plugins (every stack selected is offline)" if offline else ""
        print(f"fleet: pulumi install{plugins} (once, before the stacks)", file=err)
        runner.install(no_plugins=offline)
    if args.command == "check":
        packs = args.policy_pack or []
        results = fan_out(
            selection.members,
            lambda m: runner.check(
                m, backend.get(m.stack), refresh_only=args.refresh_only, policy_packs=packs
            ),
            width=args.parallel,
        )
    else:
        packs = args.policy_pack or [str(runner.project_dir / "policy")]
        results = fan_out(
            selection.members,
            lambda m: runner.up(m, backend.get(m.stack), policy_packs=packs),
            width=args.parallel,
            max_failures=args.max_failures,
        )
        results = _as_left(results, runner)
    version = str(runner.command.version or "")
    doc = report.document(
        args.command, results, cli_version=version, orphans=lost, excluded=selection.excluded
    )
    return _emit(doc, args, out)


def _as_left(results: list[StackResult], runner: Runner) -> list[StackResult]:
    """The rollout's rows with each stack as the rollout left it (resources, last update); as
    before it when the backend cannot be listed again (the report is not lost for that)."""
    try:
        after = runner.backend_stacks()
    except Exception:  # the rows then show the backend as it was before the rollout
        return results
    return [replace(r, backend=after.get(r.member.stack, r.backend)) for r in results]


def _emit(doc: dict[str, Any], args: argparse.Namespace, out: TextIO) -> int:
    if args.json:
        _write(report.dumps(doc), args.json, out)
    if args.json != "-":
        out.write(report.table(doc, markdown=args.markdown))
    return int(doc["exit_code"])


def _write(text: str, where: str, out: TextIO) -> None:
    if where == "-":
        out.write(text)
    else:
        Path(where).write_text(text, encoding="utf-8")


def _pulumi_on_path() -> PulumiCommand:
    try:
        return PulumiCommand()
    except FileNotFoundError as error:
        raise SelectionError(
            "the Pulumi CLI is not on the PATH: https://www.pulumi.com/docs/install/"
        ) from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/fleet",
        description="List, check and roll out every organisation's stack.",
        epilog="Exit codes: 0 in sync, 2 drift or pending, 3 failures, 1 the command failed.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    json_help = "write the JSON report to FILE (- or nothing: to stdout, instead of the table)"

    def selection(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--stack", action="append", default=[], metavar="NAME")
        sub.add_argument("--exclude", action="append", default=[], metavar="NAME")
        sub.add_argument("--tag", action="append", default=[], metavar="KEY[=VALUE]")
        sub.add_argument("--json", nargs="?", const="-", metavar="FILE", help=json_help)

    listing = commands.add_parser("list", help="the stack files against the backend")
    selection(listing)

    check = commands.add_parser("check", help="read-only: refresh + preview, classified")
    selection(check)
    check.add_argument("--parallel", type=_positive, default=DEFAULT_WIDTH, metavar="N")
    check.add_argument("--refresh-only", action="store_true", help="refresh --preview-only")
    check.add_argument("--policy-pack", action="append", metavar="DIR")
    check.add_argument("--markdown", action="store_true", help="the table in Markdown")
    check.add_argument("--no-install", action="store_true", help="skip `pulumi install`")

    up = commands.add_parser("up", help="roll out: pulumi up per stack, policy pack on")
    selection(up)
    up.add_argument("--yes", action="store_true", help="required: this changes the stacks")
    up.add_argument("--parallel", type=_positive, default=1, metavar="N")
    up.add_argument("--max-failures", type=_positive, default=1, metavar="N")
    up.add_argument("--policy-pack", action="append", metavar="DIR", help="default: policy")
    up.add_argument("--markdown", action="store_true", help="the table in Markdown")
    up.add_argument("--no-install", action="store_true", help="skip `pulumi install`")

    merge = commands.add_parser("report", help="merge JSON reports into one table and exit code")
    merge.add_argument("reports", nargs="+", metavar="REPORT.json")
    merge.add_argument("--json", nargs="?", const="-", metavar="FILE", help=json_help)
    merge.add_argument("--markdown", action="store_true", help="the table in Markdown")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text}")
    return value
