"""JSON pointers (RFC 6901) into the emitted document, and where in the spec each one came from.

The map is recorded while the document is built, by the code that inserts each node, so it can
never drift from the document. ``diff`` uses it to point a finding at a spec line.
"""

from __future__ import annotations

from specfoundry.diagnostics import Location


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """``pointer("paths", "/v1/projects", "get")`` -> ``/paths/~1v1~1projects/get``."""
    return "".join("/" + escape(t) for t in tokens)


class LocationRecorder:
    """Collects ``pointer -> Location`` pairs; the first record of a pointer wins."""

    def __init__(self) -> None:
        self._locations: dict[str, Location] = {}

    def record(self, location: Location | None, *tokens: str | int) -> None:
        if location is None or location.line <= 0:
            return
        self._locations.setdefault(pointer(*tokens), location)

    def result(self) -> dict[str, Location]:
        return dict(sorted(self._locations.items()))
