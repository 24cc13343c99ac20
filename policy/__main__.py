"""adobe-cmk policy pack: Adobe's customer-managed-key rules, checked before anything is deployed.

Run by the CLI as ``pulumi preview --policy-pack policy`` (and ``up``), which the pipelines do.
Every policy is **mandatory** (a violation fails the preview or update); any one can be lowered
for a stack with ``--policy-pack-config`` (a JSON file such as
``{"adobe-access-protected": "advisory"}``), e.g. for a throwaway stack with
``adobe-cmk:protect false``.

Resource policies (each resource's inputs, as the program declares them):

- ``vault-soft-delete``: soft delete is not turned off; retention, when set, is 7-90 days.
- ``vault-purge-protection``: purge protection is on (ARM's default is off).
- ``vault-rbac-authorization``: the Azure RBAC permission model (the SDK's default is access
  policies), which Adobe's role assignment needs.
- ``vault-network-allows-adobe``: a vault whose firewall denies by default lets trusted Azure
  services bypass it and allows Adobe's address 20.88.123.53; public network access is not
  disabled (Adobe reaches the vault over its public endpoint).
- ``adobe-key-type``: ``RSA`` or ``RSA-HSM``.
- ``adobe-key-size``: at least 3072 bits (Key Vault's default, 2048, is refused by Adobe).
- ``adobe-key-operations``: exactly ``wrapKey`` and ``unwrapKey``; an unset list allows every
  operation and is refused too (least privilege).
- ``adobe-key-enabled``: the key is not disabled (a disabled key is a revocation).

Stack policies (all resources, with their options and dependencies, at the end of the run):

- ``adobe-role-assignment``: Adobe's role assignment uses Key Vault Crypto Service Encryption User
  (``e147488a-f6f5-4113-8e2d-b22465e65bf6``) with ``principalType`` ``ServicePrincipal``.
- ``byok-config-key-in-stack``: each ``adobe:ByokConfig`` sends a versioned key identifier that
  names a key of a vault declared in this stack. Bring-your-own-key stacks declare no vault: the
  identifier's shape is still checked, and the policy reports itself not applicable.
- ``adobe-access-protected``: every resource whose deletion or replacement would cut Adobe off
  (vault, key, the resource group holding a vault, Adobe's service principal and role
  assignment, the BYOK configuration) is registered with ``protect``.

Which resources count as Adobe's: every Key Vault vault and key in the stack (this program declares
no other); a service principal or role assignment when it depends, directly or through other
resources, on the ``adobe:AppRegistration`` (Adobe's application), and any role assignment of the
Crypto Service Encryption User role.

Values not known yet (a preview before the resources exist) are never reported: a check that needs
one is skipped for that value and runs again, with the value known, on ``up``. The BYOK
configuration's key identifier is such a value on a first preview; the policy then checks that
it comes from a key of the stack (the configuration depends on one).

Types are matched with any API version (``azure-native:keyvault/v20240401preview:Vault`` too).
The pack is one file on purpose: the CLI runs it from this folder, and it needs nothing of the
program's code.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyPack,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

# --- what the rules are about ------------------------------------------------------------------

#: Adobe's address, which a restricted vault network must allow (Adobe's CMK documentation).
ADOBE_ADDRESS = ipaddress.IPv4Address("20.88.123.53")
#: Key Vault Crypto Service Encryption User: read keys, wrap and unwrap.
CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
KEY_TYPES = ("RSA", "RSA-HSM")
MIN_KEY_SIZE = 3072
#: What Key Vault creates when ``keySize`` is not given for an RSA key.
DEFAULT_KEY_SIZE = 2048
KEY_OPERATIONS = frozenset({"wrapKey", "unwrapKey"})
SOFT_DELETE_DAYS = range(7, 91)

_VAULT = re.compile(r"^azure-native:keyvault(/v[^:]+)?:Vault$")
_KEY = re.compile(r"^azure-native:keyvault(/v[^:]+)?:Key$")
_RESOURCE_GROUP = re.compile(r"^azure-native:resources(/v[^:]+)?:ResourceGroup$")
_ROLE_ASSIGNMENT = re.compile(r"^azure-native:authorization(/v[^:]+)?:RoleAssignment$")
_SERVICE_PRINCIPAL = re.compile(r"^azuread:index/servicePrincipal:ServicePrincipal$")
APP_REGISTRATION = "pulumi-python:dynamic/adobe:AppRegistration"
BYOK_CONFIG = "pulumi-python:dynamic/adobe:ByokConfig"

_KEY_VAULT_HOSTS = (
    "vault.azure.net",
    "vault.azure.cn",
    "vault.usgovcloudapi.net",
    "vault.microsoftazure.de",
    "managedhsm.azure.net",
    "managedhsm.azure.cn",
    "managedhsm.usgovcloudapi.net",
)
_HOSTS = "|".join(re.escape(host) for host in _KEY_VAULT_HOSTS)
#: ``https://<vault>.vault.azure.net/keys/<name>[/<version>]`` (and the other clouds' suffixes).
_KEY_IDENTIFIER = re.compile(
    rf"^https://(?P<vault>[A-Za-z0-9-]{{3,24}})\.(?:{_HOSTS})(?::443)?"
    r"/keys/(?P<name>[A-Za-z0-9-]{1,127})(?:/(?P<version>[^/]*))?/?$",
    re.IGNORECASE,
)
_VERSION = re.compile(r"^[0-9a-fA-F]{32}$")
VERSIONED_EXAMPLE = "https://<vault>.vault.azure.net/keys/<name>/<32-hex-version>"


class _Unknown:
    """A value the engine does not know yet (a preview before the resource exists)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Any = _Unknown()


