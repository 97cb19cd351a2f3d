"""Read ``REV:PATH`` from git into a temporary folder, never touching the working tree.

``git archive`` writes the whole subtree in one process; files keep their repo-relative paths
under the temporary root, so diagnostics and annotations name the files as the repo does.
"""

from __future__ import annotations

import io
import posixpath
import shutil
import subprocess
import tarfile
from pathlib import Path

from specfoundry.diff.errors import DiffInputError

TIMEOUT = 60


def _git(args: list[str], cwd: Path) -> bytes:
    if shutil.which("git") is None:
        raise DiffInputError("git is not installed, so REV:PATH arguments cannot be read")
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, timeout=TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffInputError(f"git {' '.join(args)} failed: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffInputError(f"git: {message[-1] if message else 'failed'}")
    return done.stdout


def materialise(rev: str, path: str, cwd: Path, into: Path) -> str:
    """Write ``rev:path`` under ``into``; returns its repo-relative path ('' for the root)."""
    if rev.startswith("-"):
        raise DiffInputError(f"{rev}: not a git revision")
    try:
        _git(["rev-parse", "--is-inside-work-tree"], cwd)
    except DiffInputError:
        raise DiffInputError(f"{rev}:{path}: {cwd} is not inside a git repository") from None
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd)
    except DiffInputError:
        raise DiffInputError(f"{rev}: unknown git revision") from None
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    prefix = _git(["rev-parse", "--show-prefix"], cwd).decode().strip()
    relative = posixpath.normpath(posixpath.join(prefix, path))
    relative = "" if relative == "." else relative
    if relative.startswith(".."):
        raise DiffInputError(f"{rev}:{path}: outside the repository")
    spec = f"{rev}:{relative}"
    try:
        kind = _git(["cat-file", "-t", spec], top).decode().strip()
    except DiffInputError:
        raise DiffInputError(f"{spec}: no such path in revision {rev}") from None
    if kind == "blob":
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_git(["cat-file", "blob", spec], top))
        return relative
    if kind != "tree":
        raise DiffInputError(f"{spec}: not a file or folder")
    archive = _git(["archive", "--format=tar", rev, "--", relative or "."], top)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return relative
