"""The no-op fast path: is the output folder already what these inputs would produce?

Emitting a large service costs seconds (rendering, ruff, contract validation). When the
manifest says the folder was produced from the same inputs by this generator version, and
every owned file still has the hash the manifest recorded, the emission would be identical
byte for byte (emitters are deterministic), so ``generate`` and ``check`` can stop early.
Any doubt (no manifest, another version, a file edited or missing, an interrupted write)
answers False and the caller takes the full path, which reports the details.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import specfoundry

from .errors import WriteError
from .journal import journal_pending
from .lock import DEFAULT_TIMEOUT, locked
from .manifest import read_manifest
from .tree import sha256_hex


def fingerprint(*parts: bytes) -> str:
    """A stable digest of the inputs of an emission (length-prefixed so parts cannot merge)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def is_current(
    out_dir: str | os.PathLike[str], inputs: str, *, lock_timeout: float = DEFAULT_TIMEOUT
) -> bool:
    root = Path(out_dir).absolute()
    if not inputs or not root.is_dir():
        return False
    try:
        with locked(root, timeout=lock_timeout, shared=True):
            if journal_pending(root):
                return False
            manifest, _ = read_manifest(root)
            if (
                manifest is None
                or manifest.inputs != inputs
                or manifest.generator_version != specfoundry.__version__
            ):
                return False
            for path, digest in manifest.files.items():
                target = root / path
                if target.is_symlink() or not target.is_file():
                    return False
                if sha256_hex(target.read_bytes()) != digest:
                    return False
    except (WriteError, OSError):
        return False
    return True
