"""Key Vault key identifiers and vault addresses, as the policies compare them. No I/O.

A key identifier names a vault by its whole host, ``<vault>.<cloud suffix>``: ``cmkvault`` in
public Azure (``cmkvault.vault.azure.net``) and ``cmkvault`` in Azure China
(``cmkvault.vault.azure.cn``) are two vaults, so every comparison here keeps the suffix.

The shapes and the version rule are the program's (``providers/key_identifier.py``), so the pack
accepts exactly the identifiers the program accepts from the user: a version is 32 hex digits
(:data:`facts.KEY_VERSION`), anything else in its place is refused. Matching is ASCII only, so a
look-alike letter (the Kelvin sign for ``k``) never passes for its ASCII twin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import facts

#: Every Key Vault and Managed HSM host suffix, public and sovereign clouds.
SUFFIXES: tuple[str, ...] = facts.VAULT_SUFFIXES + facts.HSM_SUFFIXES
_SUFFIX = "|".join(re.escape(suffix) for suffix in SUFFIXES)
_VAULT_NAME = r"[A-Za-z0-9-]{3,24}"
#: ``https://<vault>.<suffix>[:443]/keys/<name>[/<version>][/]``, the program's shape.
_KEY_IDENTIFIER = re.compile(
    rf"https://(?P<vault>{_VAULT_NAME})\.(?P<suffix>{_SUFFIX})(?::443)?"
    r"/keys/(?P<name>[A-Za-z0-9-]{1,127})(?:/(?P<version>[A-Za-z0-9]+))?/?",
    re.IGNORECASE | re.ASCII,
)
_VAULT_HOST = re.compile(
    rf"(?P<vault>{_VAULT_NAME})\.(?P<suffix>{_SUFFIX})", re.IGNORECASE | re.ASCII
)

VERSIONED_EXAMPLE = facts.KEY_IDENTIFIER_EXAMPLE


@dataclass(frozen=True)
class VaultAddress:
    """A vault as far as it is known, in lower case: its name, and its whole host (``None`` while
    the vault's URI is not known, e.g. in a preview before the vault exists)."""

    name: str
    host: str | None

    def could_be(self, other: VaultAddress) -> bool:
        """Whether the two may be the same vault: same name, and same host where both are known."""
        if self.name != other.name:
            return False
        return self.host is None or other.host is None or self.host == other.host

    def __str__(self) -> str:
        return self.host or self.name


@dataclass(frozen=True)
class KeyLocation:
    """A key identifier's parts: the vault (host known), the key name (lower case, as Key Vault
    compares names) and the version as written (``None`` when versionless)."""

    vault: VaultAddress
    name: str
    version: str | None

    @property
    def versioned(self) -> bool:
        """Whether it carries a version Adobe accepts: 32 hex digits."""
        return self.version is not None and bool(facts.KEY_VERSION.match(self.version))


def parse_key_identifier(text: object) -> KeyLocation | None:
    """The parts of ``https://<vault>.<suffix>/keys/<name>[/<version>]``; ``None`` for anything
    else (surrounding white space, another host, an odd version token included)."""
    if not isinstance(text, str):
        return None
    match = _KEY_IDENTIFIER.fullmatch(text)
    if not match:
        return None
    vault = match["vault"].lower()
    host = f"{vault}.{match['suffix'].lower()}"
    return KeyLocation(VaultAddress(vault, host), match["name"].lower(), match["version"])


def vault_from_uri(uri: object) -> VaultAddress | None:
    """The vault of a vault URI (``https://cmkvault.vault.azure.net/``); ``None`` when it is not
    one of a known cloud's."""
    if not isinstance(uri, str):
        return None
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not host:
        return None
    match = _VAULT_HOST.fullmatch(host)
    if not match:
        return None
    return VaultAddress(match["vault"].lower(), host.lower())
