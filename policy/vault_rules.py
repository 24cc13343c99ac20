"""Resource policies for Key Vault vaults: each vault's inputs, as the program declares them."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import facts
from adobe_resources import is_vault
from property_values import UNKNOWN, get, is_number, known_items, show
from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

ADOBE_ADDRESS = ipaddress.IPv4Address(facts.ADOBE_ADDRESS)
SOFT_DELETE_DAYS = range(facts.MIN_SOFT_DELETE_RETENTION_DAYS, facts.SOFT_DELETE_RETENTION_DAYS + 1)


def _vault_soft_delete(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_vault(args.resource_type):
        return
    enabled = get(args.props, "properties", "enableSoftDelete")
    if enabled is False:
        report(
            f"vault {args.name}: properties.enableSoftDelete is false. Adobe requires soft delete "
            "so that a deleted vault or key can be recovered: set enable_soft_delete=True.",
            None,
        )
    days = get(args.props, "properties", "softDeleteRetentionInDays")
    if is_number(days) and int(days) not in SOFT_DELETE_DAYS:
        report(
            f"vault {args.name}: properties.softDeleteRetentionInDays is {show(days)}; Key "
            f"Vault keeps deleted vaults {SOFT_DELETE_DAYS.start} to {SOFT_DELETE_DAYS[-1]} "
            f"days: use a value in that range ({SOFT_DELETE_DAYS[-1]} gives the longest time to "
            "recover).",
            None,
        )


def _vault_purge_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_vault(args.resource_type):
        return
    enabled = get(args.props, "properties", "enablePurgeProtection")
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
    if not is_vault(args.resource_type):
        return
    enabled = get(args.props, "properties", "enableRbacAuthorization")
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
    if not is_vault(args.resource_type):
        return
    public = get(args.props, "properties", "publicNetworkAccess")
    if isinstance(public, str) and public.lower() == "disabled":
        report(
            f"vault {args.name}: properties.publicNetworkAccess is Disabled, so Adobe's address "
            f"{ADOBE_ADDRESS} cannot reach the vault: set it to Enabled and restrict the network "
            "with network_acls (default_action Deny, Adobe's address in ip_rules).",
            None,
        )
    acls = get(args.props, "properties", "networkAcls")
    if not isinstance(acls, Mapping):
        return  # unset or unknown: the network is open (or not known yet)
    action = get(acls, "defaultAction")
    if not (isinstance(action, str) and action.lower() == "deny"):
        return  # open network: nothing to allow
    bypass = get(acls, "bypass")
    trusted = isinstance(bypass, str) and bypass.lower() == "azureservices"
    if bypass is not UNKNOWN and not trusted:
        report(
            f"vault {args.name}: its firewall denies by default but networkAcls.bypass is "
            f"{bypass or 'unset'}: Adobe needs trusted Microsoft services to bypass it; set "
            "bypass='AzureServices'.",
            None,
        )
    rules = known_items(get(acls, "ipRules"))
    if rules is UNKNOWN:
        return
    values = [get(rule, "value") if isinstance(rule, Mapping) else rule for rule in rules or ()]
    if any(value is UNKNOWN for value in values):
        return
    if not any(_contains_adobe(value) for value in values):
        allowed = ", ".join(str(value) for value in values) or "none"
        report(
            f"vault {args.name}: its firewall denies by default and networkAcls.ipRules "
            f"({allowed}) do not allow Adobe's address {ADOBE_ADDRESS}: add "
            f"{facts.ADOBE_IP_RULE} to ip_rules.",
            None,
        )


def _contains_adobe(rule: Any) -> bool:
    """Whether an IP rule (address or CIDR range) lets Adobe's address through."""
    try:
        return ADOBE_ADDRESS in ipaddress.IPv4Network(str(rule).strip(), strict=False)
    except ValueError:
        return False


VAULT_POLICIES: list[ResourceValidationPolicy] = [
    ResourceValidationPolicy(
        name="vault-soft-delete",
        description=(
            "Key Vaults keep deleted vaults and keys recoverable (soft delete, "
            f"{SOFT_DELETE_DAYS.start}-{SOFT_DELETE_DAYS[-1]} days)."
        ),
        validate=_vault_soft_delete,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="vault-purge-protection",
        description="Key Vaults have purge protection on.",
        validate=_vault_purge_protection,
        severity=Severity.CRITICAL,
    ),
    ResourceValidationPolicy(
        name="vault-rbac-authorization",
        description="Key Vaults use the Azure RBAC permission model.",
        validate=_vault_rbac_authorization,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="vault-network-allows-adobe",
        description=(
            "A restricted Key Vault network allows Adobe's address and trusted Azure services."
        ),
        validate=_vault_network_allows_adobe,
        severity=Severity.HIGH,
    ),
]
