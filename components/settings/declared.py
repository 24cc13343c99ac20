"""The declared settings: ``Pulumi.yaml``'s ``config:`` block, the single source of every key,
its type, default and description.

The CLI applies those defaults itself; a run under mocks does not, so the settings read the same
file (:func:`declared_settings`) and see the same ones. No default is written in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from cmk_facts import NAMESPACE

PROJECT_FILE = Path(__file__).resolve().parents[2] / "Pulumi.yaml"
#: libyaml's loader when PyYAML has it: every program run reads the file, and the pure-Python
#: loader takes about ten times as long over it.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class DeclaredSetting:
    """One key of ``Pulumi.yaml``'s ``config:`` block."""

    name: str
    """The key without its namespace, e.g. ``keySize``."""
    type: str
    """``string``, ``integer``, ``boolean`` or ``array`` (of strings)."""
    description: str
    default: Any = None
    """The declared default; ``None`` for a required key."""

    @property
    def key(self) -> str:
        """The full key, e.g. ``adobe-cmk:keySize``."""
        return f"{NAMESPACE}:{self.name}"

    @property
    def required(self) -> bool:
        """A key with no default must be set in every stack."""
        return self.default is None


@cache
def declared_settings(project_file: Path = PROJECT_FILE) -> dict[str, DeclaredSetting]:
    """The keys declared in ``Pulumi.yaml``, by name, in file order."""
    with open(project_file, encoding="utf-8") as stream:
        project = yaml.load(stream, Loader=_LOADER)  # noqa: S506 - a safe loader
    declared: dict[str, DeclaredSetting] = {}
    for name, spec in (project.get("config") or {}).items():
        declared[name] = DeclaredSetting(
            name=name,
            type=spec["type"],
            description=" ".join(str(spec.get("description", "")).split()),
            default=spec.get("default"),
        )
    return declared
