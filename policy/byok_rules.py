"""Policies on the BYOK configuration: Adobe is sent a versioned key of a vault of this stack.

A key identifier names its vault by the whole host, name and cloud suffix: a key in
``cmkvault.vault.azure.cn`` is not a key of the stack's ``cmkvault.vault.azure.net``. The stack's
vault host comes from the vault's ``vaultUri`` output; before the vault exists (a first preview)
only its name is known, and the suffix is compared again on ``up``, when the stack policies see
the real outputs. A Managed HSM key counts as a key of the stack too, its HSM (``hsmUri``) as the
vault: ``https://<hsm>.managedhsm.azure.net/keys/<key>/<version>``.

At a first preview the identifier is the output of a key not created yet (unknown), and the
stack's vaults are known by the names they were registered with (``registered_inputs.py``): the
stack policy then asks where the identifier comes from, by the engine's property dependencies of
``keyIdentifier``, which must include a key of the stack (a vault's key or the HSM key); a brought
key's identifier is a setting, known. Stack policies run at the end of ``up``, after Adobe was
sent the configuration, so a resource policy judges a known identifier when the configuration is
registered, before its POST: it must name a vault or HSM registered before it in this run (a key
taken from its key's output always is) or brought by the stack's settings.

A configuration the run leaves out and never created (``--exclude``, not ``--target``-ed) is
handed over with no properties at all and is not judged: nothing would be sent.
"""

from __future__ import annotations

from collections.abc import Sequence

import facts
from adobe_resources import (
    BYOK_CONFIG,
    is_byok_config,
    is_hsm_key,
    is_stack_key,
    is_vault,
    key_location,
    vault_address,
)
from key_identifiers import (
    VERSIONED_EXAMPLE,
    KeyLocation,
    VaultAddress,
    parse_key_identifier,
    vault_from_uri,
)
from property_values import UNKNOWN, get
from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from registered_inputs import absent, registered
from stack_settings import setting

#: The stack's settings that name where a key it does not declare is (bring your own key).
BROUGHT_KEY_SETTING = "existingKeyId"
HSM_URI_SETTING = "managedHsmUri"


def _byok_config_key_in_stack(args: StackValidationArgs, report: ReportViolation) -> None:
    configs = [r for r in args.resources if is_byok_config(r) and not absent(r.props)]
    keys = [key_location(r) for r in args.resources if is_stack_key(r.resource_type)]
    vaults = [vault_address(r) for r in args.resources if is_vault(r.resource_type)]
    vaults += [key_location(r)[0] for r in args.resources if is_hsm_key(r.resource_type)]
    violations = 0
    for config in configs:
        identifier = get(config.props, "keyIdentifier")
        if identifier is UNKNOWN:
            # A first preview: the identifier must be the output of a key of the stack.
            if not _from_stack_key(config):
                violations += 1
                report(
                    f"BYOK configuration {config.name}: its keyIdentifier is not known yet and "
                    "comes from no key of this stack (a brought key's identifier is the setting "
                    f"{facts.NAMESPACE}:{BROUGHT_KEY_SETTING}, known); pass the key's "
                    "key_uri_with_version.",
                    config.urn,
                )
            continue
        location = parse_key_identifier(identifier)
        if location is None or not location.versioned:
            violations += 1
            report(
                f"BYOK configuration {config.name}: keyIdentifier {identifier!r} is not a "
                f"versioned Key Vault key identifier ({VERSIONED_EXAMPLE}), which Adobe needs: "
                "pass the key's key_uri_with_version.",
                config.urn,
            )
            continue
        if not vaults:
            continue  # bring-your-own-key: the key is not the stack's to compare with
        problem = _not_in_stack(location, vaults, keys)
        if problem:
            violations += 1
            report(f"BYOK configuration {config.name}: {problem}", config.urn)
    if configs and not vaults and not violations:
        args.not_applicable(
            "bring-your-own-key: the stack declares no vault or HSM key, so the BYOK "
            "configuration's key (a well-formed versioned identifier) is not one of its own"
        )


