"""JSON pointers (RFC 6901) and local ``$ref`` resolution over a loaded document.

Refs are followed lazily, on demand, and never inlined: a 5 MB document with shared components
is walked by identity, which is what lets the schema comparison memoise per component pair.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from specfoundry.diff.errors import DiffInputError

MAX_REF_CHAIN = 64


def escape(token: str | int) -> str:
    text = token if type(token) is str else str(token)
    if "~" in text or "/" in text:
        return text.replace("~", "~0").replace("/", "~1")
    return text


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: str | int) -> str:
    # Called hundreds of thousands of times on large documents: keep it allocation-light.
    for token in tokens:
        pointer = pointer + "/" + escape(token)
    return pointer


def parent(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0] if pointer else ""


def last_token(pointer: str) -> str:
    return unescape(pointer.rsplit("/", 1)[-1]) if pointer else ""


def normalise(pointer: str) -> str:
    """Accept ``#/a/b`` (URI fragment form) as well as ``/a/b``."""
    return unquote(pointer[1:]) if pointer.startswith("#") else pointer


def ancestors(pointer: str) -> list[str]:
    """``pointer`` and each of its parents, nearest first, ending with the root ``""``."""
    out = [pointer]
    while pointer:
        pointer = parent(pointer)
        out.append(pointer)
    return out


class Document:
    """An OpenAPI document as loaded, plus pointer lookup and ``$ref`` following."""

    __slots__ = ("_refs", "data", "name")

    def __init__(self, data: dict[str, Any], name: str) -> None:
        self.data = data
        self.name = name
        # Resolved targets by ref string: a shared component is looked up once, not per use.
        self._refs: dict[str, tuple[Any, str]] = {}

    def get(self, pointer: str) -> Any:
        node: Any = self.data
        if not pointer:
            return node
        for raw in pointer[1:].split("/"):
            token = unescape(raw)
            if isinstance(node, dict):
                if token not in node:
                    raise KeyError(pointer)
                node = node[token]
            elif isinstance(node, list):
                try:
                    node = node[int(token)]
                except (ValueError, IndexError):
                    raise KeyError(pointer) from None
            else:
                raise KeyError(pointer)
        return node

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow ``$ref`` chains; returns the target and its canonical pointer."""
        if type(node) is dict:
            ref = node.get("$ref")
            if ref is None:
                return node, pointer  # the common cases, decided before the loop
            cached = self._refs.get(ref) if type(ref) is str else None
            if cached is not None and not (
                isinstance(cached[0], dict) and isinstance(cached[0].get("$ref"), str)
            ):
                return cached  # one known hop to a target that is not itself a $ref
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            cached = self._refs.get(ref)
            if cached is not None:
                node, pointer = cached
                seen += 1
                if seen > MAX_REF_CHAIN:
                    raise DiffInputError(f"{self.name}: $ref chain at {pointer} never ends")
                continue
            if not ref.startswith("#"):
                raise DiffInputError(
                    f"{self.name}: external $ref {ref!r} at {pointer or '/'} is not supported; "
                    "bundle the document into one file first"
                )
            target = normalise(ref)
            try:
                node = self.get(target)
            except KeyError:
                raise DiffInputError(
                    f"{self.name}: $ref {ref!r} at {pointer or '/'} points at nothing"
                ) from None
            pointer = target
            self._refs[ref] = (node, pointer)
            seen += 1
            if seen > MAX_REF_CHAIN:
                raise DiffInputError(f"{self.name}: $ref chain at {pointer} never ends")
        return node, pointer
