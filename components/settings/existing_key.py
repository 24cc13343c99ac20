"""Rules for bring-your-own-key: ``existingKeyId`` and ``existingVaultId`` go together, name the
same vault, and leave every setting that only shapes a created vault and key at its default."""

from __future__ import annotations

import re

from cmk_facts import KEY_IDENTIFIER_EXAMPLE
from components.settings.reader import ConfigReader
from components.settings.values import ExistingKey
from providers.key_identifier import parse_key_identifier

#: Settings that only shape a vault and key the program creates; with bring-your-own-key they
#: could do nothing, so a non-default value is refused rather than silently ignored.
CREATION_ONLY = (
    "createResourceGroup",
    "tags",
    "resourceGroupName",
    "keyVaultName",
    "keyVaultSku",
    "keyName",
    "keyType",
    "keySize",
    "keyRotationDays",
    "keyExpiryDays",
    "keyNotifyDaysBeforeExpiry",
    "allowedIpRanges",
)

_VAULT_ID = re.compile(
    r"/subscriptions/(?P<subscription>[0-9a-fA-F-]{36})/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.KeyVault/(?P<kind>vaults|managedHSMs)/(?P<name>[A-Za-z0-9-]{3,24})\Z",
    re.IGNORECASE | re.ASCII,
)


def existing_key(
    r: ConfigReader, key_setting: str = "existingKeyId", vault_setting: str = "existingVaultId"
) -> ExistingKey | None:
    """The key to use instead of creating one; ``None`` when neither id is set. The two setting
    names are the Platform key's unless given (the Journey Analytics key has its own pair)."""
    key_id = r.string(key_setting)
    vault_id = r.string(vault_setting)
    if not key_id and not vault_id:
        return None
    if not vault_id:
        raise r.fail(
            vault_setting,
            f"is empty but {r.key(key_setting)} is set: give the vault's resource id, "
            "/subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>",
        )
    if not key_id:
        raise r.fail(
            key_setting,
            f"is empty but {r.key(vault_setting)} is set: give the versioned key identifier, "
            f"{KEY_IDENTIFIER_EXAMPLE}",
        )
    try:
        parsed = parse_key_identifier(key_id, require_version=True)
    except ValueError as exc:
        raise r.fail(key_setting, f"is not usable: {exc}") from None
    match = _VAULT_ID.match(vault_id)
    if not match:
        raise r.fail(
            vault_setting,
            f"is {vault_id!r}: expected /subscriptions/<sub>/resourceGroups/<group>/providers/"
            "Microsoft.KeyVault/vaults/<name>",
        )
    host_vault = parsed.vault_url.removeprefix("https://").split(".", 1)[0]
    if host_vault != match["name"].lower() or parsed.managed_hsm != (
        match["kind"].lower() == "managedhsms"
    ):
        raise r.fail(
            vault_setting,
            f"names vault {match['name']!r} but {r.key(key_setting)} is in "
            f"{parsed.vault_url}: they must be the same vault",
        )
    return ExistingKey(
        key_id=parsed.versioned,
        key_id_versionless=parsed.versionless,
        key_name=parsed.name,
        vault_id=vault_id,
        vault_uri=f"{parsed.vault_url}/",
        subscription_id=match["subscription"],
        resource_group_name=match["group"],
        key_resource_id=f"{vault_id}/keys/{parsed.name}",
        managed_hsm=parsed.managed_hsm,
    )


def check_creation_only_unset(r: ConfigReader) -> None:
    for name in CREATION_ONLY:
        if not r.is_default(name):
            raise r.fail(
                name,
                "only shapes a vault and key this program creates, and adobe-cmk:existingKeyId "
                f"is set: remove it (`pulumi config rm {r.key(name)}`)",
            )
