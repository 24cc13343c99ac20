"""The gRPC ``pulumirpc.ResourceProvider`` each stand-in plugin serves to the engine.

It answers as azure-native answers (``provider/pkg/provider/provider.go``): ``Configure`` accepts
neither secrets nor resource references and supports previews (a preview's Create and Update
answer the inputs with every computed property unknown); ``Check`` names, locates and
versions; ``Diff`` compares inputs (:mod:`tests.azure_standins.diffing`); ``Create``/``Update``
are ARM PUTs with Azure's rules (:mod:`tests.azure_standins.arm` and the type modules);
``Read`` answers an empty id for what Azure no longer holds and otherwise the old inputs with
what changed in Azure; ``Delete`` applies Azure's delete. Any type or function it does not model
fails in one line naming it. Every call is logged in the state file.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, cast

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from tests.azure_standins.arm import ArmError, ArmResource, Context
from tests.azure_standins.diffing import diff_inputs, refreshed_inputs
from tests.azure_standins.entra import ServicePrincipal
from tests.azure_standins.invokes import AZURE_NATIVE, AZUREAD, Invoke
from tests.azure_standins.resource_types import TYPES, NotModelled, refusal
from tests.azure_standins.state import AzureState
from tests.azure_standins.wire import plain, struct


@dataclass(frozen=True)
class Plugin:
    """One plugin: its package name, the types and functions it serves."""

    name: str
    types: Mapping[str, ArmResource]
    invokes: Mapping[str, Invoke]


#: What an update's preview keeps from the old state (azure-native provider.go, Update).
STABLE_OUTPUTS = ("name", "location")

PLUGINS = {
    "azure-native": Plugin("azure-native", TYPES, AZURE_NATIVE),
    "azuread": Plugin("azuread", {ServicePrincipal.token: ServicePrincipal()}, AZUREAD),
}


def type_of(urn: str) -> str:
    """``urn:pulumi:<stack>::<project>::<parent types$>type::<name>`` → the type token."""
    return urn.split("::")[2].split("$")[-1]


class StandinProvider(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self, plugin: Plugin, version: str, state: AzureState) -> None:
        self.plugin = plugin
        self.version = version
        self.state = state
        self.config: dict[str, str] = {}

    # --- the plugin -----------------------------------------------------------------------------

    def GetPluginInfo(self, request: Any, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=self.version)

    def Configure(self, request: Any, context: Any) -> provider_pb2.ConfigureResponse:
        prefix = f"{self.plugin.name}:config:"
        self.config = {k.removeprefix(prefix): v for k, v in request.variables.items()}
        self._log("Configure", "", "")
        return provider_pb2.ConfigureResponse(
            acceptSecrets=False, acceptResources=False, supportsPreview=True
        )

    def CheckConfig(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        return provider_pb2.DiffResponse()  # DIFF_UNKNOWN: the engine compares the config

    def Cancel(self, request: Any, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    # --- resources ------------------------------------------------------------------------------

    def Check(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        kind = self._type(request.type or type_of(request.urn), context)
        news = plain(request.news)
        with self.state.transaction() as state:
            failures = kind.check(
                Context.of(state, self.config),
                request.urn,
                plain(request.olds),
                news,
                bytes(request.randomSeed),
            )
            self._log_in(state, "Check", request.urn)
        return provider_pb2.CheckResponse(
            inputs=struct(news),
            failures=[provider_pb2.CheckFailure(reason=reason) for reason in failures],
        )

    def Diff(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        kind = self._type(request.type or type_of(request.urn), context)
        olds = plain(request.old_inputs) if request.HasField("old_inputs") else plain(request.olds)
        diff = diff_inputs(olds, plain(request.news), kind.replace_on())
        self._log("Diff", request.urn, request.id)
        if not diff.detailed:
            return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME,
            replaces=diff.replaces,
            diffs=diff.changes,
            hasDetailedDiff=True,
            # azure-native replaces delete-first, unless the name was made at random
            # (then the new one is made first, under its new name).
            deleteBeforeReplace=bool(diff.replaces) and not olds.get("__createBeforeDelete"),
            detailedDiff={
                path: provider_pb2.PropertyDiff(kind=cast(Any, kind_), inputDiff=True)
                for path, kind_ in diff.detailed.items()
            },
        )

    def Create(self, request: Any, context: Any) -> provider_pb2.CreateResponse:
        kind = self._type(request.type or type_of(request.urn), context)
        inputs = plain(request.properties)
        if request.preview:
            return provider_pb2.CreateResponse(properties=struct(kind.preview(inputs)))
        self._log("Create", request.urn)
        self._wait(kind)
        with self.state.transaction() as state:
            ctx = Context.of(state, self.config)
            try:
                resource_id, outputs = kind.create(ctx, inputs)
            except ArmError as error:
                context.abort(grpc.StatusCode.UNKNOWN, str(error))
            ctx.store(resource_id, kind.token, outputs)
        return provider_pb2.CreateResponse(id=resource_id, properties=struct(outputs))

    def Read(self, request: Any, context: Any) -> provider_pb2.ReadResponse:
        kind = self._type(request.type or type_of(request.urn), context)
        with self.state.transaction() as state:
            self._log_in(state, "Read", request.urn, request.id)
            found = Context.of(state, self.config).find(request.id)
        if found is None:
            return provider_pb2.ReadResponse(id="")
        outputs = found["outputs"]
        old_inputs = plain(request.inputs)
        inputs = (
            refreshed_inputs(
                old_inputs, kind.to_inputs(plain(request.properties)), kind.to_inputs(outputs)
            )
            if old_inputs
            else kind.to_inputs(outputs)
        )
        return provider_pb2.ReadResponse(
            id=found["id"], properties=struct(outputs), inputs=struct(inputs)
        )

    def Update(self, request: Any, context: Any) -> provider_pb2.UpdateResponse:
        kind = self._type(request.type or type_of(request.urn), context)
        news = plain(request.news)
        if request.preview:
            # azure-native: the inputs with every computed output unknown, but for the outputs
            # "that are universally immutable", name and location, kept from the old state.
            olds = plain(request.olds)
            stable = {k: olds[k] for k in STABLE_OUTPUTS if k in olds}
            return provider_pb2.UpdateResponse(properties=struct({**kind.preview(news), **stable}))
        with self.state.transaction() as state:
            self._log_in(state, "Update", request.urn, request.id)
            ctx = Context.of(state, self.config)
            found = ctx.find(request.id)
            try:
                outputs = kind.put(ctx, request.id, news, found["outputs"] if found else None)
            except ArmError as error:
                context.abort(grpc.StatusCode.UNKNOWN, str(error))
            ctx.store(request.id, kind.token, outputs)
        return provider_pb2.UpdateResponse(properties=struct(outputs))

    def Delete(self, request: Any, context: Any) -> empty_pb2.Empty:
        kind = self._type(request.type or type_of(request.urn), context)
        with self.state.transaction() as state:
            self._log_in(state, "Delete", request.urn, request.id)
            kind.delete(Context.of(state, self.config), request.id)
        return empty_pb2.Empty()

    # --- functions ------------------------------------------------------------------------------

    def Invoke(self, request: Any, context: Any) -> provider_pb2.InvokeResponse:
        invoke = self.plugin.invokes.get(request.tok)
        if invoke is None:
            _refuse(context, str(refusal("function", request.tok)))
        with self.state.transaction() as state:
            self._log_in(state, "Invoke", request.tok)
            try:
                answer = invoke(Context.of(state, self.config), plain(request.args))
            except ArmError as error:
                context.abort(grpc.StatusCode.UNKNOWN, f"request failed: {error}")
        return provider_pb2.InvokeResponse(**{"return": struct(answer)})

    # --- helpers --------------------------------------------------------------------------------

    def _type(self, token: str, context: Any) -> ArmResource:
        kind = self.plugin.types.get(token)
        if kind is None:
            _refuse(context, str(refusal("resource type", token)))
        return kind

    def _wait(self, kind: ArmResource) -> None:
        """Azure's time to create a resource of this type, when a test set one."""
        seconds = float(self.state.snapshot()["latency"].get(kind.token, 0))
        if seconds:
            time.sleep(seconds)

    def _log(self, method: str, urn: str, resource_id: str = "") -> None:
        with self.state.transaction() as state:
            self._log_in(state, method, urn, resource_id)

    def _log_in(self, state: dict[str, Any], method: str, urn: str, resource_id: str = "") -> None:
        state["calls"].append(
            {
                "provider": self.plugin.name,
                "method": method,
                "type": type_of(urn) if urn.startswith("urn:") else urn,
                "name": urn.rsplit("::", 1)[-1] if urn.startswith("urn:") else "",
                "id": resource_id,
                "at": time.time(),
            }
        )


def _refuse(context: Any, message: str) -> NoReturn:
    """Fails the call in one line (what the engine shows the user)."""
    context.abort(grpc.StatusCode.INVALID_ARGUMENT, message)
    raise AssertionError("grpc's abort returned")


__all__ = ["PLUGINS", "NotModelled", "StandinProvider"]
