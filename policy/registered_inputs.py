"""The inputs of the resources the program registered in this run, as the engine handed them to
``Analyze``: what the stack policies fall back on where an output is not known yet.

At a stack's first preview the stack policies (``AnalyzeStack``, outputs) see almost nothing of
a vault or key: azure-native reports neither a vault's name nor its URI before the vault exists.
The program's inputs often know more (the vault's ``vaultName``, the key's ``keyName``), and the
engine hands each resource's inputs to ``Analyze`` before it reaches ``AnalyzeStack``.
pulumi-policy (1.21) keeps none of them, so :func:`keep` wraps the SDK's handlers: every
``Analyze`` keeps its resource's inputs by URN, and each ``AnalyzeStack`` (the end of a run)
forgets them after answering, so a later run in the same process starts empty.

A resource the run leaves out (``--exclude``, or not ``--target``-ed) is handed over with the
inputs of its last deployment: none at all when it was never created (:func:`absent`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format
from pulumi_policy import policy as sdk
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

#: ``urn -> (type, inputs)`` of every resource ``Analyze`` was asked about in this run.
_registered: dict[str, tuple[str, Mapping[str, Any]]] = {}
_SERVICER: Any = getattr(sdk, "_PolicyAnalyzerServicer")  # noqa: B009 - private to the SDK


def keep() -> None:
    """Make the analyzer keep each run's inputs (once)."""
    analyze, analyze_stack = _SERVICER.Analyze, _SERVICER.AnalyzeStack
    if getattr(analyze, "keeps_inputs", False):
        return

    def keeping_analyze(servicer: Any, request: Any, context: Any) -> Any:
        record(request.urn, request.type, json_format.MessageToDict(request.properties))
        return analyze(servicer, request, context)

    def forgetting_analyze_stack(servicer: Any, request: Any, context: Any) -> Any:
        try:
            return analyze_stack(servicer, request, context)
        finally:
            _registered.clear()

    keeping_analyze.keeps_inputs = True  # type: ignore[attr-defined]
    _SERVICER.Analyze = keeping_analyze
    _SERVICER.AnalyzeStack = forgetting_analyze_stack


def record(urn: str, resource_type: str, wire_properties: Mapping[str, Any]) -> None:
    """Keep a resource's inputs as the wire carries them (unknowns as the engine's sentinel)."""
    props = unknown_checking_proxy(deserialize_properties(dict(wire_properties)))
    _registered[urn] = (resource_type, props)


def inputs_of(urn: str) -> Mapping[str, Any] | None:
    """The inputs the resource was registered with in this run; ``None`` when not registered."""
    kept = _registered.get(urn)
    return kept[1] if kept else None


def registered() -> list[tuple[str, str, Mapping[str, Any]]]:
    """``(urn, type, inputs)`` of every resource registered so far in this run, in order."""
    return [(urn, kind, props) for urn, (kind, props) in _registered.items()]


def absent(props: Mapping[str, Any]) -> bool:
    """Whether a resource's properties are those of one the run leaves out and never created:
    none at all (every resource the program declares sets some)."""
    return len(props) == 0
