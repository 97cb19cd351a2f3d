"""Line and column of JSON pointers in a JSON text, without building a second tree.

Composing a large JSON document with a YAML composer to learn line numbers costs several
times its load. Here each container on the way to a pointer is scanned once with the C JSON
scanner (``raw_decode`` skips a member's value at C speed) and the offsets of its members are
cached, so locating every finding of a run costs about one extra parse of the containers it
passes through.
"""

from __future__ import annotations

import bisect
import json
import re

from specfoundry.diagnostics import Location
from specfoundry.diff.pointer import ancestors, unescape

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class JsonLocator:
    def __init__(self, text: str, display: str) -> None:
        self._text = text
        self._display = display
        self._lines = [m.start() for m in re.finditer("\n", text)]
        self._members: dict[int, dict[str, tuple[int, int]]] = {}
        self._cache: dict[str, int | None] = {}
        root = _WS.match(text, 0)
        self._root = root.end() if root else 0

    def __call__(self, pointer: str) -> Location | None:
        for probe in ancestors(pointer):
            offset = self._offset(probe)
            if offset is not None:
                line = bisect.bisect_left(self._lines, offset)
                column = offset - (self._lines[line - 1] + 1 if line else 0)
                return Location(self._display, line + 1, column + 1)
        return None

    def _offset(self, pointer: str) -> int | None:
        """Offset of the key (or array item) that ``pointer`` names, None when absent."""
        if pointer in self._cache:
            return self._cache[pointer]
        if not pointer:
            result: int | None = self._root
        else:
            parent, _, token = pointer.rpartition("/")
            start = self._value_start(parent)
            members = self._scan(start) if start is not None else {}
            found = members.get(unescape(token))
            result = found[0] if found else None
        self._cache[pointer] = result
        return result

    def _value_start(self, pointer: str) -> int | None:
        if not pointer:
            return self._root
        parent, _, token = pointer.rpartition("/")
        start = self._value_start(parent)
        if start is None:
            return None
        found = self._scan(start).get(unescape(token))
        return found[1] if found else None

    def _scan(self, start: int) -> dict[str, tuple[int, int]]:
        """Members of the object or array at ``start``: name -> (key offset, value offset)."""
        cached = self._members.get(start)
        if cached is not None:
            return cached
        text, members = self._text, {}
        try:
            opener = text[start]
            if opener not in "{[":
                self._members[start] = members
                return members
            index = _WS.match(text, start + 1).end()  # type: ignore[union-attr]
            position = 0
            while text[index] not in "}]":
                if opener == "{":
                    key_at = index
                    key, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
                    index = _WS.match(text, index).end() + 1  # type: ignore[union-attr]
                    index = _WS.match(text, index).end()  # type: ignore[union-attr]
                    name = key
                else:
                    key_at, name = index, str(position)
                    position += 1
                members[name] = (key_at, index)
                _, index = _DECODER.raw_decode(text, index)
                index = _WS.match(text, index).end()  # type: ignore[union-attr]
                if text[index] == ",":
                    index = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
        except (IndexError, ValueError):
            pass
        self._members[start] = members
        return members
