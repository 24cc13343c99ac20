"""The KQL over a vault's audit log that the alerts run and the runbooks quote.

Key Vault's audit log lands in a Log Analytics workspace in one of two shapes, and Microsoft's
pages disagree on which (docs/runbooks.md#key-access-monitoring): the shared ``AzureDiagnostics``
table (flattened columns such as ``identity_claim_appid_g``) or the resource-specific
``AZKVAuditLogs`` (a dynamic ``Identity``). Every query therefore starts from :func:`audit_log`,
a ``union isfuzzy=true`` of both, projected to the same columns (a table that does not exist yet
is skipped), and narrowed to the vaults it is about by ``_ResourceId`` (a workspace may hold other
vaults' logs).

``AzureDiagnostics`` has, in every workspace, the same documented set of about 200 columns; a
field outside it gets a column of its own only while the table has fewer than 500, and lands in
the dynamic ``AdditionalFields`` after that (https://learn.microsoft.com/azure/azure-monitor/
reference/tables/azurediagnostics#additionalfields-column). The Key Vault columns read directly
here are all in that set; the others (:data:`OPTIONAL_DIAGNOSTICS_COLUMNS`) are read with
``column_ifexists`` and, failing that, from ``AdditionalFields``, under the field's name without
the column's type suffix (as the page's example shows: column ``NewInfo1_s``, property
``NewInfo2``).

Every function is pure and returns one query string; values are quoted by :func:`kql_string`.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus

from cmk_facts import (
    ADOBE_KEY_OPERATIONS_AUDITED,
    AUDIT_LOG_CATEGORY,
    AUDITED_DELETE_VERB,
    HSM_ROLE_ASSIGNMENTS_PATH,
    KEY_CHANGE_OPERATIONS_AUDITED,
    KEY_EXPIRY_NOTIFICATIONS_AUDITED,
    VAULT_CHANGE_OPERATIONS_AUDITED,
)

#: The columns every query below sees, whatever table the rows came from.
COLUMNS: tuple[str, ...] = (
    "TimeGenerated",
    "_ResourceId",
    "OperationName",
    "HttpStatus",
    "ResultSignature",
    "ResultDescription",
    "AppId",
    "Oid",
    "Upn",
    "CallerIp",
    "Uri",
    "ObjectUri",
    "EventSubject",
)
#: How far back the query of Adobe's recent key operations looks.
RECENT = "1d"
#: Key Vault's answer to a caller over the vault's request limits: a wait, not a refusal
#: (https://learn.microsoft.com/azure/key-vault/general/overview-throttling).
THROTTLED = HTTPStatus.TOO_MANY_REQUESTS.value
#: The path collections a key's name follows in a request or object URI: ``/keys/<name>/…``
#: (create, import, update, delete, rotate, its rotation policy; a restored key's object URI)
#: and ``/deletedkeys/<name>`` (purge) or ``/deletedkeys/<name>/recover``. A restore is
#: ``POST /keys/restore``: its path names no key, its object URI does.
KEY_PATH_COLLECTIONS: tuple[str, ...] = ("keys", "deletedkeys")
#: Where ``AZKVAuditLogs``' dynamic ``Identity`` holds the caller's object id and UPN: a vault's
#: claims keyed by their URI (or ``oid``), a Managed HSM's nested under the URI's parts, as in the
#: HSM's documented record (https://learn.microsoft.com/azure/key-vault/managed-hsm/logging).
IDENTITY_OID: tuple[str, ...] = (
    "Identity.claim.oid",
    'Identity.claim["http://schemas.microsoft.com/identity/claims/objectidentifier"]',
    "Identity.claim.http_schemas_microsoft_com_identity.claims.objectidentifier",
)
IDENTITY_UPN: tuple[str, ...] = (
    'Identity.claim["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"]',
    "Identity.claim.http_schemas_xmlsoap_org_ws_2005_05_identity.claims.upn",
)
#: ``AzureDiagnostics`` columns read that are not in the table's documented set, by meaning: the
#: caller's object id (two spellings of the claim) and UPN, and the subject of an Event Grid
#: notification (the key's name, as Microsoft's near-expiry alert reads it:
#: https://learn.microsoft.com/azure/key-vault/general/alert, "Log query alert for near expiry
#: certificates"). ``AZKVAuditLogs`` documents no column for the subject.
OPTIONAL_DIAGNOSTICS_COLUMNS: dict[str, tuple[str, ...]] = {
    "Oid": (
        "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g",
        "identity_claim_oid_g",
    ),
    "Upn": ("identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s",),
    "EventSubject": ("eventGridEventProperties_subject_s",),
}


def kql_string(value: str) -> str:
    """``value`` as a KQL string literal (double quotes; backslash and quote escaped)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    if any(ch in escaped for ch in "\r\n"):
        raise ValueError(f"a KQL string here has no line breaks: {value!r}")
    return f'"{escaped}"'


