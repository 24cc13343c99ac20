"""An ARM resource type as the azure-native stand-in serves it: its PUT path, names, replacement
rules, the shape Azure answers in, and what Azure refuses.

A type is a subclass of :class:`ArmResource`; :mod:`tests.azure_standins.resource_types` holds the
program's. The rules common to every ARM type, each azure-native's or ARM's own:

- the id is the PUT path with its parameters filled in; every path parameter replaces the
  resource when it changes (azure-native ``diff.go``: "All the parameters that are part of the
  resource path cause a replacement");
- a name left out is made by azure-native's auto-naming: the resource's logical name and 8
  random hex characters (``__createBeforeDelete`` then set), or the logical name itself
  (``provider.go`` ``getDefaultName``); a location left out is the provider's
  ``azure-native:location`` (``getDefaultLocation``);
- a resource in a resource group needs the group (ARM answers 404 ``ResourceGroupNotFound``).
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from tests.azure_standins.diffing import project
from tests.azure_standins.wire import UNKNOWN

_PARAM = re.compile(r"\{(\w+)\}")


class ArmError(Exception):
    """An error answer from ARM, in the one line azure-native shows it in."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f'Status={status} Code="{code}" Message="{message}"')
        self.status = status
        self.code = code


def iso(seconds: float) -> str:
    """A time as ARM writes it (``2026-12-04T19:41:00Z``)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def not_found(what: str) -> ArmError:
    return ArmError(404, "ResourceNotFound", f"The Resource '{what}' was not found.")


@dataclass
class Context:
    """What one call sees: the state (inside its transaction) and the provider's configuration."""

    state: dict[str, Any]
    subscription_id: str
    location: str | None
    now: float

    @classmethod
    def of(cls, state: dict[str, Any], config: Mapping[str, str]) -> Context:
        """The provider's subscription is its ``subscriptionId`` setting (an explicit provider for
        another subscription), else the deploying identity's, as azure-native chooses."""
        subscription = config.get("subscriptionId") or state["client"]["subscriptionId"]
        return cls(state, subscription, config.get("location"), time.time())

    def find(self, resource_id: str) -> dict[str, Any] | None:
        return self.state["resources"].get(resource_id.lower())

    def store(self, resource_id: str, type_token: str, outputs: dict[str, Any]) -> None:
        self.state["resources"][resource_id.lower()] = {
            "id": resource_id,
            "type": type_token,
            "outputs": outputs,
        }

    def forget(self, resource_id: str) -> None:
        self.state["resources"].pop(resource_id.lower(), None)


