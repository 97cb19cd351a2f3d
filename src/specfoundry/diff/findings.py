"""What the diff produces: levels, raw changes and located findings.

A :class:`Change` is what a comparer sees inside one schema or operation; it knows nothing of
the operation it was reached from, so the comparison of a shared component can be memoised and
replayed at every operation that uses it. The engine turns each change into a :class:`Finding`
by adding the operation, the rule's level and the spec locations.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from specfoundry.diagnostics import Location


class Level(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe; used for ``--fail-on`` and for sorting."""
        return _RANK[self.value]


_RANK = {"error": 3, "warning": 2, "info": 1}


@dataclass(frozen=True, slots=True)
class Change:
    """One difference, before it is attached to an operation.

    ``base_pointer``/``revision_pointer`` are JSON pointers (RFC 6901, ``""`` is the root)
    into each document; either may be None when the thing exists on one side only. For a
    removal the revision pointer, when set, is the nearest surviving parent, so an annotation
    can still point at the revision's file. ``primary`` says which side the finding is about.
    """

    rule: str
    message: str
    base_pointer: str | None
    revision_pointer: str | None
    primary: str = "revision"  # "base" or "revision"
    # Spec-level rules know their source locations directly, from the IR.
    base_location: Location | None = None
    revision_location: Location | None = None

    @property
    def pointer(self) -> str:
        if self.primary == "base" and self.base_pointer is not None:
            return self.base_pointer
        if self.revision_pointer is not None:
            return self.revision_pointer
        return self.base_pointer or ""


@dataclass(frozen=True, slots=True)
class Finding:
    """A change as users see it: rule, level, operation and where it is in both inputs."""

    rule: str
    level: Level
    message: str
    operation: str | None
    pointer: str
    location: Location | None
    base_pointer: str | None = None
    revision_pointer: str | None = None
    base_location: Location | None = None
    revision_location: Location | None = None

    @property
    def annotation_location(self) -> Location | None:
        """Where a CI annotation should point: the revision's file when we know a place there."""
        return self.revision_location or self.location

    def sort_key(self) -> tuple[str, str, int, str, str, str]:
        """By path, then method, most severe first: the order a reviewer reads in."""
        method, _, path = (self.operation or "").partition(" ")
        return (path, method, -self.level.rank, self.pointer, self.rule, self.message)

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "level": self.level.value,
            "message": self.message,
            "operation": self.operation,
            "pointer": self.pointer,
            "location": _location_json(self.location),
            "base": _side_json(self.base_pointer, self.base_location),
            "revision": _side_json(self.revision_pointer, self.revision_location),
        }


def _location_json(loc: Location | None) -> dict[str, object] | None:
    if loc is None:
        return None
    return {"file": loc.file, "line": loc.line, "column": loc.column}


def _side_json(pointer: str | None, loc: Location | None) -> dict[str, object] | None:
    if pointer is None:
        return None
    return {"pointer": pointer, "location": _location_json(loc)}


def at_or_above(findings: list[Finding], threshold: Level) -> list[Finding]:
    return [f for f in findings if f.level.rank >= threshold.rank]


def summary(findings: list[Finding]) -> dict[str, int]:
    counts = {level.value: 0 for level in Level}
    for finding in findings:
        counts[finding.level.value] += 1
    counts["total"] = len(findings)
    return counts
