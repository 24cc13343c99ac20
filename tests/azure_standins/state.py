"""What the stand-ins hold: one JSON file, shared by both plugins and the tests.

The file is what "Azure" holds — every resource's state as Azure answers a GET (in azure-native's
output shape), the vaults deleted but not purged, the deploying identity — and a log of every call
the engine made. The plugins read and write it under an exclusive lock for each call; a test reads
it, and changes it between commands to make drift as Azure would (a role assignment deleted, a key
disabled or rotated, purge protection reported off). ARM ids are compared without letter case,
as ARM compares them.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: The variable that names the state file for the plugins (set per project by the tests).
STATE_ENV = "ADOBE_CMK_AZURE_STANDIN_STATE"

#: The deploying identity `getClientConfig` answers with, unless a test says otherwise.
DEFAULT_CLIENT = {
    "clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    "objectId": "d244a8da-9934-46fc-8624-05cf44c8f3a0",
    "subscriptionId": "0282681f-7a9e-424b-80b2-96babd57a8a1",
    "tenantId": "706143bc-e1d4-4593-aee2-c9dc60ab9be7",
}


def empty_state() -> dict[str, Any]:
    return {"client": dict(DEFAULT_CLIENT), "resources": {}, "deletedVaults": {}, "calls": [],
            "latency": {}}


class AzureState:
    """The state file at ``path`` (created empty on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[dict[str, Any]]:
        """The state, locked against the other plugin and the test; written back on success."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with (self.path.with_suffix(".lock")).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = self._load()
                yield state
                scratch = self.path.with_suffix(".tmp")
                scratch.write_text(json.dumps(state, indent=1, sort_keys=True))
                os.replace(scratch, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def snapshot(self) -> dict[str, Any]:
        """A copy of the state as it is now."""
        with self.transaction() as state:
            return copy.deepcopy(state)

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return empty_state()
        return {**empty_state(), **json.loads(self.path.read_text())}

    # --- what tests ask ------------------------------------------------------------------------

    def resources(self, type_token: str) -> list[dict[str, Any]]:
        """Every resource of ``type_token`` Azure holds: ``{"id", "type", "outputs"}`` each."""
        return [r for r in self.snapshot()["resources"].values() if r["type"] == type_token]

    def one(self, type_token: str) -> dict[str, Any]:
        found = self.resources(type_token)
        assert len(found) == 1, f"expected one {type_token}, found {[r['id'] for r in found]}"
        return found[0]

    def calls(self, method: str | None = None, type_token: str | None = None,
              ) -> list[dict[str, Any]]:
        """The engine's calls, in order: ``{"provider", "method", "type", "urn", "preview"}``."""
        return [c for c in self.snapshot()["calls"]
                if (method is None or c["method"] == method)
                and (type_token is None or c["type"] == type_token)]

    def clear_calls(self) -> None:
        with self.transaction() as state:
            state["calls"] = []

    # --- drift, as a person or Azure makes it --------------------------------------------------

    def remove(self, resource_id: str) -> None:
        """The resource deleted out of band (``az role assignment delete``, the portal)."""
        with self.transaction() as state:
            del state["resources"][resource_id.lower()]

    def change(self, resource_id: str, edit: Callable[[dict[str, Any]], None]) -> None:
        """``edit`` applied to the resource's outputs (what a GET now answers)."""
        with self.transaction() as state:
            edit(state["resources"][resource_id.lower()]["outputs"])

    def disable_key(self, key_id: str) -> None:
        """``az keyvault key set-attributes --enabled false``."""
        self.change(key_id, lambda key: key["attributes"].update(enabled=False))

    def rotate_key(self, key_id: str) -> str:
        """``az keyvault key rotate`` (or the rotation policy): a new version, which the key's
        versioned URI now names; returns it."""
        version = uuid.uuid4().hex
        self.change(key_id, lambda key: key.update(keyUriWithVersion=f"{key['keyUri']}/{version}"))
        return version

    def report_purge_protection_off(self, vault_id: str) -> None:
        """A vault that answers ``enablePurgeProtection: false`` (which Azure never allows once it
        was on: the drift a test wants to see found)."""
        self.change(vault_id, lambda vault: vault["properties"].update(enablePurgeProtection=False))

    def seed(self, type_token: str, resource_id: str, outputs: dict[str, Any]) -> None:
        """A resource that exists before the stack (a brought vault, key, HSM or workspace)."""
        with self.transaction() as state:
            state["resources"][resource_id.lower()] = {
                "id": resource_id, "type": type_token, "outputs": {"id": resource_id, **outputs}}

    def set_latency(self, type_token: str, seconds: float) -> None:
        """How long Azure takes to create a resource of ``type_token`` (default: no time)."""
        with self.transaction() as state:
            state["latency"][type_token] = seconds
