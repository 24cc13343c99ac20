"""Azure Key Vault key identifiers: parsing and comparing, no I/O.

The shapes users copy between Azure, Pulumi and Adobe:

- versioned (what Adobe's BYOK configuration takes, Azure's ``keyUriWithVersion``):
  ``https://<vault>.vault.azure.net/keys/<name>/<version>``, version 32 hex digits;
- versionless (Azure's ``keyUri``; *not* accepted by Adobe):
  ``https://<vault>.vault.azure.net/keys/<name>``;
- Managed HSM: ``https://<hsm>.managedhsm.azure.net/keys/<name>/<version>``.

Sovereign-cloud suffixes (``vault.azure.cn``, ``vault.usgovcloudapi.net``, …) are accepted too.
Adobe keeps the vault and the key *name*, not the version, so two identifiers that differ only in
their version name the same key for Adobe (:meth:`KeyIdentifier.same_key`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cmk_facts import HSM_SUFFIXES, KEY_IDENTIFIER_EXAMPLE, KEY_VERSION, VAULT_SUFFIXES

_HOST = "|".join(re.escape(s) for s in VAULT_SUFFIXES + HSM_SUFFIXES)
# ASCII only, anchored with \Z: Azure names are ASCII, and Unicode case folding would let a
# Kelvin sign (U+212A) pass for "k" and be judged the same key as its ASCII twin.
_IDENTIFIER = re.compile(
    rf"https://(?P<vault>[A-Za-z0-9-]{{3,24}})\.(?P<suffix>{_HOST})(?::443)?"
    r"/keys/(?P<name>[A-Za-z0-9-]{1,127})(?:/(?P<version>[A-Za-z0-9]+))?/?\Z",
    re.IGNORECASE | re.ASCII,
)
#: Adobe's answers carry any version token (its own example's is not hex).
_ANY_VERSION = re.compile(r"[!-.0-~]{1,128}\Z")



@dataclass(frozen=True)
class KeyIdentifier:
    """A parsed key identifier. ``vault_url`` is ``https://<vault>.<suffix>`` in lower case."""

    vault_url: str
    name: str
    version: str | None

    @property
    def managed_hsm(self) -> bool:
        """True for a Managed HSM key."""
        return ".managedhsm." in self.vault_url

    @property
    def versionless(self) -> str:
        """``https://<vault>.vault.azure.net/keys/<name>``."""
        return f"{self.vault_url}/keys/{self.name}"

    @property
    def versioned(self) -> str:
        """``https://<vault>.vault.azure.net/keys/<name>/<version>``; ValueError if unversioned."""
        if not self.version:
            raise ValueError(f"key identifier {self.versionless} has no version")
        return f"{self.versionless}/{self.version}"

    def same_key(self, other: KeyIdentifier) -> bool:
        """Same vault and key name, whatever the versions (Key Vault names are case-insensitive)."""
        return (self.vault_url, self.name.lower()) == (other.vault_url, other.name.lower())


def parse_key_identifier(text: str, *, require_version: bool = True) -> KeyIdentifier:
    """Parse a key identifier; raise ``ValueError`` with a one-line reason when it is malformed.

    With ``require_version`` (the default, what Adobe needs) a versionless identifier is refused.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"a key identifier is required, like {KEY_IDENTIFIER_EXAMPLE}")
    match = _IDENTIFIER.match(text.strip())
    if not match:
        raise ValueError(
            f"{text!r} is not a Key Vault key identifier; expected {KEY_IDENTIFIER_EXAMPLE}"
        )
    version = match["version"]
    if version is not None and not KEY_VERSION.match(version):
        raise ValueError(f"{text!r} has version {version!r}; a key version is 32 hex digits")
    if require_version and version is None:
        raise ValueError(
            f"{text!r} has no version; Adobe needs the versioned identifier, "
            f"like {KEY_IDENTIFIER_EXAMPLE}"
        )
    vault_url = f"https://{match['vault'].lower()}.{match['suffix'].lower()}"
    return KeyIdentifier(vault_url=vault_url, name=match["name"], version=version)


def read_key_identifier(text: object) -> KeyIdentifier | None:
    """Adobe's echo of a key identifier, read leniently: any version token (or none); ``None``
    when it does not name a vault and a key."""
    if not isinstance(text, str):
        return None
    base, slash, version = text.strip().rstrip("/").rpartition("/")
    for candidate, token in ((text.strip(), None), (base, version if slash else None)):
        match = _IDENTIFIER.match(candidate)
        if match and match["version"] is None and (token is None or _ANY_VERSION.match(token)):
            vault_url = f"https://{match['vault'].lower()}.{match['suffix'].lower()}"
            return KeyIdentifier(vault_url=vault_url, name=match["name"], version=token)
    return None
