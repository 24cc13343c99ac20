"""The fleet's report: one JSON document, one table (plain or Markdown), one exit code.

The JSON document is the record (a DIY backend keeps no history of previews, so the fleet keeps
its own); the table is drawn from it, so a report merged from several runs (the scheduled
workflow's per-stack jobs) reads exactly like one run. Changes appear as property paths and diff
kinds only, never values.

Exit codes, for CI: 0 all in sync (or all updated); 2 drift, pending changes or a stack never
deployed, and no failure; 3 a stack failed, was locked, is not initialised or was skipped (its
state is unknown, so 3 wins over 2). 1 is the command's own failure (:mod:`fleet.cli`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fleet.classify import DIFFERENCES, FAILURES, Change, Status
from fleet.runner import StackResult
from fleet.stacks import BackendStack, Member

SCHEMA = 1
OK, DIFFERENT, FAILED, COMMAND_FAILED = 0, 2, 3, 1

COLUMNS = (
    "STACK",
    "ORG",
    "STATUS",
    "DRIFT",
    "PENDING",
    "RESOURCES",
    "LAST UPDATE",
    "TOOK",
    "ERROR",
)
_OP_SIGNS = {"create": "+", "update": "~", "delete": "-", "replace": "±"}
#: How a line break inside a cell shows (a table row is one line).
LINE_BREAK = "␤"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BACKTICKS = re.compile(r"`+")


def exit_code(statuses: Iterable[str]) -> int:
    """3 if any status is a failure, else 2 if any is a difference, else 0."""
    found = {Status(s) for s in statuses}
    if found & FAILURES:
        return FAILED
    if found & DIFFERENCES:
        return DIFFERENT
    return OK


def document(
    command: str,
    results: Sequence[StackResult],
    *,
    cli_version: str = "",
    orphans: Sequence[str] = (),
    excluded: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON document of one run (``schema`` 1)."""
    stacks = [_stack_entry(r) for r in results]
    return {
        "schema": SCHEMA,
        "command": command,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cli_version": cli_version,
        "stacks": stacks,
        "orphans": list(orphans),
        "excluded": list(excluded),
        "exit_code": exit_code(s["status"] for s in stacks),
    }