# --- resource policies: vaults -----------------------------------------------------------------


def _vault_soft_delete(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not _VAULT.match(args.resource_type):
        return
    enabled = _get(args.props, "properties", "enableSoftDelete")
    if enabled is False:
        report(
            f"vault {args.name}: properties.enableSoftDelete is false. Adobe requires soft delete "
            "so that a deleted vault or key can be recovered: set enable_soft_delete=True.",
            None,
        )
    days = _get(args.props, "properties", "softDeleteRetentionInDays")
    if _is_number(days) and int(days) not in SOFT_DELETE_DAYS:
        report(
            f"vault {args.name}: properties.softDeleteRetentionInDays is {_show(days)}; Key "
            "Vault keeps deleted vaults 7 to 90 days: use a value in that range (90 gives the "
            "longest time to recover).",
            None,
        )


def _vault_purge_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not _VAULT.match(args.resource_type):
        return
    enabled = _get(args.props, "properties", "enablePurgeProtection")
    if enabled is UNKNOWN or enabled is True:
        return
    state = "unset (ARM's default is off)" if enabled is None else f"{enabled}"
    report(
        f"vault {args.name}: properties.enablePurgeProtection is {state}. Adobe requires purge "
        "protection, so that nobody can purge a soft-deleted vault or key Adobe encrypts with: "
        "set enable_purge_protection=True (it cannot be turned off again, which is the point).",
        None,
    )


def _vault_rbac_authorization(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not _VAULT.match(args.resource_type):
        return
    enabled = _get(args.props, "properties", "enableRbacAuthorization")
    if enabled is UNKNOWN or enabled is True:
        return
    state = "unset (the default is access policies)" if enabled is None else f"{enabled}"
    report(
        f"vault {args.name}: properties.enableRbacAuthorization is {state}. Adobe's access is a "
        "role assignment (Key Vault Crypto Service Encryption User), which only the Azure RBAC "
        "permission model honours: set enable_rbac_authorization=True.",
        None,
    )


def _vault_network_allows_adobe(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not _VAULT.match(args.resource_type):
        return
    public = _get(args.props, "properties", "publicNetworkAccess")
    if isinstance(public, str) and public.lower() == "disabled":
        report(
            f"vault {args.name}: properties.publicNetworkAccess is Disabled, so Adobe's address "
            f"{ADOBE_ADDRESS} cannot reach the vault: set it to Enabled and restrict the network "
            "with network_acls (default_action Deny, Adobe's address in ip_rules).",
            None,
        )
    acls = _get(args.props, "properties", "networkAcls")
    if not isinstance(acls, Mapping):
        return  # unset or unknown: the network is open (or not known yet)
    action = _get(acls, "defaultAction")
    if not (isinstance(action, str) and action.lower() == "deny"):
        return  # open network: nothing to allow
    bypass = _get(acls, "bypass")
    trusted = isinstance(bypass, str) and bypass.lower() == "azureservices"
    if bypass is not UNKNOWN and not trusted:
        report(
            f"vault {args.name}: its firewall denies by default but networkAcls.bypass is "
            f"{bypass or 'unset'}: Adobe needs trusted Microsoft services to bypass it; set "
            "bypass='AzureServices'.",
            None,
        )
    rules = _known_items(_get(acls, "ipRules"))
    if rules is UNKNOWN:
        return
    values = [_get(rule, "value") if isinstance(rule, Mapping) else rule for rule in rules]
    if any(value is UNKNOWN for value in values):
        return
    if not any(_contains_adobe(value) for value in values):
        allowed = ", ".join(str(value) for value in values) or "none"
        report(
            f"vault {args.name}: its firewall denies by default and networkAcls.ipRules "
            f"({allowed}) do not allow Adobe's address {ADOBE_ADDRESS}: add {ADOBE_ADDRESS}/32 "
            "to ip_rules.",
            None,
        )


# --- resource policies: keys -------------------------------------------------------------------


def _adobe_key_type(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not _KEY.match(args.resource_type):
        return
    kty = _get(args.props, "properties", "kty")
    if kty is UNKNOWN or kty in KEY_TYPES:
        return
    report(
        f"key {args.name}: properties.kty is {kty or 'unset'}; Adobe accepts RSA or RSA-HSM keys "
        "only: set kty to RSA (or RSA-HSM in a premium vault).",
        None,
    )


def _adobe_key_size(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not _KEY.match(args.resource_type):
        return
    size = _get(args.props, "properties", "keySize")
    if size is UNKNOWN or (_is_number(size) and size >= MIN_KEY_SIZE):
        return
    state = f"unset (Key Vault then makes {DEFAULT_KEY_SIZE} bits)" if size is None else _show(size)
    report(
        f"key {args.name}: properties.keySize is {state}; Adobe refuses RSA keys under "
        f"{MIN_KEY_SIZE} bits: set key_size to 3072 or 4096.",
        None,
    )


def _adobe_key_operations(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not _KEY.match(args.resource_type):
        return
    operations = _known_items(_get(args.props, "properties", "keyOps"))
    if operations is UNKNOWN:
        return
    if operations is None:
        report(
            f"key {args.name}: properties.keyOps is unset, which allows every operation; Adobe "
            "needs wrapKey and unwrapKey only: set key_ops=['wrapKey', 'unwrapKey'].",
            None,
        )
        return
    given = {str(op) for op in operations}
    missing = sorted(KEY_OPERATIONS - given)
    extra = sorted(given - KEY_OPERATIONS)
    if missing:
        report(
            f"key {args.name}: properties.keyOps lacks {', '.join(missing)}; Adobe wraps and "
            "unwraps its data keys with this key: set key_ops=['wrapKey', 'unwrapKey'].",
            None,
        )
    if extra:
        report(
            f"key {args.name}: properties.keyOps also allows {', '.join(extra)}; a key for Adobe "
            "allows wrapKey and unwrapKey only (least privilege): remove the others.",
            None,
        )


def _adobe_key_enabled(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not _KEY.match(args.resource_type):
        return
    if _get(args.props, "properties", "attributes", "enabled") is False:
        report(
            f"key {args.name}: properties.attributes.enabled is false. A disabled key revokes "
            "Adobe's access, and Adobe may then purge the organisation's data: enable it (revoke "
            "deliberately, following the revocation runbook, not through a deployment).",
            None,
        )


# --- stack policies ----------------------------------------------------------------------------


def _adobe_role_assignment(args: StackValidationArgs, report: ReportViolation) -> None:
    for assignment in _adobe_role_assignments(args.resources):
        name = assignment.name
        role = _get(assignment.props, "roleDefinitionId")
        if role is not UNKNOWN and _role_guid(role) != CRYPTO_SERVICE_ENCRYPTION_USER:
            report(
                f"role assignment {name} for Adobe's application grants {role or 'no role'}; it "
                "must grant Key Vault Crypto Service Encryption User "
                f"(/subscriptions/<subscription>/providers/Microsoft.Authorization/"
                f"roleDefinitions/{CRYPTO_SERVICE_ENCRYPTION_USER}).",
                assignment.urn,
            )
        principal_type = _get(assignment.props, "principalType")
        if principal_type is not UNKNOWN and principal_type != "ServicePrincipal":
            report(
                f"role assignment {name} for Adobe's application has principalType "
                f"{principal_type or 'unset'}; set principal_type='ServicePrincipal' so that a "
                "service principal created a moment ago is not refused while Entra replicates it.",
                assignment.urn,
            )


def _byok_config_key_in_stack(args: StackValidationArgs, report: ReportViolation) -> None:
    configs = [r for r in args.resources if r.resource_type == BYOK_CONFIG]
    vaults = [r for r in args.resources if _VAULT.match(r.resource_type)]
    keys = [r for r in args.resources if _KEY.match(r.resource_type)]
    declared = {location for location in map(_key_location, keys) if None not in location}
    vault_names = {name for vault in vaults for name in _vault_names(vault)}
    # A vault whose name is not known yet (auto-named, first preview) could be the one named.
    unnamed_vault = any(not _vault_names(vault) for vault in vaults)
    violations = 0
    for config in configs:
        identifier = _get(config.props, "keyIdentifier")
        if identifier is UNKNOWN:
            # A first preview: the identifier is the output of a key not created yet.
            if vaults and not _depends_on(config, lambda r: bool(_KEY.match(r.resource_type))):
                violations += 1
                report(
                    f"BYOK configuration {config.name}: its keyIdentifier is not known yet and "
                    "comes from no key of this stack; pass the key's key_uri_with_version.",
                    config.urn,
                )
            continue
        match = _KEY_IDENTIFIER.match(identifier) if isinstance(identifier, str) else None
        if not match or not _VERSION.match(match["version"] or ""):
            violations += 1
            report(
                f"BYOK configuration {config.name}: keyIdentifier {identifier!r} is not a "
                f"versioned Key Vault key identifier ({VERSIONED_EXAMPLE}), which Adobe needs: "
                "pass the key's key_uri_with_version.",
                config.urn,
            )
            continue
        if not vaults:
            continue
        vault, key = match["vault"].lower(), match["name"].lower()
        if vault not in vault_names and not unnamed_vault:
            violations += 1
            report(
                f"BYOK configuration {config.name}: keyIdentifier names vault {vault}, which this "
                f"stack does not declare (its vaults: {', '.join(sorted(vault_names)) or 'unknown'}"
                "): Adobe would be sent a key this stack neither protects nor grants access to.",
                config.urn,
            )
        elif (
            vault in vault_names
            and (vault, key) not in declared
            and not _vault_has_unnamed_key(keys, vault)
        ):
            violations += 1
            report(
                f"BYOK configuration {config.name}: keyIdentifier names key {key} in vault "
                f"{vault}, which this stack does not declare.",
                config.urn,
            )
    if configs and not vaults and not violations:
        args.not_applicable(
            "bring-your-own-key: the stack declares no vault, so the BYOK configuration's key "
            "(a well-formed versioned identifier) is not one of its own"
        )


def _adobe_access_protected(args: StackValidationArgs, report: ReportViolation) -> None:
    for resource, role in _holding_adobe_access(args.resources):
        if not resource.opts.protect:
            report(
                f"{role} {resource.name} is not protected: deleting or replacing it cuts Adobe off "
                "from the key, and Adobe may then purge the organisation's data. Register it "
                "with protect=True (stack setting adobe-cmk:protect true).",
                resource.urn,
            )


# --- the pack ----------------------------------------------------------------------------------


def _resource_policy(
    name: str,
    description: str,
    validate: Callable[[ResourceValidationArgs, ReportViolation], None],
    severity: Severity,
) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, severity=severity
    )


POLICIES: list[Policy] = [
    _resource_policy(
        "vault-soft-delete",
        "Key Vaults keep deleted vaults and keys recoverable (soft delete, 7-90 days).",
        _vault_soft_delete,
        Severity.HIGH,
    ),
    _resource_policy(
        "vault-purge-protection",
        "Key Vaults have purge protection on.",
        _vault_purge_protection,
        Severity.CRITICAL,
    ),
    _resource_policy(
        "vault-rbac-authorization",
        "Key Vaults use the Azure RBAC permission model.",
        _vault_rbac_authorization,
        Severity.HIGH,
    ),
    _resource_policy(
        "vault-network-allows-adobe",
        "A restricted Key Vault network allows Adobe's address and trusted Azure services.",
        _vault_network_allows_adobe,
        Severity.HIGH,
    ),
    _resource_policy(
        "adobe-key-type",
        "Keys for Adobe are RSA or RSA-HSM.",
        _adobe_key_type,
        Severity.HIGH,
    ),
    _resource_policy(
        "adobe-key-size",
        f"Keys for Adobe have at least {MIN_KEY_SIZE} bits.",
        _adobe_key_size,
        Severity.HIGH,
    ),
    _resource_policy(
        "adobe-key-operations",
        "Keys for Adobe allow exactly wrapKey and unwrapKey.",
        _adobe_key_operations,
        Severity.MEDIUM,
    ),
    _resource_policy(
        "adobe-key-enabled",
        "Keys for Adobe are enabled.",
        _adobe_key_enabled,
        Severity.CRITICAL,
    ),
    StackValidationPolicy(
        name="adobe-role-assignment",
        description=(
            "Adobe's application holds Key Vault Crypto Service Encryption User, assigned to a "
            "ServicePrincipal."
        ),
        validate=_adobe_role_assignment,
        severity=Severity.HIGH,
    ),
    StackValidationPolicy(
        name="byok-config-key-in-stack",
        description="The BYOK configuration sends Adobe a versioned key of a vault of this stack.",
        validate=_byok_config_key_in_stack,
        severity=Severity.HIGH,
    ),
    StackValidationPolicy(
        name="adobe-access-protected",
        description="Resources holding Adobe's access to the key are protected.",
        validate=_adobe_access_protected,
        severity=Severity.CRITICAL,
    ),
]


# --- helpers: which resources are Adobe's -----------------------------------------------------


def _adobe_role_assignments(resources: Iterable[PolicyResource]) -> list[PolicyResource]:
    """Role assignments for Adobe's application: those that depend on the app registration (its
    principal is Adobe's app), and any of the crypto role, whatever principal it names."""
    found = []
    for resource in resources:
        if not _ROLE_ASSIGNMENT.match(resource.resource_type):
            continue
        role = _get(resource.props, "roleDefinitionId")
        if _depends_on(resource, _is_app_registration) or (
            isinstance(role, str) and _role_guid(role) == CRYPTO_SERVICE_ENCRYPTION_USER
        ):
            found.append(resource)
    return found


def _holding_adobe_access(
    resources: Sequence[PolicyResource],
) -> list[tuple[PolicyResource, str]]:
    """Every resource whose loss cuts Adobe off, with what it is (for messages)."""
    vaults = [r for r in resources if _VAULT.match(r.resource_type)]
    groups = {dep.urn for vault in vaults for dep in vault.dependencies}
    holding: list[tuple[PolicyResource, str]] = []
    for resource in resources:
        kind = resource.resource_type
        if _VAULT.match(kind):
            holding.append((resource, "vault"))
        elif _KEY.match(kind):
            holding.append((resource, "key"))
        elif _RESOURCE_GROUP.match(kind) and resource.urn in groups:
            holding.append((resource, "resource group (holding a vault)"))
        elif _SERVICE_PRINCIPAL.match(kind) and _depends_on(resource, _is_app_registration):
            holding.append((resource, "Adobe's service principal"))
        elif kind == BYOK_CONFIG:
            holding.append((resource, "BYOK configuration"))
    holding.extend(
        (assignment, "Adobe's role assignment") for assignment in _adobe_role_assignments(resources)
    )
    return holding


def _is_app_registration(resource: PolicyResource) -> bool:
    return resource.resource_type == APP_REGISTRATION


def _depends_on(resource: PolicyResource, wanted: Callable[[PolicyResource], bool]) -> bool:
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


def _vault_names(vault: PolicyResource) -> set[str]:
    """The vault's name (lower case) as far as known: ``name``, ``vaultName``, ``vaultUri``."""
    names = set()
    for candidate in (_get(vault.props, "name"), _get(vault.props, "vaultName")):
        if isinstance(candidate, str) and candidate:
            names.add(candidate.lower())
    uri = _get(vault.props, "properties", "vaultUri")
    if isinstance(uri, str) and (match := re.match(r"^https://([A-Za-z0-9-]+)\.", uri)):
        names.add(match[1].lower())
    return names


def _key_location(key: PolicyResource) -> tuple[str | None, str | None]:
    """(vault, key name) in lower case, from ``keyUri``/``keyUriWithVersion`` or the inputs."""
    for field in ("keyUriWithVersion", "keyUri"):
        uri = _get(key.props, field)
        if isinstance(uri, str) and (match := _KEY_IDENTIFIER.match(uri)):
            return match["vault"].lower(), match["name"].lower()
    vault = _get(key.props, "vaultName")
    name = _get(key.props, "keyName")
    if not (isinstance(name, str) and name):
        name = _get(key.props, "name")
    if isinstance(vault, str) and isinstance(name, str) and vault and name:
        return vault.lower(), name.lower()
    return None, None


def _vault_has_unnamed_key(keys: Iterable[PolicyResource], vault: str) -> bool:
    """A key of the stack whose vault or name is not known yet could be the one named."""
    for key in keys:
        key_vault, name = _key_location(key)
        if name is None and key_vault in (None, vault):
            return True
    return False


# --- helpers: values ---------------------------------------------------------------------------


def _get(props: Any, *path: str) -> Any:
    """The value at ``path``: ``None`` when absent, :data:`UNKNOWN` when it (or what holds it) is
    not known yet. Reading an unknown value through the SDK's proxy raises; this never does."""
    value = props
    try:
        for step in path:
            if not isinstance(value, Mapping) or step not in value:
                return None
            value = value[step]
    except UnknownValueError:
        return UNKNOWN
    return value


def _known_items(value: Any) -> Any:
    """The items of a list as a plain list; ``None`` when unset, :data:`UNKNOWN` when the list or
    any item is unknown."""
    if value is None or value is UNKNOWN:
        return value
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    try:
        return [value[index] for index in range(len(value))]
    except UnknownValueError:
        return UNKNOWN


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _show(value: Any) -> str:
    """A value for a message: numbers without a spurious ``.0`` (the wire has only floats)."""
    return f"{value:g}" if _is_number(value) else str(value)


def _contains_adobe(rule: Any) -> bool:
    """Whether an IP rule (address or CIDR range) lets Adobe's address through."""
    try:
        return ADOBE_ADDRESS in ipaddress.IPv4Network(str(rule).strip(), strict=False)
    except ValueError:
        return False


def _role_guid(role_definition_id: Any) -> str:
    """The GUID at the end of a role definition id (or the id itself), in lower case."""
    return str(role_definition_id or "").rstrip("/").rsplit("/", 1)[-1].lower()


if __name__ == "__main__":
    PolicyPack(
        name="adobe-cmk",
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=POLICIES,
        description=(
            "Adobe Experience Platform customer-managed-key rules for Azure Key Vault, the key, "
            "Adobe's access and the BYOK configuration."
        ),
    )
