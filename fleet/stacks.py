"""Who is in the fleet: the committed stack files, a short exclude list, and the backend's view.

A stack file ``Pulumi.<stack>.yaml`` (``.yml``/``.json``, the extensions the Automation API reads),
its whole name matched and the stack named in the characters Pulumi allows (letters, digits,
``-``, ``_``, ``.``), is a member: a new organisation is one reviewed file and is in by default,
so there is no allow-list to fall behind. Two files for one stack are refused. The backend
(``pulumi stack ls --json``) only cross-checks: a file without a stack is *not initialised*, a
stack without a file is an *orphan* (listed, never run).
Pure: reads files and parses text, runs nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from cmk_facts import NAMESPACE
from preflight.offline import loopback_address

#: Stacks left out unless named with ``--stack``, and why: not organisations to operate.
EXCLUDED: Mapping[str, str] = {
    "dev": "the example stack (placeholders)",
    "sim": "the offline stack (the local simulator)",
}

#: A stack file's whole name, matched with ``fullmatch`` (``$`` would also accept the name followed
#: by a line break); the stack part in the characters Pulumi allows in a stack name.
_STACK_FILE = re.compile(r"Pulumi\.(?P<stack>[A-Za-z0-9_.-]+)\.(?:yaml|yml|json)", re.ASCII)
#: ``Pulumi.<stack>.deploy.yaml`` holds Pulumi Deployments settings, not a stack.
_NOT_A_STACK_SUFFIX = ".deploy"
ORG_ID_KEY = f"{NAMESPACE}:orgId"


class SelectionError(ValueError):
    """The selection cannot be made (a named stack has no file, nothing is left): the command
    itself fails, exit code 1."""


@dataclass(frozen=True)
class Member:
    """One organisation's stack, from its committed file."""

    stack: str
    file: Path
    #: ``adobe-cmk:orgId`` from the file; ``""`` when the file does not set it.
    org_id: str
    #: Whether the file points the stack at a Platform API simulator on this machine (a loopback
    #: ``adobe-cmk:platformUrl``, preflight/offline.py): such a stack needs no Azure plugin.
    offline: bool = False


@dataclass(frozen=True)
class BackendStack:
    """One stack as ``pulumi stack ls --json`` reports it."""

    name: str
    last_update: datetime | None
    resource_count: int | None

    @property
    def deployed(self) -> bool:
        """Whether an update ever left resources in the state."""
        return bool(self.resource_count) and self.last_update is not None


@dataclass(frozen=True)
class Selection:
    """The stacks a command runs on, and what was left out and why."""

    members: tuple[Member, ...]
    #: Stack files left out by the exclude list or ``--exclude``.
    excluded: tuple[str, ...]


def stack_files(project_dir: Path) -> list[Member]:
    """Every stack file of the project, sorted by stack name. Raises :class:`SelectionError`
    when two files name one stack (``Pulumi.x.yaml`` and ``Pulumi.x.yml``)."""
    members: dict[str, Member] = {}
    for path in sorted(project_dir.iterdir()):
        match = _STACK_FILE.fullmatch(path.name)
        if not match or not path.is_file() or match["stack"].endswith(_NOT_A_STACK_SUFFIX):
            continue
        stack = match["stack"]
        if stack in members:
            raise SelectionError(
                f"two stack files for stack {stack}: {members[stack].file.name} and {path.name}; "
                "keep one"
            )
        config = _config(path)
        org_id = config.get(ORG_ID_KEY)
        members[stack] = Member(
            stack,
            path,
            org_id if isinstance(org_id, str) else "",
            offline=loopback_address(config) is not None,
        )
    return sorted(members.values(), key=lambda m: m.stack)


def select(
    members: Iterable[Member],
    *,
    stacks: Collection[str] = (),
    exclude: Collection[str] = (),
    tagged: Collection[str] | None = None,
) -> Selection:
    """The members named by ``stacks`` (all when empty), minus ``exclude`` and, unless named, the
    default :data:`EXCLUDED`; only those in ``tagged`` when a tag filter ran. Raises
    :class:`SelectionError` for a named stack without a file, or when nothing is left."""
    by_name = {m.stack: m for m in members}
    unknown = sorted(set(stacks) - set(by_name))
    if unknown:
        raise SelectionError(
            f"no stack file for {', '.join(unknown)} (expected Pulumi.<stack>.yaml); "
            f"stack files: {', '.join(sorted(by_name)) or 'none'}"
        )
    chosen, left_out = [], []
    for name, member in by_name.items():
        if stacks and name not in stacks:
            continue
        if name in exclude or (not stacks and name in EXCLUDED):
            left_out.append(name)
        elif tagged is None or name in tagged:
            chosen.append(member)
    if not chosen:
        raise SelectionError("no stack selected (check --stack, --exclude and --tag)")
    return Selection(tuple(chosen), tuple(left_out))


def parse_stack_ls(stdout: str) -> dict[str, BackendStack]:
    """``pulumi stack ls --json`` output by bare stack name (a Pulumi Cloud name
    ``org/project/stack`` is reduced to ``stack``)."""
    found = {}
    for entry in json.loads(stdout or "[]"):
        name = str(entry["name"]).rsplit("/", 1)[-1]
        last = entry.get("lastUpdate")
        count = entry.get("resourceCount")
        found[name] = BackendStack(
            name=name,
            last_update=datetime.fromisoformat(last) if last else None,
            resource_count=int(count) if count is not None else None,
        )
    return found


def orphans(members: Iterable[Member], backend: Mapping[str, BackendStack]) -> list[str]:
    """Backend stacks without a stack file: listed for a person to look at, never run."""
    return sorted(set(backend) - {m.stack for m in members})


def _config(path: Path) -> Mapping[str, Any]:
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return {}
    config = document.get("config") if isinstance(document, dict) else None
    return config if isinstance(config, dict) else {}
