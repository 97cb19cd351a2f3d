"""Skip ruff for modules whose rendered text did not change since the last generation.

``ruff check --fix`` and ``ruff format`` are pure functions of a module's path, its rendered
text, the ruff binary and the ruff settings (the generated ``pyproject.toml``). After a
generation, ``.specfoundry/format-cache.json`` in the output folder records, per module, a key
over those inputs and the sha256 of what ruff made of them. The next generation looks each
module up: when the key matches and the file on disk still has the recorded hash, the file's
bytes *are* ruff's output for that input, so the module is neither written to the temporary
tree nor formatted again. Anything else (no cache, another key, a file edited or missing, an
unreadable cache) is a miss, and the module goes through ruff as on a first generation, so the
result is byte-identical either way.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path, PurePosixPath

from specfoundry.write.current import fingerprint
from specfoundry.write.tree import STATE_DIR, sha256_hex

CACHE_NAME = "format-cache.json"
# Bump when the ruff invocation in emit_service changes (arguments, order of passes).
FORMAT = 2


def ruff_identity(command: list[str]) -> bytes:
    """What identifies the ruff that formats: its resolved binary's path, size and mtime."""
    parts = []
    for arg in command[:1]:
        try:
            stat = Path(arg).resolve().stat()
            parts.append(f"{Path(arg).resolve()}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(arg)
    if command[1:] == ["-m", "ruff"]:
        from importlib.metadata import PackageNotFoundError, version

        try:
            parts.append(version("ruff"))
        except PackageNotFoundError:  # pragma: no cover - ruff is a dependency
            parts.append("ruff?")
    return "\0".join(parts).encode()


class FormatCache:
    """Per-module ruff results of the last generation into ``out_dir`` (see module docs)."""

    def __init__(self, out_dir: Path | None) -> None:
        self.out_dir = out_dir
        self._old: dict[str, list[str]] = {}
        self._new: dict[str, list[str]] = {}
        self._old_settings: str | None = None
        self.settings = ""  # digest of the ruff binary and settings of this generation
        self.hits = 0
        if out_dir is None:
            return
        try:
            data = json.loads((out_dir / STATE_DIR / CACHE_NAME).read_text(encoding="utf-8"))
            if data.get("format") == FORMAT and isinstance(data.get("files"), dict):
                self._old_settings = str(data.get("settings"))
                self._old = {
                    str(k): v
                    for k, v in data["files"].items()
                    if isinstance(v, list) and len(v) == 2 and all(isinstance(s, str) for s in v)
                }
        except (OSError, ValueError, AttributeError):
            self._old = {}

    def use_settings(self, salt: bytes) -> None:
        """The ruff binary and settings (``ruff_identity`` + pyproject) of this generation."""
        self.settings = fingerprint(FORMAT.to_bytes(2, "big"), salt)

    @staticmethod
    def key(salt: bytes, path: PurePosixPath, content: bytes) -> str:
        return fingerprint(FORMAT.to_bytes(2, "big"), salt, str(path).encode(), content)

    def lookup(self, path: PurePosixPath, key: str, rendered: bytes = b"") -> bytes | None:
        """ruff's output for this module, when the last generation left it on disk.

        Also a hit: ``rendered`` is exactly what ruff made of this module last time (migration
        revisions are re-emitted from disk as they were written) and ruff and its settings
        are the same: ruff's output is a fixed point of ruff (``check --fix`` then ``format``),
        so it is its own result.
        """
        entry = self._old.get(str(path))
        if self.out_dir is None or entry is None:
            return None
        same_ruff = bool(self.settings) and self.settings == self._old_settings
        if entry[0] != key and not (same_ruff and rendered and sha256_hex(rendered) == entry[1]):
            return None
        target = self.out_dir / path
        try:
            if target.is_symlink():
                return None
            content = target.read_bytes()
        except OSError:
            return None
        if sha256_hex(content) != entry[1]:
            return None
        self.hits += 1
        self._new[str(path)] = entry
        return content

    def store(self, path: PurePosixPath, key: str, content: bytes) -> None:
        self._new[str(path)] = [key, sha256_hex(content)]

    def save(self) -> None:
        """Record this generation's results (after its files were written)."""
        if self.out_dir is None or not (self.out_dir / STATE_DIR).is_dir():
            return
        state = self.out_dir / STATE_DIR
        text = json.dumps(
            {"format": FORMAT, "settings": self.settings, "files": dict(sorted(self._new.items()))},
            indent=0,
        )
        fd, tmp = tempfile.mkstemp(dir=state, prefix=".format-cache-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            os.replace(tmp, state / CACHE_NAME)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
