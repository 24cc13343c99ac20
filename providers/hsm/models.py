"""Keys and role assignments as the Managed HSM data plane answers them (API version 7.5).

Key identifiers: ``kid`` is versioned, ``https://<hsm>.managedhsm.azure.net/keys/<name>/<32 hex>``
(what Adobe's BYOK configuration takes); :attr:`HsmKey.versionless` drops the version.
Role definitions are compared by their trailing GUID, case-insensitively: the HSM and its tools
write them with or without a leading ``/`` and with ``/`` or ``/keys`` before ``providers``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cmk_facts import KEY_VERSION

#: The data-plane API version the client speaks.
API_VERSION = "7.5"
#: Where HSM role definitions live ("Managed HSM only supports '/'" for definitions).
ROLE_DEFINITION_PREFIX = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/"


class ShapeError(ValueError):
    """An answer that is JSON but not the object expected."""


@dataclass(frozen=True)
class HsmKey:
    """One key version."""

    kid: str
    """Versioned identifier."""
    name: str
    version: str
    kty: str
    key_size: int | None
    """Bits, from the modulus; ``None`` when the answer has none."""
    key_ops: tuple[str, ...]
    enabled: bool

    @property
    def versionless(self) -> str:
        """``https://<hsm>.managedhsm.azure.net/keys/<name>``."""
        return self.kid.rsplit("/", 1)[0]


@dataclass(frozen=True)
class RoleAssignment:
    """One local role assignment."""

    id: str
    name: str
    scope: str
    role_definition_id: str
    principal_id: str

    @property
    def role_guid(self) -> str:
        """The role definition's GUID, lower case."""
        return role_guid(self.role_definition_id)

    def grants(self, role: str, principal_id: str) -> bool:
        """Same role (by GUID) to the same principal (case-insensitive)."""
        return (self.role_guid, self.principal_id.lower()) == (
            role_guid(role),
            principal_id.lower(),
        )


def role_guid(role_definition_id: str) -> str:
    """The GUID at the end of a role definition id (or the GUID itself), lower case."""
    return str(role_definition_id or "").rstrip("/").rsplit("/", 1)[-1].lower()


def role_definition_id(role: str) -> str:
    """The form the HSM takes on a PUT: no leading ``/`` (Azure CLI sends it so)."""
    return f"{ROLE_DEFINITION_PREFIX}{role_guid(role)}"


def scope_path(scope: str) -> str:
    """``/`` → ``""``, ``/keys`` → ``/keys``, ``/keys/k`` → ``/keys/k``: what precedes
    ``/providers/…`` in an assignment's path (single slashes: the HSM accepts both forms)."""
    inner = scope.strip("/")
    return f"/{inner}" if inner else ""


def normal_scope(scope: str) -> str:
    """``/``, ``/keys`` or ``/keys/<name>`` whatever slashes it came with."""
    return "/" + scope.strip("/")


def parse_json(content: bytes) -> dict[str, Any]:
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        raise ShapeError("the answer is not JSON") from None
    if not isinstance(body, dict):
        raise ShapeError("the answer is not a JSON object")
    return body


def key_from(body: dict[str, Any]) -> HsmKey:
    """A key bundle ``{key: {kid, kty, key_ops, n, e}, attributes: {enabled, …}}``."""
    key, attributes = body.get("key"), body.get("attributes") or {}
    if not isinstance(key, dict) or not isinstance(attributes, dict):
        raise ShapeError("the answer has no key")
    kid = key.get("kid")
    parts = kid.split("/") if isinstance(kid, str) else []
    if len(parts) < 6 or parts[-3] != "keys" or not KEY_VERSION.match(parts[-1]):
        raise ShapeError(f"the key's kid {str(kid)[:200]!r} is not a versioned key identifier")
    ops = key.get("key_ops") or []
    return HsmKey(
        kid=str(kid),
        name=parts[-2],
        version=parts[-1],
        kty=str(key.get("kty") or ""),
        key_size=_modulus_bits(key.get("n")),
        key_ops=tuple(str(op) for op in ops) if isinstance(ops, list) else (),
        enabled=attributes.get("enabled") is not False,
    )


def assignment_from(body: dict[str, Any]) -> RoleAssignment:
    """``{id, name, type, properties: {scope, roleDefinitionId, principalId}}``."""
    props = body.get("properties")
    if not isinstance(props, dict) or not isinstance(body.get("name"), str):
        raise ShapeError("the answer has no role assignment")
    return RoleAssignment(
        id=str(body.get("id") or ""),
        name=body["name"],
        scope=normal_scope(str(props.get("scope") or "/")),
        role_definition_id=str(props.get("roleDefinitionId") or ""),
        principal_id=str(props.get("principalId") or ""),
    )


def _modulus_bits(n: object) -> int | None:
    """Bits of an RSA modulus in base64url (JWK ``n``)."""
    if not isinstance(n, str) or not n:
        return None
    raw = base64.urlsafe_b64decode(n + "=" * (-len(n) % 4))
    return int.from_bytes(raw, "big").bit_length()
