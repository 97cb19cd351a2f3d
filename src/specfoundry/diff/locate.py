"""What every pointer locator shares: answer from a cache, look up misses in one batch.

Finding the line of a JSON pointer costs a pass over the document's text, so the format
locators (:mod:`.locate_json`, :mod:`.locate_yaml`) only implement ``_locate`` for a batch of
pointers and fill ``_found``; asking again is free.
"""

from __future__ import annotations

from collections.abc import Iterable

from specfoundry.diagnostics import Location


class BatchLocator:
    def __init__(self) -> None:
        self._found: dict[str, Location | None] = {}

    def __call__(self, pointer: str) -> Location | None:
        if pointer not in self._found:
            self.locate_many([pointer])
        return self._found[pointer]

    def locate_many(self, pointers: Iterable[str]) -> dict[str, Location | None]:
        """Locations of ``pointers`` (each at its nearest existing ancestor), in one pass."""
        pointers = list(pointers)
        wanted = [p for p in set(pointers) if p not in self._found]
        if wanted:
            self._locate(wanted)
        return {p: self._found[p] for p in pointers}

    def _locate(self, pointers: list[str]) -> None:
        """Fill ``self._found`` for every pointer of ``pointers``."""
        raise NotImplementedError
