"""The keys a stack's settings bring instead of declaring (bring your own key), as places Adobe's
role may be granted on.

A brought key is no resource of the stack: only its settings say where it is. The CLI hands the
pack the stack's configuration (``PULUMI_CONFIG``, as it does a program), which the policy SDK
loads into Pulumi's runtime configuration; :func:`brought_places` reads the pairs below from it.
A pair the program would refuse (it fails at preview) brings nothing here.
"""

from __future__ import annotations

from collections.abc import Mapping

import facts
import pulumi
from grant_scopes import KeyPlace, parse_scope
from key_identifiers import parse_key_identifier

#: ``(vault id setting, key identifier setting)`` of each key a stack may bring.
BROUGHT_KEY_SETTINGS: tuple[tuple[str, str], ...] = (
    ("existingVaultId", "existingKeyId"),
    ("journeyAnalyticsExistingVaultId", "journeyAnalyticsExistingKeyId"),
)


def stack_settings() -> dict[str, str]:
    """The stack's ``adobe-cmk`` settings the CLI handed the pack (short names)."""
    config = pulumi.Config(facts.NAMESPACE)
    return {
        name: value for pair in BROUGHT_KEY_SETTINGS for name in pair if (value := config.get(name))
    }


def brought_places(settings: Mapping[str, str]) -> list[KeyPlace]:
    """A place per brought key: its vault's whole id and the key's name."""
    places = []
    for vault_setting, key_setting in BROUGHT_KEY_SETTINGS:
        vault = parse_scope(settings.get(vault_setting))
        key = parse_key_identifier(settings.get(key_setting))
        if vault is None or vault.key is not None or key is None:
            continue
        places.append(KeyPlace(vault=vault.vault, keys=frozenset({key.name}), scope=vault))
    return places
