"""The value types settings hand to the components: a key's rotation policy, an existing key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyRotation:
    """The key's rotation policy: rotate, and optionally expire and notify, per version."""

    rotate_after_days: int
    """Days after a version's creation when Key Vault makes the next version."""
    expiry_days: int | None
    """Lifetime of versions made by rotation; ``None`` when they do not expire."""
    notify_before_expiry_days: int | None
    """Days before expiry of the near-expiry event; ``None`` without an expiry."""


@dataclass(frozen=True)
class ExistingKey:
    """A key the program does not create (bring your own key), in every shape consumers need.

    ``key_id`` is the versioned identifier Adobe's configuration takes,
    ``https://<vault>.vault.azure.net/keys/<name>/<version>``; ``key_id_versionless`` drops the
    version (Azure's ``keyUri``); ``key_resource_id`` is the ARM id of the key, a role scope.
    """

    key_id: str
    key_id_versionless: str
    key_name: str
    vault_id: str
    vault_uri: str
    """``https://<vault>.vault.azure.net/``, the shape Azure reports as ``vaultUri``."""
    subscription_id: str
    resource_group_name: str
    key_resource_id: str
    managed_hsm: bool


@dataclass(frozen=True)
class ManagedHsm:
    """An existing, activated Managed HSM the key is created in (or adopted from).

    ``uri`` is the data-plane address ``https://<name>.managedhsm.azure.net`` without a trailing
    slash, or ``None`` when only ``arm_id`` was given (the preview's lookup then supplies it).
    """

    arm_id: str | None
    uri: str | None
    subscription_id: str | None
    resource_group_name: str | None
    name: str
