"""How azure-native diffs and refreshes, as pure functions (no engine, no state).

Ported in behaviour, not in code, from pulumi/pulumi-azure-native ``provider/pkg/provider``:

- ``Diff`` compares the old *inputs* with the new ones; a change is a replacement when its
  property is a path parameter of the resource's PUT (name, resource group, scope) or marked
  force-new in the schema (``diff.go`` ``calculateDetailedDiff``); a top-level ``location`` that
  differs only in case and spaces is no change (``applyAzureSpecificDiff``);
- ``Read`` cannot read inputs, so it keeps the old inputs and applies to them only what changed
  between the old and the new outputs, both projected to the input shape (read-only properties
  left out) (``provider.go`` ``Read``, ``applyDiff``). A property Azure stores differently from
  how it was sent (``Rotate`` for ``rotate``, a default added by the service) is in both the old
  and the new outputs, so it does not show as drift; a property that *changes* in Azure does.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.azure_standins.wire import is_unknown

ADD, ADD_REPLACE, DELETE, DELETE_REPLACE, UPDATE, UPDATE_REPLACE = range(6)
REPLACING = frozenset({ADD_REPLACE, DELETE_REPLACE, UPDATE_REPLACE})


@dataclass
class Diff:
    """A provider's answer to Diff: the detailed diff by property path, and what it implies."""

    detailed: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> list[str]:
        """The top-level properties that change."""
        return sorted({_top(path) for path in self.detailed})

    @property
    def replaces(self) -> list[str]:
        """The top-level properties whose change replaces the resource."""
        return sorted({_top(p) for p, kind in self.detailed.items() if kind in REPLACING})


def diff_inputs(olds: Mapping[str, Any], news: Mapping[str, Any],
                replace_on: Iterable[str]) -> Diff:
    """The detailed diff of old and new inputs; ``replace_on`` holds property paths (``a.b``,
    ``a[].b`` for items) whose change replaces. Internal keys (``__…``) are not compared."""
    replace = frozenset(replace_on)
    olds = {k: v for k, v in olds.items() if not k.startswith("__")}
    news = {k: v for k, v in news.items() if not k.startswith("__")}
    if _location(olds) is not None and _location(olds) == _location(news):
        news = {**news, "location": olds["location"]}
    detailed: dict[str, int] = {}
    _object(olds, news, "", "", replace, detailed)
    return Diff(detailed)


def project(outputs: Mapping[str, Any], input_keys: Iterable[str],
            read_only: Iterable[str]) -> dict[str, Any]:
    """Outputs in the input shape: only the top-level ``input_keys``, without the ``read_only``
    paths (``properties.vaultUri``, ``attributes.created``; ``a[].b`` inside items)."""
    keep = set(input_keys)
    projected = {k: copy.deepcopy(v) for k, v in outputs.items() if k in keep}
    for path in read_only:
        _drop(projected, path.split("."))
    return projected


def refreshed_inputs(old_inputs: Mapping[str, Any], old_projection: Mapping[str, Any],
                     new_projection: Mapping[str, Any]) -> dict[str, Any]:
    """The old inputs with what changed between the two projections applied to them."""
    return _apply(dict(old_inputs), dict(old_projection), dict(new_projection))


# --- the detailed diff, as pulumi's ObjectDiff and azure-native's differ compute it ---------------


def _object(olds: Mapping[str, Any], news: Mapping[str, Any], base: str, replace_base: str,
            replace: frozenset[str], out: dict[str, int]) -> None:
    for key in sorted(set(olds) | set(news)):
        path, rpath = f"{base}{key}", f"{replace_base}{key}"
        if key not in news or news[key] is None:
            if olds.get(key) is not None:
                out[path] = DELETE_REPLACE if rpath in replace else DELETE
        elif key not in olds or olds[key] is None:
            out[path] = ADD_REPLACE if rpath in replace else ADD
        else:
            _value(olds[key], news[key], path, rpath, replace, out)


def _value(old: Any, new: Any, path: str, rpath: str, replace: frozenset[str],
           out: dict[str, int]) -> None:
    if not is_unknown(new) and old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        inner: dict[str, int] = {}
        _object(old, new, f"{path}.", f"{rpath}.", replace, inner)
        for sub, kind in inner.items():
            # A change inside a property that replaces replaces too.
            out[sub] = UPDATE_REPLACE if kind == UPDATE and rpath in replace else kind
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            item = f"{path}[{index}]"
            if index >= len(old):
                out[item] = ADD
            elif index >= len(new):
                out[item] = DELETE
            else:
                _value(old[index], new[index], item, f"{rpath}[]", replace, out)
    else:
        out[path] = UPDATE_REPLACE if rpath in replace else UPDATE


def _location(values: Mapping[str, Any]) -> str | None:
    location = values.get("location")
    if not isinstance(location, str) or is_unknown(location):
        return None
    return location.replace(" ", "").lower()


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


# --- Read's input projection and applyDiff ------------------------------------------------------


def _drop(value: Any, parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        items = value.get(head[:-2]) if isinstance(value, dict) else None
        for item in items if isinstance(items, list) else []:
            if rest:
                _drop(item, rest)
        return
    if not isinstance(value, dict) or head not in value:
        return
    if rest:
        _drop(value[head], rest)
    else:
        del value[head]


def _apply(values: dict[str, Any], old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    result = {k: v for k, v in values.items() if not (k in old and k not in new)}
    for key, value in new.items():
        if key not in old:
            result[key] = value
        elif old[key] != value:
            result[key] = _apply_value(values[key], old[key], value) if key in values else value
    return result


def _apply_value(base: Any, old: Any, new: Any) -> Any:
    if isinstance(base, dict) and isinstance(old, dict) and isinstance(new, dict):
        return _apply(base, old, new)
    if isinstance(base, list) and isinstance(old, list) and isinstance(new, list):
        return [
            _apply_value(base[i], old[i], item) if i < len(base) and i < len(old) else item
            for i, item in enumerate(new)
        ]
    return new
