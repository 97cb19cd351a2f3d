"""Line and column of JSON pointers in a JSON text, without building a second tree.

All the pointers a diff needs are located together, in one pass over the text: containers on
the way to a wanted pointer are scanned member by member, and every other value is skipped
with a regular expression that matches a whole (bounded-depth) JSON value at C speed, so the
text is read about once, and nothing is built from it. Line numbers are counted only for the
offsets found, again with one pass (``str.count``) in offset order.

As before, a pointer that does not exist is located at its nearest existing ancestor, and a
key that occurs twice in one object is located at its last occurrence (the one ``json.loads``
keeps).
"""

from __future__ import annotations

import contextlib
import json
import re

from specfoundry.diagnostics import Location
from specfoundry.diff.locate import BatchLocator
from specfoundry.diff.pointer import unescape

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_SCALAR = re.compile(_STRING + r'|[^,}\]\s"]++', re.DOTALL)
_MAX_DEPTH = 48  # deeper values fall back to json's raw_decode


def _container_pattern(depth: int) -> re.Pattern[str]:
    """A JSON object or array nested at most ``depth`` deep (the text is known to be JSON).

    Written as unrolled loops (text between brackets, then a nested value, then text again)
    rather than an alternation, which the regular expression engine runs about a sixth faster.
    """
    flat = r'[^"{}\[\]]*+(?:' + _STRING + r'[^"{}\[\]]*+)*+'
    pattern = r"[\{\[]" + flat + r"[\}\]]"
    for _ in range(depth):
        pattern = r"[\{\[]" + flat + r"(?:" + pattern + flat + r")*+[\}\]]"
    return re.compile(pattern, re.DOTALL)


_CONTAINER: re.Pattern[str] | None = None


class _Want:
    """A node of the trie of wanted pointers, with the offset found for it."""

    __slots__ = ("children", "offset")

    def __init__(self) -> None:
        self.children: dict[str, _Want] = {}
        self.offset: int | None = None

    def reset(self) -> None:
        self.offset = None
        for child in self.children.values():
            child.reset()


class JsonLocator(BatchLocator):
    def __init__(self, text: str, display: str) -> None:
        self._text = text
        self._display = display
        super().__init__()

    def _locate(self, pointers: list[str]) -> None:
        root = _Want()
        for pointer in pointers:
            node = root
            for token in pointer.split("/")[1:] if pointer else ():
                node = node.children.setdefault(unescape(token), _Want())
        text = self._text
        start = _WS.match(text, 0).end()  # type: ignore[union-attr]
        root.offset = start
        if start < len(text) and root.children:
            # Loaded as JSON, so this cannot fail; if it does, what was found so far stands.
            with contextlib.suppress(IndexError, ValueError):
                if not self._last_member(start, root):
                    self._scan(start, root)
        offsets: dict[str, int] = {}
        for pointer in pointers:
            node, best = root, root.offset
            for token in pointer.split("/")[1:] if pointer else ():
                node = node.children[unescape(token)]
                if node.offset is None:
                    break
                best = node.offset
            offsets[pointer] = best
        lines = self._lines(sorted(set(offsets.values())))
        for pointer, offset in offsets.items():
            line, column = lines[offset]
            self._found[pointer] = Location(self._display, line, column)

    def _lines(self, offsets: list[int]) -> dict[int, tuple[int, int]]:
        """(line, column), both from 1, of each offset; ``offsets`` sorted."""
        text, out = self._text, {}
        line, previous = 1, 0
        for offset in offsets:
            line += text.count("\n", previous, offset)
            previous = offset
            out[offset] = (line, offset - text.rfind("\n", 0, offset))
        return out

    def _last_member(self, start: int, root: _Want) -> bool:
        """Locate the one wanted top-level key directly when it is the root's last member.

        Documents often end with what a diff mostly points into (``components`` after
        ``paths``): this spares reading every member before it. The key is searched from the
        end and only accepted when its value, skipped exactly, is followed by nothing but the
        root's closing brace, so it is the last member of the root, the one that counts.
        False (nothing recorded) whenever that cannot be shown; the caller then scans.
        """
        text = self._text
        if len(root.children) != 1 or text[start] != "{":
            return False
        ((name, child),) = root.children.items()
        end = len(text) - 1
        while text[end] in " \t\n\r":
            end -= 1
        if not name or name[0] in ' \t\n\r,:}]"\\' or text[end] != "}":
            return False
        quoted = json.dumps(name, ensure_ascii=False)
        key_at = text.rfind(quoted, start + 1, end)
        if key_at < 0:
            return False
        before = key_at
        while text[before - 1] == "\\":
            before -= 1
        if (key_at - before) % 2:
            return False  # an escaped quote, inside a string
        # An unescaped quote followed by the name's first character opens a string: the key.
        index = _WS.match(text, key_at + len(quoted)).end()  # type: ignore[union-attr]
        if text[index] != ":":
            return False
        value_at = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
        after = self._scan(value_at, child) if child.children else _skip(text, value_at)
        if _WS.match(text, after).end() != end:  # type: ignore[union-attr]
            child.reset()  # not the root's last member after all: forget what was found
            return False
        child.offset = key_at
        return True

    def _scan(self, start: int, want: _Want) -> int:
        """Record the wanted members of the container at ``start``; returns where it ends."""
        text = self._text
        opener = text[start]
        if opener not in "{[":
            return _skip(text, start)
        children = want.children
        index = _WS.match(text, start + 1).end()  # type: ignore[union-attr]
        position = 0
        while text[index] not in "}]":
            key_at = index
            if opener == "{":
                name, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
                index = _WS.match(text, index).end() + 1  # type: ignore[union-attr]
                index = _WS.match(text, index).end()  # type: ignore[union-attr]
            else:
                name = str(position)
                position += 1
            child = children.get(name)
            if child is None:
                index = _skip(text, index)
            else:
                if child.offset is not None:  # a repeated key: the last one counts
                    child.reset()
                child.offset = key_at
                index = self._scan(index, child) if child.children else _skip(text, index)
            index = _WS.match(text, index).end()  # type: ignore[union-attr]
            if text[index] == ",":
                index = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
        return index + 1


def _skip(text: str, start: int) -> int:
    """The offset just after the JSON value at ``start``."""
    global _CONTAINER
    if text[start] in "{[":
        if _CONTAINER is None:
            _CONTAINER = _container_pattern(_MAX_DEPTH)
        match = _CONTAINER.match(text, start)
        if match is not None:
            return match.end()
        return _DECODER.raw_decode(text, start)[1]
    match = _SCALAR.match(text, start)
    if match is None:
        raise ValueError(f"no JSON value at {start}")
    return match.end()
