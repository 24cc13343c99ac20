"""The stack's config as the preflight reads it: from the Pulumi CLI when it is on the PATH,
else from the stack file ``Pulumi.<stack>.yaml`` (the environment supplies the rest).

Without the CLI, values encrypted in the stack file (``secure:``) cannot be read: they are left
out, listed in :attr:`StackConfig.unreadable`, and the credential comes from the environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cmk_facts import NAMESPACE
from providers.platform.errors import one_line

ROOT = Path(__file__).resolve().parent.parent
#: How long ``pulumi config`` may take (it may decrypt through a cloud backend).
CLI_SECONDS = 60.0


class ConfigUnreadable(Exception):
    """The stack's config could not be read; ``str()`` says why, ``fix`` what to do."""

    def __init__(self, message: str, fix: str) -> None:
        self.fix = fix
        super().__init__(message)


@dataclass(frozen=True)
class StackConfig:
    """A stack's config: full keys → raw values, and which keys are secrets."""

    values: dict[str, Any] = field(repr=False)
    secret_keys: frozenset[str]
    source: str
    """Where the values came from, in words (``pulumi config --stack dev``, a stack file)."""
    unreadable: tuple[str, ...] = ()
    """Keys encrypted in the stack file that could not be read (no CLI)."""


def read_stack_config(stack: str, *, root: Path = ROOT, cli: str | None = None) -> StackConfig:
    """The config of ``stack``: through ``cli`` (default: ``pulumi`` found on the PATH), else
    from ``root/Pulumi.<stack>.yaml``. Raises :class:`ConfigUnreadable`."""
    cli = cli if cli is not None else shutil.which("pulumi")
    if cli:
        return from_cli(stack, cli, root)
    return from_stack_file(stack, root / f"Pulumi.{stack}.yaml")


def from_cli(stack: str, cli: str, root: Path = ROOT) -> StackConfig:
    """``pulumi config --json --show-secrets --stack <stack>`` (run in ``root``)."""
    argv = [cli, "config", "--json", "--show-secrets", "--stack", stack]
    try:
        done = subprocess.run(  # noqa: S603 (the CLI, with fixed arguments)
            argv, cwd=root, capture_output=True, text=True, timeout=CLI_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigUnreadable(
            f"`pulumi config` did not run ({type(exc).__name__})",
            "check the Pulumi CLI (`pulumi version`) and its backend (PULUMI_BACKEND_URL)",
        ) from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise ConfigUnreadable(
            f"`pulumi config --stack {stack}` failed: {one_line(reason, 300)}",
            f"`pulumi stack init {stack}` (or `scripts/up {stack}` creates it), with "
            "PULUMI_BACKEND_URL set to the stack's backend (scripts/ use ./.state by default); "
            "a local backend needs PULUMI_CONFIG_PASSPHRASE to decrypt secrets",
        )
    try:
        answer = json.loads(done.stdout or "{}")
    except ValueError:
        raise ConfigUnreadable(
            "`pulumi config --json` printed something that is not JSON",
            "run `pulumi config --json --stack <stack>` to see what it says",
        ) from None
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    for key, item in answer.items() if isinstance(answer, dict) else ():
        if not isinstance(item, dict) or "value" not in item:
            continue
        values[key] = item["value"]
        if item.get("secret"):
            secrets.add(key)
    return StackConfig(values, frozenset(secrets), f"`pulumi config --stack {stack}`")


def from_stack_file(stack: str, path: Path) -> StackConfig:
    """The ``config:`` of a stack file; ``secure:`` values are left out (listed unreadable)."""
    if not path.is_file():
        raise ConfigUnreadable(
            f"no Pulumi CLI on the PATH and no stack file {path.name}",
            f"install the Pulumi CLI (https://www.pulumi.com/docs/install/), or create "
            f"{path.name} (copy Pulumi.dev.yaml) for stack {stack}",
        )
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigUnreadable(
            f"{path.name} is not readable YAML ({type(exc).__name__})",
            f"fix {path.name}'s syntax",
        ) from None
    config = document.get("config") if isinstance(document, dict) else None
    values: dict[str, Any] = {}
    unreadable: list[str] = []
    for key, value in (config or {}).items():
        full = key if ":" in str(key) else f"{NAMESPACE}:{key}"
        if isinstance(value, dict) and "secure" in value:
            unreadable.append(full)
            continue
        values[full] = value
    source = f"{path.name} and the environment (no Pulumi CLI on the PATH)"
    if isinstance(document, dict) and document.get("environment"):
        source += "; its ESC environment: is not read without the CLI"
    return StackConfig(values, frozenset(), source, tuple(unreadable))
