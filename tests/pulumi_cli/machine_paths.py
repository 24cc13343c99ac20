"""What the real CLI writes names this machine's folders (the project copy, the repository, the
Python installation); fixtures kept in the repository name them by placeholder instead, so a
fixture says the same on every machine and reveals nothing of the one that recorded it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.pulumi_cli.cli import ROOT


def placeholders(project_dir: Path) -> dict[str, str]:
    """Each machine folder a recording may name, and its placeholder (longest first, so the
    project copy inside a temporary folder wins over anything containing it)."""
    folders = {str(project_dir): "<project>", str(ROOT): "<repo>",
               sys.base_prefix: "<python>", str(Path.home()): "<home>"}
    return dict(sorted(folders.items(), key=lambda item: -len(item[0])))


def scrub_text(text: str, project_dir: Path) -> str:
    """`text` with every machine folder replaced by its placeholder."""
    for folder, placeholder in placeholders(project_dir).items():
        text = text.replace(folder, placeholder)
    return text


def scrub_deployment(deployment: dict[str, Any]) -> dict[str, Any]:
    """A `pulumi stack export` without the stack-trace frames outside the program (the
    executor's and the Python installation's, `project:///../…`): the engine keeps them only
    as debugging metadata, and they name this machine's folders."""
    for resource in deployment.get("deployment", {}).get("resources") or []:
        frames = resource.get("stackTrace")
        if frames:
            resource["stackTrace"] = [
                {} if str(frame.get("sourcePosition", "")).startswith("project:///../") else frame
                for frame in frames]
    return deployment
