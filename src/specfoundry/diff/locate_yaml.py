"""Line and column of JSON pointers in a YAML text, from the parser's event stream.

Composing a 5 MB document into nodes a second time, to learn where its keys are, costs about
four times the loaded document in memory. Here the pointers a diff needs are located together
in one pass over the event stream of the C parser: the path is tracked with a stack, marks are
kept only for the wanted pointers, and events are dropped as soon as they are read, so memory
stays flat.

The answers are those of :func:`specfoundry.diff.load.index_lines` (a compose), which is
still used when a wanted pointer runs through an alias or a key that is not a plain scalar:
each pointer is located at the key that names it (an item at its own start), or at its
nearest existing ancestor; a key repeated in one mapping is located at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from specfoundry.diagnostics import Location
from specfoundry.diff.locate import BatchLocator
from specfoundry.diff.pointer import escape

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STARTS = (MappingStartEvent, SequenceStartEvent)
_ENDS = (MappingEndEvent, SequenceEndEvent)


class _Fallback(Exception):
    """The event stream alone cannot answer like a compose would (aliases, complex keys)."""


class _Want:
    __slots__ = ("children", "mark")

    def __init__(self) -> None:
        self.children: dict[str, _Want] = {}
        self.mark: Any = None


class YamlLocator(BatchLocator):
    """Locations of JSON pointers in a YAML (or JSON) text, computed on demand, in batches."""

    def __init__(
        self, text: str, display: str, fallback: Callable[[str, str], dict[str, Location]]
    ) -> None:
        self._text = text
        self._display = display
        self._fallback = fallback  # the compose-based index, for the rare cases above
        super().__init__()

    def _locate(self, pointers: list[str]) -> None:
        root = _Want()
        for pointer in pointers:
            node = root
            for token in pointer.split("/")[1:] if pointer else ():
                node = node.children.setdefault(token, _Want())
        try:
            _walk(self._text, root)
        except _Fallback:
            index = self._fallback(self._text, self._display)
            for pointer in pointers:
                self._found[pointer] = _nearest(index, pointer)
            return
        except yaml.YAMLError:
            for pointer in pointers:
                self._found[pointer] = None  # as the compose-based index answered
            return
        for pointer in pointers:
            node, best = root, root.mark
            for token in pointer.split("/")[1:] if pointer else ():
                node = node.children[token]
                if node.mark is None:
                    break
                best = node.mark
            self._found[pointer] = (
                None if best is None else Location(self._display, best.line + 1, best.column + 1)
            )


def _nearest(index: dict[str, Location], pointer: str) -> Location | None:
    while True:
        found = index.get(pointer)
        if found is not None or not pointer:
            return found
        pointer = pointer.rsplit("/", 1)[0]


def _walk(text: str, root: _Want) -> None:
    """Set ``mark`` on every node of ``root`` that names a node of the YAML ``text``."""
    loader = _LOADER(text)
    try:
        _events(loader.get_event, root)
    finally:
        loader.dispose()


def _events(next_event: Callable[[], Any], root: _Want) -> None:
    anchors: dict[str, Any] = {}  # anchor -> mark of the anchored node (an alias item's place)
    # One frame per open container: [is mapping, wanted node, expecting a key, child, mark]
    # (for a sequence, "child" holds the next item's index).
    frames: list[list[Any]] = []
    started = False
    while True:
        event = next_event()
        kind = type(event)
        if kind is StreamEndEvent or event is None:
            return
        if not frames:
            if started or not (kind is ScalarEvent or kind in _STARTS or kind is AliasEvent):
                continue  # stream and document events
            started = True
            want: _Want | None = root
            mark = event.start_mark
        else:
            frame = frames[-1]
            if frame[0] and frame[2]:  # a mapping's key, or its end
                if kind is ScalarEvent:
                    frame[2] = False
                    children = frame[1].children if frame[1] is not None else None
                    child = children.get(escape(event.value)) if children else None
                    frame[3], frame[4] = child, event.start_mark
                    if event.anchor is not None:
                        anchors[event.anchor] = event.start_mark
                    continue
                if kind is MappingEndEvent:
                    frames.pop()
                    _advance(frames)
                    continue
                raise _Fallback  # a complex or aliased key
            if kind is SequenceEndEvent:
                frames.pop()
                _advance(frames)
                continue
            if frame[0]:
                want, mark = frame[3], frame[4]
            else:
                children = frame[1].children if frame[1] is not None else None
                want = children.get(str(frame[3])) if children else None
                mark = event.start_mark
        # ``event`` starts the value whose pointer ``want`` is (None: not wanted).
        if kind is AliasEvent:
            if want is not None:
                if want.children:
                    raise _Fallback  # wanted pointers below an alias: compose knows them
                if want.mark is None:
                    if not frames or not frames[-1][0]:
                        mark = anchors.get(event.anchor)
                    want.mark = mark
            _advance(frames)
            continue
        if event.anchor is not None:
            anchors[event.anchor] = event.start_mark
        if want is not None and want.mark is None:
            want.mark = mark
        if kind is ScalarEvent:
            _advance(frames)
        elif want is None or not want.children:
            _skip(next_event, anchors)
            _advance(frames)
        else:
            frames.append([kind is MappingStartEvent, want, True, 0, None])


def _advance(frames: list[list[Any]]) -> None:
    """A value of the innermost container is complete."""
    if frames:
        frame = frames[-1]
        if frame[0]:
            frame[2] = True
        else:
            frame[3] += 1


def _skip(next_event: Callable[[], Any], anchors: dict[str, Any]) -> None:
    """Read past the rest of a container that holds nothing wanted (noting its anchors)."""
    depth = 1
    while depth:
        event = next_event()
        kind = type(event)
        if kind is MappingEndEvent or kind is SequenceEndEvent:
            depth -= 1
            continue
        if kind is MappingStartEvent or kind is SequenceStartEvent:
            depth += 1
        elif kind is not ScalarEvent:
            if event is None or kind is StreamEndEvent:
                return
            continue
        if event.anchor is not None:
            anchors[event.anchor] = event.start_mark
