"""Emitted paths are validated once, so nothing later can write outside the output folder."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from specfoundry.write import EmissionError, EmittedFile, UnsafePathError, plan


@pytest.mark.parametrize(
    "bad",
    [
        "../evil.py",
        "app/../../evil.py",
        "/etc/passwd",
        "",
        ".",
        "a\\b.py",
        "C:/x.py",
        ".specfoundry/manifest.json",
        "nul\x00.py",
    ],
)
def test_paths_escaping_or_reserved_are_refused(bad: str) -> None:
    with pytest.raises(UnsafePathError):
        EmittedFile(PurePosixPath(bad), b"x")


def test_paths_are_normalised() -> None:
    item = EmittedFile(PurePosixPath("./app/./main.py"), b"x")
    assert item.path == PurePosixPath("app/main.py")
    assert EmittedFile("app/x.py", b"").path == PurePosixPath("app/x.py")  # type: ignore[arg-type]


def test_unknown_owner_and_str_content_are_refused() -> None:
    with pytest.raises(EmissionError):
        EmittedFile(PurePosixPath("a"), b"x", "someone")  # type: ignore[arg-type]
    with pytest.raises(EmissionError):
        EmittedFile(PurePosixPath("a"), "text")  # type: ignore[arg-type]


def test_duplicate_paths_are_refused(tmp_path) -> None:
    twice = (EmittedFile(PurePosixPath("a.py"), b"1"), EmittedFile(PurePosixPath("a.py"), b"2"))
    with pytest.raises(EmissionError, match="produced twice"):
        plan(tmp_path / "out", twice)


def test_file_that_is_also_a_directory_is_refused(tmp_path) -> None:
    clash = (EmittedFile(PurePosixPath("a"), b"1"), EmittedFile(PurePosixPath("a/b.py"), b"2"))
    with pytest.raises(EmissionError, match="needs it to be a directory"):
        plan(tmp_path / "out", clash)
