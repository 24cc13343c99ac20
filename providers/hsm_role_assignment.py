"""A local Managed HSM role assignment, as a Pulumi dynamic resource (module path kept: states
name it). ARM cannot assign HSM-local roles; this grants one on the HSM's data plane.

Lifecycle, and the data-plane calls each step makes (:mod:`providers.hsm.client`):

- ``check``: offline. For a resource already in the state whose HSM, scope, principal and role
  are unchanged, the name in the state is kept (states made before the name was seeded with the
  stack hold the shared name: a new one would replace a protected grant).
- ``diff``: offline; every input change **replaces** (an assignment has no update). The HSM's
  address is compared normalised (letter case, trailing ``/``): no replacement for a case change.
  A replacement under the same name deletes the old one first (it *is* the new one).
- ``create``: ``GET <scope>/providers/Microsoft.Authorization/roleAssignments/<name>``; an
  identical one is taken over, one holding another role or principal is an error; otherwise
  ``PUT`` (a 400 "Unkown role definition" waited out) then GETs until it is visible. The output
  ``adopted`` records whether this stack made it (:mod:`providers.hsm.grants` says how it tells).
- ``read``: one GET by scope and name (listing at ``/`` would not show key-scoped ones); an empty
  id when it was removed, so ``refresh`` drops it and the next ``up`` grants it again.
- ``delete``: for one this stack made (``adopted: false``), ``DELETE``, then GETs until it is gone
  three times in a row. One it adopted, or a state that does not record it, is left in the HSM
  (a warning says so, and how to remove it by hand): it may be another stack's grant.

The name is deterministic and seeded with the stack (:func:`providers.hsm.grants.
stack_grant_name`), so a re-run never adds a duplicate and two stacks never share one. Assign the
service principal's **object id**: the HSM ignores group membership.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult

from providers.adobe_provider import AdobeResource, inputs_of, is_unknown, log
from providers.hsm.grants import is_shared_name
from providers.hsm.models import RoleAssignment, normal_hsm_uri, normal_scope, role_guid
from providers.hsm_provider import HsmProvider, check_guid, check_hsm_uri, replaced

PROPERTIES = {
    "hsm_uri": "hsmUri",
    "scope": "scope",
    "principal_id": "principalId",
    "role_definition_id": "roleDefinitionId",
    "assignment_name": "assignmentName",
    "assignment_id": "assignmentId",
    "adopted": "adopted",
}
INPUTS = ("hsmUri", "scope", "principalId", "roleDefinitionId", "assignmentName")
#: What the grant is: while these are unchanged, a resource in the state keeps its name.
GRANT = ("hsmUri", "scope", "principalId", "roleDefinitionId")
_SCOPE = re.compile(r"/(keys(/[A-Za-z0-9-]{1,127})?)?\Z", re.ASCII)


@dataclass
class ManagedHsmRoleAssignmentArgs:
    """Inputs of :class:`ManagedHsmRoleAssignment`."""

    hsm_uri: pulumi.Input[str]
    """``https://<hsm>.managedhsm.azure.net``."""
    scope: pulumi.Input[str]
    """``/``, ``/keys`` or ``/keys/<name>``."""
    principal_id: pulumi.Input[str]
    """Object id of the service principal (not its application id)."""
    role_definition_id: pulumi.Input[str]
    """The local role's GUID."""
    assignment_name: pulumi.Input[str]
    """The assignment's GUID name."""


