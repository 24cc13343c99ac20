"""Which resources of a stack are Adobe's, and where its vaults and keys are.

Types are matched with any API version (``azure-native:keyvault/v20240401preview:Vault`` too).
Every Key Vault vault and key in the stack counts as Adobe's (the program declares no other); a
service principal counts when it depends, directly or through other resources, on the
``adobe:AppRegistration`` (Adobe's Platform application) or is the one of Adobe's Journey
Analytics application (its ``clientId``, a fixed id: docs/journey-analytics.md); a role
assignment counts when it depends on either, and so does any role assignment of the Crypto
Service Encryption User role, whatever principal it names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import facts
from key_identifiers import KeyLocation, VaultAddress, parse_key_identifier, vault_from_uri
from property_values import get
from pulumi_policy import PolicyResource
from registered_inputs import inputs_of

_VAULT = re.compile(r"^azure-native:keyvault(/v[^:]+)?:Vault\Z")
_KEY = re.compile(r"^azure-native:keyvault(/v[^:]+)?:Key\Z")
_RESOURCE_GROUP = re.compile(r"^azure-native:resources(/v[^:]+)?:ResourceGroup\Z")
_ROLE_ASSIGNMENT = re.compile(r"^azure-native:authorization(/v[^:]+)?:RoleAssignment\Z")
_SERVICE_PRINCIPAL = re.compile(r"^azuread:index/servicePrincipal:ServicePrincipal\Z")
APP_REGISTRATION = "pulumi-python:dynamic/adobe:AppRegistration"
BYOK_CONFIG = "pulumi-python:dynamic/adobe:ByokConfig"
HSM_KEY = "pulumi-python:dynamic/hsm:ManagedHsmKey"
HSM_ROLE_ASSIGNMENT = "pulumi-python:dynamic/hsm:ManagedHsmRoleAssignment"


def is_vault(resource_type: str) -> bool:
    """An Azure Key Vault vault, any API version."""
    return bool(_VAULT.match(resource_type))


def is_key(resource_type: str) -> bool:
    """An Azure Key Vault key, any API version."""
    return bool(_KEY.match(resource_type))


def is_hsm_key(resource_type: str) -> bool:
    """A key in a Managed HSM (the program's dynamic resource)."""
    return resource_type == HSM_KEY


def is_stack_key(resource_type: str) -> bool:
    """A key of the stack: in a vault or in a Managed HSM."""
    return is_key(resource_type) or is_hsm_key(resource_type)


def is_byok_config(resource: PolicyResource) -> bool:
    """Adobe's BYOK configuration (the program's dynamic resource)."""
    return resource.resource_type == BYOK_CONFIG


def is_app_registration(resource: PolicyResource) -> bool:
    """Adobe's application, looked up (or registered) through the Platform API."""
    return resource.resource_type == APP_REGISTRATION


def is_journey_analytics_principal(resource: PolicyResource) -> bool:
    """The service principal of Adobe's Journey Analytics application."""
    client_id = get(resource.props, "clientId")
    return (
        bool(_SERVICE_PRINCIPAL.match(resource.resource_type))
        and isinstance(client_id, str)
        and client_id.lower() == facts.JOURNEY_ANALYTICS_APPLICATION_ID
    )


def is_adobe_principal(resource: PolicyResource) -> bool:
    """A service principal of one of Adobe's applications (Platform or Journey Analytics)."""
    if not _SERVICE_PRINCIPAL.match(resource.resource_type):
        return False
    return is_journey_analytics_principal(resource) or depends_on(resource, is_app_registration)


def role_guid(role_definition_id: object) -> str:
    """The GUID at the end of a role definition id (or the id itself), in lower case."""
    return str(role_definition_id or "").rstrip("/").rsplit("/", 1)[-1].lower()


def adobe_role_assignments(resources: Iterable[PolicyResource]) -> list[PolicyResource]:
    """Role assignments for Adobe's applications: those that depend on the app registration or
    on the Journey Analytics application's service principal (their principal is Adobe's), and
    any of the crypto role, whatever principal it names."""
    found = []
    for resource in resources:
        if not _ROLE_ASSIGNMENT.match(resource.resource_type):
            continue
        role = get(resource.props, "roleDefinitionId")
        if depends_on(resource, _is_adobe_grantee) or (
            isinstance(role, str) and role_guid(role) == facts.CRYPTO_SERVICE_ENCRYPTION_USER
        ):
            found.append(resource)
    return found


def holding_adobe_access(resources: Sequence[PolicyResource]) -> list[tuple[PolicyResource, str]]:
    """Every resource whose loss cuts Adobe off, with what it is (for messages)."""
    vaults = [r for r in resources if is_vault(r.resource_type)]
    groups = {dep.urn for vault in vaults for dep in vault.dependencies}
    holding: list[tuple[PolicyResource, str]] = []
    for resource in resources:
        kind = resource.resource_type
        if is_vault(kind):
            holding.append((resource, "vault"))
        elif is_key(kind):
            holding.append((resource, "key"))
        elif _RESOURCE_GROUP.match(kind) and resource.urn in groups:
            holding.append((resource, "resource group (holding a vault)"))
        elif is_adobe_principal(resource):
            holding.append((resource, "Adobe's service principal"))
        elif is_byok_config(resource):
            holding.append((resource, "BYOK configuration"))
    holding.extend(
        (assignment, "Adobe's role assignment") for assignment in adobe_role_assignments(resources)
    )
    return holding


def _is_adobe_grantee(resource: PolicyResource) -> bool:
    return is_app_registration(resource) or is_journey_analytics_principal(resource)


def depends_on(resource: PolicyResource, wanted: Callable[[PolicyResource], bool]) -> bool:
    """Whether ``resource`` depends on a ``wanted`` one, directly or through others."""
    seen: set[str] = set()
    pending = list(resource.dependencies)
    while pending:
        dependency = pending.pop()
        if dependency.urn in seen:
            continue
        seen.add(dependency.urn)
        if wanted(dependency):
            return True
        pending.extend(dependency.dependencies)
    return False


def vault_address(vault: PolicyResource) -> VaultAddress | None:
    """The vault's name and host as far as known: the host from ``properties.vaultUri`` (an
    output), the name from it, from ``name``/``vaultName``, or from the ``vaultName`` it was
    registered with in this run (a first preview, before any output is known:
    ``registered_inputs.py``); ``None`` while no name is known."""
    from_uri = vault_from_uri(get(vault.props, "properties", "vaultUri"))
    if from_uri is not None:
        return from_uri
    inputs = inputs_of(vault.urn)
    for candidate in (
        get(vault.props, "vaultName"),
        get(vault.props, "name"),
        get(inputs, "vaultName"),
    ):
        if isinstance(candidate, str) and candidate:
            return VaultAddress(candidate.lower(), None)
    return None


def key_location(key: PolicyResource) -> tuple[VaultAddress | None, str | None]:
    """(vault, key name in lower case) as far as known: from ``keyUriWithVersion``/``keyUri``
    (outputs: the vault's host known), else from ``vaultName`` and ``keyName`` (``name``), its
    properties' or else the inputs it was registered with in this run. For an HSM key the
    "vault" is the HSM: from ``keyId``/``keyIdVersionless``, else ``hsmUri``."""
    hsm = is_hsm_key(key.resource_type)
    fields = ("keyId", "keyIdVersionless") if hsm else ("keyUriWithVersion", "keyUri")
    for field in fields:
        parsed: KeyLocation | None = parse_key_identifier(get(key.props, field))
        if parsed is not None:
            return parsed.vault, parsed.name
    sources = (key.props, inputs_of(key.urn))
    name = _first_name(sources, ("keyName",) if hsm else ("keyName", "name"))
    if hsm:
        return next(filter(None, (vault_from_uri(get(s, "hsmUri")) for s in sources)), None), name
    vault = _first_name(sources, ("vaultName",))
    return (VaultAddress(vault, None) if vault else None), name


def _first_name(sources: Iterable[object], fields: Sequence[str]) -> str | None:
    """The first known, non-empty string among ``fields`` of ``sources``, in lower case."""
    for source in sources:
        for field in fields:
            value = get(source, field)
            if isinstance(value, str) and value:
                return value.lower()
    return None
