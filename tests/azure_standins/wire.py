"""Property bags as the engine sends them to a provider that accepts neither secrets nor resource
references (what azure-native answers in Configure): plain JSON values, a value not known yet
as the engine's unknown sentinel string (only in a preview)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2

#: How the engine spells a value that is not known yet (pulumi/sdk/go/common/resource/plugin).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def plain(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    """A request's Struct as a dict; whole numbers as ints (JSON has one number type)."""
    if struct is None:
        return {}
    return dict(_ints(json_format.MessageToDict(struct)))


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """A dict as the Struct of an answer (``None`` values dropped, as azure-native's SkipNulls)."""
    out = struct_pb2.Struct()
    out.update({k: v for k, v in _without_nulls(dict(values)).items()})
    return out


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value == UNKNOWN


def has_unknowns(value: Any) -> bool:
    """Whether ``value`` is, or holds anywhere inside it, a value not known yet."""
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(has_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknowns(v) for v in value)
    return False


def _ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
