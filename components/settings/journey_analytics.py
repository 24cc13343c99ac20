"""Rules for the second Adobe application's key (Customer Journey Analytics, Journey Optimizer).

``journeyAnalyticsKey`` turns it on: a second vault and key, made by the same rules as the
Platform's (docs/journey-analytics.md), for Adobe's Journey Analytics application. Its own
settings:

- ``journeyAnalyticsVaultName``: the created vault's name (empty: auto-named);
- ``journeyAnalyticsExistingKeyId`` and ``journeyAnalyticsExistingVaultId``: bring-your-own-key
  for it, by the Platform pair's rules (:func:`~components.settings.existing_key.existing_key`).

Adobe keeps the two products' keys in separate vaults, so the same vault for both is refused, by
name (a vault name is unique in its cloud). The created vault goes into the Platform vault's
resource group, so a Platform key brought by the user (no group) needs a Journey Analytics key
brought too. Every Journey Analytics setting is refused while ``journeyAnalyticsKey`` is false,
rather than silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.settings import existing_key as byok
from components.settings.reader import ConfigReader
from components.settings.values import ExistingKey
from components.settings.vault import vault_name as checked_vault_name

SWITCH = "journeyAnalyticsKey"
VAULT_NAME = "journeyAnalyticsVaultName"
EXISTING_KEY_ID = "journeyAnalyticsExistingKeyId"
EXISTING_VAULT_ID = "journeyAnalyticsExistingVaultId"
#: The settings that only shape the Journey Analytics key.
JOURNEY_ANALYTICS_ONLY = (VAULT_NAME, EXISTING_KEY_ID, EXISTING_VAULT_ID)


@dataclass(frozen=True)
class JourneyAnalyticsKey:
    """The Journey Analytics key: created in a vault of its own, or brought by the user.

    Exactly one of the two is meaningful: with ``existing_key`` set nothing is created and
    ``vault_name`` is ``None``; without it a vault and key are created (the Platform vault's
    resource group, key type, size, rotation, firewall and tags), named ``vault_name`` or
    auto-named when that is ``None``.
    """

    vault_name: str | None
    """Name of the created vault; ``None`` means auto-named."""
    existing_key: ExistingKey | None
    """Bring-your-own-key: the key to use instead of creating one."""


def journey_analytics_key(
    r: ConfigReader,
    *,
    platform_key: ExistingKey | None,
    platform_vault_name: str | None,
    has_resource_group: bool,
    service_principal: str,
) -> JourneyAnalyticsKey | None:
    """The Journey Analytics key's settings; ``None`` when ``journeyAnalyticsKey`` is false.

    ``platform_key`` is the Platform's brought key, if any; ``platform_vault_name`` the name of
    the Platform vault the program creates (``None``: auto-named, or none created);
    ``has_resource_group`` whether the program places a vault of its own in a resource group
    (created or named: not with a brought key or a Managed HSM); ``service_principal`` is the
    mode both applications' service principals follow.
    """
    if not r.boolean(SWITCH):
        for name in JOURNEY_ANALYTICS_ONLY:
            if not r.is_default(name):
                raise r.fail(
                    name,
                    "only shapes the Journey Analytics key, and adobe-cmk:journeyAnalyticsKey "
                    f"is false: set it true, or remove this one (`pulumi config rm {r.key(name)}`)",
                )
        return None

    existing = byok.existing_key(r, EXISTING_KEY_ID, EXISTING_VAULT_ID)
    platform_vault = platform_key.vault_id.rsplit("/", 1)[-1] if platform_key else None
    if existing is None:
        created = r.optional(VAULT_NAME, lambda v: checked_vault_name(r, v, setting=VAULT_NAME))
        if not has_resource_group:
            raise r.fail(
                EXISTING_KEY_ID,
                "is empty but adobe-cmk:journeyAnalyticsKey is true and the Platform key is not "
                "in a vault this program creates (an existing key or a Managed HSM), so there is "
                "no resource group to create the Journey Analytics vault in: bring that key too "
                "(adobe-cmk:journeyAnalyticsExistingKeyId and "
                "adobe-cmk:journeyAnalyticsExistingVaultId)",
            )
        if created is not None and _same(created, platform_vault_name):
            raise r.fail(
                VAULT_NAME,
                f"is {created!r}, the Platform vault's name (adobe-cmk:keyVaultName): Adobe's "
                "Journey Analytics key needs a vault of its own; choose another name, or leave "
                "it empty to have one made",
            )
        return JourneyAnalyticsKey(vault_name=created, existing_key=None)

    if not r.is_default(VAULT_NAME):
        raise r.fail(
            VAULT_NAME,
            "only names a vault this program creates, and "
            "adobe-cmk:journeyAnalyticsExistingKeyId is set: remove it "
            "(`pulumi config rm adobe-cmk:journeyAnalyticsVaultName`)",
        )
    vault = existing.vault_id.rsplit("/", 1)[-1]
    for other, setting in (
        (platform_vault, "existingVaultId"),
        (platform_vault_name, "keyVaultName"),
    ):
        if _same(vault, other):
            raise r.fail(
                EXISTING_VAULT_ID,
                f"names vault {vault!r}, the Platform key's vault ({r.key(setting)}): Adobe's "
                "Journey Analytics key needs a vault of its own; bring a key of another vault",
            )
    if existing.managed_hsm and service_principal != "none":
        raise r.fail(
            EXISTING_KEY_ID,
            f"is a Managed HSM key and adobe-cmk:servicePrincipal is {service_principal!r}: the "
            "HSM's role (Managed HSM Crypto Service Encryption User) is a local HSM role this "
            "program cannot assign; grant it on the HSM and set servicePrincipal none",
        )
    return JourneyAnalyticsKey(vault_name=None, existing_key=existing)


def _same(vault: str, other: str | None) -> bool:
    """Whether two vault names name the same vault (Azure's names ignore letter case)."""
    return other is not None and vault.lower() == other.lower()
