"""Runs a Pulumi Python program for the project's own language host (tests/pulumi_cli).

The host starts it as ``<virtualenv python> pulumi-language-python-exec --monitor … --engine …
--project … --stack … --pwd … --dry_run true|false --parallel N [--organization …]
[--root_directory …] <entry point> [args…]``: the command line the Python language host gives its
executor (shared/reference/pulumi-cli-from-source.md, section 3a). Unknown ``--x value`` options
are ignored, since newer hosts add some. Exit codes: 0 on success; 32 after the failure has been
reported to the engine as a diagnostic (the host then answers ``Run`` with ``bail`` so the CLI shows
only that message); anything else means the program could not be run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

# The exit code after which the host shows only the diagnostic the program logged.
REPORTED_FAILURE = 32


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="pulumi-language-python-exec", add_help=False)
    for option in ("monitor", "engine", "project", "stack", "pwd", "dry_run", "parallel",
                   "organization", "root_directory", "tracing"):
        parser.add_argument(f"--{option}", default="")
    parser.add_argument("entry_point")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    known, unknown = parser.parse_known_args(argv)
    return known, unknown


def main(argv: list[str]) -> int:
    try:
        import pulumi
        import pulumi.runtime
    except ImportError as error:
        print(f"The virtualenv's Python cannot import the pulumi SDK ({error}): install "
              "requirements.txt into it.", file=sys.stderr)
        return 1

    options, _ = parse(argv)
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(),
                                  pulumi.runtime.get_config_secret_keys_env())
    parallel = int(options.parallel or "0") or (os.cpu_count() or 1)
    pulumi.runtime.configure(pulumi.runtime.Settings(
        project=options.project or None,
        stack=options.stack or None,
        monitor=options.monitor,
        engine=options.engine or None,
        parallel=parallel,
        dry_run=options.dry_run == "true",
        organization=options.organization or None,
        root_directory=options.root_directory or None,
    ))

    entry = options.entry_point
    sys.argv = [entry, *options.args]
    if options.pwd:
        os.chdir(options.pwd)
    if os.path.isdir(entry) and not os.path.exists(os.path.join(entry, "__main__.py")):
        pulumi.log.error(f"{os.path.abspath(entry)} has no __main__.py to run")
        return REPORTED_FAILURE
    # The program imports its own packages (components/, providers/) from its directory.
    sys.path.insert(0, os.path.abspath(entry if os.path.isdir(entry) else os.path.dirname(entry)))

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    executor = ThreadPoolExecutor(max_workers=parallel)
    loop.set_default_executor(executor)
    def program() -> None:
        runpy.run_path(entry, run_name="__main__")

    code = 0
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(program))
    except pulumi.RunError as error:
        # A user-facing error: its message alone, as the real executor shows it.
        pulumi.log.error(str(error))
        code = REPORTED_FAILURE
    except Exception:  # every other failure is reported with its traceback
        pulumi.log.error("Program failed with an unhandled exception:\n" + traceback.format_exc())
        code = REPORTED_FAILURE
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        executor.shutdown(wait=False)
        loop.close()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
