"""Serialise specfoundry runs on one output folder.

Two ``generate`` runs on the same folder would interleave their renames and corrupt each
other's journal, so every run holds an ``fcntl.flock`` for as long as it reads or writes the
folder. The lock is taken on the output *directory itself* (an open directory descriptor), not
on a lock file: read-only operations (``--dry-run``, ``check``) then leave no trace in a folder
specfoundry has never written, and there is no stale lock file to clean up after a crash,
because the kernel drops ``flock`` locks when the process dies.

Writers take the lock exclusively; ``check`` takes it shared, so checks never block each other
but never observe a half-applied write. Linux/macOS only (``fcntl``).
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import LockTimeoutError, WriteError

DEFAULT_TIMEOUT = 30.0
_POLL_INTERVAL = 0.05


@contextmanager
def locked(
    out_dir: Path, *, timeout: float = DEFAULT_TIMEOUT, shared: bool = False
) -> Iterator[None]:
    """Hold the lock on ``out_dir`` (which must exist) for the duration of the ``with`` block.

    Waits up to ``timeout`` seconds (0 = fail at once) for another run to finish, then raises
    :class:`LockTimeoutError` naming the folder.
    """
    try:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise WriteError(f"cannot open output folder {out_dir}: {exc.strerror}") from None
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise WriteError(
                        f"cannot lock output folder {out_dir}: {exc.strerror}"
                    ) from None
                if time.monotonic() >= deadline:
                    raise LockTimeoutError(
                        f"another specfoundry run is using {out_dir} (waited {timeout:g}s); "
                        f"wait for it to finish and try again"
                    ) from None
                time.sleep(_POLL_INTERVAL)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
