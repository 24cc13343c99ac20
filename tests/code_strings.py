"""Every string literal of the given Python files, for tests/test_docs.py's check that quoted
messages exist in the code. Run apart (``python -m tests.code_strings <file>…`` prints JSON):
CPython 3.11.7's ast module (gh-106905) can fail with "AST constructor recursion depth mismatch"
in a test process whose earlier tests (the Pulumi mocks' event loop) left its state off; a fresh
interpreter never does."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any


def _module_constants(tree: ast.Module) -> dict[str, Any]:
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the Constant nodes that are docstrings (or other bare string statements)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def code_pieces(sources: list[Path]) -> list[str]:
    """Every string literal of the program and its providers, whitespace normalised; f-strings
    split at their holes, except holes naming a module-level constant, which are filled in."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sources}
    constants: dict[str, Any] = {}
    for tree in trees.values():
        constants.update(_module_constants(tree))
    for tree in trees.values():  # `from x import NAME as ALIAS`
        for statement in tree.body:
            if isinstance(statement, ast.ImportFrom):
                for alias in statement.names:
                    if alias.asname and alias.name in constants:
                        constants[alias.asname] = constants[alias.name]
    pieces: list[str] = []
    for tree in trees.values():
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                current = ""
                for part in node.values:
                    if isinstance(part, ast.Constant):
                        current += str(part.value)
                    elif (
                        isinstance(part, ast.FormattedValue)
                        and isinstance(part.value, ast.Name)
                        and part.value.id in constants
                        and part.conversion == -1
                        and part.format_spec is None
                    ):
                        current += str(constants[part.value.id])
                    else:
                        pieces.append(current)
                        current = ""
                pieces.append(current)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
            ):
                pieces.append(node.value)
    return [" ".join(piece.split()) for piece in pieces if piece.strip()]


if __name__ == "__main__":
    print(json.dumps(code_pieces([Path(arg) for arg in sys.argv[1:]])))
