"""The Managed HSM tier: a key in an existing, activated HSM, and Adobe's local HSM role on it.

- :class:`CmkManagedHsm`: at preview, the HSM named by ``managedHsmId`` is looked up
  (``keyvault.get_managed_hsm``, in the HSM's subscription) and refused, in one line naming the
  setting, when the deploying identity cannot read it, when it is not active, lacks purge
  protection, or its network would keep Adobe out (public access disabled, or a deny-by-default
  firewall without the trusted-services bypass and Adobe's address). With only
  ``managedHsmUri`` nothing can be read in ARM and the checks are skipped (a warning says so).
  Then the key, :class:`~providers.hsm_key.ManagedHsmKey` (RSA-HSM, wrapKey + unwrapKey),
  protected and retained on delete, as the vault's key is protected.
- :class:`HsmKeyAccess`: Adobe's service principal as :class:`~components.adobe_access.
  AdobeKeyAccess` makes it, and the local role Managed HSM Crypto Service Encryption User on the
  key's scope ``/keys/<name>`` (:class:`~providers.hsm_role_assignment.ManagedHsmRoleAssignment`),
  named deterministically and seeded with this stack (Pulumi organisation, project and stack,
  and ``org_id`` when given: :func:`~providers.hsm.grants.stack_grant_name`), so that two stacks
  on one HSM never share an assignment and one's destroy never removes the other's grant. The
  role is on the key, never the whole HSM: an HSM is shared by many workloads, and ``/`` or
  ``/keys`` would give Adobe all their keys. Protected like the vault's.

The HSM's address is normalised here (:func:`~providers.hsm.models.normal_hsm_uri`), whether it
came from the settings or from ARM's lookup.

The program never creates or activates an HSM (docs/runbooks.md, "Managed HSM").
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import keyvault

from cmk_facts import ADOBE_ADDRESS, HSM_CRYPTO_SERVICE_ENCRYPTION_USER
from components.adobe_access import GRANTING_MODES, look_up_service_principal
from components.key_vault import KeyReference
from components.settings import ManagedHsm
from components.subscriptions import lookup_failure
from providers.hsm.grants import stack_grant_name
from providers.hsm.models import normal_hsm_uri
from providers.hsm_key import ManagedHsmKey, ManagedHsmKeyArgs
from providers.hsm_role_assignment import ManagedHsmRoleAssignment, ManagedHsmRoleAssignmentArgs

#: The only activation status in which the HSM's data plane answers.
ACTIVE = "Active"
SETTING = "adobe-cmk:managedHsmId"


@dataclass
class CmkManagedHsmArgs:
    """Inputs of :class:`CmkManagedHsm`."""

    hsm: ManagedHsm
    """The HSM from the settings."""
    key_name: str
    key_size: int
    tags: dict[str, str]
    protect: bool
    arm_provider: pulumi.ProviderResource | None = None
    """The azure-native provider of the HSM's subscription; ``None``: the default one (the
    deploying subscription)."""


class CmkManagedHsm(pulumi.ComponentResource):
    """The key in the HSM (type ``adobe-cmk:index:CmkManagedHsm``); child ``<name>-hsm-key``."""

    hsm_uri: pulumi.Output[str]
    """``https://<hsm>.managedhsm.azure.net``, no trailing slash."""
    key: ManagedHsmKey
    reference: KeyReference

    def __init__(
        self, name: str, args: CmkManagedHsmArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("adobe-cmk:index:CmkManagedHsm", name, None, opts)
        hsm = args.hsm
        uri = hsm.uri
        if hsm.arm_id is not None:
            assert hsm.resource_group_name is not None
            assert hsm.subscription_id is not None
            try:
                found = keyvault.get_managed_hsm(
                    name=hsm.name,
                    resource_group_name=hsm.resource_group_name,
                    opts=pulumi.InvokeOptions(parent=self, provider=args.arm_provider),
                )
            except Exception as exc:
                raise pulumi.RunError(
                    lookup_failure(SETTING, f"HSM {hsm.name}", hsm.subscription_id, exc)
                ) from None
            problem = hsm_problem(found.properties)
            if problem:
                raise pulumi.RunError(f"adobe-cmk:managedHsmId {problem}")
            uri = uri or str(found.properties.hsm_uri or "")
        else:
            pulumi.log.warn(
                "adobe-cmk:managedHsmUri without managedHsmId: the HSM's activation, purge "
                "protection and network are not checked at preview (no ARM read)",
                resource=self,
            )
        uri = normal_hsm_uri(uri or "")
        if not uri:
            raise pulumi.RunError("adobe-cmk:managedHsmId names an HSM without an hsmUri")
        self.hsm_uri = pulumi.Output.from_input(uri)
        self.key = ManagedHsmKey(
            f"{name}-hsm-key",
            ManagedHsmKeyArgs(
                hsm_uri=uri,
                key_name=args.key_name,
                key_size=args.key_size,
                tags=dict(args.tags),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=True),
        )
        where = hsm.arm_id or uri
        self.reference = KeyReference(
            vault_id=where,
            vault_uri=f"{uri}/",
            key_resource_id=f"{where}/keys/{args.key_name}",
            key_id=self.key.key_id,
            key_id_versionless=self.key.key_id_versionless,
        )
        self.register_outputs({"hsmUri": uri, "keyId": self.key.key_id})


@dataclass
class HsmKeyAccessArgs:
    """Inputs of :class:`HsmKeyAccess`."""

    application_id: pulumi.Input[str]
    """Client id of Adobe's CMK application (from the app registration)."""
    mode: str
    """``create`` the service principal, or use the ``existing`` one."""
    hsm_uri: pulumi.Input[str]
    key_name: str
    consent_url: pulumi.Input[str]
    """Quoted when the ``existing`` principal is missing."""
    protect: bool
    org_id: str = ""
    """The Adobe organisation: part of what names this stack's assignment (with the Pulumi
    organisation, project and stack)."""


class HsmKeyAccess(pulumi.ComponentResource):
    """Adobe's service principal and its local HSM role (type ``adobe-cmk:index:HsmKeyAccess``).

    Children: ``<name>-sp`` (``create`` mode only) and ``<name>-hsm-crypto-user``.
    """

    service_principal: azuread.ServicePrincipal | None
    service_principal_object_id: pulumi.Output[str]
    role_assignment: ManagedHsmRoleAssignment

    def __init__(
        self, name: str, args: HsmKeyAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if args.mode not in GRANTING_MODES:
            raise ValueError(f"service principal mode {args.mode!r} is not create or existing")
        super().__init__("adobe-cmk:index:HsmKeyAccess", name, None, opts)
        self.service_principal = None
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
            self.service_principal_object_id = pulumi.Output.all(
                args.application_id, args.consent_url
            ).apply(lambda values: look_up_service_principal(values[0], values[1], self))
        scope = f"/keys/{args.key_name}"
        role = HSM_CRYPTO_SERVICE_ENCRYPTION_USER
        owner = stack_owner(args.org_id)
        self.role_assignment = ManagedHsmRoleAssignment(
            f"{name}-hsm-crypto-user",
            ManagedHsmRoleAssignmentArgs(
                hsm_uri=args.hsm_uri,
                scope=scope,
                principal_id=self.service_principal_object_id,
                role_definition_id=role,
                assignment_name=pulumi.Output.all(
                    args.hsm_uri, self.service_principal_object_id
                ).apply(lambda v: stack_grant_name(owner, v[0], scope, v[1], role)),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.register_outputs(
            {
                "servicePrincipalObjectId": self.service_principal_object_id,
                "roleAssignmentId": self.role_assignment.id,
            }
        )


def stack_owner(org_id: str) -> tuple[str, ...]:
    """What makes this stack unique among those that may share an HSM: the Pulumi organisation
    (``""`` when the engine gives none), project and stack, and the Adobe org id."""
    return (pulumi.get_organization() or "", pulumi.get_project(), pulumi.get_stack(), org_id)


def hsm_problem(properties: Any) -> str:
    """What keeps this HSM from serving Adobe (``""`` when nothing), to follow the setting's key:
    "names an HSM that …"."""
    domain = getattr(properties, "security_domain_properties", None)
    status = getattr(domain, "activation_status", None)
    if status != ACTIVE:
        return (
            "names an HSM that is not activated (activation status "
            f"{status or 'unknown'}): its administrators must activate it (security domain "
            "download) first; this program never does"
        )
    if getattr(properties, "enable_purge_protection", None) is not True:
        return (
            "names an HSM that lacks purge protection, which Adobe requires so that nobody can "
            "purge the key: enable it on the HSM (it cannot be turned off again)"
        )
    public = str(getattr(properties, "public_network_access", "") or "")
    if public.lower() == "disabled":
        return (
            f"names an HSM that has public network access disabled, so Adobe ({ADOBE_ADDRESS}) "
            "cannot reach it: enable public access with a firewall that allows Adobe"
        )
    acls = getattr(properties, "network_acls", None)
    if str(getattr(acls, "default_action", "") or "").lower() == "deny":
        bypass = str(getattr(acls, "bypass", "") or "")
        rules = [
            str(getattr(rule, "value", "") or "") for rule in getattr(acls, "ip_rules", None) or []
        ]
        if bypass.lower() != "azureservices" or not admits_adobe(rules):
            return (
                "names an HSM that denies by default without both the trusted-services bypass "
                f"(AzureServices) and Adobe's address {ADOBE_ADDRESS} in its IP rules, which "
                "would keep Adobe out: add them to the HSM's network rules"
            )
    return ""


def admits_adobe(rules: list[str]) -> bool:
    """Whether any IP rule (address or CIDR) covers Adobe's address."""
    adobe = ipaddress.IPv4Address(ADOBE_ADDRESS)
    for rule in rules:
        try:
            if adobe in ipaddress.IPv4Network(rule.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False
