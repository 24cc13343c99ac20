"""The real Pulumi CLI in the tests: built once by `scripts/pulumi-cli`, run offline.

Everything that makes a run offline and deterministic is in `offline_env` (shared/reference/
pulumi-cli-from-source.md, section 4): `PULUMI_HOME` in the build cache, a file backend, the
passphrase, no update check, no plugin download, no plugin from `$PATH`, and no Adobe credential
inherited from the shell. `Project` is a copy of the program in a temporary folder (the CLI rewrites
stack files), with the repository's `.venv` linked in, where tests run `pulumi` commands.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# What a copy of the program needs to run: the program, its packages and the policy pack.
PROGRAM_FILES = ("Pulumi.yaml", "__main__.py", "cmk_facts.py", "requirements.txt")
PROGRAM_DIRS = ("components", "providers", "policy")
# A command that waits on nothing should end well within this; a test waiting on a job says more.
COMMAND_TIMEOUT = 300.0
PASSPHRASE = "cli-test-passphrase"
# Variables from the shell that would change what a test run does or where secrets go.
INHERITED_OUT = ("ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET", "ADOBE_ACCESS_TOKEN",
                 "ADOBE_CMK_HSM_TOKEN", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE_FILE",
                 "PULUMI_CONFIG", "PULUMI_BACKEND_URL", "PULUMI_HOME",
                 # The CLI is stamped with its version: the Automation API's check stays on.
                 "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK")


@functools.cache
def cli_bin() -> Path:
    """The directory holding `pulumi` and the project's language host and shims (building the CLI
    the first time on this machine, which takes minutes)."""
    result = subprocess.run([str(ROOT / "scripts" / "pulumi-cli")], capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"scripts/pulumi-cli failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def pulumi_home() -> Path:
    """`PULUMI_HOME` for the tests: beside the cached build, shared by every test run."""
    home = cli_bin().parent / "home"
    (home / "plugins").mkdir(parents=True, exist_ok=True)
    return home


def offline_env(backend: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every `pulumi` command the tests run."""
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_OUT}
    env.update({
        "PATH": f"{cli_bin()}{os.pathsep}{env.get('PATH', '')}",
        "PULUMI_HOME": str(pulumi_home()),
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
        "NO_COLOR": "1",
    })
    env.update(extra or {})
    return env


class Project:
    """A copy of the program in `directory` on a file backend of its own, for `pulumi` commands.
    `extra` names more of the repository to copy (files or folders, e.g. `fleet`, `scripts/fleet`)
    for a test that runs more than the program."""

    def __init__(self, directory: Path, extra_env: Mapping[str, str] | None = None,
                 extra: Sequence[str] = ()) -> None:
        self.dir = directory
        self.backend = directory / ".state"
        self.backend.mkdir(parents=True, exist_ok=True)
        for name in (*PROGRAM_FILES, *PROGRAM_DIRS, *extra):
            source, target = ROOT / name, directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(source, target)
        (directory / ".venv").symlink_to(ROOT / ".venv")
        self.env = offline_env(self.backend, extra_env)

    def run(self, *args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT,
            input: str | None = None, env: Mapping[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
        """`pulumi <args>` in the project; `check` raises with the command's whole output."""
        result = subprocess.run(["pulumi", *args], cwd=self.dir, env={**self.env, **(env or {})},
                                capture_output=True, text=True, timeout=timeout, input=input,
                                check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def start(self, *args: str, log: Path) -> subprocess.Popen[bytes]:
        """`pulumi <args>` started in the background, its output going to `log`, in its own
        process group (so a test can send it SIGINT as a terminal's Ctrl-C would)."""
        with log.open("wb") as out:
            return subprocess.Popen(["pulumi", *args], cwd=self.dir, env=self.env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def config_set(self, stack: str, values: Mapping[str, str], secret: Sequence[str] = ()) -> None:
        """`pulumi config set` for each value; the keys in `secret` with `--secret`, the value
        on standard input (not in the process list), as a user answers the prompt."""
        for key, value in values.items():
            if key in secret:
                self.run("config", "set", "--stack", stack, "--secret", key, input=value)
            else:
                self.run("config", "set", "--stack", stack, "--", key, value)

    def outputs(self, stack: str, *flags: str) -> dict[str, Any]:
        """`pulumi stack output --json` as a dict."""
        return json.loads(self.run("stack", "output", "--stack", stack, "--json", *flags).stdout)

    def export(self, stack: str, *flags: str) -> dict[str, Any]:
        """`pulumi stack export` as a dict (the deployment the backend holds)."""
        return json.loads(self.run("stack", "export", "--stack", stack, *flags).stdout)


def interrupt(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a terminal sends it: SIGINT to the command's process group."""
    os.killpg(process.pid, signal.SIGINT)
