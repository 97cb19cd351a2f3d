"""``.specfoundry/manifest.json``: what specfoundry wrote last time.

The manifest is what lets a regeneration tell *its own* stale output (safe to delete or
overwrite) from a user's hand edits and unrelated files (never touched silently). It records
the sha256 of every generator-owned file as written and every user-owned scaffold path ever
offered, so a scaffold the user deleted on purpose is not re-created.

It is output too, so it is deterministic: sorted keys, sorted paths, no timestamps, no
absolute paths, trailing newline. Identical runs produce byte-identical manifests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from .errors import ManifestError, UnsafePathError
from .tree import STATE_DIR, check_relative_path

FORMAT = 1
MANIFEST_NAME = "manifest.json"


def manifest_path(out_dir: Path) -> Path:
    return out_dir / STATE_DIR / MANIFEST_NAME


@dataclass(frozen=True, slots=True)
class Manifest:
    """Generator version, ``path -> sha256`` of owned files, and known scaffold paths."""

    generator_version: str
    files: MappingProxyType[PurePosixPath, str] = field(
        default_factory=lambda: MappingProxyType({})
    )
    scaffold: frozenset[PurePosixPath] = frozenset()
    # Fingerprint of everything the emission was computed from (spec, generator, previous
    # output); equal inputs plus untouched files let `generate` skip emitting entirely.
    inputs: str = ""

    @classmethod
    def build(
        cls,
        generator_version: str,
        files: dict[PurePosixPath, str],
        scaffold: frozenset[PurePosixPath] | set[PurePosixPath],
        inputs: str = "",
    ) -> Manifest:
        return cls(generator_version, MappingProxyType(dict(files)), frozenset(scaffold), inputs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Manifest):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def to_bytes(self) -> bytes:
        """Canonical serialisation: the exact bytes written to disk."""
        doc: dict[str, Any] = {
            "format": FORMAT,
            "generator": {"name": "specfoundry", "version": self.generator_version},
            "files": {str(path): {"sha256": digest} for path, digest in self.files.items()},
            "scaffold": sorted(str(path) for path in self.scaffold),
        }
        if self.inputs:
            doc["inputs"] = self.inputs
        return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

    @classmethod
    def from_bytes(cls, raw: bytes, *, source: str) -> Manifest:
        """Parse and validate; every path is re-checked so a tampered manifest cannot make
        specfoundry delete files outside the output folder."""
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ManifestError(_bad(source, f"it is not valid JSON ({exc})")) from None
        if not isinstance(doc, dict):
            raise ManifestError(_bad(source, "the top level is not an object"))
        fmt = doc.get("format")
        if isinstance(fmt, int) and fmt > FORMAT:
            raise ManifestError(
                f"{source} was written by a newer specfoundry (manifest format {fmt}, this "
                f"version reads format {FORMAT}); upgrade specfoundry to regenerate this folder"
            )
        if fmt != FORMAT:
            raise ManifestError(_bad(source, f"unknown manifest format {fmt!r}"))
        try:
            version = _expect(doc["generator"]["version"], str)
            files_doc = _expect(doc["files"], dict)
            files: dict[PurePosixPath, str] = {}
            for key, entry in files_doc.items():
                digest = _expect(_expect(entry, dict)["sha256"], str)
                if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                    raise ManifestError(_bad(source, f"invalid sha256 for {key!r}"))
                files[check_relative_path(key, what="manifest path")] = digest
            scaffold = frozenset(
                check_relative_path(_expect(p, str), what="manifest path")
                for p in _expect(doc.get("scaffold", []), list)
            )
            inputs = _expect(doc.get("inputs", ""), str)
        except UnsafePathError as exc:
            raise ManifestError(_bad(source, str(exc))) from None
        except (KeyError, TypeError) as exc:
            raise ManifestError(_bad(source, f"missing or mistyped field {exc}")) from None
        return cls.build(version, dict(sorted(files.items())), scaffold, inputs)


def _expect(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _bad(source: str, why: str) -> str:
    return (
        f"{source} is corrupt: {why}. It records which files specfoundry owns; restore it "
        f"from version control, or delete it to treat every existing file as unmanaged"
    )


def read_manifest(out_dir: Path) -> tuple[Manifest | None, bytes | None]:
    """Return the parsed manifest and its raw bytes, or ``(None, None)`` when there is none."""
    path = manifest_path(out_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc.strerror}") from None
    return Manifest.from_bytes(raw, source=str(path)), raw
