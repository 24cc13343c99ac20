"""Stack policies on Adobe's access: its role assignment, and protection of what holds it.

Stack policies see every resource at the end of the run, with its outputs, options and
dependencies, which is what telling Adobe's role assignment from any other takes, and where the
stack's vaults and keys are (``grant_scopes.py``; a brought key's place from the stack's
settings, ``brought_keys.py``).

A scope not known yet (a first preview: the vault's id is an output of a vault not created yet)
is accepted when the assignment depends on a vault or key of the stack, and checked again, known,
on ``up``.
"""

from __future__ import annotations

from collections.abc import Sequence

import facts
from adobe_resources import (
    adobe_role_assignments,
    holding_adobe_access,
    is_key,
    is_vault,
    key_location,
    role_guid,
    vault_address,
)
from brought_keys import brought_places
from grant_scopes import KeyPlace, declared_places, scope_problem
from property_values import UNKNOWN, get
from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from registered_inputs import absent

SERVICE_PRINCIPAL = "ServicePrincipal"


def _adobe_role_assignment(args: StackValidationArgs, report: ReportViolation) -> None:
    assignments = adobe_role_assignments(args.resources)
    places = _key_places(args.resources) if assignments else []
    for assignment in assignments:
        if absent(assignment.props):
            continue  # left out of the run (--exclude) and never created: nothing is granted
        name = assignment.name
        role = get(assignment.props, "roleDefinitionId")
        if role is not UNKNOWN and role_guid(role) != facts.CRYPTO_SERVICE_ENCRYPTION_USER:
            report(
                f"role assignment {name} for Adobe's application grants {role or 'no role'}; it "
                "must grant Key Vault Crypto Service Encryption User "
                f"(/subscriptions/<subscription>/providers/Microsoft.Authorization/"
                f"roleDefinitions/{facts.CRYPTO_SERVICE_ENCRYPTION_USER}).",
                assignment.urn,
            )
        principal_type = get(assignment.props, "principalType")
        if principal_type is not UNKNOWN and principal_type != SERVICE_PRINCIPAL:
            report(
                f"role assignment {name} for Adobe's application has principalType "
                f"{principal_type or 'unset'}; set principal_type='{SERVICE_PRINCIPAL}'. Without "
                "it Azure looks the principal up in Entra ID first, and Adobe's service principal, "
                "created moments before, may not be replicated yet, so the assignment is refused "
                "as PrincipalNotFound.",
                assignment.urn,
            )
        problem = _scope_problem(assignment, places)
        if problem:
            report(f"role assignment {name} for Adobe's application {problem}", assignment.urn)


def _scope_problem(assignment: PolicyResource, places: Sequence[KeyPlace]) -> str | None:
    scope = get(assignment.props, "scope")
    if scope is UNKNOWN:
        if any(_holds_key(dependency) for dependency in assignment.dependencies):
            return None
        return (
            "has a scope not known yet that comes from no vault or key of this stack: grant "
            "Adobe's role on the stack's vault (vault.id) or key (key.id)."
        )
    problem = scope_problem(str(scope or ""), places)
    if problem is None:
        return None
    return (
        f"is at scope {scope or '/'}, {problem}: Adobe may hold its role on this stack's vault "
        "or key only (stack setting adobe-cmk:roleScope)."
    )


def _key_places(resources: Sequence[PolicyResource]) -> list[KeyPlace]:
    vaults = []
    for vault in (r for r in resources if is_vault(r.resource_type)):
        address = vault_address(vault)
        group = get(vault.props, "resourceGroupName")
        vaults.append(
            (
                address.name if address else None,
                group.lower() if isinstance(group, str) else None,
            )
        )
    keys = []
    for key in (r for r in resources if is_key(r.resource_type)):
        key_vault, key_name = key_location(key)
        keys.append((key_vault.name if key_vault else None, key_name))
    return declared_places(vaults, keys) + brought_places()


def _holds_key(resource: PolicyResource) -> bool:
    return is_vault(resource.resource_type) or is_key(resource.resource_type)


def _adobe_access_protected(args: StackValidationArgs, report: ReportViolation) -> None:
    for resource, role in holding_adobe_access(args.resources):
        if not resource.opts.protect:
            report(
                f"{role} {resource.name} is not protected: deleting or replacing it cuts Adobe off "
                "from the key, and Adobe may then purge the organisation's data. Register it "
                f"with protect=True (stack setting {facts.NAMESPACE}:protect true).",
                resource.urn,
            )


ADOBE_ACCESS_POLICIES: list[StackValidationPolicy] = [
    StackValidationPolicy(
        name="adobe-role-assignment",
        description=(
            "Adobe's application holds Key Vault Crypto Service Encryption User, assigned to a "
            f"{SERVICE_PRINCIPAL}, on this stack's vault or key only."
        ),
        validate=_adobe_role_assignment,
        severity=Severity.HIGH,
    ),
    StackValidationPolicy(
        name="adobe-access-protected",
        description="Resources holding Adobe's access to the key are protected.",
        validate=_adobe_access_protected,
        severity=Severity.CRITICAL,
    ),
]
