"""What every semantic check receives: the model, precise source locations, and an outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from specfoundry.diagnostics import Diagnostic, Location, Severity
from specfoundry.load import SourceMap
from specfoundry.model import Service


@dataclass(slots=True)
class CheckContext:
    model: Service
    sources: SourceMap
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def at(self, *path: str | int) -> Location | None:
        return self.sources.at(*path)

    def key(self, *path: str | int) -> Location | None:
        return self.sources.key_at(*path)

    def error(
        self, code: str, message: str, location: Location | None, hint: str | None = None
    ) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.ERROR, message, location, hint))

    def warning(
        self, code: str, message: str, location: Location | None, hint: str | None = None
    ) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.WARNING, message, location, hint))
