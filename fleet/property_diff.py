"""Where two property maps differ: the paths and kinds of a change, never its values.

The engine gives no diff for a refresh step, nor for a dynamic provider's step (fleet/classify.py);
the fleet then compares the step's old and new states as the CLI's diff display does. Pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any


def changed_paths(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, str]:
    """Property path → ``add``/``delete``/``update`` where ``new`` differs from ``old``, in the
    engine's path syntax (``a.b[0]``, ``a["x.y"]``), into objects and lists of the same length;
    a secret (the engine's ``{sig: …}`` object) is one value. Keys the engine keeps for itself
    (``__provider``: which provider code serves the resource) are left out."""
    found: dict[str, str] = {}
    for key in sorted(set(old) | set(new)):
        if not key.startswith("__"):
            _compare(old.get(key, _ABSENT), new.get(key, _ABSENT), _key_path("", key), found)
    return found


_ABSENT = object()
#: The key marking a special value in a state: a secret is ``{_SIG_KEY: …, "ciphertext": …}``
#: (the SDK's ``pulumi.runtime.rpc._special_sig_key``, private there).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _compare(old: Any, new: Any, path: str, found: dict[str, str]) -> None:
    if old is _ABSENT or new is _ABSENT:
        found[path] = "add" if old is _ABSENT else "delete"
    elif _is_object(old) and _is_object(new):
        for key in sorted(set(old) | set(new)):
            _compare(old.get(key, _ABSENT), new.get(key, _ABSENT), _key_path(path, key), found)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            _compare(before, after, f"{path}[{index}]", found)
    elif old != new:
        found[path] = "update"


def _is_object(value: Any) -> bool:
    return isinstance(value, dict) and _SIG_KEY not in value


def _key_path(prefix: str, key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return f"{prefix}.{key}" if prefix else key
    return f"{prefix}[{json.dumps(key)}]"
