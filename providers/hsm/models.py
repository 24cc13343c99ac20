"""Keys and role assignments as the Managed HSM data plane answers them (API version 7.5).

Key identifiers: ``kid`` is versioned, ``https://<hsm>.managedhsm.azure.net/keys/<name>/<32 hex>``
(what Adobe's BYOK configuration takes); :attr:`HsmKey.versionless` drops the version.
An HSM's address is compared normalised (:func:`normal_hsm_uri`: scheme and host in lower case,
no default port, no trailing ``/``), and a ``kid`` must name the key asked for in the HSM asked
(:func:`kid_problem`) before it becomes the key identifier sent to Adobe.
Role definitions are compared by their trailing GUID, case-insensitively: the HSM and its tools
write them with or without a leading ``/`` and with ``/`` or ``/keys`` before ``providers``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cmk_facts import KEY_VERSION
from providers.platform.errors import one_line

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


def normal_hsm_uri(uri: str) -> str:
    """``uri`` as compared: scheme and host in lower case, no default port, no trailing ``/``.
    ``https://HSM-Shared.managedhsm.azure.net:443/`` → ``https://hsm-shared.managedhsm.azure.net``;
    any text is accepted (a value that is no URL is only lower-cased and stripped of ``/``)."""
    text = str(uri or "").strip()
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc:
        return text.rstrip("/").lower()
    scheme, netloc = parts.scheme.lower(), parts.netloc.lower()
    default = {"https": ":443", "http": ":80"}.get(scheme, "")
    if default and netloc.endswith(default):
        netloc = netloc.removesuffix(default)
    rest = parts.path.rstrip("/")
    if parts.query:
        rest += f"?{parts.query}"
    if parts.fragment:
        rest += f"#{parts.fragment}"
    return f"{scheme}://{netloc}{rest}"


def kid_problem(kid: str, hsm_uri: str, key_name: str) -> str:
    """``""`` when ``kid`` is exactly ``<hsm_uri>/keys/<key_name>/<32 hex>`` (the HSM's address
    compared normalised, the key name case-insensitively as the HSM treats names), else what
    is wrong, for a message: a kid naming another vault, HSM or key must never reach Adobe."""
    parts = urlsplit(kid)
    if parts.query or parts.fragment:
        return "it carries a query or fragment"
    base = normal_hsm_uri(f"{parts.scheme}://{parts.netloc}") if parts.netloc else ""
    if base != normal_hsm_uri(hsm_uri):
        return f"it names {one_line(base, 80) or 'no address'}, not this HSM"
    segments = parts.path.split("/")
    if len(segments) != 4 or segments[:2] != ["", "keys"]:
        return "its path is not /keys/<name>/<version>"
    if segments[2].lower() != key_name.lower():
        return f"it names key {one_line(segments[2], 80)}, not {key_name}"
    if not KEY_VERSION.match(segments[3]):
        return "its version is not 32 hex digits"
    return ""


def parse_json(content: bytes) -> dict[str, Any]:
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        raise ShapeError("the answer is not JSON") from None
    if not isinstance(body, dict):
        raise ShapeError("the answer is not a JSON object")
    return body


def key_from(body: dict[str, Any], hsm_uri: str, name: str) -> HsmKey:
    """A key bundle ``{key: {kid, kty, key_ops, n, e}, attributes: {enabled, …}}`` answered for
    key ``name`` by the HSM at ``hsm_uri``. Its ``kid`` becomes the key identifier sent to Adobe,
    so one that is not exactly that key's (:func:`kid_problem`: another vault, HSM or key, no
    version) is a :class:`ShapeError` naming the HSM and what came back (masked, then cut)."""
    key, attributes = body.get("key"), body.get("attributes") or {}
    if not isinstance(key, dict) or not isinstance(attributes, dict):
        raise ShapeError("the answer has no key")
    kid = str(key.get("kid") or "")
    problem = kid_problem(kid, hsm_uri, name)
    if problem:
        hsm = normal_hsm_uri(hsm_uri)
        raise ShapeError(
            f"the HSM {hsm} answered key {name} with kid '{one_line(kid, 200)}', not "
            f"{hsm}/keys/{name}/<32 hex digits> ({problem}): it is neither kept nor sent to Adobe"
        )
    ops = key.get("key_ops") or []
    _, _, key_name, version = urlsplit(kid).path.split("/")
    return HsmKey(
        kid=kid,
        name=key_name,
        version=version,
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
