"""How the program names Adobe's local HSM role assignment, and tells its own from adopted ones.

An HSM is shared: several stacks (several Adobe organisations) may grant the same principal the
same role on the same ``/keys/<name>``. So the name is seeded with what makes the *stack* unique
(:func:`stack_grant_name`: the Pulumi organisation, project and stack, and the Adobe org id when
the caller gives it, with the HSM, scope, principal and role): two stacks never derive the same
name, and each destroys only its own.

Ownership, as :class:`~providers.hsm_role_assignment.ManagedHsmRoleAssignmentProvider` records it
(output ``adopted``):

- nobody but this stack derives its seeded name, so an assignment found under it is this stack's,
  made by a create that crashed (or timed out) after its PUT and now runs again: ``adopted:
  false``, and destroy deletes it;
- stacks made before the seed existed hold the **shared** name
  (:func:`shared_grant_name`, derived from HSM, scope, principal and role only, as
  :func:`components.adobe_access.role_assignment_name` derives a vault's), which every stack on
  that HSM with that key name derived: a create that finds one under it cannot know who made it,
  so it is ``adopted: true``, and destroy leaves it. A state that records neither (it predates the
  record) is treated the same way.

Existing states keep their name (the provider's ``check`` keeps the old one while HSM, scope,
principal and role are unchanged): a new name would plan a replacement of a protected grant.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from cmk_facts import ASSIGNMENT_NAMESPACE
from providers.hsm.models import normal_hsm_uri, normal_scope, role_guid


def _grant(hsm_uri: str, scope: str, principal_id: str, role: str) -> list[str]:
    """What the grant is, compared normalised (letter case, slashes, the role's id form)."""
    return [
        normal_hsm_uri(hsm_uri),
        normal_scope(scope).lower(),
        str(principal_id).lower(),
        role_guid(role),
    ]


def stack_grant_name(
    stack: Sequence[str], hsm_uri: str, scope: str, principal_id: str, role: str
) -> str:
    """The assignment's name for the stack identified by ``stack`` (e.g. Pulumi organisation,
    project, stack name, Adobe org id): the same UUID on every run of that stack, another one
    for any other stack. The parts are JSON-encoded, so no two different lists share a seed."""
    seed = json.dumps(
        ["hsm-grant", [str(part) for part in stack], _grant(hsm_uri, scope, principal_id, role)]
    )
    return str(uuid.uuid5(uuid.UUID(ASSIGNMENT_NAMESPACE), seed))


def shared_grant_name(hsm_uri: str, scope: str, principal_id: str, role: str) -> str:
    """The name every stack derived before the seed existed:
    ``uuid5(f"{hsm_uri}{scope}|{principal}|{role}")``, lower case (what
    :func:`components.adobe_access.role_assignment_name` gives for ``f"{hsm_uri}{scope}"``)."""
    uri, scope_text, principal, _ = _grant(hsm_uri, scope, principal_id, role)
    seed = "|".join((f"{uri}{scope_text}", principal, str(role).lower()))
    return str(uuid.uuid5(uuid.UUID(ASSIGNMENT_NAMESPACE), seed))


def is_shared_name(name: str, hsm_uri: str, scope: str, principal_id: str, role: str) -> bool:
    """Whether ``name`` is the shared (pre-seed) name of that grant: one another stack may hold."""
    return str(name).lower() == shared_grant_name(hsm_uri, scope, principal_id, role)
