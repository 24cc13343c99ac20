"""Reading a resource's properties as the policy SDK hands them over, unknown values included.

In a preview, a value the engine does not know yet (an output of a resource not created yet) is
unknown; reading it through the SDK's proxy raises. Every rule reads properties through
:func:`get` and :func:`known_items`, which never raise and return :data:`UNKNOWN` instead, so a
rule can skip what it cannot judge yet (it runs again, with the value known, on ``up``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError


class _Unknown:
    """A value the engine does not know yet (a preview before the resource exists)."""

    def __repr__(self) -> str:
        return "<unknown>"


#: The one marker for "not known yet"; compare with ``is``.
UNKNOWN: Any = _Unknown()


def get(props: Any, *path: str) -> Any:
    """The value at ``path``: ``None`` when absent, :data:`UNKNOWN` when it (or what holds it) is
    not known yet. Never raises."""
    value = props
    try:
        for step in path:
            if not isinstance(value, Mapping) or step not in value:
                return None
            value = value[step]
    except UnknownValueError:
        return UNKNOWN
    return value


def known_items(value: Any) -> Any:
    """The items of a list as a plain list; ``None`` when unset, :data:`UNKNOWN` when the list or
    any item is unknown. A single value counts as a list of one."""
    if value is None or value is UNKNOWN:
        return value
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    try:
        return [value[index] for index in range(len(value))]
    except UnknownValueError:
        return UNKNOWN


def is_number(value: Any) -> bool:
    """A number as the wire carries one (``bool`` is not a number here)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def show(value: Any) -> str:
    """A value for a message: whole numbers without a spurious ``.0`` (the wire has only floats)."""
    if is_number(value) and float(value).is_integer():
        return str(int(value))
    return str(value)
