"""Stack policy on Adobe's second application: its key is in a vault of its own.

Customer Journey Analytics uses a separate, dedicated vault (docs/journey-analytics.md): a grant
to its application on the vault the Experience Platform configuration's key is in would mix the
two products' keys. The Platform's vault is known two ways, and either suffices: by name, from
the BYOK configuration's key identifier (the role assignment's scope names a vault) or, while
that identifier is not known (a first preview), from the vault of the key it comes from (the
engine's property dependencies of ``keyIdentifier``; the vault's name as registered,
``registered_inputs.py``); and by the graph, when the grant depends on a vault the configuration
depends on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from adobe_resources import (
    depends_on,
    is_byok_config,
    is_journey_analytics_principal,
    is_key,
    is_vault,
    key_location,
    vault_address,
)
from key_identifiers import parse_key_identifier
from property_values import get
from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

_ROLE_ASSIGNMENT = re.compile(r"^azure-native:authorization(/v[^:]+)?:RoleAssignment\Z")
_SCOPE_VAULT = re.compile(r"/providers/Microsoft\.KeyVault/(?:vaults|managedHSMs)/([^/]+)", re.I)


def _journey_analytics_vault_separate(args: StackValidationArgs, report: ReportViolation) -> None:
    configs = [r for r in args.resources if is_byok_config(r)]
    platform_names = {name for config in configs for name in _vaults_of_config(config)}
    platform_vaults = {v.urn for config in configs for v in _vaults_below(config)}
    for grant in args.resources:
        if not _ROLE_ASSIGNMENT.match(grant.resource_type):
            continue
        if not depends_on(grant, is_journey_analytics_principal):
            continue
        scope = get(grant.props, "scope")
        match = _SCOPE_VAULT.search(scope) if isinstance(scope, str) else None
        named = match[1].lower() if match else None
        shared = platform_vaults & {v.urn for v in _vaults_below(grant)}
        if (named is not None and named in platform_names) or shared:
            vault = named or ", ".join(sorted(urn.rsplit("::", 1)[-1] for urn in shared))
            report(
                f"role assignment {grant.name} grants Adobe's Journey Analytics application on "
                f"vault {vault}, which holds the Experience Platform configuration's key: "
                "Customer Journey Analytics needs a vault of its own (stack setting "
                "adobe-cmk:journeyAnalyticsVaultName, or journeyAnalyticsExistingKeyId in "
                "another vault).",
                grant.urn,
            )


def _vaults_of_config(config: PolicyResource) -> set[str]:
    """The names of the vault the configuration's key identifier names, as far as known: from
    the identifier, else from the keys it comes from and their vaults."""
    location = parse_key_identifier(get(config.props, "keyIdentifier"))
    if location is not None:
        return {location.vault.name}
    names = set()
    for key in config.property_dependencies.get("keyIdentifier", []):
        if not is_key(key.resource_type):
            continue
        vault, _ = key_location(key)
        candidates = [vault] if vault else [vault_address(v) for v in _vaults_below(key)]
        names |= {candidate.name for candidate in candidates if candidate}
    return names


def _vaults_below(resource: PolicyResource) -> Iterable[PolicyResource]:
    """Every vault ``resource`` depends on, directly or through other resources."""
    seen: set[str] = set()
    pending = list(resource.dependencies)
    while pending:
        dependency = pending.pop()
        if dependency.urn in seen:
            continue
        seen.add(dependency.urn)
        if is_vault(dependency.resource_type):
            yield dependency
        pending.extend(dependency.dependencies)


JOURNEY_ANALYTICS_POLICIES: list[StackValidationPolicy] = [
    StackValidationPolicy(
        name="journey-analytics-vault-separate",
        description=(
            "Adobe's Journey Analytics application is not granted on the Experience Platform "
            "key's vault."
        ),
        validate=_journey_analytics_vault_separate,
        severity=Severity.HIGH,
    ),
]
