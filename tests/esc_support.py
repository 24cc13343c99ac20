"""What the Pulumi CLI makes of a stack file with ``environment:``, for the few ESC constructs the
example in docs/examples/ uses, so that its tests read the files as the CLI would (there is no
CLI or Pulumi Cloud here).

Modelled on the sources cited in docs/credentials.md:

- pulumi/esc ``eval/eval.go`` (``evaluateInterpolate``): ``${a.b}`` interpolates a value, and the
  result is a secret when any interpolated value is; ``fn::secret`` makes its value a secret;
- pulumi/pulumi ``pkg/workspace/config.go``: ``toConfigMap`` turns the environment's
  ``pulumiConfig`` into stack config (a key without a namespace gets the project's; an ESC secret
  becomes a secret config value), and ``mergeConfig`` merges it into the stack file's
  ``config:``: a key only in the environment is added, a key in both keeps the stack file's value
  (maps merged key by key, the stack file's keys winning);
- pulumi/pulumi ``sdk/go/common/workspace/project.go`` (``Environment.UnmarshalYAML``):
  ``environment:`` is a list of environment names (or an inline definition, not used here).

Any other ``fn::`` builtin raises :class:`Unsupported`: extend this, do not let a test pass over
a construct it does not understand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_REFERENCE = re.compile(r"\$\{([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\}")


class Unsupported(ValueError):
    """The definition uses an ESC construct this model does not evaluate."""


@dataclass(frozen=True)
class Evaluated:
    """An evaluated ESC value and whether it is a secret."""

    value: Any
    secret: bool = False


def evaluate(definition: Mapping[str, Any]) -> dict[str, Evaluated]:
    """The ``values:`` of an environment definition, evaluated (top-level keys → values)."""
    unknown = set(definition) - {"imports", "values"}
    if unknown:
        raise Unsupported(f"top-level keys {sorted(unknown)}")
    if definition.get("imports"):
        raise Unsupported("imports (each imported environment would need its definition)")
    values = definition.get("values") or {}
    return {key: _evaluate(values[key], values) for key in values}


def pulumi_config(definition: Mapping[str, Any], project: str) -> dict[str, Evaluated]:
    """What the environment adds to a stack's config: its ``pulumiConfig``, by full key."""
    found = evaluate(definition).get("pulumiConfig")
    entries: dict[str, Evaluated] = found.value if found else {}
    return {(k if ":" in k else f"{project}:{k}"): v for k, v in entries.items()}


def merge(stack_config: Mapping[str, Any], environment: Mapping[str, Evaluated]) -> dict[str, Any]:
    """The stack file's ``config:`` with the environment's config merged under it (plain
    values: :func:`secret_keys` says which came from a secret)."""
    merged = {key: _plain(value) for key, value in environment.items()}
    for key, value in stack_config.items():
        base = merged.get(key)
        merged[key] = _merge_patch(value, base) if isinstance(base, dict) else value
    return merged


def secret_keys(stack_config: Mapping[str, Any], environment: Mapping[str, Evaluated]) -> set[str]:
    """The merged keys that reach the program as secrets: the environment's secrets the stack
    file does not override (the stack file's own secrets are ``secure:`` values, none here)."""
    return {key for key, value in environment.items() if value.secret and key not in stack_config}


def _evaluate(node: Any, root: Mapping[str, Any]) -> Evaluated:
    if isinstance(node, dict):
        builtins = [key for key in node if str(key).startswith("fn::")]
        if builtins == ["fn::secret"] and len(node) == 1:
            inner = _evaluate(node["fn::secret"], root)
            return Evaluated(inner.value, True)
        if builtins:
            raise Unsupported(f"builtins {builtins}")
        return Evaluated({key: _evaluate(value, root) for key, value in node.items()})
    if isinstance(node, list):
        return Evaluated([_evaluate(item, root) for item in node])
    if isinstance(node, str):
        return _interpolate(node, root)
    return Evaluated(node)


def _interpolate(text: str, root: Mapping[str, Any]) -> Evaluated:
    whole = _REFERENCE.fullmatch(text)
    if whole:  # a lone reference keeps the referenced value's type
        return _lookup(whole[1], root)
    secret = False

    def part(match: re.Match[str]) -> str:
        nonlocal secret
        found = _lookup(match[1], root)
        secret = secret or found.secret
        return str(found.value)

    return Evaluated(_REFERENCE.sub(part, text), secret)


def _lookup(path: str, root: Mapping[str, Any]) -> Evaluated:
    node: Any = root
    for name in path.split("."):
        if not isinstance(node, dict) or name not in node:
            raise KeyError(f"${{{path}}} refers to nothing in the environment")
        node = node[name]
    return _evaluate(node, root)


def _plain(value: Evaluated) -> Any:
    if isinstance(value.value, dict):
        return {key: _plain(item) for key, item in value.value.items()}
    if isinstance(value.value, list):
        return [_plain(item) for item in value.value]
    return value.value


def _merge_patch(value: Any, base: dict[str, Any]) -> Any:
    if not isinstance(value, dict):
        return value
    merged = dict(base)
    for key, item in value.items():
        below = merged.get(key)
        merged[key] = _merge_patch(item, below) if isinstance(below, dict) else item
    return merged
