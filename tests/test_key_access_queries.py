"""The KQL the alerts run, parsed and analyzed by Microsoft's Kusto analyzer
(:mod:`tests.kusto_analyzer`) against the documented columns of ``AzureDiagnostics`` and
``AZKVAuditLogs`` (:mod:`tests.kusto_tables`): every query the program can produce analyzes
clean, so an unknown column, a type error or a broken splice fails here. What the analyzer cannot
judge is checked on the conditions it parsed: which operations, which answers, which
applications, which key."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterator

import pytest

from cmk_facts import (
    ADOBE_KEY_OPERATIONS_AUDITED,
    JOURNEY_ANALYTICS_APPLICATION_ID,
    KEY_CHANGE_OPERATIONS_AUDITED,
    KEY_EXPIRY_NOTIFICATIONS_AUDITED,
    VAULT_CHANGE_OPERATIONS_AUDITED,
)
from components import key_access_queries as kql
from tests.kusto_analyzer import Analysis, analyze
from tests.kusto_tables import column_names
from tests.mocks import ADOBE_APP_ID, run_main, valid_config
from tests.test_program_managed_hsm import HSM_ID, HSM_SUB, HsmMocks

VAULT_ID = (
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/"
    "Microsoft.KeyVault/vaults/kv-adobe"
)
#: A workspace in the HSM's subscription (monitoring reads the workspace where the key is).
WORKSPACE_ID = (
    f"/subscriptions/{HSM_SUB}/resourceGroups/ops-rg/providers/"
    "Microsoft.OperationalInsights/workspaces/ops-logs"
)
KEY = "adobe-cmk"
ASSIGNMENT = "6f1c2d3e-4b5a-5c6d-8e7f-0a1b2c3d4e5f"
#: Arguments each query function is called with, by parameter name: every combination is analyzed.
ARGUMENTS: dict[str, list[object]] = {
    "vault_ids": [[VAULT_ID], [VAULT_ID, HSM_ID]],
    "application_ids": [[ADOBE_APP_ID], [ADOBE_APP_ID, JOURNEY_ANALYTICS_APPLICATION_ID]],
    "key_name": [KEY, 'odd"name\\'],
    "assignment_name": [ASSIGNMENT, 'odd"name\\'],
}
#: Mutations of a real query that the analyzer must refuse, with the diagnostic code expected.
BROKEN: dict[str, tuple[str, str, str]] = {
    "undocumented column read directly": (
        'column_ifexists("identity_claim_oid_g", "")',
        "identity_claim_oid_g",
        "KS142",
    ),
    "a status compared with a string": ("HttpStatus >= 400", 'HttpStatus >= "400"', "KS106"),
    "the two tables' columns of different types": (
        "AppId = tostring(identity_claim_appid_g)",
        "AppId = identity_claim_appid_g",
        "KS142",
    ),
    "an unclosed bracket": ("| where HttpStatus >= 400", "| where (HttpStatus >= 400", "KS005"),
}


def query_functions() -> dict[str, Callable[..., str]]:
    """Every public function of the module that makes a query, by name (``audit_log`` makes
    the shared ``let`` statement, analyzed with ``KV`` after it)."""
    helpers = {"kql_string", "kql_list", "optional_columns"}
    return {
        name: function
        for name, function in inspect.getmembers(kql, inspect.isfunction)
        if function.__module__ == kql.__name__ and not name.startswith("_") and name not in helpers
    }


def variants() -> Iterator[tuple[str, str]]:
    """(id, query) for every query function, called with every combination of arguments."""
    for name, function in query_functions().items():
        parameters = list(inspect.signature(function).parameters)
        unknown = set(parameters) - set(ARGUMENTS)
        assert not unknown, f"kql.{name}: add test arguments for {unknown} to ARGUMENTS"
        for index, values in enumerate(itertools.product(*(ARGUMENTS[p] for p in parameters))):
            query = function(*values)
            yield f"{name}#{index}", query + "KV" if name == "audit_log" else query


def program_queries() -> Iterator[tuple[str, str]]:
    """(id, query) for every log alert and the query output of the program's runs under mocks:
    both keys (Platform, Journey Analytics) in vaults, and a key in a Managed HSM."""
    runs = {
        "vaults": run_main(
            valid_config(
                keyAccessMonitoring=True,
                monitoringEmails=["secops@example.com"],
                journeyAnalyticsKey=True,
            )
        ),
        "hsm": run_main(
            valid_config(
                location=None,
                managedHsmId=HSM_ID,
                keyAccessMonitoring=True,
                monitoringEmails=["secops@example.com"],
                monitoringWorkspaceId=WORKSPACE_ID,
            ),
            mocks=HsmMocks(),
        ),
    }
    for label, run in runs.items():
        rules = run.of_type("azure-native:monitor:ScheduledQueryRule")
        assert rules, f"{label}: no log alert"
        for rule in rules:
            for condition in rule.inputs["criteria"]["allOf"]:
                yield f"{label}:{rule.name}", condition["query"]
        yield f"{label}:adobeKeyOperationsQuery", run.stack_outputs["adobeKeyOperationsQuery"]


def broken() -> Iterator[tuple[str, str]]:
    original = kql.adobe_refused([VAULT_ID], [ADOBE_APP_ID])
    for label, (old, new, _code) in BROKEN.items():
        assert old in original, f"{label}: {old!r} is no longer in the query; update BROKEN"
        yield f"broken:{label}", original.replace(old, new, 1)


@pytest.fixture(scope="module")
def analyzed() -> dict[str, Analysis]:
    return analyze(dict(itertools.chain(variants(), program_queries(), broken())))


def one(analyzed: dict[str, Analysis], function: str) -> Analysis:
    """The analysis of ``function`` called with the first arguments of :data:`ARGUMENTS`."""
    return analyzed[f"{function}#0"]


def test_every_query_the_program_can_produce_analyzes_clean(analyzed):
    queries = {k: a for k, a in analyzed.items() if not k.startswith("broken:")}
    assert len(queries) >= 2 * len(query_functions()), sorted(queries)
    dirty = {k: [str(d) for d in a.diagnostics] for k, a in queries.items() if a.diagnostics}
    assert not dirty, dirty


@pytest.mark.parametrize("label", BROKEN)
def test_the_analyzer_refuses_what_azure_would(analyzed, label):
    codes = [d.code for d in analyzed[f"broken:{label}"].diagnostics if d.severity == "Error"]
    assert BROKEN[label][2] in codes, analyzed[f"broken:{label}"].diagnostics


def test_audit_log_is_both_tables_narrowed_to_the_vaults_with_one_set_of_columns(analyzed):
    (audit,) = [s for s in analyzed["audit_log#1"].statements if s.let == "KV"]
    unions = [text for kind, text in audit.operators if kind == "UnionOperator"]
    assert len(unions) == 1 and unions[0].startswith("union isfuzzy=true"), unions
    assert "(AzureDiagnostics" in unions[0] and "(AZKVAuditLogs" in unions[0], unions
    assert audit.filters[-1] == f'_ResourceId in~ ("{VAULT_ID}", "{HSM_ID}")', audit.filters
    # One column each, of one type: a column the two tables typed differently would split in two.
    types = {"TimeGenerated": "datetime", "HttpStatus": "int"}
    assert audit.columns == tuple((c, types.get(c, "string")) for c in kql.COLUMNS), audit.columns


def test_optional_diagnostics_columns_are_read_from_additional_fields_when_not_columns(analyzed):
    optional = {c for columns in kql.OPTIONAL_DIAGNOSTICS_COLUMNS.values() for c in columns}
    documented = column_names("AzureDiagnostics")
    assert "AdditionalFields" in documented
    assert not optional & documented, "a documented column is always there: read it directly"
    text = kql.audit_log([VAULT_ID])
    for column in optional:
        field = column.rsplit("_", 1)[0]
        assert f'column_ifexists("{column}", "")' in text, column
        assert f'AdditionalFields["{field}"]' in text, f"{column}: no fallback to AdditionalFields"


def test_optional_columns_refuses_a_column_without_a_type_suffix():
    with pytest.raises(ValueError, match="type suffix"):
        kql.optional_columns(["OperationName"])


def test_adobe_refused_is_adobes_key_operations_answered_4xx_or_5xx_but_not_throttled(analyzed):
    result = analyzed["adobe_refused#1"].result
    assert result.filters == (
        f'AppId in~ ("{ADOBE_APP_ID}", "{JOURNEY_ANALYTICS_APPLICATION_ID}")',
        f"OperationName in {kql.kql_list(ADOBE_KEY_OPERATIONS_AUDITED)}",
        "HttpStatus >= 400 and HttpStatus != 429",
    ), result.filters


def test_adobe_throttled_is_adobes_key_operations_answered_429(analyzed):
    refused, throttled = one(analyzed, "adobe_refused").result, one(analyzed, "adobe_throttled")
    assert throttled.result.filters == (*refused.filters[:2], "HttpStatus == 429")
    assert throttled.result.columns == refused.columns


def test_key_changed_matches_the_key_in_the_request_path_or_the_object_path(analyzed):
    # Purge is DELETE /deletedkeys/<name>, recover POST /deletedkeys/<name>/recover; a restore,
    # POST /keys/restore, names the restored key only in its object URI.
    assert {"KeyPurge", "KeyRecover", "KeyRestore"} <= set(KEY_CHANGE_OPERATIONS_AUDITED)
    result = one(analyzed, "key_changed").result
    collections = '("keys", "deletedkeys")'
    assert result.filters == (
        f"OperationName in {kql.kql_list(KEY_CHANGE_OPERATIONS_AUDITED)}",
        "HttpStatus between (200 .. 299)",
        f'(tostring(Path[1]) in~ {collections} and tostring(Path[2]) =~ "{KEY}") or '
        f'(tostring(ObjectPath[1]) in~ {collections} and tostring(ObjectPath[2]) =~ "{KEY}")',
    ), result.filters
    extends = [text for kind, text in result.operators if kind == "ExtendOperator"]
    assert extends == [
        'extend Path = split(tostring(parse_url(Uri).Path), "/"), '
        'ObjectPath = split(tostring(parse_url(ObjectUri).Path), "/")'
    ], extends
    assert "contains" not in " ".join(result.filters), "a key name may prefix another"


def test_a_key_name_is_one_string_literal_whatever_it_holds(analyzed):
    result = analyzed["key_changed#1"].result
    assert r'tostring(Path[2]) =~ "odd\"name\\"' in result.filters[-1], result.filters
    assert not analyzed["key_changed#1"].diagnostics


def test_vault_changed_is_updates_and_deletes_that_succeeded(analyzed):
    assert one(analyzed, "vault_changed").result.filters == (
        f"OperationName in {kql.kql_list(VAULT_CHANGE_OPERATIONS_AUDITED)}",
        "HttpStatus between (200 .. 299)",
    )


def test_key_expiring_is_key_vaults_expiry_notifications_of_the_key_or_of_no_named_key(analyzed):
    # Logged whether or not anything subscribes to the vault's Event Grid events; a row whose
    # key the workspace cannot name (no subject column, no object URI) still counts.
    result = one(analyzed, "key_expiring").result
    assert result.filters == (
        f"OperationName in {kql.kql_list(KEY_EXPIRY_NOTIFICATIONS_AUDITED)}",
        f'isempty(KeyName) or KeyName =~ "{KEY}"',
    ), result.filters
    extends = [text for kind, text in result.operators if kind == "ExtendOperator"]
    assert extends[-1] == (
        "extend KeyName = coalesce(EventSubject, "
        'iff(tostring(ObjectPath[1]) =~ "keys", tostring(ObjectPath[2]), ""))'
    ), extends
    assert ("KeyName", "string") in result.columns, result.columns


def test_hsm_role_assignment_deleted_is_a_successful_delete_at_that_assignments_path(analyzed):
    # DELETE /<scope>/providers/Microsoft.Authorization/roleAssignments/<name> on the HSM's data
    # plane; the scope's spelling (/keys/<key>, //keys/<key>) does not matter.
    result = one(analyzed, "hsm_role_assignment_deleted").result
    path = f"/providers/Microsoft.Authorization/roleAssignments/{ASSIGNMENT}"
    assert result.filters == (
        'OperationName endswith "Delete"',
        "HttpStatus between (200 .. 299)",
        f'tostring(parse_url(Uri).Path) endswith "{path}"',
    ), result.filters
    assert [name for name, _ in result.columns][:3] == ["TimeGenerated", "OperationName", "Who"]


def test_adobe_key_operations_shows_adobes_last_day_newest_first(analyzed):
    result = one(analyzed, "adobe_key_operations").result
    assert result.filters == ("TimeGenerated > ago(1d)", f'AppId in~ ("{ADOBE_APP_ID}")')
    assert result.operators[-1] == ("SortOperator", "order by TimeGenerated desc")


@pytest.mark.parametrize(
    ("value", "literal"),
    [("plain", '"plain"'), ('a"b', '"a\\"b"'), ("a\\b", '"a\\\\b"')],
)
def test_kql_string_quotes_and_escapes(value, literal):
    assert kql.kql_string(value) == literal


def test_kql_string_refuses_a_line_break():
    with pytest.raises(ValueError):
        kql.kql_string("a\nb")


def test_kql_list_refuses_an_empty_list():
    with pytest.raises(ValueError):
        kql.kql_list([])
