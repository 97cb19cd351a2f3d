"""Helpers for the write-layer tests: tiny emissions and snapshots of an output folder."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from specfoundry.write import Emission, EmittedFile


def make_emission(files: dict[str, str], user: dict[str, str] | None = None) -> Emission:
    """Generator files from ``files``, user scaffold files from ``user``."""
    items = [EmittedFile(PurePosixPath(p), c.encode(), "generator") for p, c in files.items()]
    items += [EmittedFile(PurePosixPath(p), c.encode(), "user") for p, c in (user or {}).items()]
    return tuple(items)


def snapshot(root: Path, *, include_state: bool = False) -> dict[str, bytes]:
    """Every file under ``root`` by relative path; ``.specfoundry/`` only if asked (and then
    only the manifest, since journal and staging are transient)."""
    found: dict[str, bytes] = {}
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if rel.startswith(".specfoundry/") and not (
                include_state and rel == ".specfoundry/manifest.json"
            ):
                continue
            found[rel] = path.read_bytes()
    return found


def directories(root: Path) -> set[str]:
    return {
        (Path(d).relative_to(root).as_posix())
        for d, _, _ in os.walk(root)
        if not Path(d).relative_to(root).as_posix().startswith(".specfoundry")
    } - {"."}


def mtimes(root: Path) -> dict[str, int]:
    return {rel: (root / rel).stat().st_mtime_ns for rel in snapshot(root, include_state=True)}


def age_files(root: Path) -> None:
    """Push every mtime one hour back, so a rewrite is visible even on coarse clocks."""
    for rel in snapshot(root, include_state=True):
        st = (root / rel).stat()
        os.utime(root / rel, ns=(st.st_atime_ns, st.st_mtime_ns - 3_600_000_000_000))
