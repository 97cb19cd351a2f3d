"""Incremental regeneration (``.specfoundry/format-cache.json``) gives the bytes a full one does.

A regeneration takes from disk every module whose rendered text and ruff settings are those of
the last generation, and runs ruff only over the others. These tests regenerate after an edit
with and without that cache, and against a fresh generation, and compare every file.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specfoundry.cli import app
from specfoundry.emit.service import format_cache
from specfoundry.emit.service.format_cache import CACHE_NAME, FormatCache

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NEW_FIELD = "      bench_note: {type: string, max_length: 40}\n"


def _generate(spec: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(app, ["generate", str(spec), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".specfoundry" not in p.relative_to(root).parts
    }


class _Counting:
    """Counts cache hits and modules sent to ruff during one generation."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.hits = 0
        self.formatted = 0
        lookup, store = FormatCache.lookup, FormatCache.store

        def counting_lookup(
            cache: FormatCache, path: object, key: str, rendered: bytes = b""
        ) -> bytes | None:
            found = lookup(cache, path, key, rendered)  # type: ignore[arg-type]
            self.hits += found is not None
            return found

        def counting_store(cache: FormatCache, path: object, key: str, content: bytes) -> None:
            self.formatted += 1
            store(cache, path, key, content)  # type: ignore[arg-type]

        monkeypatch.setattr(format_cache.FormatCache, "lookup", counting_lookup)
        monkeypatch.setattr(format_cache.FormatCache, "store", counting_store)


def _add_field(text: str) -> str:
    anchor = "      body: {type: text}\n"
    assert anchor in text
    return text.replace(anchor, anchor + NEW_FIELD)


def _add_entity(text: str) -> str:
    """A new entity with its rules and resource: tests/test_rls.py and friends change."""
    text = _add_field(text)
    for anchor, addition in (
        ("entities:\n", "  tag:\n    fields:\n      label: {type: string, max_length: 30}\n"),
        (
            "  rules:\n",
            "    tag:\n      read: [reader]\n      list: [reader]\n      create: [writer]\n",
        ),
        (
            "  resources:\n",
            "    tags:\n      entity: tag\n      operations: [list, read, create]\n",
        ),
    ):
        assert anchor in text
        text = text.replace(anchor, anchor + addition, 1)
    return text


@pytest.mark.parametrize("edit", [_add_field, _add_entity], ids=["add a field", "add an entity"])
def test_an_edit_regenerates_incrementally_and_byte_identically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[str], str]
) -> None:
    spec = tmp_path / "spec.yaml"
    shutil.copy(EXAMPLES / "minimal" / "spec.yaml", spec)
    cached, uncached, fresh = tmp_path / "cached", tmp_path / "uncached", tmp_path / "fresh"
    _generate(spec, cached)
    assert (cached / ".specfoundry" / CACHE_NAME).is_file()
    shutil.copytree(cached, uncached)
    (uncached / ".specfoundry" / CACHE_NAME).unlink()

    spec.write_text(edit(spec.read_text()))

    counts = _Counting(monkeypatch)
    _generate(spec, cached)
    assert counts.hits > 0, "nothing came from the cache"
    assert 0 < counts.formatted < counts.hits, "the edit should reformat only a few modules"
    monkeypatch.undo()
    _generate(spec, uncached)
    _generate(spec, fresh)

    incremental, full = _tree(cached), _tree(uncached)
    assert incremental == full
    assert any("bench_note" in c.decode() for p, c in incremental.items() if p.endswith(".py"))
    # A fresh generation differs only in the migration history (one revision, not two).
    history = ("migrations/versions/",)
    assert {p: c for p, c in incremental.items() if not p.startswith(history)} == {
        p: c for p, c in _tree(fresh).items() if not p.startswith(history)
    }


def test_a_cached_module_edited_on_disk_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "spec.yaml"
    shutil.copy(EXAMPLES / "minimal" / "spec.yaml", spec)
    out, reference = tmp_path / "out", tmp_path / "reference"
    _generate(spec, out)
    _generate(spec, reference)
    target = out / "notes" / "models.py"
    target.write_text(target.read_text() + "\n# edited by hand\n")

    counts = _Counting(monkeypatch)
    _generate(spec, out, "--force")  # overwrites the edit (keeping a .orig backup)
    assert counts.formatted >= 1, "the edited module must go through ruff again"
    tree = {p: c for p, c in _tree(out).items() if not p.endswith(".orig")}
    assert tree == _tree(reference)


def test_a_corrupt_cache_is_a_miss(tmp_path: Path) -> None:
    spec = EXAMPLES / "minimal" / "spec.yaml"
    out, reference = tmp_path / "out", tmp_path / "reference"
    _generate(spec, out)
    _generate(spec, reference)
    (out / ".specfoundry" / CACHE_NAME).write_text("{not json")
    _generate(spec, out, "--force")
    assert _tree(out) == _tree(reference)


def test_an_unchanged_regeneration_runs_no_ruff_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Revision files come back from disk formatted: ruff's own output is a hit too."""
    spec, out = EXAMPLES / "minimal" / "spec.yaml", tmp_path / "out"
    _generate(spec, out)
    before = _tree(out)
    counts = _Counting(monkeypatch)
    _generate(spec, out, "--force")  # --force skips the no-op fast path: a real emission
    assert counts.formatted == 0
    assert counts.hits > 0
    assert _tree(out) == before
