"""Carry out a :class:`WritePlan` under the folder lock, atomically.

``apply`` trusts nothing it was handed: it takes the lock, completes any interrupted write,
plans again and refuses (``PlanOutdatedError``) if the folder changed since the caller's plan,
so that what a user reviewed is what gets written. Only files whose bytes change are written;
unchanged files keep their mtime, so build tools and editors see no churn.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import ConflictError, InterruptedWriteError, PlanOutdatedError, WriteError
from .journal import (
    Journal,
    Op,
    describe_os_error,
    discard,
    finalize,
    forward,
    recover_unlocked,
    rollback,
    stage_and_commit,
)
from .lock import DEFAULT_TIMEOUT, locked
from .plan import Action, PlannedFile, WritePlan, plan_unlocked


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What :func:`apply` did; every path is relative to ``out_dir`` and sorted."""

    out_dir: Path
    label: str
    written: tuple[PurePosixPath, ...]
    deleted: tuple[PurePosixPath, ...]
    scaffolded: tuple[PurePosixPath, ...]
    backups: tuple[tuple[PurePosixPath, PurePosixPath], ...]
    unchanged: int
    manifest_written: bool

    @property
    def files_touched(self) -> int:
        return len(self.written) + len(self.deleted) + len(self.scaffolded)


def apply(
    write_plan: WritePlan, *, force: bool = False, lock_timeout: float = DEFAULT_TIMEOUT
) -> WriteResult:
    """Make the output folder match ``write_plan``.

    With conflicts and ``force=False`` raises :class:`ConflictError` and writes nothing. With
    ``force=True`` conflicting files are overwritten (or removed) and their previous content is
    kept beside them as ``<name>.orig``. User-owned files are only ever created, never
    modified or deleted. Raises :class:`WriteError` subclasses only.
    """
    root = write_plan.out_dir
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot create output folder {root}: {describe_os_error(exc)}") from None
    with locked(root, timeout=lock_timeout):
        recover_unlocked(root)
        current = plan_unlocked(
            root,
            write_plan.emission,
            recreate_scaffold=write_plan.recreate_scaffold,
            inputs=write_plan.manifest.inputs,
            label=write_plan.label,
        )
        if not current.same_decisions(write_plan):
            raise PlanOutdatedError(
                f"{write_plan.display} changed after it was planned (another run or an "
                f"editor wrote to it); nothing was written, run the command again"
            )
        if current.conflicts and not force:
            raise ConflictError(write_plan.display, current.conflicts)
        return _execute(current)


def _execute(write_plan: WritePlan) -> WriteResult:
    root = write_plan.out_dir
    removals: list[Op] = []
    puts: list[Op] = []
    contents: dict[str, bytes] = {}
    # Deepest first, so a folder is emptied before the folder itself is moved aside.
    by_depth = sorted(write_plan.entries, key=lambda e: (-len(e.path.parts), e.path))
    for entry in by_depth:
        if _removes(entry):
            removals.append(Op(entry.path, None, f"old/{len(removals)}-r", _forced(entry)))
    for entry in write_plan.entries:
        if _writes(entry):
            name = f"new/{len(puts)}"
            contents[name] = entry.content or b""
            puts.append(Op(entry.path, name, f"old/{len(puts)}-p", _forced(entry)))

    if not removals and not puts and not write_plan.manifest_changed:
        return _result(write_plan, (), False)

    new_dirs = sorted({p for op in puts for p in op.path.parents[:-1] if not (root / p).is_dir()})
    journal = Journal(tuple(removals), tuple(puts), tuple(new_dirs), write_plan.manifest.to_bytes())
    try:
        stage_and_commit(root, journal, contents)
    except OSError as exc:
        raise WriteError(
            f"could not stage files in {root}: {describe_os_error(exc)}; nothing was changed"
        ) from None
    try:
        forward(root, journal)
    except (OSError, WriteError) as exc:
        reason = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
        try:
            rollback(root, journal)
            discard(root)
        except OSError:
            raise InterruptedWriteError(
                f"writing {root} failed ({reason}) and could not be undone; run "
                f"`specfoundry generate` again to complete it"
            ) from None
        raise WriteError(
            f"writing {root} failed ({reason}); every change was rolled back, the folder is "
            f"as it was"
        ) from None
    try:
        backups = finalize(root, journal)
    except OSError as exc:
        raise InterruptedWriteError(
            f"{root} was written but the final step failed ({describe_os_error(exc)}); run "
            f"`specfoundry generate` again to complete it"
        ) from None
    return _result(write_plan, backups, True)


def _writes(entry: PlannedFile) -> bool:
    return entry.content is not None and entry.action in (
        Action.ADD,
        Action.CHANGE,
        Action.SCAFFOLD,
        Action.CONFLICT,
    )


def _removes(entry: PlannedFile) -> bool:
    return entry.action is Action.DELETE or (entry.action is Action.CONFLICT and not _writes(entry))


def _forced(entry: PlannedFile) -> bool:
    return entry.action is Action.CONFLICT


def _result(
    write_plan: WritePlan,
    backups: tuple[tuple[PurePosixPath, PurePosixPath], ...],
    manifest_written: bool,
) -> WriteResult:
    entries = write_plan.entries
    return WriteResult(
        out_dir=write_plan.out_dir,
        label=write_plan.display,
        written=tuple(e.path for e in entries if _writes(e) and e.owner == "generator"),
        deleted=tuple(e.path for e in entries if _removes(e)),
        scaffolded=tuple(e.path for e in entries if e.action is Action.SCAFFOLD),
        backups=tuple(sorted(backups)),
        unchanged=sum(1 for e in entries if e.action is Action.UNCHANGED),
        manifest_written=manifest_written,
    )