def kql_list(values: Sequence[str]) -> str:
    """``("a", "b")``: the right-hand side of ``in`` / ``in~``."""
    if not values:
        raise ValueError("an empty list would match nothing")
    return "(" + ", ".join(kql_string(value) for value in values) + ")"


def optional_columns(columns: Sequence[str]) -> str:
    """A string expression: the first non-empty of the ``AzureDiagnostics`` ``columns`` (e.g.
    ``x_y_g``), each read as a column where this workspace has it, else as the
    ``AdditionalFields`` property named without the type suffix (``x_y``)."""
    parts: list[str] = []
    for column in columns:
        field, _, suffix = column.rpartition("_")
        if not field or len(suffix) != 1:
            raise ValueError(f"{column!r} has no type suffix (_s, _g, _d, _b, _t)")
        parts += [
            f'column_ifexists({kql_string(column)}, "")',
            f"AdditionalFields[{kql_string(field)}]",
        ]
    return _first_string(parts)


def audit_log(vault_ids: Sequence[str]) -> str:
    """``let KV = …;``: the audit log of ``vault_ids`` (ARM ids, any letter case), both shapes."""
    optional = {name: optional_columns(c) for name, c in OPTIONAL_DIAGNOSTICS_COLUMNS.items()}
    diagnostics = (
        "AzureDiagnostics\n"
        f'  | where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == '
        f"{kql_string(AUDIT_LOG_CATEGORY)}\n"
        "  | extend HttpStatus = toint(httpStatusCode_d),\n"
        "      AppId = tostring(identity_claim_appid_g),\n"
        f"      Oid = {optional['Oid']},\n"
        f"      Upn = {optional['Upn']},\n"
        "      CallerIp = CallerIPAddress, Uri = requestUri_s, ObjectUri = id_s,\n"
        f"      EventSubject = {optional['EventSubject']}"
    )
    dedicated = (
        "AZKVAuditLogs\n"
        "  | extend HttpStatus = toint(HttpStatusCode), AppId = tostring(Identity.claim.appid),\n"
        f"      Oid = {_first_string(IDENTITY_OID)},\n"
        f"      Upn = {_first_string(IDENTITY_UPN)},\n"
        '      CallerIp = CallerIpAddress, Uri = RequestUri, ObjectUri = Id, EventSubject = ""'
    )
    return (
        "let KV = union isfuzzy=true\n"
        f"  ({diagnostics}),\n"
        f"  ({dedicated})\n"
        f"  | where _ResourceId in~ {kql_list(vault_ids)}\n"
        f"  | project {', '.join(COLUMNS)};\n"
    )


def adobe_refused(vault_ids: Sequence[str], application_ids: Sequence[str]) -> str:
    """Rows: a key operation of Adobe's applications answered 4xx or 5xx, except 429 (throttled:
    :func:`adobe_throttled`). Alert on any row."""
    return _adobe_key_operations_answered(
        vault_ids, application_ids, f"HttpStatus >= 400 and HttpStatus != {THROTTLED}"
    )


def adobe_throttled(vault_ids: Sequence[str], application_ids: Sequence[str]) -> str:
    """Rows: a key operation of Adobe's applications answered 429, Key Vault's "too many
    requests" (alert on any row)."""
    return _adobe_key_operations_answered(vault_ids, application_ids, f"HttpStatus == {THROTTLED}")


def key_changed(vault_ids: Sequence[str], key_name: str) -> str:
    """Rows: the key named ``key_name`` disabled, deleted, purged, recovered, restored, rotated
    or otherwise changed, with who did it (alert on any row). The key is matched by a path
    segment of the request URI or of the object URI (a restore's request names no key), not by
    ``contains``: key names may prefix one another."""
    name, collections = kql_string(key_name), kql_list(KEY_PATH_COLLECTIONS)
    return (
        audit_log(vault_ids)
        + f"KV\n| where OperationName in {kql_list(KEY_CHANGE_OPERATIONS_AUDITED)}\n"
        "| where HttpStatus between (200 .. 299)\n"
        '| extend Path = split(tostring(parse_url(Uri).Path), "/"),\n'
        '    ObjectPath = split(tostring(parse_url(ObjectUri).Path), "/")\n'
        f"| where (tostring(Path[1]) in~ {collections} and tostring(Path[2]) =~ {name})\n"
        f"    or (tostring(ObjectPath[1]) in~ {collections}\n"
        f"        and tostring(ObjectPath[2]) =~ {name})\n"
        "| project TimeGenerated, OperationName, Who = coalesce(Upn, Oid, AppId), AppId, Oid, "
        "CallerIp, Uri, ObjectUri, _ResourceId"
    )