class ManagedHsmRoleAssignment(AdobeResource, module="hsm", name="ManagedHsmRoleAssignment"):
    """A local HSM role for a principal (type ``…dynamic/hsm:ManagedHsmRoleAssignment``)."""

    PROPERTIES = PROPERTIES

    hsm_uri: pulumi.Output[str]
    scope: pulumi.Output[str]
    principal_id: pulumi.Output[str]
    role_definition_id: pulumi.Output[str]
    assignment_name: pulumi.Output[str]
    assignment_id: pulumi.Output[str]
    adopted: pulumi.Output[bool]
    """True when this stack found the assignment made (and so never deletes it)."""

    def __init__(
        self,
        resource_name: str,
        args: ManagedHsmRoleAssignmentArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(ManagedHsmRoleAssignmentProvider(), resource_name, args, opts)


class ManagedHsmRoleAssignmentProvider(HsmProvider):
    """Grants, reads and removes one local role assignment; never updates."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validates inputs offline (unknown values pass); keeps the name of a resource already
        in the state while what it grants is unchanged."""
        failures: list[CheckFailure] = []
        check_hsm_uri(news, failures)
        scope = news.get("scope")
        if not is_unknown(scope) and not (isinstance(scope, str) and _SCOPE.match(scope)):
            failures.append(
                CheckFailure("scope", f"scope {scope!r} must be /, /keys or /keys/<key name>")
            )
        for name in ("principalId", "roleDefinitionId", "assignmentName"):
            check_guid(news, name, failures)
        kept, granted = (olds or {}).get("assignmentName"), _grant(olds or {})
        if isinstance(kept, str) and kept and granted is not None and granted == _grant(news):
            news = {**news, "assignmentName": kept}
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Every input change replaces; under an unchanged name the old one goes first."""
        changes = replaced(olds, news, INPUTS)
        same_name = (
            not is_unknown(news.get("assignmentName"))
            and str(olds.get("assignmentName") or "").lower()
            == str(news.get("assignmentName") or "").lower()
        )
        return DiffResult(changes=bool(changes), replaces=changes, delete_before_replace=same_name)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Takes over an identical assignment, or grants it and waits until it is visible."""
        client = self.client(props["hsmUri"])
        scope, name = props["scope"], props["assignmentName"]
        role, principal = props["roleDefinitionId"], props["principalId"]
        existing = client.get_role_assignment(scope, name)
        if existing is not None and not existing.grants(role, principal):
            raise RuntimeError(
                f"HSM role assignment {name} at {scope} already grants role "
                f"{existing.role_guid} to {existing.principal_id}, not {role} to {principal}: "
                "remove it or look into who made it"
            )
        adopted = existing is not None and is_shared_name(
            name, props["hsmUri"], scope, principal, role
        )
        if existing is None:
            log.info("granting HSM role %s at %s to %s", role, scope, principal)
            client.put_role_assignment(scope, name, role, principal)
            existing = client.wait_for_role_assignment(scope, name)
        elif adopted:
            log.info("adopting HSM role assignment %s at %s (the shared name)", name, scope)
        else:
            log.info("HSM role assignment %s at %s is this stack's (made earlier)", name, scope)
        outs = {**_outputs(existing, props), "adopted": adopted}
        return CreateResult(existing.id or _id_of(scope, name), outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET; an empty id when the assignment was removed. ``adopted`` is kept."""
        found = self.client(props["hsmUri"]).get_role_assignment(
            props["scope"], props["assignmentName"]
        )
        if found is None:
            return ReadResult("", {})
        outs = _outputs(found, props)
        if isinstance(props.get("adopted"), bool):
            outs["adopted"] = props["adopted"]
        return ReadResult(id_, outs, inputs_of(outs, INPUTS))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """DELETE, then confirm it is gone, for an assignment this stack made; no call for one
        it adopted or one the state does not say (it may be another stack's grant)."""
        scope, name = props["scope"], props["assignmentName"]
        if props.get("adopted") is not False:
            why = (
                "this stack adopted it"
                if props.get("adopted") is True
                else "the state does not record whether this stack made it"
            )
            log.warning(
                "HSM role assignment %s at %s stays in the HSM (%s: it may be another stack's "
                "grant); once no stack needs it, remove it by hand: az keyvault role assignment "
                "delete --hsm-name <hsm> --scope %s --name %s",
                name,
                scope,
                why,
                scope,
                name,
            )
            return
        self.client(props["hsmUri"]).delete_role_assignment(scope, name)


def _grant(props: dict[str, Any]) -> tuple[str, ...] | None:
    """What an assignment grants, normalised; ``None`` while any part is unknown."""
    values = [props.get(name) for name in GRANT]
    texts = [v for v in values if isinstance(v, str)]  # an unknown is no str
    if len(texts) != len(GRANT):
        return None
    uri, scope, principal, role = texts
    return (normal_hsm_uri(uri), normal_scope(scope).lower(), principal.lower(), role_guid(role))


def _id_of(scope: str, name: str) -> str:
    return f"{normal_scope(scope)}/providers/Microsoft.Authorization/roleAssignments/{name}"


def _outputs(found: RoleAssignment, props: dict[str, Any]) -> dict[str, Any]:
    """The one place an assignment becomes outputs; the live role and principal are recorded,
    so a refresh that finds them changed shows a replacement."""
    same_role = role_guid(props.get("roleDefinitionId") or "") == found.role_guid
    same_principal = str(props.get("principalId") or "").lower() == found.principal_id.lower()
    return {
        **inputs_of(props, INPUTS),
        "roleDefinitionId": props["roleDefinitionId"] if same_role else found.role_guid,
        "principalId": props["principalId"] if same_principal else found.principal_id,
        "assignmentId": found.id or _id_of(found.scope, found.name),
    }
