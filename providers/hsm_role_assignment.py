"""A local Managed HSM role assignment, as a Pulumi dynamic resource (module path kept: states
name it). ARM cannot assign HSM-local roles; this grants one on the HSM's data plane.

Lifecycle, and the data-plane calls each step makes (:mod:`providers.hsm.client`):

- ``check`` / ``diff``: offline; every input change **replaces** (an assignment has no update).
- ``create``: ``GET <scope>/providers/Microsoft.Authorization/roleAssignments/<name>``; an
  identical one is adopted, one holding another role or principal is an error; otherwise ``PUT``
  (a 400 "Unkown role definition" waited out) then GETs until it is visible.
- ``read``: one GET by scope and name (listing at ``/`` would not show key-scoped ones); an empty
  id when it was removed, so ``refresh`` drops it and the next ``up`` grants it again.
- ``delete``: ``DELETE``, then GETs until it is gone three times in a row.

The name is deterministic (:func:`components.adobe_access.role_assignment_name`), so a re-run never
adds a duplicate. Assign the service principal's **object id**: the HSM ignores group membership.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult

from providers.adobe_provider import AdobeResource, inputs_of, is_unknown, log
from providers.hsm.models import RoleAssignment, normal_scope, role_guid
from providers.hsm_provider import HsmProvider, check_guid, check_hsm_uri, replaced

PROPERTIES = {
    "hsm_uri": "hsmUri",
    "scope": "scope",
    "principal_id": "principalId",
    "role_definition_id": "roleDefinitionId",
    "assignment_name": "assignmentName",
    "assignment_id": "assignmentId",
}
INPUTS = ("hsmUri", "scope", "principalId", "roleDefinitionId", "assignmentName")
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

    def __init__(
        self,
        resource_name: str,
        args: ManagedHsmRoleAssignmentArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(ManagedHsmRoleAssignmentProvider(), resource_name, args, opts)


class ManagedHsmRoleAssignmentProvider(HsmProvider):
    """Grants, reads and removes one local role assignment; never updates."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validates inputs offline; unknown values pass."""
        failures: list[CheckFailure] = []
        check_hsm_uri(news, failures)
        scope = news.get("scope")
        if not is_unknown(scope) and not (isinstance(scope, str) and _SCOPE.match(scope)):
            failures.append(
                CheckFailure("scope", f"scope {scope!r} must be /, /keys or /keys/<key name>")
            )
        for name in ("principalId", "roleDefinitionId", "assignmentName"):
            check_guid(news, name, failures)
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Every input change replaces."""
        changes = replaced(olds, news, INPUTS)
        return DiffResult(changes=bool(changes), replaces=changes, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Adopts an identical assignment, or grants it and waits until it is visible."""
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
        if existing is None:
            log.info("granting HSM role %s at %s to %s", role, scope, principal)
            client.put_role_assignment(scope, name, role, principal)
            existing = client.wait_for_role_assignment(scope, name)
        return CreateResult(existing.id or _id_of(scope, name), _outputs(existing, props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET; an empty id when the assignment was removed."""
        found = self.client(props["hsmUri"]).get_role_assignment(
            props["scope"], props["assignmentName"]
        )
        if found is None:
            return ReadResult("", {})
        outs = _outputs(found, props)
        return ReadResult(id_, outs, inputs_of(outs, INPUTS))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """DELETE, then confirm it is gone."""
        self.client(props["hsmUri"]).delete_role_assignment(props["scope"], props["assignmentName"])


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
