"""Crash-safe application of a set of file operations (a redo/undo journal).

Why: a generate that dies half-way (Ctrl-C, OOM kill, full disk) must not leave a service
whose modules come from two different specs. The protocol:

1. *Stage*: every new file is written and fsynced under ``.specfoundry/staging/new/`` (same
   filesystem, so the later renames are atomic). A crash here leaves the tree untouched; the
   staging folder is discarded by the next run.
2. *Commit*: the journal (ops + the new manifest) is written to a temp file, fsynced and
   renamed to ``.specfoundry/journal.json``. That rename is the commit point.
3. *Forward*: each op moves the current file (if any) aside into ``staging/old/`` and renames
   the staged file into place; removals only move aside. Every step checks the disk before
   acting, so re-running it after a crash is harmless (idempotent).
4. *Finalize*: moved-aside files of forced ops become ``<name>.orig`` backups, the manifest is
   replaced, then the journal and staging folder are removed.

If an op fails inside the process (permissions, disk full), :func:`rollback` undoes every
step from ``staging/old/`` and the tree is as before. If the process dies instead, the next run
finds the journal and rolls *forward* with :func:`recover_unlocked`. Either way the folder ends
up either entirely old or entirely new.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import InterruptedWriteError, WriteError
from .manifest import manifest_path
from .tree import STATE_DIR, check_relative_path

JOURNAL_NAME = "journal.json"
# Names inside staging/ are generated, never derived from paths; a journal is refused otherwise.
_STAGED = re.compile(r"new/[0-9]+")
_STASH = re.compile(r"old/[0-9]+-[pr]")
STAGING_NAME = "staging"
BACKUP_DIR = "backups"
BACKUP_SUFFIX = ".orig"
FORWARDED = "forwarded"  # marker in staging/: every op is done, only finalize remains


@dataclass(frozen=True, slots=True)
class Op:
    """One path to change. ``staged`` (``None`` for a removal) names the new content under
    ``staging/``; ``stash`` is where the current file is moved aside; ``backup`` keeps the
    moved-aside file as a user-visible ``.orig`` instead of discarding it."""

    path: PurePosixPath
    staged: str | None
    stash: str
    backup: bool


@dataclass(frozen=True, slots=True)
class Journal:
    removals: tuple[Op, ...]
    puts: tuple[Op, ...]
    new_dirs: tuple[PurePosixPath, ...]
    manifest: bytes

    def to_bytes(self) -> bytes:
        def op(o: Op) -> dict[str, object]:
            return {"path": str(o.path), "staged": o.staged, "stash": o.stash, "backup": o.backup}

        doc = {
            "removals": [op(o) for o in self.removals],
            "puts": [op(o) for o in self.puts],
            "new_dirs": [str(d) for d in self.new_dirs],
            "manifest": self.manifest.decode(),
        }
        return json.dumps(doc, indent=2, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Journal:
        doc = json.loads(raw)

        def op(d: dict[str, object]) -> Op:
            staged, stash = d["staged"], d["stash"]
            if not (staged is None or _STAGED.fullmatch(str(staged))) or not _STASH.fullmatch(
                str(stash)
            ):
                raise ValueError("staging names are malformed")
            path = check_relative_path(str(d["path"]), what="journal path")
            return Op(
                path, None if staged is None else str(staged), str(stash), d["backup"] is True
            )

        return cls(
            removals=tuple(op(d) for d in doc["removals"]),
            puts=tuple(op(d) for d in doc["puts"]),
            new_dirs=tuple(check_relative_path(d) for d in doc["new_dirs"]),
            manifest=doc["manifest"].encode(),
        )


def state_dir(root: Path) -> Path:
    return root / STATE_DIR


def journal_file(root: Path) -> Path:
    return state_dir(root) / JOURNAL_NAME


def staging_dir(root: Path) -> Path:
    return state_dir(root) / STAGING_NAME


def journal_pending(root: Path) -> bool:
    """Whether a committed but unfinished write is waiting to be completed."""
    return journal_file(root).exists()


# --- staging and commit -------------------------------------------------------------------


def stage_and_commit(root: Path, journal: Journal, contents: dict[str, bytes]) -> None:
    """Write every staged file, then the journal (the commit point). Raises on failure after
    removing the staging folder, so a failed commit leaves no trace."""
    staging = staging_dir(root)
    try:
        reset_staging(root)
        (staging / "new").mkdir(parents=True)
        (staging / "old").mkdir()
        for name, content in sorted(contents.items()):
            _write_durably(staging / name, content)
        fsync_dir(staging / "new")
        _write_durably(journal_file(root), journal.to_bytes(), via_temp=True)
    except BaseException:
        reset_staging(root)
        _unlink_quietly(_temp_of(journal_file(root)))
        raise


def reset_staging(root: Path) -> None:
    """Remove an uncommitted staging folder (no journal: nothing was moved yet)."""
    staging = staging_dir(root)
    if staging.exists():
        shutil.rmtree(staging)


# --- forward, finalize, rollback ----------------------------------------------------------


def forward(root: Path, journal: Journal) -> None:
    """Bring the tree to the new state. Idempotent: safe to repeat after any crash.

    An op is done when its stash exists (removal) or its staged file is gone (put); the disk,
    not a counter, says how far a crashed run got. Once all ops are done a marker is written,
    because :func:`finalize` empties the stash and a removal must not be redone then: its path
    may already hold a new directory (a generated file ``a`` replaced by ``a/b.py``).
    """
    staging = staging_dir(root)
    if _exists(staging / FORWARDED):
        return
    for op in journal.removals:
        target = root / op.path
        if not _exists(staging / op.stash) and _exists(target):
            os.replace(target, staging / op.stash)
    for op in journal.puts:
        assert op.staged is not None
        target, staged = root / op.path, staging / op.staged
        if not _exists(staged):
            continue  # already in place
        if _exists(target):
            if not op.backup and _is_real_dir(target) and _holds_files(target):
                raise WriteError(f"{op.path} is a directory that is not empty")
            os.replace(target, staging / op.stash)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
    for op in journal.removals:
        _prune_empty_parents(root, op.path)
    _write_durably(staging / FORWARDED, b"")


def finalize(root: Path, journal: Journal) -> tuple[tuple[PurePosixPath, PurePosixPath], ...]:
    """Turn stashes of forced ops into backups, write the manifest, drop journal and staging.

    Returns ``(path, backup)`` pairs. Idempotent, like :func:`forward`.
    """
    staging = staging_dir(root)
    taken = {op.path for op in journal.puts}
    backups: list[tuple[PurePosixPath, PurePosixPath]] = []
    for op in (*journal.removals, *journal.puts):
        stash = staging / op.stash
        if op.backup and _exists(stash):
            backup = _free_backup_path(root, op.path, taken)
            (root / backup).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stash, root / backup)
            taken.add(backup)
            backups.append((op.path, backup))
    # Make every rename durable before the journal that could redo them disappears.
    touched = {(root / op.path).parent for op in (*journal.removals, *journal.puts)}
    touched |= {(root / backup).parent for _, backup in backups}
    for directory in sorted(touched):
        if directory.is_dir():
            fsync_dir(directory)
    _write_durably(manifest_path(root), journal.manifest, via_temp=True)
    os.unlink(journal_file(root))
    fsync_dir(state_dir(root))
    reset_staging(root)
    return tuple(backups)


def rollback(root: Path, journal: Journal) -> None:
    """Undo :func:`forward` from the stash; used when an op fails inside the process."""
    staging = staging_dir(root)
    _unlink_quietly(staging / FORWARDED)
    for op in reversed(journal.puts):
        assert op.staged is not None
        target, staged = root / op.path, staging / op.staged
        if not _exists(staged) and _exists(target):
            os.replace(target, staged)  # new content back to staging: repeatable
        _restore(root, op)
    for directory in sorted(journal.new_dirs, key=lambda d: len(d.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty or already gone: not ours to remove
            os.rmdir(root / directory)
    for op in reversed(journal.removals):
        _restore(root, op)


def discard(root: Path) -> None:
    """Drop the journal and staging after a successful rollback."""
    _unlink_quietly(journal_file(root))
    reset_staging(root)


def _restore(root: Path, op: Op) -> None:
    stash = staging_dir(root) / op.stash
    if _exists(stash):
        target = root / op.path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stash, target)


# --- recovery ------------------------------------------------------------------------------


def recover_unlocked(root: Path) -> bool:
    """Complete an interrupted write, or discard an uncommitted one. Caller holds the lock.

    Returns whether a committed write was completed.
    """
    try:
        if not journal_pending(root):
            if staging_dir(root).exists():
                reset_staging(root)  # crashed while staging: nothing was moved, tree is old
            return False
        raw = journal_file(root).read_bytes()
    except OSError as exc:
        raise InterruptedWriteError(
            f"cannot clean up after an interrupted generate in {root}: {_describe(exc)}"
        ) from None
    try:
        journal = Journal.from_bytes(raw)
    except (ValueError, KeyError, TypeError, AttributeError, WriteError) as exc:
        raise InterruptedWriteError(
            f"a previous generate into {root} was interrupted and its journal "
            f"{journal_file(root)} is unreadable ({exc}); restore the folder from version "
            f"control, then delete {state_dir(root) / JOURNAL_NAME} and "
            f"{staging_dir(root)}"
        ) from None
    try:
        forward(root, journal)
        finalize(root, journal)
    except OSError as exc:
        raise InterruptedWriteError(
            f"could not complete the interrupted generate into {root}: {_describe(exc)}; "
            f"fix the cause and run `specfoundry generate` again"
        ) from None
    return True


# --- small filesystem helpers ----------------------------------------------------------------


def _free_backup_path(root: Path, path: PurePosixPath, taken: set[PurePosixPath]) -> PurePosixPath:
    """``<path>.orig``, ``<path>.orig.1``, ... beside the file; under ``.specfoundry/backups/``
    when the file's folder no longer exists as a folder (it became a generated file)."""
    base = path.with_name(path.name + BACKUP_SUFFIX)
    if not _dir_or_creatable(root, path.parent):
        base = PurePosixPath(STATE_DIR, BACKUP_DIR, *base.parts)
    candidate, n = base, 0
    while candidate in taken or _exists(root / candidate):
        n += 1
        candidate = base.with_name(f"{base.name}.{n}")
    return candidate


def _dir_or_creatable(root: Path, directory: PurePosixPath) -> bool:
    for part in (directory, *directory.parents):
        try:
            st = (root / part).lstat()
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            return False  # some ancestor is a file
        return stat.S_ISDIR(st.st_mode)
    return True


def _prune_empty_parents(root: Path, path: PurePosixPath) -> None:
    for parent in path.parents[:-1]:
        try:
            os.rmdir(root / parent)
        except OSError:
            return  # not empty (or not there): stop, never remove anything with content


def _is_real_dir(path: Path) -> bool:
    return stat.S_ISDIR(path.lstat().st_mode)


def _holds_files(directory: Path) -> bool:
    """Anything but empty folders below ``directory`` (symlinks count as files)."""
    for dirpath, dirnames, filenames in os.walk(directory):
        if filenames or any(os.path.islink(os.path.join(dirpath, d)) for d in dirnames):
            return True
    return False


def _temp_of(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")


def _write_durably(path: Path, content: bytes, *, via_temp: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    dest = _temp_of(path) if via_temp else path
    with open(dest, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    if via_temp:
        os.replace(dest, path)
        fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _describe(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


describe_os_error = _describe
