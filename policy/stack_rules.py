"""Stack policies on Adobe's access: its role assignment, and protection of what holds it.

Stack policies see every resource at the end of the run, with its outputs, options and
dependencies, which is what telling Adobe's role assignment from any other takes.
"""

from __future__ import annotations

import facts
from adobe_resources import adobe_role_assignments, holding_adobe_access, role_guid
from property_values import UNKNOWN, get
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

SERVICE_PRINCIPAL = "ServicePrincipal"


def _adobe_role_assignment(args: StackValidationArgs, report: ReportViolation) -> None:
    for assignment in adobe_role_assignments(args.resources):
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
            f"{SERVICE_PRINCIPAL}."
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
