"""Concurrent runs on one folder are serialised by a kernel lock, or fail clearly."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest
from _writetest import make_emission, snapshot

from specfoundry.write import LockTimeoutError, PlanOutdatedError, apply, check, plan
from specfoundry.write.lock import locked

CTX = multiprocessing.get_context("fork")


def _hold_lock(out: str, ready, release) -> None:  # type: ignore[no-untyped-def]
    with locked(Path(out)):
        ready.set()
        release.wait(10)


def _generate_many(out: str, tag: str, rounds: int, errors) -> None:  # type: ignore[no-untyped-def]
    files = {f"app/{tag}_{i}.py": f"{tag} {i}\n" for i in range(20)}
    files["shared.py"] = f"by {tag}\n"
    for _ in range(rounds):
        try:
            apply(plan(out, make_emission(files)), force=True, lock_timeout=20)
        except PlanOutdatedError:
            pass  # the other process wrote between our plan and apply: a clear, safe refusal
        except Exception as exc:
            errors.put(f"{type(exc).__name__}: {exc}")


@pytest.fixture
def holder(out: Path):  # type: ignore[no-untyped-def]
    out.mkdir()
    ready, release = CTX.Event(), CTX.Event()
    proc = CTX.Process(target=_hold_lock, args=(str(out), ready, release))
    proc.start()
    assert ready.wait(10)
    yield release
    release.set()
    proc.join(10)


def test_second_run_waits_for_the_first(out: Path, holder) -> None:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    CTX.Process(target=lambda: (time.sleep(0.4), holder.set())).start()
    apply(plan(out, make_emission({"a.py": "a\n"}), lock_timeout=10), lock_timeout=10)
    assert time.monotonic() - start >= 0.35
    assert snapshot(out) == {"a.py": b"a\n"}


def test_run_fails_clearly_after_the_timeout(out: Path, holder) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(
        LockTimeoutError, match=r"another specfoundry run is using .* \(waited 0\.2s\)"
    ):
        apply(plan(out, (), lock_timeout=0.2), lock_timeout=0.2)
    with pytest.raises(LockTimeoutError):
        check(out, make_emission({"a.py": "a\n"}), lock_timeout=0.2)
    assert list(out.iterdir()) == []  # nothing written, not even a lock file


def test_checks_share_the_lock_but_wait_for_writers(out: Path) -> None:
    apply(plan(out, make_emission({"a.py": "a\n"})))
    with locked(out, shared=True):
        assert check(out, make_emission({"a.py": "a\n"}), lock_timeout=0).up_to_date
        with pytest.raises(LockTimeoutError):
            apply(plan(out, make_emission({"a.py": "b\n"}), lock_timeout=0.1), lock_timeout=0.1)


def test_concurrent_processes_never_mix_their_trees(out: Path) -> None:
    errors = CTX.Queue()
    procs = [
        CTX.Process(target=_generate_many, args=(str(out), tag, 5, errors)) for tag in ("x", "y")
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    assert errors.empty(), errors.get()
    final = snapshot(out)
    tag = final["shared.py"].decode().split()[-1]
    assert sorted(final) == sorted([f"app/{tag}_{i}.py" for i in range(20)] + ["shared.py"])
    assert not (out / ".specfoundry/journal.json").exists()
