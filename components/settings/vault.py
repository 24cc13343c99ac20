"""Rules for the vault and key the program creates: names, tier, type, size, rotation."""

from __future__ import annotations

from cmk_facts import KEY_NAME, KEY_SIZES, KEY_TYPES, MIN_KEY_SIZE, VAULT_NAME
from components.settings.reader import ConfigReader
from components.settings.values import KeyRotation

VAULT_SKUS = ("auto", "standard", "premium")
#: Azure Key Vault's rotation-policy floors: rotate no sooner than 7 days after creation, expire no
#: sooner than 28 days, and keep at least 7 days between a rotation and the expiry it prevents.
MIN_ROTATION_DAYS = 7
MIN_EXPIRY_DAYS = 28
MIN_ROTATION_TO_EXPIRY_DAYS = 7
MIN_NOTIFY_DAYS = 7


def vault_name(r: ConfigReader, value: str, setting: str = "keyVaultName") -> str:
    """``value`` if Azure accepts it as a vault name; the error names ``setting``."""
    if not VAULT_NAME.match(value):
        raise r.fail(
            setting,
            f"is {value!r}: Azure needs 3-24 letters, digits and single hyphens, starting with "
            "a letter and ending with a letter or digit",
        )
    return value


def key_type(r: ConfigReader) -> str:
    return r.choice("keyType", KEY_TYPES)


def sku(r: ConfigReader, key_type: str, *, check: bool) -> str:
    """``keyVaultSku`` with ``auto`` resolved; ``check`` False skips the RSA-HSM rule (no vault
    is created)."""
    value = r.choice("keyVaultSku", VAULT_SKUS)
    if value == "auto":
        return "premium" if key_type == "RSA-HSM" else "standard"
    if check and key_type == "RSA-HSM" and value != "premium":
        raise r.fail(
            "keyVaultSku",
            f"is {value!r} but adobe-cmk:keyType RSA-HSM needs HSM-protected keys, which only a "
            "premium vault has: set keyVaultSku premium (or auto)",
        )
    return value


def key_name(r: ConfigReader) -> str:
    value = r.string("keyName")
    if not KEY_NAME.match(value):
        raise r.fail("keyName", f"is {value!r}: use 1-127 letters, digits and hyphens")
    return value


def key_size(r: ConfigReader) -> int:
    value = r.integer("keySize")
    if value < MIN_KEY_SIZE:
        raise r.fail(
            "keySize",
            f"is {value}: Adobe refuses keys under {MIN_KEY_SIZE} bits; use 3072 or 4096",
        )
    if value not in KEY_SIZES:
        raise r.fail("keySize", f"is {value}: Key Vault RSA keys are 3072 or 4096 bits here")
    return value


def rotation(r: ConfigReader) -> KeyRotation | None:
    rotate = r.integer("keyRotationDays")
    expiry = r.integer("keyExpiryDays")
    notify = r.integer("keyNotifyDaysBeforeExpiry")
    if rotate != 0 and rotate < MIN_ROTATION_DAYS:
        raise r.fail(
            "keyRotationDays",
            f"is {rotate}: use 0 (no rotation) or at least {MIN_ROTATION_DAYS} days",
        )
    if expiry != 0 and expiry < MIN_EXPIRY_DAYS:
        raise r.fail(
            "keyExpiryDays", f"is {expiry}: use 0 (no expiry) or at least {MIN_EXPIRY_DAYS} days"
        )
    if expiry and not rotate:
        raise r.fail(
            "keyExpiryDays",
            f"is {expiry} but adobe-cmk:keyRotationDays is 0: a version would expire "
            "unrotated and cut Adobe off; set keyRotationDays too, or keyExpiryDays 0",
        )
    if expiry and expiry < rotate + MIN_ROTATION_TO_EXPIRY_DAYS:
        raise r.fail(
            "keyExpiryDays",
            f"is {expiry} but versions rotate after {rotate} days (adobe-cmk:keyRotationDays): "
            f"expiry must be at least {rotate + MIN_ROTATION_TO_EXPIRY_DAYS} days so every "
            "version is rotated before it expires",
        )
    if expiry and not MIN_NOTIFY_DAYS <= notify < expiry:
        raise r.fail(
            "keyNotifyDaysBeforeExpiry",
            f"is {notify}: it must be at least {MIN_NOTIFY_DAYS} and less than "
            f"adobe-cmk:keyExpiryDays ({expiry})",
        )
    if not rotate:
        return None
    return KeyRotation(
        rotate_after_days=rotate,
        expiry_days=expiry or None,
        notify_before_expiry_days=notify if expiry else None,
    )