def _from_stack_key(config: PolicyResource) -> bool:
    """Whether the engine says ``keyIdentifier`` comes from a key of the stack (one of the
    resources its value depends on)."""
    sources = config.property_dependencies.get("keyIdentifier", [])
    return any(is_stack_key(source.resource_type) for source in sources)


def _byok_config_key_declared(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != BYOK_CONFIG or absent(args.props):
        return
    location = parse_key_identifier(get(args.props, "keyIdentifier"))
    if location is None:
        return  # not known yet (the stack policy asks where it comes from), or malformed (there)
    places = _registered_places()
    if any(place.could_be(location.vault) for place in places):
        return
    known = ", ".join(sorted({str(place) for place in places})) or "none"
    report(
        f"BYOK configuration {args.name}: keyIdentifier names vault {location.vault}, which "
        f"neither a vault or Managed HSM key registered before it (known: {known}) nor the "
        f"stack's setting {facts.NAMESPACE}:{BROUGHT_KEY_SETTING} or "
        f"{facts.NAMESPACE}:{HSM_URI_SETTING} holds: Adobe would be sent a key this stack "
        "neither protects nor grants access to; pass the key's key_uri_with_version.",
        None,
    )


def _registered_places() -> list[VaultAddress]:
    """The vaults and HSMs known so far in this run: those registered (by name or address) and
    those the stack's settings bring."""
    places: list[VaultAddress] = []
    brought = parse_key_identifier(setting(BROUGHT_KEY_SETTING))
    if brought is not None:
        places.append(brought.vault)
    places += filter(None, [vault_from_uri(setting(HSM_URI_SETTING))])
    for _urn, kind, props in registered():
        if is_vault(kind) or is_stack_key(kind):
            name = get(props, "vaultName")
            if isinstance(name, str) and name:
                places.append(VaultAddress(name.lower(), None))
            places += filter(None, [vault_from_uri(get(props, "hsmUri"))])
    return places


def _not_in_stack(
    location: KeyLocation,
    vaults: Sequence[VaultAddress | None],
    keys: Sequence[tuple[VaultAddress | None, str | None]],
) -> str | None:
    """Why the identified key is not one of the stack's; ``None`` when it is, or may be (a vault
    or key whose name is not known yet could be the one named)."""
    known = [vault for vault in vaults if vault is not None]
    if not any(vault.could_be(location.vault) for vault in known):
        if None in vaults:
            return None  # an auto-named vault in a first preview could be the one named
        declared = ", ".join(sorted(str(vault) for vault in known))
        elsewhere = any(vault.name == location.vault.name for vault in known)
        note = " (a vault of the same name in another cloud is another vault)" if elsewhere else ""
        return (
            f"keyIdentifier names vault {location.vault}, which this stack does not declare "
            f"(its vaults: {declared}){note}: Adobe would be sent a key this stack neither "
            "protects nor grants access to."
        )
    for key_vault, key_name in keys:
        same_vault = key_vault is None or key_vault.could_be(location.vault)
        if same_vault and key_name in (None, location.name):
            return None
    return (
        f"keyIdentifier names key {location.name} in vault {location.vault}, which this stack "
        "does not declare."
    )


BYOK_POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    ResourceValidationPolicy(
        name="byok-config-key-declared",
        description=(
            "A BYOK configuration's key identifier, known when it is registered, names a vault "
            "or HSM of this stack: checked before Adobe is sent it."
        ),
        validate=_byok_config_key_declared,
        severity=Severity.HIGH,
    ),
    StackValidationPolicy(
        name="byok-config-key-in-stack",
        description="The BYOK configuration sends Adobe a versioned key of a vault of this stack.",
        validate=_byok_config_key_in_stack,
        severity=Severity.HIGH,
    ),
]
