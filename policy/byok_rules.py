"""Stack policy on the BYOK configuration: Adobe is sent a versioned key of a vault of this stack.

A key identifier names its vault by the whole host, name and cloud suffix: a key in
``cmkvault.vault.azure.cn`` is not a key of the stack's ``cmkvault.vault.azure.net``. The stack's
vault host comes from the vault's ``vaultUri`` output; before the vault exists (a first preview)
only its name is known, and the suffix is compared again on ``up``, when the stack policies see
the real outputs. A Managed HSM key counts as a key of the stack too, its HSM (``hsmUri``) as the
vault: ``https://<hsm>.managedhsm.azure.net/keys/<key>/<version>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from adobe_resources import (
    depends_on,
    is_byok_config,
    is_hsm_key,
    is_stack_key,
    is_vault,
    key_location,
    vault_address,
)
from key_identifiers import VERSIONED_EXAMPLE, KeyLocation, VaultAddress, parse_key_identifier
from property_values import UNKNOWN, get
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy


def _byok_config_key_in_stack(args: StackValidationArgs, report: ReportViolation) -> None:
    configs = [r for r in args.resources if is_byok_config(r)]
    keys = [key_location(r) for r in args.resources if is_stack_key(r.resource_type)]
    vaults = [vault_address(r) for r in args.resources if is_vault(r.resource_type)]
    vaults += [key_location(r)[0] for r in args.resources if is_hsm_key(r.resource_type)]
    violations = 0
    for config in configs:
        identifier = get(config.props, "keyIdentifier")
        if identifier is UNKNOWN:
            # A first preview: the identifier is the output of a key not created yet.
            if vaults and not depends_on(config, lambda r: is_stack_key(r.resource_type)):
                violations += 1
                report(
                    f"BYOK configuration {config.name}: its keyIdentifier is not known yet and "
                    "comes from no key of this stack; pass the key's key_uri_with_version.",
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


BYOK_POLICIES: list[StackValidationPolicy] = [
    StackValidationPolicy(
        name="byok-config-key-in-stack",
        description="The BYOK configuration sends Adobe a versioned key of a vault of this stack.",
        validate=_byok_config_key_in_stack,
        severity=Severity.HIGH,
    ),
]