def vault_changed(vault_ids: Sequence[str]) -> str:
    """Rows: the vault updated (its network rules among its properties) or deleted, with who
    did it (alert on any row)."""
    return (
        audit_log(vault_ids)
        + f"KV\n| where OperationName in {kql_list(VAULT_CHANGE_OPERATIONS_AUDITED)}\n"
        "| where HttpStatus between (200 .. 299)\n"
        "| project TimeGenerated, OperationName, Who = coalesce(Upn, Oid, AppId), AppId, Oid, "
        "CallerIp, Uri, _ResourceId"
    )


def key_expiring(vault_ids: Sequence[str], key_name: str) -> str:
    """Rows: Key Vault's near-expiry or expired notification for the current version of the key
    named ``key_name`` (alert on any row). Key Vault logs both whether or not anything subscribes
    to its Event Grid events. The key is named by the notification's subject, else by its object
    URI (``/keys/<name>/…``); a notification that names no key counts too, so that a column the
    workspace does not have never silences it."""
    name = kql_string(key_name)
    return (
        audit_log(vault_ids)
        + f"KV\n| where OperationName in {kql_list(KEY_EXPIRY_NOTIFICATIONS_AUDITED)}\n"
        '| extend ObjectPath = split(tostring(parse_url(ObjectUri).Path), "/")\n'
        "| extend KeyName = coalesce(EventSubject,\n"
        '    iff(tostring(ObjectPath[1]) =~ "keys", tostring(ObjectPath[2]), ""))\n'
        f"| where isempty(KeyName) or KeyName =~ {name}\n"
        "| project TimeGenerated, OperationName, KeyName, ObjectUri, _ResourceId"
    )


def hsm_role_assignment_deleted(vault_ids: Sequence[str], assignment_name: str) -> str:
    """Rows: the Managed HSM's local role assignment named ``assignment_name`` deleted, with who
    did it (alert on any row). An HSM's role assignments are its own data plane's, logged in its
    audit log only: the delete is a successful ``DELETE /<scope>/providers/Microsoft.Authorization/
    roleAssignments/<name>``, matched by the end of the request's path (the scope may be spelled
    ``/keys/<key>`` or ``//keys/<key>``) and by the ``<Object><Verb>`` operation name's verb, since
    Microsoft's pages name no Managed HSM operation."""
    path = kql_string(HSM_ROLE_ASSIGNMENTS_PATH + assignment_name)
    return (
        audit_log(vault_ids)
        + f"KV\n| where OperationName endswith {kql_string(AUDITED_DELETE_VERB)}\n"
        "| where HttpStatus between (200 .. 299)\n"
        f"| where tostring(parse_url(Uri).Path) endswith {path}\n"
        "| project TimeGenerated, OperationName, Who = coalesce(Upn, Oid, AppId), AppId, Oid, "
        "CallerIp, Uri, _ResourceId"
    )


def adobe_key_operations(vault_ids: Sequence[str], application_ids: Sequence[str]) -> str:
    """Every key operation of Adobe's applications in the last day, newest first, with its
    answer: what a person runs to see whether Adobe is using the key (the stack output
    ``adobeKeyOperationsQuery``)."""
    return (
        audit_log(vault_ids) + f"KV\n| where TimeGenerated > ago({RECENT})\n"
        f"| where AppId in~ {kql_list(application_ids)}\n"
        f"| project {_ADOBE_COLUMNS}\n"
        "| order by TimeGenerated desc"
    )


_ADOBE_COLUMNS = (
    "TimeGenerated, OperationName, HttpStatus, ResultSignature, ResultDescription, AppId, "
    "CallerIp, ObjectUri, _ResourceId"
)


def _adobe_key_operations_answered(
    vault_ids: Sequence[str], application_ids: Sequence[str], status: str
) -> str:
    """Rows: a key operation of Adobe's applications whose answer meets ``status``."""
    return (
        audit_log(vault_ids) + f"KV\n| where AppId in~ {kql_list(application_ids)}\n"
        f"| where OperationName in {kql_list(ADOBE_KEY_OPERATIONS_AUDITED)}\n"
        f"| where {status}\n"
        f"| project {_ADOBE_COLUMNS}"
    )


def _first_string(expressions: Sequence[str]) -> str:
    """KQL: the first of ``expressions`` that is a non-empty string once made one."""
    return "coalesce(" + ",\n        ".join(f"tostring({e})" for e in expressions) + ")"
