"""What every semantic check receives: the model, precise source locations, and an outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specfoundry.diagnostics import Diagnostic, Location, Severity
from specfoundry.load import SourceMap
from specfoundry.model import Service
from specfoundry.validate.codes import CODES


@dataclass(slots=True)
class CheckContext:
    model: Service
    sources: SourceMap
    # The schema-valid document the model was built from, for the few checks that need to
    # know how something was written (e.g. the position of an item in a list the builder sorts).
    data: dict[str, Any] | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def at(self, *path: str | int) -> Location | None:
        """Where the value at ``path`` was written (or its nearest written ancestor)."""
        return self.sources.at(*path)

    def key(self, *path: str | int) -> Location | None:
        """Where the key that introduces ``path`` was written."""
        return self.sources.key_at(*path)

    def written(self, *path: str | int) -> bool:
        """Whether the spec itself wrote ``path`` (as opposed to a default the builder filled)."""
        probe = tuple(path)
        return probe in self.sources.values or probe in self.sources.keys

    def raw(self, *path: str | int) -> Any:
        """The value written at ``path`` in the document, or None."""
        node: Any = self.data
        for part in path:
            if isinstance(node, dict) and isinstance(part, str):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                return None
        return node

    def item(self, *path: str | int, value: object) -> Location | None:
        """Where ``value`` was written in the list at ``path`` (else where the list was)."""
        items = self.raw(*path)
        if isinstance(items, list) and value in items:
            return self.at(*path, items.index(value))
        return self.at(*path)

    def report(
        self, code: str, message: str, location: Location | None, hint: str | None = None
    ) -> None:
        """A diagnostic whose severity is the one documented for ``code`` in the registry."""
        severity = CODES[code].severity
        self.diagnostics.append(Diagnostic(code, severity, message, location, hint))

    def error(
        self, code: str, message: str, location: Location | None, hint: str | None = None
    ) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.ERROR, message, location, hint))

    def warning(
        self, code: str, message: str, location: Location | None, hint: str | None = None
    ) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.WARNING, message, location, hint))


def field_path(entity: str, field_name: str) -> tuple[str, ...]:
    return ("entities", entity, "fields", field_name)


def machine_path(machine: str) -> tuple[str, ...]:
    return ("state_machines", machine)


def transition_path(machine: str, transition: str) -> tuple[str, ...]:
    return ("state_machines", machine, "transitions", transition)
