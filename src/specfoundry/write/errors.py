"""Errors of the write layer.

Every failure a user can meet while specfoundry writes its output is one of these types. Their
``str()`` is a complete, user-facing message (what happened, which files, what to do), so the CLI
prints it and exits 1 without ever showing a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .plan import PlannedFile


class WriteError(Exception):
    """Base class: the output folder could not be written as asked; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UnsafePathError(WriteError):
    """A path would land outside the output folder (``..``, absolute, symlinked parent, ...)."""


class EmissionError(WriteError):
    """The emitted tree is inconsistent (duplicate paths, a file that is also a directory)."""


class ManifestError(WriteError):
    """``.specfoundry/manifest.json`` is unreadable, malformed or from a newer specfoundry."""


class LockTimeoutError(WriteError):
    """Another specfoundry run kept the output folder locked for longer than the timeout."""


class PlanOutdatedError(WriteError):
    """The output folder changed between ``plan()`` and ``apply()``; planning again fixes it."""


class InterruptedWriteError(WriteError):
    """A previous write was interrupted and has not been completed (or could not be)."""


class ConflictError(WriteError):
    """Files were edited by hand or are in the way; nothing was written.

    ``conflicts`` holds the planned entries so callers can show them in their own way.
    """

    def __init__(self, out_dir: str, conflicts: Sequence[PlannedFile]) -> None:
        self.conflicts = tuple(conflicts)
        lines = [
            f"refusing to write {out_dir}: {len(self.conflicts)} "
            f"conflicting file{'s' if len(self.conflicts) != 1 else ''}, nothing was written:"
        ]
        lines += [f"  {entry.path}: {entry.note}" for entry in self.conflicts]
        lines.append(
            "hint: move hand-written code into the user package (files specfoundry never "
            "overwrites), or rerun with --force to overwrite; the current content is kept "
            "beside each file as <name>.orig"
        )
        super().__init__("\n".join(lines))
