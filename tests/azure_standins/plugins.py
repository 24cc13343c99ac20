"""The stand-ins installed as the plugins the engine loads: ``<PULUMI_HOME>/plugins/
resource-<name>-v<version>/pulumi-resource-<name>``, at the exact version the installed SDK asks
for (its ``pulumi-plugin.json``; the engine matches plugin versions exactly), each an executable
launcher that runs :mod:`tests.azure_standins` in this checkout's ``.venv``.

``install`` is idempotent and safe to run from several test workers at once (each file is written
whole and renamed into place); it rewrites a launcher only when its text differs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The plugin each SDK package asks for, by the package that ships its pulumi-plugin.json.
PACKAGES = {"azure-native": "pulumi_azure_native", "azuread": "pulumi_azuread"}

LAUNCHER = """#!/bin/sh
# The tests' stand-in for pulumi-resource-{name} v{version} (tests/azure_standins), installed by
# tests/azure_standins/plugins.py: it proves the program's wiring under the real engine, not
# Azure's behaviour. Its state file is named by ADOBE_CMK_AZURE_STANDIN_STATE.
root='{root}'
PYTHONPATH="$root${{PYTHONPATH:+:$PYTHONPATH}}"
export PYTHONPATH
exec "$root/.venv/bin/python" -u -m tests.azure_standins {name} {version} "$@"
"""


def sdk_version(name: str) -> str:
    """The plugin version the installed SDK package for ``name`` asks the engine for."""
    spec = importlib.util.find_spec(PACKAGES[name])
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{PACKAGES[name]} is not installed in this interpreter")
    manifest = Path(next(iter(spec.submodule_search_locations))) / "pulumi-plugin.json"
    declared = json.loads(manifest.read_text())
    if declared.get("name") != name or not declared.get("resource"):
        raise RuntimeError(f"{manifest} declares {declared!r}, not the resource plugin {name}")
    return str(declared["version"])


def launcher_path(home: Path, name: str, version: str | None = None) -> Path:
    version = version or sdk_version(name)
    return home / "plugins" / f"resource-{name}-v{version}" / f"pulumi-resource-{name}"


def install(home: Path, versions: Mapping[str, str] | None = None) -> list[Path]:
    """Both launchers under ``home`` (a ``PULUMI_HOME``) at the installed SDKs' versions, and at
    ``versions`` too (a state written with older SDKs names its providers' versions, which the
    engine then loads); the paths written or found current."""
    wanted = [(name, sdk_version(name)) for name in PACKAGES]
    wanted += [item for item in (versions or {}).items() if item not in wanted]
    installed = []
    for name, version in wanted:
        path = launcher_path(home, name, version)
        text = LAUNCHER.format(name=name, version=version, root=ROOT)
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=".launcher-")
            with os.fdopen(handle, "w") as out:
                out.write(text)
            os.chmod(scratch, 0o755)  # a launcher the engine executes
            os.replace(scratch, path)
        installed.append(path)
    return installed