class ArmResource:
    """One azure-native resource type. Subclasses set the class attributes and override
    :meth:`put` / :meth:`delete` for the rules Azure applies to their type."""

    token: ClassVar[str]
    path: ClassVar[str]
    """The PUT path, ``{param}`` for each path parameter (``{scope}`` holds its own slash)."""
    arm_type: ClassVar[str]
    api_version: ClassVar[str]
    autoname: ClassVar[tuple[str, str] | None] = None
    """``(path parameter, "random" | "copy")``: how azure-native names a resource left unnamed."""
    has_location: ClassVar[bool] = True
    force_new: ClassVar[frozenset[str]] = frozenset()
    """Body properties whose change replaces (beside the path parameters)."""
    input_keys: ClassVar[tuple[str, ...]] = ("location", "tags", "properties")
    """The top-level properties of the input shape (Read's projection keeps only these)."""
    read_only: ClassVar[tuple[str, ...]] = ()
    """Paths Azure sets (``properties.vaultUri``): left out of Read's projection."""
    output_names: ClassVar[tuple[str, ...]] = ()
    """Every top-level output the SDK declares for the type (the resource class's getters)."""

    # --- names and ids ---------------------------------------------------------------------------

    @classmethod
    def path_parameters(cls) -> list[str]:
        return [p for p in _PARAM.findall(cls.path) if p != "subscriptionId"]

    @classmethod
    def replace_on(cls) -> frozenset[str]:
        return frozenset(cls.path_parameters()) | cls.force_new

    def resource_id(self, ctx: Context, inputs: Mapping[str, Any]) -> str:
        values = {"subscriptionId": ctx.subscription_id, **inputs}
        path = _PARAM.sub(lambda m: str(values[m[1]]), self.path)
        return re.sub(r"/{2,}", "/", path)

    def check(
        self, ctx: Context, urn: str, olds: Mapping[str, Any], news: dict[str, Any], seed: bytes
    ) -> list[str]:
        """Applies auto-naming, auto-location and the API version to ``news``; the failures."""
        if self.autoname is not None:
            param, kind = self.autoname
            if news.get(param) is None:
                if olds.get(param) is not None:
                    news[param] = olds[param]
                    if "__createBeforeDelete" in olds:
                        news["__createBeforeDelete"] = olds["__createBeforeDelete"]
                else:
                    name = urn.rsplit("::", 1)[-1]
                    random = hashlib.sha256(seed or name.encode()).hexdigest()
                    if kind == "random":
                        name += random[:8]
                    elif kind == "uuid":
                        name = str(uuid.UUID(random[:32]))
                    if kind != "copy":
                        news["__createBeforeDelete"] = True
                    news[param] = name
        if self.has_location and news.get("location") is None:
            location = olds.get("location") or ctx.location or self._group_location(ctx, news)
            if location is not None:
                news["location"] = location
        news.setdefault("azureApiVersion", self.api_version)
        failures = [
            f"missing required property '{p}'"
            for p in self.path_parameters()
            if news.get(p) is None
        ]
        if self.has_location and news.get("location") is None:
            failures.append(
                "missing required property 'location'. Either set it explicitly or "
                "configure it with 'pulumi config set azure-native:location <value>'."
            )
        return failures

    def _group_location(self, ctx: Context, news: Mapping[str, Any]) -> str | None:
        group = news.get("resourceGroupName")
        if group is None or group == UNKNOWN:
            return UNKNOWN if group == UNKNOWN else None
        found = ctx.find(f"/subscriptions/{ctx.subscription_id}/resourceGroups/{group}")
        return found["outputs"].get("location") if found else None

    # --- what Azure does -------------------------------------------------------------------------

    def body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The request body, in the SDK's shape: the inputs without path parameters."""
        skip = {*self.path_parameters(), "azureApiVersion"}
        return {k: v for k, v in inputs.items() if k not in skip and not k.startswith("__")}

    def outputs(self, resource_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """What a GET answers after a PUT of ``body`` (subclasses add what Azure adds)."""
        return {
            **body,
            "id": resource_id,
            "name": resource_id.rstrip("/").rsplit("/", 1)[-1],
            "type": self.arm_type,
            "azureApiVersion": self.api_version,
        }

    def create(self, ctx: Context, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The id and outputs of a new resource (a PUT at its id). Raises :class:`ArmError`."""
        resource_id = self.resource_id(ctx, inputs)
        found = ctx.find(resource_id)
        return resource_id, self.put(ctx, resource_id, inputs, found["outputs"] if found else None)

    def put(
        self,
        ctx: Context,
        resource_id: str,
        inputs: Mapping[str, Any],
        existing: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """A PUT (create or update); the outputs stored. Raises :class:`ArmError`."""
        self.require_parent(ctx, inputs)
        return self.outputs(resource_id, self.body(inputs))

    def require_parent(self, ctx: Context, inputs: Mapping[str, Any]) -> None:
        group = inputs.get("resourceGroupName")
        if group is not None and "resourceGroupName" in self.path_parameters():
            group_id = f"/subscriptions/{ctx.subscription_id}/resourceGroups/{group}"
            if ctx.find(group_id) is None:
                raise ArmError(
                    404, "ResourceGroupNotFound", f"Resource group '{group}' could not be found."
                )

    def delete(self, ctx: Context, resource_id: str) -> None:
        ctx.forget(resource_id)

    def to_inputs(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        """Outputs in the input shape (azure-native's ``SdkOutputsToSdkInputs``)."""
        return project(outputs, self.input_keys, self.read_only)

    def preview(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Outputs at preview: each output the input of the same name, when there is one, else
        unknown (azure-native's ``PreviewOutputs``)."""
        return {name: inputs.get(name, UNKNOWN) for name in self.output_names}
