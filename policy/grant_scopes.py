"""Where Adobe's role may be granted: exactly the stack's own vault, or one of its keys. No I/O.

An ARM role assignment's scope is a resource id; Adobe's must be a vault's,
``/subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<vault>``, or a
key's, that id followed by ``/keys/<key>`` — matched whole and segment by segment, so ``/``, a
subscription, a resource group, another vault and ``…/vaults/<vault>x`` are all refused. ARM ids
compare case-insensitively.

The stack's vaults (:class:`KeyPlace`) are the Key Vault vaults and keys it declares, as far as
the analyzer knows them: a vault's name is unique in its cloud, so the name (with the resource
group, where known) identifies it; and the vaults the stack's settings bring (``existingVaultId``
with ``existingKeyId``, and the Journey Analytics pair), compared by their whole id. A name not
known yet (an auto-named vault in a first preview) could be any vault, and is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_SCOPE = re.compile(
    r"/subscriptions/(?P<subscription>[0-9A-Fa-f-]{36})/resourceGroups/(?P<group>[-\w.()]{1,90})"
    r"/providers/Microsoft\.KeyVault/vaults/(?P<vault>[A-Za-z0-9-]{3,24})"
    r"(?:/keys/(?P<key>[A-Za-z0-9-]{1,127}))?",
    re.IGNORECASE | re.ASCII,
)
_SUBSCRIPTION = re.compile(r"/subscriptions/[^/]+/?", re.IGNORECASE)
_GROUP = re.compile(r"/subscriptions/[^/]+/resourceGroups/[^/]+/?", re.IGNORECASE)

VAULT_SCOPE_EXAMPLE = (
    "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/"
    "<vault>[/keys/<key>]"
)


@dataclass(frozen=True)
class VaultScope:
    """A vault's or a key's resource id, in lower case; ``key`` is ``None`` for the vault."""

    subscription: str
    group: str
    vault: str
    key: str | None

    @property
    def vault_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourcegroups/{self.group}"
            f"/providers/microsoft.keyvault/vaults/{self.vault}"
        )


def parse_scope(scope: object) -> VaultScope | None:
    """The parts of a vault's or key's resource id; ``None`` for any other scope."""
    if not isinstance(scope, str):
        return None
    match = _SCOPE.fullmatch(scope)
    if match is None:
        return None
    key = match["key"]
    return VaultScope(
        match["subscription"].lower(),
        match["group"].lower(),
        match["vault"].lower(),
        key.lower() if key else None,
    )


@dataclass(frozen=True)
class KeyPlace:
    """A vault of the stack and its keys, as far as known (lower case; ``None`` = not known yet).

    A declared vault has a name and a resource group; a brought one its whole id (``scope``).
    ``keys`` holds ``None`` when a key of the vault has a name not known yet.
    """

    vault: str | None
    group: str | None = None
    keys: frozenset[str | None] = frozenset()
    scope: VaultScope | None = None

    def holds_vault(self, scope: VaultScope) -> bool:
        """Whether ``scope``'s vault may be this one."""
        if self.scope is not None:
            return self.scope.vault_id == scope.vault_id
        return self.vault in (None, scope.vault) and self.group in (None, scope.group)

    def holds(self, scope: VaultScope) -> bool:
        """Whether ``scope`` is this vault or one of its keys."""
        if not self.holds_vault(scope):
            return False
        return scope.key is None or scope.key in self.keys or None in self.keys

    def __str__(self) -> str:
        if self.scope is not None:
            return self.scope.vault
        return self.vault or "(a vault not named yet)"


def declared_places(
    vaults: Iterable[tuple[str | None, str | None]],
    keys: Iterable[tuple[str | None, str | None]],
) -> list[KeyPlace]:
    """The places of declared vaults, ``(name, resource group)`` each, with the declared keys,
    ``(vault name, key name)`` each; a key whose vault is not known yet counts in every vault."""
    known_keys = list(keys)
    places = []
    for name, group in vaults:
        names = frozenset(
            key for vault, key in known_keys if vault is None or name is None or vault == name
        )
        places.append(KeyPlace(vault=name, group=group, keys=names))
    return places


def scope_problem(scope: str, places: Sequence[KeyPlace]) -> str | None:
    """Why ``scope`` is not the stack's vault or one of its keys, to follow "is at scope <scope>":
    ``None`` when it is (or may be, while a name is not known yet)."""
    parsed = parse_scope(scope)
    if parsed is None:
        return f"{_what(scope)}, not a vault or a key of one ({VAULT_SCOPE_EXAMPLE})"
    if any(place.holds(parsed) for place in places):
        return None
    vaults = ", ".join(sorted(str(place) for place in places)) or "none"
    if any(place.holds_vault(parsed) for place in places):
        return f"key {parsed.key} of vault {parsed.vault}, which this stack does not declare"
    return (
        f"vault {parsed.vault}, which this stack neither declares nor brings (its vaults: {vaults})"
    )


def _what(scope: str) -> str:
    if scope in ("", "/"):
        return "the root scope, every subscription of the tenant"
    if _SUBSCRIPTION.fullmatch(scope):
        return "a whole subscription"
    if _GROUP.fullmatch(scope):
        return "a whole resource group"
    return "a scope"
