"""Diagnostics are values, not exceptions.

Every stage of the compiler appends to a list of :class:`Diagnostic` instead of raising, so a
user sees every problem of a spec in one run. The code registry lives in :mod:`.codes`; this
module only knows how a diagnostic looks and how it is printed.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a spec file; line and column are 1-based, as editors show them."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    location: Location | None = None
    hint: str | None = None

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity.value}[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_json(self) -> dict[str, object]:
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
        }


def sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    loc = d.location or Location("", 0, 0)
    return (loc.file, loc.line, loc.column, d.code, d.message)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def render_text(diagnostics: Sequence[Diagnostic]) -> str:
    return "\n".join(d.render() for d in sorted(diagnostics, key=sort_key))


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    items = [d.to_json() for d in sorted(diagnostics, key=sort_key)]
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    summary = {"errors": errors, "warnings": len(diagnostics) - errors}
    return json.dumps({"diagnostics": items, "summary": summary}, indent=2)


class CompileError(Exception):
    """Raised at the public API boundary when a spec does not compile; carries every diagnostic."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__(render_text(diagnostics))
        self.diagnostics = tuple(diagnostics)
