"""The keys a stack's settings bring instead of declaring (bring your own key), as places Adobe's
role may be granted on.

A brought key is no resource of the stack: only its settings say where it is, and the engine
hands them to the pack (``stack_settings.py``); :func:`brought_places` reads the pairs below. A
pair the program would refuse (it fails at preview) brings nothing here.
"""

from __future__ import annotations

from collections.abc import Callable

from grant_scopes import KeyPlace, parse_scope
from key_identifiers import parse_key_identifier
from stack_settings import setting

#: ``(vault id setting, key identifier setting)`` of each key a stack may bring.
BROUGHT_KEY_SETTINGS: tuple[tuple[str, str], ...] = (
    ("existingVaultId", "existingKeyId"),
    ("journeyAnalyticsExistingVaultId", "journeyAnalyticsExistingKeyId"),
)


def brought_places(setting: Callable[[str], str] = setting) -> list[KeyPlace]:
    """A place per key the stack's settings (``setting``: a short name's value) bring: its
    vault's whole id and the key's name."""
    places = []
    for vault_setting, key_setting in BROUGHT_KEY_SETTINGS:
        vault = parse_scope(setting(vault_setting))
        key = parse_key_identifier(setting(key_setting))
        if vault is None or vault.key is not None or key is None:
            continue
        places.append(KeyPlace(vault=vault.vault, keys=frozenset({key.name}), scope=vault))
    return places
