"""The KQL the alerts run: each query parses as the shape expected (``let KV = union …;`` then one
tabular pipeline of known operators, brackets and strings balanced), filters what it should, and
quotes what it is given. A small structural parser, not Kusto's: it catches a broken splice."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from cmk_facts import (
    ADOBE_KEY_OPERATIONS_AUDITED,
    JOURNEY_ANALYTICS_APPLICATION_ID,
    KEY_CHANGE_OPERATIONS_AUDITED,
    VAULT_CHANGE_OPERATIONS_AUDITED,
)
from components import key_access_queries as kql
from tests.mocks import ADOBE_APP_ID

VAULT_ID = (
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/"
    "Microsoft.KeyVault/vaults/kv-adobe"
)
OPERATORS = {"where", "extend", "project", "summarize", "order", "union"}
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|!?in~|[A-Za-z_][\w.]*|\d+|\.\.|[=!<>]=|=~|!~|\S')


@dataclass
class Query:
    lets: dict[str, str]
    """``let`` name → its expression's text."""
    source: str
    """The first token of the final tabular expression."""
    stages: list[tuple[str, str]]
    """(operator, the rest of the stage) of the final expression, in order."""


def parse(text: str) -> Query:
    """The query's statements; AssertionError for anything outside the expected shape."""
    tokens = _TOKEN.findall(text)
    assert "".join(tokens) == re.sub(r"\s+", "", text), "stray character"
    assert '"' not in tokens, f"unterminated string in {text}"
    depth: list[str] = []
    statements: list[list[str]] = []
    current: list[str] = []
    pairs = {")": "(", "]": "["}
    for token in tokens:
        if token in ("(", "["):
            depth.append(token)
        elif token in (")", "]"):
            assert depth and depth.pop() == pairs[token], f"unbalanced {token!r} in {text}"
        if token == ";" and not depth:
            statements.append(current)
            current = []
        else:
            current.append(token)
    assert not depth, f"unclosed {depth}"
    assert current, "no final tabular expression"
    lets = {}
    for statement in statements:
        assert statement[:1] == ["let"] and statement[2] == "=", f"not a let: {statement[:3]}"
        lets[statement[1]] = " ".join(statement[3:])
    stages: list[list[str]] = []
    stage: list[str] = []
    level = 0
    for token in current[1:]:
        level += 1 if token in ("(", "[") else -1 if token in (")", "]") else 0
        if token == "|" and level == 0:
            if stage:
                stages.append(stage)
            stage = []
        else:
            stage.append(token)
    stages.append(stage)
    assert stages and all(s and s[0] in OPERATORS for s in stages), f"unknown stage: {stages}"
    return Query(lets, current[0], [(s[0], " ".join(s[1:])) for s in stages])


def where(query: Query) -> str:
    return " ".join(rest for operator, rest in query.stages if operator == "where")


def test_audit_log_is_both_tables_narrowed_to_the_vaults():
    query = parse(kql.adobe_refused([VAULT_ID], [ADOBE_APP_ID]))
    audit = query.lets["KV"]
    assert audit.startswith("union isfuzzy = true ( AzureDiagnostics"), audit[:60]
    assert "( AZKVAuditLogs" in audit, audit
    assert f'_ResourceId in~ ( "{VAULT_ID}" )' in audit, audit
    assert query.source == "KV"


def test_adobe_refused_filters_adobes_applications_key_operations_and_failures():
    query = parse(kql.adobe_refused([VAULT_ID], [ADOBE_APP_ID, JOURNEY_ANALYTICS_APPLICATION_ID]))
    text = where(query)
    assert f'AppId in~ ( "{ADOBE_APP_ID}" , "{JOURNEY_ANALYTICS_APPLICATION_ID}" )' in text, text
    for operation in ADOBE_KEY_OPERATIONS_AUDITED:
        assert f'"{operation}"' in text, operation
    assert "HttpStatus >= 400" in text, text


def test_key_changed_matches_the_key_by_path_segment():
    query = parse(kql.key_changed([VAULT_ID], "adobe-cmk"))
    text = where(query)
    for operation in KEY_CHANGE_OPERATIONS_AUDITED:
        assert f'"{operation}"' in text, operation
    assert 'tostring ( Path [ 2 ] ) =~ "adobe-cmk"' in text, text
    assert "contains" not in text, "a key name may prefix another"
    extends = [rest for operator, rest in query.stages if operator == "extend"]
    assert extends == ['Path = split ( tostring ( parse_url ( Uri ) . Path ) , "/" )'], extends


def test_vault_changed_covers_updates_and_deletes_that_succeeded():
    text = where(parse(kql.vault_changed([VAULT_ID])))
    for operation in VAULT_CHANGE_OPERATIONS_AUDITED:
        assert f'"{operation}"' in text, operation
    assert "HttpStatus between ( 200 .. 299 )" in text, text


def test_adobe_key_operations_shows_the_last_day_newest_first():
    query = parse(kql.adobe_key_operations([VAULT_ID, VAULT_ID + "-cja"], [ADOBE_APP_ID]))
    assert "TimeGenerated > ago ( 1 d )" in where(query), where(query)
    assert query.stages[-1] == ("order", "by TimeGenerated desc"), query.stages[-1]
    assert f'"{VAULT_ID}-cja"' in query.lets["KV"]


@pytest.mark.parametrize(
    ("value", "literal"),
    [("plain", '"plain"'), ('a"b', '"a\\"b"'), ("a\\b", '"a\\\\b"')],
)
def test_kql_string_quotes_and_escapes(value, literal):
    assert kql.kql_string(value) == literal
    assert parse(f"T | where x == {literal}").stages == [("where", f"x == {literal}")]


def test_kql_string_refuses_a_line_break():
    with pytest.raises(ValueError):
        kql.kql_string("a\nb")


def test_kql_list_refuses_an_empty_list():
    with pytest.raises(ValueError):
        kql.kql_list([])


@pytest.mark.parametrize(
    "broken",
    ['T | where x == "open', "T | where (x == 1", "T | where x == 1)", "T | frobnicate x", "let"],
)
def test_the_shape_check_refuses_broken_queries(broken):
    with pytest.raises((AssertionError, IndexError)):
        parse(broken)
