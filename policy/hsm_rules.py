"""Policies for the Managed HSM tier: the HSM key and Adobe's local HSM role, held to the rules
of the vault's key and role assignment.

- ``adobe-hsm-key``: the key is at least 3072 bits, in a Managed HSM (its ``hsmUri`` host is a
  ``managedhsm`` suffix, never a vault's).
- ``adobe-hsm-role-assignment``: Adobe's local assignment grants Managed HSM Crypto Service
  Encryption User on the scope ``/keys/<name>`` (whole: ``/keysadobe-cmk`` is no key's scope) of
  a key of this stack, in that key's HSM (``hsmUri``, compared in lower case without a default
  port or trailing slash): ``/`` or ``/keys`` would hand Adobe every key of a shared HSM, and
  another HSM's key of the same name is another team's.
- ``adobe-hsm-access-protected``: the HSM key and Adobe's HSM assignment are protected.

Values not known yet are never reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import facts
from adobe_resources import (
    HSM_KEY,
    HSM_ROLE_ASSIGNMENT,
    depends_on,
    is_app_registration,
    role_guid,
)
from property_values import UNKNOWN, get, is_number, show
from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from registered_inputs import absent

#: The scope of one key, ``/keys/<name>``, whole (``/keysadobe-cmk`` is not one).
_KEY_SCOPE = re.compile(r"/keys/([A-Za-z0-9-]{1,127})", re.ASCII)


def _adobe_hsm_key(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != HSM_KEY:
        return
    size = get(args.props, "keySize")
    if is_number(size) and int(size) < facts.MIN_KEY_SIZE:
        report(
            f"HSM key {args.name}: keySize is {show(size)}; Adobe refuses keys under "
            f"{facts.MIN_KEY_SIZE} bits: use 3072 or 4096.",
            None,
        )
    uri = get(args.props, "hsmUri")
    if isinstance(uri, str) and uri is not UNKNOWN:
        host = (urlsplit(uri).hostname or "").lower()
        local = host in ("127.0.0.1", "localhost", "::1")
        if not local and not any(host.endswith(f".{s}") for s in facts.HSM_SUFFIXES):
            report(
                f"HSM key {args.name}: hsmUri {uri} is not a Managed HSM "
                f"({', '.join(facts.HSM_SUFFIXES)}).",
                None,
            )


def adobe_hsm_assignments(resources: Sequence[PolicyResource]) -> list[PolicyResource]:
    """HSM role assignments for Adobe: those depending on Adobe's app registration, and any of
    the HSM crypto service role."""
    return [
        r
        for r in resources
        if r.resource_type == HSM_ROLE_ASSIGNMENT
        and (
            depends_on(r, is_app_registration)
            or role_guid(get(r.props, "roleDefinitionId"))
            == facts.HSM_CRYPTO_SERVICE_ENCRYPTION_USER
        )
    ]


def _adobe_hsm_role_assignment(args: StackValidationArgs, report: ReportViolation) -> None:
    keys = [
        (hsm_address(get(r.props, "hsmUri")), get(r.props, "keyName"))
        for r in args.resources
        if r.resource_type == HSM_KEY
    ]
    for assignment in adobe_hsm_assignments(args.resources):
        if absent(assignment.props):
            continue  # left out of the run (--exclude) and never created: nothing is granted
        role = get(assignment.props, "roleDefinitionId")
        if role is not UNKNOWN and role_guid(role) != facts.HSM_CRYPTO_SERVICE_ENCRYPTION_USER:
            report(
                f"HSM role assignment {assignment.name} for Adobe grants {role or 'no role'}; it "
                "must grant the local role Managed HSM Crypto Service Encryption User "
                f"({facts.HSM_CRYPTO_SERVICE_ENCRYPTION_USER}).",
                assignment.urn,
            )
        if any(UNKNOWN in key for key in keys):
            continue
        problem = _scope_problem(assignment, {(hsm, str(name).lower()) for hsm, name in keys})
        if problem:
            report(f"HSM role assignment {assignment.name} for Adobe {problem}", assignment.urn)


def _scope_problem(assignment: PolicyResource, keys: set[tuple[object, str]]) -> str:
    """Why the assignment is not on ``/keys/<name>`` of a key of this stack, in that key's HSM
    (``""`` when it is, or when its scope or HSM is not known yet)."""
    scope = get(assignment.props, "scope")
    hsm = hsm_address(get(assignment.props, "hsmUri"))
    if scope is UNKNOWN or hsm is UNKNOWN:
        return ""
    scope = str(scope or "")
    if scope.rstrip("/") in ("", "/keys"):
        return (
            f"is at scope {scope or '/'}, every key of the HSM: an HSM is shared, so grant "
            "Adobe only its key, scope /keys/<key name>."
        )
    match = _KEY_SCOPE.fullmatch(scope)
    if match is None:
        return f"is at scope {scope}, not a key's scope /keys/<key name>."
    name = match[1].lower()
    if (hsm, name) in keys:
        return ""
    elsewhere = sorted(str(key_hsm) for key_hsm, key_name in keys if key_name == name)
    if elsewhere:
        return (
            f"is on HSM {hsm} at scope {scope}, but this stack's key {name} is in HSM "
            f"{', '.join(elsewhere)}: a key of the same name in another HSM is another team's."
        )
    return f"is at scope {scope}, a key this stack does not declare."


def hsm_address(uri: object) -> object:
    """An HSM's address as compared: ``https://<host>`` in lower case, without a default port,
    path or trailing slash; :data:`UNKNOWN` and non-strings as they are."""
    if not isinstance(uri, str):
        return uri
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError:
        return uri
    host = (parts.hostname or "").lower()
    suffix = f":{port}" if port not in (None, 443) else ""
    return f"{parts.scheme.lower()}://{host}{suffix}"


def _adobe_hsm_access_protected(args: StackValidationArgs, report: ReportViolation) -> None:
    holding = [(r, "HSM key") for r in args.resources if r.resource_type == HSM_KEY]
    holding += [(r, "Adobe's HSM role assignment") for r in adobe_hsm_assignments(args.resources)]
    for resource, role in holding:
        if not resource.opts.protect:
            report(
                f"{role} {resource.name} is not protected: deleting or replacing it cuts Adobe "
                "off from the key, and Adobe may then purge the organisation's data. Register it "
                f"with protect=True (stack setting {facts.NAMESPACE}:protect true).",
                resource.urn,
            )


HSM_POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    ResourceValidationPolicy(
        name="adobe-hsm-key",
        description="The Managed HSM key is in an HSM and at least 3072 bits.",
        validate=_adobe_hsm_key,
        severity=Severity.HIGH,
    ),
    StackValidationPolicy(
        name="adobe-hsm-role-assignment",
        description=(
            "Adobe holds Managed HSM Crypto Service Encryption User on its key's scope only."
        ),
        validate=_adobe_hsm_role_assignment,
        severity=Severity.HIGH,
    ),
    StackValidationPolicy(
        name="adobe-hsm-access-protected",
        description="The HSM key and Adobe's HSM role assignment are protected.",
        validate=_adobe_hsm_access_protected,
        severity=Severity.CRITICAL,
    ),
]
