"""The stand-in's state: keys with versions, soft-deleted keys, local role assignments, RBAC."""

from __future__ import annotations

import base64
import os
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

#: Built-in local HSM roles (learn.microsoft.com, Managed HSM built-in roles).
CRYPTO_USER = "21dbd100-6940-42c2-9190-5d6cb909625b"
POLICY_ADMINISTRATOR = "4bd23610-cdcf-4971-bdee-bdc562cc28e4"
SERVICE_ENCRYPTION_USER = "33413926-3206-4cdd-b39a-83574fe37a17"
ROLES = frozenset({CRYPTO_USER, POLICY_ADMINISTRATOR, SERVICE_ENCRYPTION_USER})
KEY_TYPES = frozenset({"RSA-HSM", "EC-HSM", "oct-HSM"})
RSA_SIZES = frozenset({2048, 3072, 4096})
ASSIGNMENTS = "providers/Microsoft.Authorization/roleAssignments"
ROLE_PREFIX = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/"


def normal_scope(scope: str) -> str:
    return "/" + scope.strip("/")


def role_of(role_definition_id: str) -> str:
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def covers(granted: str, scope: str) -> bool:
    """``/`` and ``/keys`` grant on every key; ``/keys/k`` on k only."""
    granted, scope = normal_scope(granted), normal_scope(scope)
    return granted in ("/", "/keys") or granted.lower() == scope.lower()


@dataclass
class KeyVersion:
    version: str
    kty: str
    key_size: int
    key_ops: list[str]
    enabled: bool
    tags: dict[str, str]
    n: str


@dataclass
class HsmState:
    """Everything the HSM holds. ``base_url`` goes into every ``kid``."""

    base_url: str = ""
    activation: str = "Active"
    #: A hostile (or broken) HSM: every key bundle's ``kid`` is this template, with ``{base}``,
    #: ``{name}`` and ``{version}`` filled in (e.g. another vault's address).
    hostile_kid: str | None = None
    keys: dict[str, list[KeyVersion]] = field(default_factory=dict)
    deleted_keys: dict[str, list[KeyVersion]] = field(default_factory=dict)
    assignments: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    # --- RBAC -------------------------------------------------------------------------------

    def grant(self, principal_id: str, role: str, scope: str = "/") -> str:
        """Add an assignment directly (what an HSM administrator did beforehand)."""
        name = str(uuid.uuid4())
        self.assignments[(normal_scope(scope).lower(), name)] = {
            "principalId": principal_id,
            "roleDefinitionId": f"{ROLE_PREFIX}{role}",
            "scope": normal_scope(scope),
        }
        return name

    def allowed(self, principal_id: str, role: str, scope: str) -> bool:
        with self.lock:
            return any(
                a["principalId"].lower() == principal_id.lower()
                and role_of(a["roleDefinitionId"]) == role
                and covers(a["scope"], scope)
                for a in self.assignments.values()
            )

    # --- keys -------------------------------------------------------------------------------

    def key_bundle(self, name: str, version: KeyVersion) -> dict[str, Any]:
        return {
            "key": {
                "kid": (self.hostile_kid or "{base}/keys/{name}/{version}").format(
                    base=self.base_url, name=name, version=version.version
                ),
                "kty": version.kty,
                "key_ops": list(version.key_ops),
                "n": version.n,
                "e": "AQAB",
            },
            "attributes": {
                "enabled": version.enabled,
                "created": 1700000000,
                "updated": 1700000000,
                "recoveryLevel": "Recoverable+Purgeable",
            },
            "tags": dict(version.tags),
        }

    def create_key(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        kty, size = body.get("kty"), body.get("key_size")
        if kty not in KEY_TYPES:
            return 400, _error("BadParameter", f"kty {kty!r} is not an HSM key type")
        if kty == "RSA-HSM" and size not in RSA_SIZES:
            return 400, _error("BadParameter", f"key_size {size!r} is not supported")
        with self.lock:
            if name.lower() in self.deleted_keys:
                return 409, _error("Conflict", f"Key {name} is currently in a deleted state")
            version = KeyVersion(
                version=uuid.uuid4().hex,
                kty=str(kty),
                key_size=int(size or 0),
                key_ops=list(body.get("key_ops") or []),
                enabled=(body.get("attributes") or {}).get("enabled") is not False,
                tags=dict(body.get("tags") or {}),
                n=_modulus(int(size or 2048)),
            )
            self.keys.setdefault(name.lower(), []).append(version)
            return 200, self.key_bundle(name, version)

    def find_key(self, name: str, version: str | None = None) -> KeyVersion | None:
        with self.lock:
            versions = self.keys.get(name.lower()) or []
            if version is None:
                return versions[-1] if versions else None
            return next((v for v in versions if v.version == version), None)

    def disable_key(self, name: str) -> None:
        """What a person does with ``az keyvault key set-attributes --enabled false``."""
        with self.lock:
            for version in self.keys[name.lower()]:
                version.enabled = False

    def soft_delete_key(self, name: str) -> bool:
        with self.lock:
            versions = self.keys.pop(name.lower(), None)
            if versions is None:
                return False
            self.deleted_keys[name.lower()] = versions
            return True

    # --- role assignments ---------------------------------------------------------------------

    def assignment_body(self, scope: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.assignments.get((normal_scope(scope).lower(), name.lower()))
            if found is None:
                return None
            return {
                "id": f"{normal_scope(scope)}/{ASSIGNMENTS}/{name}",
                "name": name,
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": dict(found),
            }

    def put_assignment(
        self, scope: str, name: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        props = body.get("properties")
        if not isinstance(props, dict) or not props.get("principalId"):
            return 400, _error("BadParameter", "properties.principalId is required")
        role = role_of(str(props.get("roleDefinitionId") or ""))
        if role not in ROLES:
            return 400, _error("BadParameter", "Unkown role definition")
        wanted = {
            "principalId": str(props["principalId"]),
            "roleDefinitionId": f"{ROLE_PREFIX}{role}",
            "scope": normal_scope(scope),
        }
        key = (normal_scope(scope).lower(), name.lower())
        with self.lock:
            existing = self.assignments.get(key)
            if existing is not None and existing != wanted:
                return 409, _error("Conflict", "The role assignment already exists")
            self.assignments[key] = wanted
            body_out = self.assignment_body(scope, name)
            assert body_out is not None
            return (200 if existing else 201), body_out

    def remove_assignment(self, scope: str, name: str) -> bool:
        """Delete an assignment (also what a person does by hand, out of band)."""
        with self.lock:
            return (
                self.assignments.pop((normal_scope(scope).lower(), name.lower()), None) is not None
            )

    def list_assignments(self, scope: str, principal: str | None) -> list[dict[str, Any]]:
        """At ``/`` (or ``/keys``) key-scoped assignments are not listed, as on the real HSM."""
        with self.lock:
            found = []
            for (at, name), props in self.assignments.items():
                if at != normal_scope(scope).lower():
                    continue
                if principal and props["principalId"].lower() != principal.lower():
                    continue
                body = self.assignment_body(at, name)
                if body is not None:
                    found.append(body)
            return found


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _modulus(bits: int) -> str:
    raw = bytearray(os.urandom(bits // 8))
    raw[0] |= 0x80
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
