"""AdobeKeyAccess: Adobe's application gets a service principal and a key role in the tenant.

- Service principal for the app's ``applicationId`` (docs/prerequisites.md): ``create`` makes it
  with ``use_existing`` (so one made earlier by a person opening the consent URL is adopted, not
  duplicated); ``existing`` looks it up and, when it is absent, fails with the tenant-specific
  consent URL and what to do.
- Role assignment: Key Vault Crypto Service Encryption User on the vault (or the key), in the
  vault's subscription, with ``principal_type`` ServicePrincipal so that a principal created a
  moment ago is not refused while Entra replicates it (docs/lifecycle.md). Its name is a UUID
  derived from scope, principal and role, so a re-run (or a second stack) can never add a duplicate.

Removing either cuts Adobe off from the key (docs/runbooks.md), hence ``protect``; the service
principal is also retained on delete, since a person may have consented to it outside this program.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import authorization

from cmk_facts import ASSIGNMENT_NAMESPACE, CRYPTO_SERVICE_ENCRYPTION_USER, SERVICE_PRINCIPAL_MODES
from components.masked import masked_reason

#: The modes in which the program grants Adobe's access ("none" leaves it to a person).
GRANTING_MODES = tuple(mode for mode in SERVICE_PRINCIPAL_MODES if mode != "none")


def role_definition_id(subscription_id: str) -> str:
    """``/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<role guid>``."""
    return (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{CRYPTO_SERVICE_ENCRYPTION_USER}"
    )


def role_assignment_name(scope: str, principal_id: str, role_definition: str) -> str:
    """The same UUID for the same scope, principal and role, whatever the letter case."""
    seed = "|".join(part.lower() for part in (scope, principal_id, role_definition))
    return str(uuid.uuid5(uuid.UUID(ASSIGNMENT_NAMESPACE), seed))


@dataclass
class AdobeKeyAccessArgs:
    """Inputs of :class:`AdobeKeyAccess`."""

    application_id: pulumi.Input[str]
    """Client id of Adobe's CMK multi-tenant application (from the app registration)."""
    mode: str
    """``create`` the service principal, or use the ``existing`` one."""
    scope: pulumi.Input[str]
    """ARM id of the vault, or of the key, that the role is granted on."""
    subscription_id: pulumi.Input[str]
    """Subscription of the vault: where the role definition is referenced."""
    consent_url: pulumi.Input[str]
    """Tenant-specific consent URL, quoted when the ``existing`` principal is missing."""
    protect: bool
    """Protect the service principal and the role assignment."""
    description: str = "Adobe Experience Platform customer-managed key (adobe-cmk)"
    """The role assignment's description: whose key access it is."""


class AdobeKeyAccess(pulumi.ComponentResource):
    """Adobe's service principal and its key role (type ``adobe-cmk:index:AdobeKeyAccess``).

    Children: ``<name>-sp`` (``create`` mode only) and ``<name>-crypto-user``.
    """

    service_principal: azuread.ServicePrincipal | None
    service_principal_object_id: pulumi.Output[str]
    role_assignment: authorization.RoleAssignment

    def __init__(
        self, name: str, args: AdobeKeyAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if args.mode not in GRANTING_MODES:
            raise ValueError(f"service principal mode {args.mode!r} is not create or existing")
        super().__init__("adobe-cmk:index:AdobeKeyAccess", name, None, opts)

        if args.mode == "create":
            self.service_principal = azuread.ServicePrincipal(
                f"{name}-sp",
                client_id=args.application_id,
                use_existing=True,
                opts=pulumi.ResourceOptions(
                    parent=self, protect=args.protect, retain_on_delete=True
                ),
            )
            self.service_principal_object_id = self.service_principal.object_id
        else:
            self.service_principal = None
            self.service_principal_object_id = pulumi.Output.all(
                args.application_id, args.consent_url
            ).apply(lambda values: look_up_service_principal(values[0], values[1], self))

        role = pulumi.Output.from_input(args.subscription_id).apply(role_definition_id)
        self.role_assignment = authorization.RoleAssignment(
            f"{name}-crypto-user",
            principal_id=self.service_principal_object_id,
            principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
            role_definition_id=role,
            scope=args.scope,
            role_assignment_name=pulumi.Output.all(
                args.scope, self.service_principal_object_id, role
            ).apply(lambda values: role_assignment_name(values[0], values[1], values[2])),
            description=args.description,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.register_outputs(
            {
                "servicePrincipalObjectId": self.service_principal_object_id,
                "roleAssignmentId": self.role_assignment.id,
            }
        )


def look_up_service_principal(
    application_id: str, consent_url: str, parent: pulumi.Resource
) -> str:
    """Object id of the application's service principal; a one-line error when absent.

    Runs only once the application id is known (not in a preview that creates the app
    registration). The lookup fails for "not found" and for "not allowed" alike, so the
    message quotes Azure's reason as well as the fix for the common case.
    """
    try:
        found = azuread.get_service_principal(
            client_id=application_id, opts=pulumi.InvokeOptions(parent=parent)
        )
    except Exception as exc:
        reason = masked_reason(exc)
        raise pulumi.RunError(
            f"adobe-cmk:servicePrincipal is 'existing' but Adobe's application "
            f"{application_id} has no service principal this identity can read ({reason}): "
            f"an Entra administrator must open {consent_url} and select Accept, then run "
            "`pulumi up` again (or set adobe-cmk:servicePrincipal create)"
        ) from None
    return str(found.object_id)
