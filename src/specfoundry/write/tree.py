"""The in-memory output tree that emitters hand to the write layer.

Emitters build an :data:`Emission` (a tuple of :class:`EmittedFile`) without touching the disk;
everything about *how* it reaches the disk (diffing, ownership, atomicity, locking) lives in
this package. Paths are validated here, once, so that no later step can be tricked into
writing or deleting outside the output folder.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal, get_args

from .errors import EmissionError, UnsafePathError

Owner = Literal["generator", "user"]
"""``generator``: rewritten on every run, deleted when no longer produced.
``user``: a scaffold written once if absent, then never modified or deleted."""

STATE_DIR = ".specfoundry"
"""Folder inside the output dir holding the manifest, journal and staging area (reserved)."""


def check_relative_path(path: PurePosixPath | str, *, what: str = "path") -> PurePosixPath:
    """Return ``path`` as a normalised relative POSIX path, or raise :class:`UnsafePathError`.

    Refuses anything that could resolve outside the output folder (absolute paths, ``..``),
    Windows-style separators and drive letters, empty or ``.`` paths, NUL bytes, and the
    reserved ``.specfoundry/`` folder.
    """
    text = str(path)
    if not text or text in (".", "./"):
        raise UnsafePathError(f"{what} {text!r} is empty")
    if "\\" in text or "\x00" in text or (len(text) > 1 and text[1] == ":"):
        raise UnsafePathError(f"{what} {text!r} is not a plain relative POSIX path")
    pure = PurePosixPath(text)
    if pure.is_absolute():
        raise UnsafePathError(f"{what} {text!r} is absolute; paths must be relative to the output")
    if any(part == ".." for part in pure.parts):
        raise UnsafePathError(f"{what} {text!r} escapes the output folder ('..')")
    parts = [part for part in pure.parts if part != "."]
    if not parts:
        raise UnsafePathError(f"{what} {text!r} is empty")
    if parts[0] == STATE_DIR:
        raise UnsafePathError(f"{what} {text!r} is inside the reserved {STATE_DIR}/ folder")
    return PurePosixPath(*parts)


def sha256_hex(content: bytes) -> str:
    """Hex sha256 of ``content``: the identity of a file in the manifest."""
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True, slots=True)
class EmittedFile:
    """One file an emitter wants in the output folder.

    ``path`` is relative to the output folder; it is validated and normalised on construction,
    so an ``EmittedFile`` that exists is always safe to write.
    """

    path: PurePosixPath
    content: bytes
    owner: Owner = "generator"

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", check_relative_path(self.path, what="emitted path"))
        if not isinstance(self.content, bytes):
            raise EmissionError(f"emitted file {self.path}: content must be bytes")
        if self.owner not in get_args(Owner):
            raise EmissionError(f"emitted file {self.path}: unknown owner {self.owner!r}")

    @property
    def sha256(self) -> str:
        return sha256_hex(self.content)


Emission = tuple[EmittedFile, ...]
"""The complete output of one generate run. Order does not matter; paths must be unique."""


def validate_emission(emission: Emission) -> dict[PurePosixPath, EmittedFile]:
    """Index ``emission`` by path, refusing duplicates and file/directory clashes.

    A clash (``a`` and ``a/b`` both emitted) cannot be written to any filesystem, so it is an
    emitter bug reported before anything is planned.
    """
    by_path: dict[PurePosixPath, EmittedFile] = {}
    for item in emission:
        if not isinstance(item, EmittedFile):
            raise EmissionError(f"emission contains {type(item).__name__}, not EmittedFile")
        if item.path in by_path:
            raise EmissionError(f"emitted path {item.path} is produced twice")
        by_path[item.path] = item
    for path in sorted(by_path):
        for parent in path.parents:
            if parent in by_path:
                raise EmissionError(
                    f"emitted path {parent} is a file but {path} needs it to be a directory"
                )
    return by_path
