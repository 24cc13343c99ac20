"""Microsoft's Kusto analyzer for the tests: KQL parsed and analyzed by Kusto.Language (the npm
package ``@kusto/language-service-next``, pinned by ``tests/kusto/package-lock.json``) against
the documented tables of :mod:`tests.kusto_tables`.

:func:`analyze` installs the package on first use (``scripts/kusto-analyzer``: ``npm ci`` into
``tests/kusto/node_modules``, which ``scripts/test`` also runs), then analyzes every query given
in one Node process (``tests/kusto/analyze.js``). It needs Node and npm; without them it fails,
it does not skip. Answers are kept in ``tests/kusto/node_modules/.analyses/``, keyed by the
request, the script and the lock file: test workers asking the same wait for the first one's
answer instead of each starting Node (about 100 ms a query, and 2 s to start).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.kusto_tables import TABLES

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "scripts" / "kusto-analyzer"
SCRIPT = ROOT / "tests" / "kusto" / "analyze.js"
LOCK_FILE = ROOT / "tests" / "kusto" / "package-lock.json"
CACHE = ROOT / "tests" / "kusto" / "node_modules" / ".analyses"
#: A first install downloads the package (about 5 MB); analysis takes a few seconds.
INSTALL_TIMEOUT = 300.0
ANALYZE_TIMEOUT = 120.0
#: An answer nobody asked for in a day is removed when a new one is written.
STALE_AFTER = 86400.0


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    """``Error``, ``Warning``, ``Suggestion`` or ``Information``."""
    code: str
    """Kusto's diagnostic code, e.g. ``KS142`` (unknown name)."""
    message: str
    text: str
    """The part of the query it is about."""

    def __str__(self) -> str:
        return f"{self.severity} {self.code}: {self.message} (at {self.text!r})"


@dataclass(frozen=True)
class Statement:
    let: str | None
    """The name a ``let`` statement declares; ``None`` for the query's tabular expression."""
    filters: tuple[str, ...]
    """The condition of each ``where`` in the statement, in order, as single-line text."""
    operators: tuple[tuple[str, str], ...]
    """Every query operator, (kind, single-line text), e.g. ``("ExtendOperator", "extend a =
    1")``, a union's branches included, in source order."""
    columns: tuple[tuple[str, str], ...]
    """The statement's result columns, (name, type), as the analyzer infers them."""


@dataclass(frozen=True)
class Analysis:
    diagnostics: tuple[Diagnostic, ...]
    statements: tuple[Statement, ...]

    @property
    def result(self) -> Statement:
        """The query's final tabular expression."""
        (final,) = [s for s in self.statements if s.let is None]
        return final


def analyze(queries: Mapping[str, str]) -> dict[str, Analysis]:
    """Each of ``queries`` (id → KQL) parsed and analyzed, by id."""
    node = shutil.which("node")
    assert node is not None, "the KQL tests need Node.js (node) on PATH, and npm to install"
    subprocess.run([str(INSTALL)], check=True, timeout=INSTALL_TIMEOUT)
    request = json.dumps({"tables": TABLES, "queries": dict(queries)}, sort_keys=True)
    key = hashlib.sha256(request.encode() + SCRIPT.read_bytes() + LOCK_FILE.read_bytes())
    CACHE.mkdir(exist_ok=True)
    answer = CACHE / f"{key.hexdigest()}.json"
    with (CACHE / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not answer.exists():
            done = subprocess.run(
                [node, str(SCRIPT)],
                input=request,
                capture_output=True,
                text=True,
                timeout=ANALYZE_TIMEOUT,
                check=False,
            )
            assert done.returncode == 0, f"{SCRIPT.name} failed: {done.stderr}"
            partial = answer.with_suffix(".partial")
            partial.write_text(done.stdout)
            partial.replace(answer)
            for old in CACHE.glob("*.json"):
                if time.time() - old.stat().st_mtime > STALE_AFTER:
                    old.unlink()
        os.utime(answer)
        results = json.loads(answer.read_text())
    return {id_: _analysis(result) for id_, result in results.items()}


def _analysis(result: dict) -> Analysis:
    return Analysis(
        diagnostics=tuple(Diagnostic(**d) for d in result["diagnostics"]),
        statements=tuple(
            Statement(
                let=s["let"],
                filters=tuple(s["filters"]),
                operators=tuple((kind, text) for kind, text in s["operators"]),
                columns=tuple((name, type_) for name, type_ in s["columns"]),
            )
            for s in result["statements"]
        ),
    )
