"""An interrupted generate leaves the folder old or new, never half-written, and recovers.

Crashes are simulated by making ``os.replace`` (the only call that moves files into place)
fail after N successful calls, for every N a real apply makes:

* an ``OSError`` is a failure *inside* the process (disk full, permissions): ``apply`` must
  roll back by itself or, past the point of no return, leave a journal the next run completes;
* a ``BaseException`` that ``apply`` does not catch stands for the process being killed: the
  folder is then repaired by the next run, which must land on exactly the old or the new tree.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from _writetest import directories, make_emission, snapshot

from specfoundry.write import InterruptedWriteError, WriteError, apply, check, plan


@dataclass(frozen=True)
class Scenario:
    old: dict[str, str]
    new: dict[str, str]
    user_old: dict[str, str]
    user_new: dict[str, str]
    edit: str | None = None  # a generated file edited by hand before the run (needs --force)

    @property
    def force(self) -> bool:
        return self.edit is not None


USER_OLD = {"app/user/guards.py": "guards\n"}
USER_NEW = {**USER_OLD, "app/user/effects.py": "effects\n"}
OLD = {
    "app/main.py": "main v1\n",
    "app/models/user.py": "user v1\n",
    "app/models/order.py": "order v1\n",
    "openapi.json": "{}\n",
}
NEW = {
    "app/main.py": "main v2\n",
    "app/entities/user.py": "user v2\n",
    "app/models/order.py": "order v2\n",
    "app/new.py": "new\n",
    "openapi.json": "{}\n",
}
# Files that become folders and folders that become files: the hardest renames to redo.
RESHAPE_OLD = {"pkg": "a module\n", "lib/x.py": "x\n", "lib/deep/y.py": "y\n", "keep.py": "k\n"}
RESHAPE_NEW = {"pkg/__init__.py": "now a package\n", "lib": "now a file\n", "keep.py": "k2\n"}
SCENARIOS = {
    "plain": Scenario(OLD, NEW, USER_OLD, USER_NEW),
    "forced": Scenario(OLD, NEW, USER_OLD, USER_NEW, edit="app/main.py"),
    "reshape": Scenario(RESHAPE_OLD, RESHAPE_NEW, {}, {"pkg/ext.py": "user\n"}),
    "reshape-forced": Scenario(RESHAPE_OLD, RESHAPE_NEW, {}, {}, edit="lib/deep/y.py"),
}
scenarios = pytest.mark.parametrize("sc", list(SCENARIOS.values()), ids=list(SCENARIOS))


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the write layer may catch it."""


def prepare(out: Path, sc: Scenario) -> None:
    apply(plan(out, make_emission(sc.old, sc.user_old)))
    if sc.edit:
        (out / sc.edit).write_text("hand edit\n")


def run_new(out: Path, sc: Scenario) -> None:
    apply(plan(out, make_emission(sc.new, sc.user_new)), force=sc.force)


def state(out: Path) -> tuple[dict[str, bytes], set[str]]:
    """Every file (manifest included) and every folder: what "old or new" compares."""
    return snapshot(out, include_state=True), directories(out)


def reference(tmp_path: Path, sc: Scenario) -> tuple[object, object]:
    """The old and new states, from an uninterrupted run."""
    ref = tmp_path / "reference"
    prepare(ref, sc)
    old = state(ref)
    run_new(ref, sc)
    return old, state(ref)


@contextmanager
def failing_replace(after: int, exc: BaseException, *, once: bool = False) -> Iterator[list[int]]:
    """``os.replace`` succeeds ``after`` times, then raises ``exc`` (every time, or once)."""
    real, calls, failed = os.replace, [0], [False]

    def replace(src, dst, **kw):  # type: ignore[no-untyped-def]
        if calls[0] >= after and not (once and failed[0]):
            failed[0] = True
            raise exc
        calls[0] += 1
        return real(src, dst, **kw)

    os.replace = replace  # type: ignore[assignment]
    try:
        yield calls
    finally:
        os.replace = real


def count_replaces(tmp_path: Path, sc: Scenario) -> int:
    probe = tmp_path / "probe"
    prepare(probe, sc)
    with failing_replace(10**9, Killed()) as calls:
        run_new(probe, sc)
    return calls[0]


def no_leftovers(out: Path) -> bool:
    state = out / ".specfoundry"
    return not (state / "journal.json").exists() and not (state / "staging").exists()


@scenarios
def test_in_process_failure_rolls_back_or_is_completed_next_run(
    tmp_path: Path, sc: Scenario
) -> None:
    old, new = reference(tmp_path, sc)
    total = count_replaces(tmp_path, sc)
    assert total > 5
    for n in range(total):
        out = tmp_path / f"soft-{n}"
        prepare(out, sc)
        with (
            failing_replace(n, OSError(errno.EIO, "I/O error")),
            pytest.raises(WriteError) as caught,
        ):
            run_new(out, sc)
        if isinstance(caught.value, InterruptedWriteError):
            # Past the point of no return: the next run completes it.
            assert "run `specfoundry generate` again" in str(caught.value)
        else:
            assert "rolled back" in str(caught.value) or "nothing was changed" in str(caught.value)
            assert state(out) == old, f"not the old tree after {n}"
            assert no_leftovers(out)
        run_new(out, sc)
        assert state(out) == new, f"not recovered after {n}"
        assert no_leftovers(out)


