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

_VAULT_SUFFIXES = (
    "vault.azure.net",
    "vault.azure.cn",
    "vault.usgovcloudapi.net",
    "vault.microsoftazure.de",
)
_HSM_SUFFIXES = ("managedhsm.azure.net", "managedhsm.azure.cn", "managedhsm.usgovcloudapi.net")

_HOST = "|".join(re.escape(s) for s in _VAULT_SUFFIXES + _HSM_SUFFIXES)
_IDENTIFIER = re.compile(
    rf"^https://(?P<vault>[A-Za-z0-9-]{{3,24}})\.(?P<suffix>{_HOST})(?::443)?"
    r"/keys/(?P<name>[A-Za-z0-9-]{1,127})(?:/(?P<version>[A-Za-z0-9]+))?/?$",
    re.IGNORECASE,
)
_VERSION = re.compile(r"^[0-9a-fA-F]{32}$")

EXAMPLE = "https://<vault>.vault.azure.net/keys/<key-name>/<32-hex-version>"


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
        raise ValueError(f"a key identifier is required, like {EXAMPLE}")
    match = _IDENTIFIER.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a Key Vault key identifier; expected {EXAMPLE}")
    version = match["version"]
    if version is not None and not _VERSION.match(version):
        raise ValueError(f"{text!r} has version {version!r}; a key version is 32 hex digits")
    if require_version and version is None:
        raise ValueError(
            f"{text!r} has no version; Adobe needs the versioned identifier, like {EXAMPLE}"
        )
    vault_url = f"https://{match['vault'].lower()}.{match['suffix'].lower()}"
    return KeyIdentifier(vault_url=vault_url, name=match["name"], version=version)
