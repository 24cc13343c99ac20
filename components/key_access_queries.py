"""The KQL over a vault's audit log that the alerts run and the runbooks quote.

Key Vault's audit log lands in a Log Analytics workspace in one of two shapes, and Microsoft's
pages disagree on which (docs/runbooks.md#key-access-monitoring): the shared ``AzureDiagnostics``
table (flattened columns such as ``identity_claim_appid_g``) or the resource-specific
``AZKVAuditLogs`` (a dynamic ``Identity``). Every query therefore starts from :func:`audit_log`,
a ``union isfuzzy=true`` of both, projected to the same columns (a table that does not exist yet
is skipped), and narrowed to the vaults it is about by ``_ResourceId`` (a workspace may hold other
vaults' logs).

Every function is pure and returns one query string; values are quoted by :func:`kql_string`.
"""

from __future__ import annotations

from collections.abc import Sequence

from cmk_facts import (
    ADOBE_KEY_OPERATIONS_AUDITED,
    AUDIT_LOG_CATEGORY,
    KEY_CHANGE_OPERATIONS_AUDITED,
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
)
#: How far back the query of Adobe's recent key operations looks.
RECENT = "1d"


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


def audit_log(vault_ids: Sequence[str]) -> str:
    """``let KV = …;``: the audit log of ``vault_ids`` (ARM ids, any letter case), both shapes."""
    diagnostics = (
        "AzureDiagnostics\n"
        f'  | where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == '
        f"{kql_string(AUDIT_LOG_CATEGORY)}\n"
        "  | extend HttpStatus = toint(httpStatusCode_d),\n"
        "      AppId = tostring(identity_claim_appid_g),\n"
        "      Oid = coalesce(tostring(column_ifexists("
        '"identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g", "")),\n'
        '        tostring(column_ifexists("identity_claim_oid_g", ""))),\n'
        "      Upn = tostring(column_ifexists("
        '"identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s", "")),\n'
        "      CallerIp = CallerIPAddress, Uri = requestUri_s, ObjectUri = id_s"
    )
    dedicated = (
        "AZKVAuditLogs\n"
        "  | extend HttpStatus = toint(HttpStatusCode), AppId = tostring(Identity.claim.appid),\n"
        "      Oid = coalesce(tostring(Identity.claim.oid), tostring(Identity.claim["
        '"http://schemas.microsoft.com/identity/claims/objectidentifier"])),\n'
        "      Upn = tostring(Identity.claim["
        '"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"]),\n'
        "      CallerIp = CallerIpAddress, Uri = RequestUri, ObjectUri = Id"
    )
    return (
        "let KV = union isfuzzy=true\n"
        f"  ({diagnostics}),\n"
        f"  ({dedicated})\n"
        f"  | where _ResourceId in~ {kql_list(vault_ids)}\n"
        f"  | project {', '.join(COLUMNS)};\n"
    )


def adobe_refused(vault_ids: Sequence[str], application_ids: Sequence[str]) -> str:
    """Rows: a key operation of Adobe's applications answered 4xx or 5xx (alert on any row)."""
    return (
        audit_log(vault_ids) + f"KV\n| where AppId in~ {kql_list(application_ids)}\n"
        f"| where OperationName in {kql_list(ADOBE_KEY_OPERATIONS_AUDITED)}\n"
        "| where HttpStatus >= 400\n"
        "| project TimeGenerated, OperationName, HttpStatus, ResultSignature, ResultDescription, "
        "AppId, CallerIp, ObjectUri, _ResourceId"
    )


def key_changed(vault_ids: Sequence[str], key_name: str) -> str:
    """Rows: the key named ``key_name`` disabled, deleted, rotated or otherwise changed, with who
    did it (alert on any row). The key is matched by its path segment, not ``contains``: key
    names may prefix one another."""
    return (
        audit_log(vault_ids)
        + f"KV\n| where OperationName in {kql_list(KEY_CHANGE_OPERATIONS_AUDITED)}\n"
        "| where HttpStatus between (200 .. 299)\n"
        '| extend Path = split(tostring(parse_url(Uri).Path), "/")\n'
        f'| where tostring(Path[1]) =~ "keys" and tostring(Path[2]) =~ {kql_string(key_name)}\n'
        "| project TimeGenerated, OperationName, Who = coalesce(Upn, Oid, AppId), AppId, Oid, "
        "CallerIp, Uri, _ResourceId"
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


def adobe_key_operations(vault_ids: Sequence[str], application_ids: Sequence[str]) -> str:
    """Every key operation of Adobe's applications in the last day, newest first, with its
    answer: what a person runs to see whether Adobe is using the key (the stack output
    ``adobeKeyOperationsQuery``)."""
    return (
        audit_log(vault_ids) + f"KV\n| where TimeGenerated > ago({RECENT})\n"
        f"| where AppId in~ {kql_list(application_ids)}\n"
        "| project TimeGenerated, OperationName, HttpStatus, ResultSignature, ResultDescription, "
        "AppId, CallerIp, ObjectUri, _ResourceId\n"
        "| order by TimeGenerated desc"
    )
