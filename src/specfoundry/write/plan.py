"""Decide what a generate run would do to the output folder, without changing it.

Each path is classified against two sources of truth: the manifest (what specfoundry wrote last
time, with hashes) and the disk (what is there now). The hash comparison is what makes
regeneration safe: a generator-owned file whose bytes no longer match the manifest was edited
by hand, and a file absent from the manifest was never ours; both are *conflicts*, reported
instead of silently overwritten. Files specfoundry wrote and nobody touched are freely
rewritten, and deleted once no longer produced, so renames never leave stale files behind.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

import specfoundry

from .errors import InterruptedWriteError, WriteError
from .journal import journal_pending, recover_unlocked
from .lock import DEFAULT_TIMEOUT, locked
from .manifest import Manifest, read_manifest
from .tree import Emission, EmittedFile, Owner, sha256_hex, validate_emission


class Action(StrEnum):
    """What applying the plan does to one path."""

    ADD = "add"  # generator file, absent on disk: written
    CHANGE = "change"  # generator file we wrote, untouched since, new content: rewritten
    UNCHANGED = "unchanged"  # already has exactly the new content: not touched (mtime kept)
    DELETE = "delete"  # generator file we wrote, untouched, no longer produced: deleted
    CONFLICT = "conflict"  # hand-edited or unmanaged: nothing is written unless forced
    SCAFFOLD = "scaffold"  # user-owned file, absent and never offered before: created once
    KEEP = "keep"  # user-owned file that exists, or that the user deleted: left alone


class ConflictKind(StrEnum):
    HAND_EDITED = "hand-edited"  # generator file edited since the last generate
    EDITED_STALE = "edited-stale"  # ... and no longer produced: deleting it would lose the edit
    UNMANAGED = "unmanaged"  # a file specfoundry never wrote is where a generated file goes
    IN_THE_WAY = "in-the-way"  # a directory, symlink or other file blocks a generated path


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """The decision for one path. ``content`` is what will be written (``None``: nothing or a
    removal); ``old_content`` is the regular file currently on disk, kept for diffs."""

    path: PurePosixPath
    action: Action
    owner: Owner
    note: str
    content: bytes | None = None
    old_content: bytes | None = None
    conflict: ConflictKind | None = None


@dataclass(frozen=True, slots=True)
class WritePlan:
    """Everything :func:`apply` needs, and everything a dry run shows.

    ``previous_manifest`` is the raw manifest on disk when planning; together with ``entries``
    it lets :func:`apply` detect that the folder changed after planning.
    """

    out_dir: Path
    emission: Emission
    entries: tuple[PlannedFile, ...]
    manifest: Manifest
    previous_manifest: bytes | None
    recreate_scaffold: bool = False
    label: str = ""  # the output folder as the user spelled it, for messages

    @property
    def display(self) -> str:
        return self.label or str(self.out_dir)

    def of(self, action: Action) -> tuple[PlannedFile, ...]:
        return tuple(entry for entry in self.entries if entry.action is action)

    @property
    def conflicts(self) -> tuple[PlannedFile, ...]:
        return self.of(Action.CONFLICT)

    @property
    def manifest_changed(self) -> bool:
        return self.manifest.to_bytes() != self.previous_manifest

    @property
    def is_noop(self) -> bool:
        """True when applying would write, delete and create nothing at all."""
        idle = (Action.UNCHANGED, Action.KEEP)
        return not self.manifest_changed and all(e.action in idle for e in self.entries)

    def same_decisions(self, other: WritePlan) -> bool:
        return (
            self.entries == other.entries
            and self.previous_manifest == other.previous_manifest
            and self.manifest == other.manifest
        )


def plan(
    out_dir: str | os.PathLike[str],
    emission: Emission,
    *,
    recreate_scaffold: bool = False,
    recover: bool = True,
    lock_timeout: float = DEFAULT_TIMEOUT,
    inputs: str = "",
) -> WritePlan:
    """Classify every path of ``emission`` (and every path owned before) against ``out_dir``.

    Reads only, with one exception: if a previous generate was interrupted after committing
    (its journal is present), it is completed first, because planning against a half-written
    folder would report spurious conflicts. Pass ``recover=False`` (dry runs) to get an
    :class:`InterruptedWriteError` instead. ``recreate_scaffold=True`` re-creates user scaffold
    files the user deleted. ``inputs`` is recorded in the manifest (see :func:`is_current`).
    """
    root = Path(out_dir).absolute()
    validate_emission(emission)
    label = os.fspath(out_dir)
    if not root.exists():
        return plan_unlocked(
            root, emission, recreate_scaffold=recreate_scaffold, label=label, inputs=inputs
        )
    if not root.is_dir():
        raise WriteError(f"output path {out_dir} exists and is not a directory")
    # Exclusive when we may recover (that writes); dry runs only read and share the lock.
    with locked(root, timeout=lock_timeout, shared=not recover):
        if recover:
            recover_unlocked(root)
        return plan_unlocked(
            root, emission, recreate_scaffold=recreate_scaffold, label=label, inputs=inputs
        )


def plan_unlocked(
    root: Path,
    emission: Emission,
    *,
    recreate_scaffold: bool,
    label: str = "",
    inputs: str = "",
) -> WritePlan:
    """:func:`plan` for a caller that already holds the lock (``apply`` re-plans this way)."""
    try:
        return _plan(
            root, emission, recreate_scaffold=recreate_scaffold, label=label, inputs=inputs
        )
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        raise WriteError(f"cannot read{where} in {label or root}: {exc.strerror}") from None


def _plan(
    root: Path, emission: Emission, *, recreate_scaffold: bool, label: str, inputs: str
) -> WritePlan:
    if journal_pending(root):
        raise InterruptedWriteError(
            f"a previous generate into {label or root} was interrupted before it finished; run "
            f"`specfoundry generate` (without --dry-run) to complete it"
        )
    by_path = validate_emission(emission)
    old, raw = read_manifest(root) if root.exists() else (None, None)
    owned = dict(old.files) if old else {}
    offered = old.scaffold if old else frozenset()

    entries: dict[PurePosixPath, PlannedFile] = {}
    # 1. Owned before, not produced now (a user file with the same path now is left alone).
    removals: set[PurePosixPath] = set()
    for path, digest in owned.items():
        if path in by_path:
            continue
        entry = _classify_stale(root, path, digest)
        if entry is not None:
            entries[path] = entry
            if entry.action is Action.DELETE:
                removals.add(path)
    # 2. Produced now (sorted: the first path under a blocker names it in the note).
    for path, item in sorted(by_path.items()):
        blocker = _blocking_ancestor(root, path)
        if blocker is not None and not (blocker in owned and _is_file(root / blocker)):
            if blocker not in entries:
                entries[blocker] = _in_the_way(root, blocker, path)
            entries[path] = _fresh(item, note="new (after moving what is in the way)")
            continue
        if item.owner == "user":
            entries[path] = _classify_user(root, item, offered, recreate_scaffold)
        else:
            entries[path] = _classify_generated(root, item, owned.get(path), offered, removals)

    new_manifest = Manifest.build(
        specfoundry.__version__,
        {p: i.sha256 for p, i in by_path.items() if i.owner == "generator"},
        {p for p, i in by_path.items() if i.owner == "user"},
        inputs,
    )
    return WritePlan(
        out_dir=root,
        emission=emission,
        entries=tuple(entries[p] for p in sorted(entries)),
        manifest=new_manifest,
        previous_manifest=raw,
        recreate_scaffold=recreate_scaffold,
        label=label,
    )


def _fresh(item: EmittedFile, *, note: str) -> PlannedFile:
    action = Action.SCAFFOLD if item.owner == "user" else Action.ADD
    return PlannedFile(item.path, action, item.owner, note, content=item.content)


def _classify_stale(root: Path, path: PurePosixPath, digest: str) -> PlannedFile | None:
    """An owned file that is no longer produced: delete it if untouched, else conflict."""
    if _blocking_ancestor(root, path) is not None:
        return None  # its parent is no longer a directory: the file is already gone
    st = _lstat(root / path)
    if st is None or not stat.S_ISREG(st.st_mode):
        return None  # gone, or replaced by the user with something else: not ours any more
    current = (root / path).read_bytes()
    if sha256_hex(current) == digest:
        return PlannedFile(path, Action.DELETE, "generator", "no longer generated")
    return PlannedFile(
        path,
        Action.CONFLICT,
        "generator",
        "no longer generated, but edited by hand since the last generate",
        old_content=current,
        conflict=ConflictKind.EDITED_STALE,
    )


def _classify_user(
    root: Path, item: EmittedFile, offered: frozenset[PurePosixPath], recreate: bool
) -> PlannedFile:
    """User files: created once when absent; never modified; not re-created once deleted."""
    if _lstat(root / item.path) is not None:
        return PlannedFile(item.path, Action.KEEP, "user", "user file, left as is")
    if item.path in offered and not recreate:
        return PlannedFile(
            item.path, Action.KEEP, "user", "user file deleted by the user, not re-created"
        )
    return _fresh(item, note="user scaffold, created once")


def _classify_generated(
    root: Path,
    item: EmittedFile,
    recorded: str | None,
    offered: frozenset[PurePosixPath],
    removals: set[PurePosixPath],
) -> PlannedFile:
    path, target = item.path, root / item.path
    st = _lstat(target)
    if st is None:
        note = "missing on disk, restored" if recorded else "new"
        return _fresh(item, note=note)
    if stat.S_ISDIR(st.st_mode):
        if _only_removals_under(root, path, removals):
            return _fresh(item, note="new (replaces a directory of stale generated files)")
        return _in_the_way(root, path, path, content=item.content)
    if not stat.S_ISREG(st.st_mode):
        return _in_the_way(root, path, path, content=item.content)
    current = target.read_bytes()
    on_disk = sha256_hex(current)
    if on_disk == item.sha256:
        note = "unchanged" if recorded else "already has the generated content, now managed"
        return PlannedFile(path, Action.UNCHANGED, "generator", note)
    if recorded == on_disk:
        return PlannedFile(
            path, Action.CHANGE, "generator", "changed", content=item.content, old_content=current
        )
    if recorded is not None:
        kind, note = ConflictKind.HAND_EDITED, "edited by hand since the last generate"
    elif path in offered:
        kind, note = ConflictKind.UNMANAGED, "was a user file; specfoundry now generates it"
    else:
        kind, note = ConflictKind.UNMANAGED, "exists but was not written by specfoundry"
    return PlannedFile(
        path, Action.CONFLICT, "generator", note, item.content, current, conflict=kind
    )


def _in_the_way(
    root: Path, path: PurePosixPath, wanted: PurePosixPath, *, content: bytes | None = None
) -> PlannedFile:
    """Something that is not a regular file blocks ``wanted``; forcing moves it aside (and
    writes ``content`` in its place when the blocker sits at the wanted path itself)."""
    st = _lstat(root / path)
    what = (
        "a directory"
        if st is not None and stat.S_ISDIR(st.st_mode)
        else "a symlink"
        if st is not None and stat.S_ISLNK(st.st_mode)
        else "a file not written by specfoundry"
    )
    where = "here" if path == wanted else f"where {wanted} needs a directory"
    return PlannedFile(
        path,
        Action.CONFLICT,
        "generator",
        f"{what} is in the way {where}",
        content=content,
        conflict=ConflictKind.IN_THE_WAY,
    )


def _blocking_ancestor(root: Path, path: PurePosixPath) -> PurePosixPath | None:
    """The first ancestor of ``path`` that exists but is not a real directory (a file or a
    symlink, which could lead outside the output folder), or ``None``."""
    for ancestor in reversed(path.parents[:-1]):
        st = _lstat(root / ancestor)
        if st is None:
            return None
        if not stat.S_ISDIR(st.st_mode):
            return ancestor
    return None


def _only_removals_under(root: Path, path: PurePosixPath, removals: set[PurePosixPath]) -> bool:
    """Whether the directory at ``path`` holds nothing but files about to be deleted."""
    for dirpath, dirnames, filenames in os.walk(root / path):
        base = PurePosixPath(Path(dirpath).relative_to(root).as_posix())
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        if any(base / name not in removals for name in [*filenames, *links]):
            return False
    return True


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _is_file(path: Path) -> bool:
    st = _lstat(path)
    return st is not None and stat.S_ISREG(st.st_mode)
