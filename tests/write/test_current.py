"""The no-op fast path answers True only when nothing could have changed."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from specfoundry.write import EmittedFile, apply, fingerprint, is_current, plan
from specfoundry.write.manifest import read_manifest

EMISSION = (
    EmittedFile(PurePosixPath("pkg/a.py"), b"A = 1\n", "generator"),
    EmittedFile(PurePosixPath("pkg_ext/hooks.py"), b"# yours\n", "user"),
)


def _generate(out: Path, inputs: str) -> None:
    apply(plan(out, EMISSION, inputs=inputs))


def test_same_inputs_and_untouched_files_are_current(tmp_path: Path) -> None:
    inputs = fingerprint(b"spec", b"v1")
    _generate(tmp_path, inputs)
    assert is_current(tmp_path, inputs)
    manifest, _ = read_manifest(tmp_path)
    assert manifest is not None and manifest.inputs == inputs


def test_other_inputs_are_not_current(tmp_path: Path) -> None:
    _generate(tmp_path, fingerprint(b"spec"))
    assert not is_current(tmp_path, fingerprint(b"spec", b"edited"))


def test_hand_edit_or_deletion_is_not_current(tmp_path: Path) -> None:
    inputs = fingerprint(b"spec")
    _generate(tmp_path, inputs)
    (tmp_path / "pkg/a.py").write_text("A = 2\n")
    assert not is_current(tmp_path, inputs)
    (tmp_path / "pkg/a.py").unlink()
    assert not is_current(tmp_path, inputs)


def test_user_edits_do_not_matter(tmp_path: Path) -> None:
    inputs = fingerprint(b"spec")
    _generate(tmp_path, inputs)
    (tmp_path / "pkg_ext/hooks.py").write_text("def on_cancel(): ...\n")
    assert is_current(tmp_path, inputs)


def test_no_manifest_or_no_inputs_is_not_current(tmp_path: Path) -> None:
    assert not is_current(tmp_path, fingerprint(b"spec"))
    _generate(tmp_path, "")
    assert not is_current(tmp_path, "")


def test_fingerprint_parts_do_not_merge() -> None:
    assert fingerprint(b"ab", b"c") != fingerprint(b"a", b"bc")
