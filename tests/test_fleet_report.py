"""The fleet's Markdown table as GitHub reads it (the job summary): rendered with markdown-it-py
(CommonMark with GFM tables, as tests/test_preview_comment.py renders the preview comment), every
cell's text comes back literally — no HTML, link, emphasis, code or extra cell from it — and a
line break in it shows as ``␤`` instead of ending the row."""

from __future__ import annotations

from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from fleet.report import COLUMNS, LINE_BREAK, code_span, table

#: Text a stack file, the backend, Adobe or Azure could put in a cell.
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<!-- hidden -->",
    "[click](https://evil.example/)",
    "![x](https://evil.example/x.png)",
    "<https://evil.example/>",
    "**bold** _under_ *star* ~~strike~~",
    "a | b || c",
    "back\\|slash\\ and \\\\",
    "`tick` ``two`` ```",
    "` leading tick",
    "trailing tick `",
    " padded ",
    "&amp; &lt;b&gt; &#60;",
    "# heading\n- item\r\n> quote\rend",
    "    indented code",
]


def cells_of(markdown: str) -> list[list[list[Token]]]:
    """The rendered table: per body row, per cell, the inline tokens."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    rows: list[list[list[Token]]] = []
    in_body = False
    for index, token in enumerate(tokens):
        if token.type == "tbody_open":
            in_body = True
        elif token.type == "tr_open" and in_body:
            rows.append([])
        elif token.type == "td_open" and in_body:
            inline = tokens[index + 1]
            assert inline.type == "inline", inline
            rows[-1].append(list(inline.children or []))
    return rows


def text_of(cell: list[Token]) -> str:
    """A cell's text when it is one code span (the literal form); fails on anything else."""
    if not cell:
        return ""
    assert [t.type for t in cell] == ["code_inline"], [(t.type, t.content) for t in cell]
    return cell[0].content


def entry(stack: str, **fields: Any) -> dict[str, Any]:
    return {
        "stack": stack,
        "org_id": "",
        "status": "failed",
        "drift": [],
        "pending": [],
        "resources": None,
        "last_update": None,
        "duration_s": 1.0,
        "error": None,
        **fields,
    }


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_cells_come_back_literally(text):
    change = {"urn": "urn:pulumi:s::p::t::vault", "op": "update", "paths": {text: "update"}}
    doc = {
        "stacks": [
            entry("agency", org_id=text, error={"kind": "failed", "first_line": text}),
            entry("retail", pending=[change]),
        ],
        "orphans": [text],
        "excluded": [],
    }
    rows = cells_of(table(doc, markdown=True))
    assert len(rows) == 3, rows  # no row added or lost, whatever the text
    assert all(len(row) == len(COLUMNS) for row in rows), rows
    shown = text.replace("\r\n", LINE_BREAK).replace("\r", LINE_BREAK).replace("\n", LINE_BREAK)
    agency, retail, orphan = ([text_of(cell) for cell in row] for row in rows)
    assert agency[0] == "agency" and agency[1] == shown and agency[-1] == shown
    assert retail[4] == f"vault: {shown} (update)"
    assert orphan[0] == shown and orphan[2] == "orphan"


def test_markdown_exclusions_come_back_literally():
    doc = {"stacks": [entry("agency")], "orphans": [], "excluded": ["*x*", "<b>y</b>"]}
    markdown = table(doc, markdown=True)
    (paragraph,) = [
        t
        for t in MarkdownIt("commonmark").enable("table").parse(markdown)
        if t.type == "inline" and (t.content or "").startswith("excluded:")
    ]
    spans = [t.content for t in paragraph.children or [] if t.type == "code_inline"]
    assert spans == ["*x*", "<b>y</b>"], paragraph.children


def test_plain_table_cells_stay_on_their_row():
    doc = {"stacks": [entry("agency", org_id="one\ntwo")], "orphans": [], "excluded": []}
    lines = table(doc).splitlines()
    assert len(lines) == 2 and f"one{LINE_BREAK}two" in lines[1], lines


def test_code_span_of_spaces_only_keeps_them():
    (cell,) = cells_of(f"| a |\n| --- |\n| {code_span('  ')} |\n")[0]
    assert text_of(cell) == "  "