def merge(documents: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Several runs' documents as one (stacks in name order, exit code recomputed). Raises
    ``ValueError`` for a document of another schema."""
    documents = list(documents)
    for doc in documents:
        if doc.get("schema") != SCHEMA:
            raise ValueError(f"not a fleet report of schema {SCHEMA}: {doc.get('schema')!r}")
    stacks = sorted((s for d in documents for s in d["stacks"]), key=lambda s: s["stack"])
    commands = sorted({d.get("command", "") for d in documents})
    return {
        "schema": SCHEMA,
        "command": ",".join(commands),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cli_version": ",".join(sorted({d.get("cli_version", "") for d in documents} - {""})),
        "stacks": stacks,
        "orphans": sorted({o for d in documents for o in d.get("orphans", ())}),
        "excluded": sorted({e for d in documents for e in d.get("excluded", ())}),
        "exit_code": exit_code(s["status"] for s in stacks),
    }


def table(doc: Mapping[str, Any], *, markdown: bool = False) -> str:
    """The document as a table, one row per stack, then the orphans and exclusions. Every cell
    is one line (a line break shows as :data:`LINE_BREAK`); in Markdown, every cell's text is a
    code span, so GitHub shows it literally (no HTML, link, emphasis or table cell from it)."""
    rows = [_row(s) for s in doc["stacks"]]
    rows += [
        (name, "", Status.ORPHAN.value, "", "", "", "", "", "no stack file")
        for name in doc.get("orphans", ())
    ]
    rows = [tuple(one_line(cell) for cell in row) for row in rows]
    lines = _markdown(rows) if markdown else _plain(rows)
    if doc.get("excluded"):
        names = [one_line(name) for name in doc["excluded"]]
        lines.append("")
        lines.append("excluded: " + ", ".join(map(code_span, names) if markdown else names))
    return "\n".join(lines) + "\n"


def one_line(text: str) -> str:
    """``text`` with each line break (CR, LF or CRLF) as :data:`LINE_BREAK`."""
    return _LINE_BREAK.sub(LINE_BREAK, text)


def code_span(text: str) -> str:
    """``text`` (one line) as a Markdown code span that renders it literally, pipes escaped for
    a GFM table cell (GitHub unescapes ``\\|`` in a cell before reading the span); ``""`` stays
    empty."""
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    # A span strips one space at each end when both are spaces; padding keeps a leading or
    # trailing backtick or space as it is (a span of spaces only is never stripped).
    pad = " " if text.strip(" ") and (text[0] in "` " or text[-1] in "` ") else ""
    escaped = text.replace("|", "\\|")
    return f"{fence}{pad}{escaped}{pad}{fence}"


def dumps(doc: Mapping[str, Any]) -> str:
    """The document as JSON text."""
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def _stack_entry(result: StackResult) -> dict[str, Any]:
    outcome, backend = result.outcome, result.backend
    last = backend.last_update if backend else None
    return {
        "stack": result.member.stack,
        "org_id": result.member.org_id,
        "status": outcome.status.value,
        "duration_s": round(result.duration_s, 1),
        "resources": backend.resource_count if backend else None,
        "last_update": last.isoformat() if last else None,
        "change_summary": dict(outcome.change_summary),
        "drift": [_change_entry(c) for c in outcome.drift],
        "pending": [_change_entry(c) for c in outcome.pending],
        "error": {"kind": outcome.error_kind, "first_line": outcome.error}
        if outcome.error
        else None,
    }


def _change_entry(change: Change) -> dict[str, Any]:
    return {"urn": change.urn, "type": change.type, "op": change.op, "paths": dict(change.paths)}


def _row(entry: Mapping[str, Any]) -> tuple[str, ...]:
    error = entry.get("error") or {}
    return (
        entry["stack"],
        entry.get("org_id") or "",
        entry["status"],
        _changes(entry.get("drift", ())),
        _changes(entry.get("pending", ())),
        "" if entry.get("resources") is None else str(entry["resources"]),
        (entry.get("last_update") or "")[:16].replace("T", " "),
        f"{entry.get('duration_s', 0):.0f}s",
        error.get("first_line", ""),
    )


def _changes(changes: Iterable[Mapping[str, Any]]) -> str:
    described = []
    for change in changes:
        name = change["urn"].rsplit("::", 1)[-1]
        paths = change.get("paths") or {}
        if paths:
            described.append(
                f"{name}: " + ", ".join(f"{p} ({k})" for p, k in sorted(paths.items()))
            )
        else:
            described.append(f"{_OP_SIGNS.get(change['op'], change['op'])}{name}")
    return "; ".join(described)


def _plain(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [COLUMNS, *rows]
    ]


def _markdown(rows: list[tuple[str, ...]]) -> list[str]:
    def cells(row: Sequence[str]) -> str:
        return "| " + " | ".join(row) + " |"

    body = [cells([code_span(cell) for cell in row]) for row in rows]
    return [cells(COLUMNS), cells(["---"] * len(COLUMNS)), *body]


def listing(
    members: Sequence[Member],
    backend: Mapping[str, BackendStack],
    *,
    orphans: Sequence[str] = (),
    excluded: Sequence[str] = (),
) -> dict[str, Any]:
    """``list``'s document: each selected stack file against the backend (no engine run)."""
    stacks = []
    for member in members:
        known = backend.get(member.stack)
        last = known.last_update if known else None
        stacks.append(
            {
                "stack": member.stack,
                "org_id": member.org_id,
                "file": member.file.name,
                "in_backend": known is not None,
                "resources": known.resource_count if known else None,
                "last_update": last.isoformat() if last else None,
            }
        )
    return {
        "schema": SCHEMA,
        "command": "list",
        "stacks": stacks,
        "orphans": list(orphans),
        "excluded": list(excluded),
    }


def listing_table(doc: Mapping[str, Any]) -> str:
    """``list``'s document as a plain table."""
    header = ("STACK", "ORG", "FILE", "BACKEND", "RESOURCES", "LAST UPDATE")
    rows = [header]
    for s in doc["stacks"]:
        rows.append(
            (
                s["stack"],
                s["org_id"],
                s["file"],
                "yes" if s["in_backend"] else "not initialised",
                "" if s["resources"] is None else str(s["resources"]),
                (s["last_update"] or "")[:16].replace("T", " "),
            )
        )
    rows += [(o, "", "", "orphan: no stack file", "", "") for o in doc["orphans"]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if doc["excluded"]:
        lines += ["", "excluded: " + ", ".join(doc["excluded"])]
    return "\n".join(lines) + "\n"