@scenarios
def test_one_off_failure_is_rolled_back_in_process(tmp_path: Path, sc: Scenario) -> None:
    """A single failing rename (the disk recovers at once): rollback restores the old tree."""
    old, new = reference(tmp_path, sc)
    total = count_replaces(tmp_path, sc)
    rolled_back = 0
    for n in range(total):
        out = tmp_path / f"once-{n}"
        prepare(out, sc)
        with (
            failing_replace(n, OSError(errno.ENOSPC, "No space left"), once=True),
            pytest.raises(WriteError) as caught,
        ):
            run_new(out, sc)
        if "rolled back" in str(caught.value):
            rolled_back += 1
            assert "No space left" in str(caught.value)
            assert state(out) == old, f"rollback after a failure at replace #{n}"
            assert no_leftovers(out)
        run_new(out, sc)
        assert state(out) == new
    assert rolled_back >= 3


@scenarios
def test_killed_process_leaves_old_or_new_after_recovery(tmp_path: Path, sc: Scenario) -> None:
    old, new = reference(tmp_path, sc)
    total = count_replaces(tmp_path, sc)
    outcomes = set()
    for n in range(total):
        out = tmp_path / f"kill-{n}"
        prepare(out, sc)
        with failing_replace(n, Killed()), pytest.raises(Killed):
            run_new(out, sc)
        pending = (out / ".specfoundry/journal.json").exists()
        if pending:
            # Read-only commands report the interruption instead of guessing.
            assert not check(out, make_emission(sc.new, sc.user_new)).up_to_date
            with pytest.raises(InterruptedWriteError, match="interrupted"):
                plan(out, make_emission(sc.new, sc.user_new), recover=False)
        # The next run (any plan) recovers before looking at the folder.
        plan(out, make_emission(sc.old, sc.user_old))
        after = state(out)
        assert after in (old, new), f"half-written after a kill at replace #{n}"
        assert after == (new if pending else old)
        assert no_leftovers(out)
        outcomes.add("new" if after == new else "old")
        run_new(out, sc)
        assert state(out) == new
    assert outcomes == {"old", "new"}


@scenarios
def test_recovery_itself_can_be_interrupted(tmp_path: Path, sc: Scenario) -> None:
    _, new = reference(tmp_path, sc)
    total = count_replaces(tmp_path, sc)
    for n in range(total):
        for m in range(4):
            out = tmp_path / f"twice-{n}-{m}"
            prepare(out, sc)
            with failing_replace(n, Killed()), pytest.raises(Killed):
                run_new(out, sc)
            if not (out / ".specfoundry/journal.json").exists():
                continue
            with failing_replace(m, Killed()), contextlib.suppress(Killed):
                plan(out, make_emission(sc.new))  # recovery killed at replace #m
            plan(out, make_emission(sc.new))
            assert state(out) == new, (n, m)


def test_unreadable_journal_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    prepare(out, SCENARIOS["plain"])
    (out / ".specfoundry/journal.json").write_text("{garbage")
    with pytest.raises(InterruptedWriteError, match=r"journal .* is unreadable"):
        plan(out, make_emission(NEW))


def test_leftover_staging_without_journal_is_discarded(tmp_path: Path) -> None:
    out = tmp_path / "out"
    prepare(out, SCENARIOS["plain"])
    before = snapshot(out, include_state=True)
    (out / ".specfoundry/staging/new").mkdir(parents=True)
    (out / ".specfoundry/staging/new/0").write_text("half staged")
    plan(out, make_emission(OLD, USER_OLD))
    assert no_leftovers(out)
    assert snapshot(out, include_state=True) == before


def test_tampered_journal_cannot_move_files_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    prepare(out, SCENARIOS["plain"])
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    journal = {
        "removals": [{"path": "../victim.txt", "staged": None, "stash": "old/0-r", "backup": 0}],
        "puts": [],
        "new_dirs": [],
        "manifest": "{}",
    }
    (out / ".specfoundry/journal.json").write_text(json.dumps(journal))
    with pytest.raises(InterruptedWriteError, match="unreadable"):
        plan(out, make_emission(OLD))
    journal["removals"] = [{"path": "x", "staged": None, "stash": "../../../x", "backup": 0}]
    (out / ".specfoundry/journal.json").write_text(json.dumps(journal))
    with pytest.raises(InterruptedWriteError, match="unreadable"):
        plan(out, make_emission(OLD))
    assert victim.read_text() == "keep me\n"
