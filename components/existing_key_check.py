"""A key brought by the user (``adobe-cmk:existingKeyId``) is checked before Adobe is called.

At ``preview`` (and ``up``, before anything is created) the vault and the key are looked up with
azure-native's invokes, in the vault's subscription (the caller passes the provider for it), and a
lookup the deploying identity cannot make is refused in one line naming ``existingVaultId`` and
the subscription. A key Adobe could not use is refused in one line naming the setting:
a vault without soft delete or purge protection, an access-policy vault when the program grants
Adobe's role (Azure RBAC is what the role assignment needs), a key that is not RSA/RSA-HSM, under
3072 bits, without ``wrapKey`` and ``unwrapKey``, disabled, expired, or not yet active. The rules
themselves are pure (:func:`vault_problems`, :func:`key_problems`) and tested without I/O.
"""

from __future__ import annotations

import time
from typing import Any

import pulumi
from pulumi_azure_native import keyvault

from cmk_facts import KEY_OPERATIONS, KEY_TYPES, MIN_KEY_SIZE, NAMESPACE
from components.settings import ExistingKey
from components.subscriptions import lookup_failure

SETTING = f"{NAMESPACE}:existingKeyId"
VAULT_SETTING = f"{NAMESPACE}:existingVaultId"


def vault_problems(properties: Any, *, grants_role: bool) -> list[str]:
    """What about the vault would keep Adobe from relying on it (empty when nothing)."""
    problems = []
    if not getattr(properties, "enable_soft_delete", True):
        problems.append("soft delete is off")
    if not getattr(properties, "enable_purge_protection", False):
        problems.append("purge protection is off (turn it on: it cannot be turned off again)")
    if grants_role and not getattr(properties, "enable_rbac_authorization", False):
        problems.append(
            "it uses access policies, not Azure RBAC, so the role assignment the program makes "
            "would not let Adobe in"
        )
    return problems


def key_problems(key: Any, *, now: float) -> list[str]:
    """What about the key would keep Adobe from using it (empty when nothing)."""
    problems = []
    if key.kty not in KEY_TYPES:
        problems.append(f"it is {key.kty or 'of no known type'}, not {' or '.join(KEY_TYPES)}")
    elif (key.key_size or 0) < MIN_KEY_SIZE:
        problems.append(
            f"it has {key.key_size or 'an unknown number of'} bits, under {MIN_KEY_SIZE}"
        )
    missing = [op for op in KEY_OPERATIONS if op not in (key.key_ops or [])]
    if missing:
        problems.append(f"it does not allow {' and '.join(missing)}")
    attributes = key.attributes
    if attributes is not None:
        if attributes.enabled is False:
            problems.append("it is disabled")
        if attributes.expires is not None and attributes.expires <= now:
            problems.append("it has expired")
        if attributes.not_before is not None and attributes.not_before > now:
            problems.append("it is not active yet (its activation date is in the future)")
    return problems


def check_existing_key(
    key: ExistingKey, *, grants_role: bool, opts: pulumi.InvokeOptions | None = None
) -> None:
    """Look the vault and key up (``opts``: the vault's subscription's provider, ``None`` for the
    deploying one's); ``pulumi.RunError`` (one line, naming the setting) when the deploying
    identity cannot read them or Adobe could not use them. A Managed HSM key is left to its own
    checks."""
    if key.managed_hsm:
        return
    vault_name = key.vault_id.rstrip("/").rsplit("/", 1)[-1]
    group = key.resource_group_name
    try:
        vault = keyvault.get_vault(resource_group_name=group, vault_name=vault_name, opts=opts)
        found = keyvault.get_key(
            key_name=key.key_name, resource_group_name=group, vault_name=vault_name, opts=opts
        )
    except Exception as exc:
        what = f"vault {vault_name} (key {key.key_name})"
        raise pulumi.RunError(
            lookup_failure(VAULT_SETTING, what, key.subscription_id, exc)
        ) from None
    problems = [
        f"vault {vault_name}: {p}"
        for p in vault_problems(vault.properties, grants_role=grants_role)
    ]
    problems += [f"key {key.key_name}: {p}" for p in key_problems(found, now=time.time())]
    if problems:
        raise pulumi.RunError(
            f"{SETTING} names a key Adobe could not rely on: {'; '.join(problems)}. Fix the vault "
            "or the key in Azure, or name another key"
        )
