"""A check's outcome and how the preflight prints it: one line per check, ✓ or ✗, and the fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PASS, FAIL, SKIP = "✓", "✗", "-"


@dataclass(frozen=True)
class Check:
    """One check's outcome. ``passed`` is ``None`` when it was not run (an earlier one failed);
    ``fix`` is what to change, for a failed check. No field ever holds a secret."""

    name: str
    passed: bool | None
    detail: str = ""
    fix: str = ""

    @classmethod
    def ok(cls, name: str, detail: str = "") -> Check:
        return cls(name, True, detail)

    @classmethod
    def failed(cls, name: str, detail: str, fix: str) -> Check:
        return cls(name, False, detail, fix)

    @classmethod
    def skipped(cls, name: str, why: str) -> Check:
        return cls(name, None, f"not checked: {why}")

    def lines(self) -> list[str]:
        """The printed lines: the check's line, then for a failure an indented ``fix:`` line."""
        mark = {True: PASS, False: FAIL, None: SKIP}[self.passed]
        text = f"{mark} {self.name}" + (f": {self.detail}" if self.detail else "")
        return [text, f"    fix: {self.fix}"] if self.passed is False and self.fix else [text]


def render(checks: Iterable[Check]) -> str:
    """Every check's lines, then a summary line."""
    checks = list(checks)
    lines = [line for check in checks for line in check.lines()]
    failed = sum(1 for c in checks if c.passed is False)
    skipped = sum(1 for c in checks if c.passed is None)
    if failed or skipped:
        lines.append(f"preflight: {failed} failed, {skipped} not checked; fix the ✗ lines first")
    else:
        lines.append("preflight: every check passed; `scripts/up` can run")
    return "\n".join(lines)


def exit_status(checks: Iterable[Check]) -> int:
    """0 only when every check ran and passed."""
    return 0 if all(c.passed is True for c in checks) else 1
