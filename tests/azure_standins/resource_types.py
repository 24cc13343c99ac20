"""Every resource type the program declares, by type token, and the one-line refusal of any other.

The list is closed on purpose: a resource type the program starts to declare fails the real-engine
tests in one line naming it until it is modelled here (with Azure's rules for it).
"""

from __future__ import annotations

from tests.azure_standins.arm import ArmResource
from tests.azure_standins.authorization import RoleAssignment
from tests.azure_standins.keyvault import Key, Vault
from tests.azure_standins.monitor import (
    ActionGroup,
    ActivityLogAlert,
    DiagnosticSetting,
    ResourceGroup,
    ScheduledQueryRule,
    Workspace,
)

TYPES: dict[str, ArmResource] = {
    kind.token: kind()
    for kind in (ResourceGroup, Vault, Key, RoleAssignment, Workspace, ActionGroup,
                 DiagnosticSetting, ScheduledQueryRule, ActivityLogAlert)
}


class NotModelled(Exception):
    """A type or function the stand-ins do not serve."""


def refusal(what: str, token: str) -> NotModelled:
    return NotModelled(
        f"the Azure stand-in (tests/azure_standins) does not model {what} {token}: model it, with "
        "Azure's rules for it, before the program declares it")


def arm_type(token: str) -> ArmResource:
    try:
        return TYPES[token]
    except KeyError:
        raise refusal("resource type", token) from None
