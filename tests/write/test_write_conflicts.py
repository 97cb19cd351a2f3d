"""Hand edits and foreign files are never overwritten silently; --force keeps a backup."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _writetest import make_emission, snapshot

from specfoundry.write import (
    Action,
    ConflictError,
    ConflictKind,
    ManifestError,
    PlanOutdatedError,
    apply,
    plan,
)

BASE = {"app/main.py": "main v1\n", "app/routes.py": "routes v1\n"}


def generate(out: Path, files: dict[str, str], **kw):
    return apply(plan(out, make_emission(files)), **kw)


def test_hand_edit_is_detected_and_nothing_is_written(out: Path) -> None:
    generate(out, BASE)
    (out / "app/routes.py").write_text("routes v1\n# my fix\n")
    before = snapshot(out, include_state=True)
    new = {"app/main.py": "main v2\n", "app/routes.py": "routes v2\n", "app/extra.py": "x\n"}
    todo = plan(out, make_emission(new))
    assert [(str(e.path), e.conflict) for e in todo.conflicts] == [
        ("app/routes.py", ConflictKind.HAND_EDITED)
    ]
    with pytest.raises(ConflictError) as caught:
        apply(todo)
    message = str(caught.value)
    assert "app/routes.py: edited by hand since the last generate" in message
    assert "nothing was written" in message and "--force" in message
    assert snapshot(out, include_state=True) == before  # not even the non-conflicting files
    assert not (out / ".specfoundry/staging").exists()


def test_force_overwrites_and_keeps_a_backup_that_is_not_owned(out: Path) -> None:
    generate(out, BASE)
    (out / "app/routes.py").write_text("routes v1\n# my fix\n")
    result = generate(out, {**BASE, "app/routes.py": "routes v2\n"}, force=True)
    assert (out / "app/routes.py").read_text() == "routes v2\n"
    assert (out / "app/routes.py.orig").read_text() == "routes v1\n# my fix\n"
    assert [(str(a), str(b)) for a, b in result.backups] == [
        ("app/routes.py", "app/routes.py.orig")
    ]
    # The backup is not owned: dropping everything deletes the generated files only.
    generate(out, {})
    assert snapshot(out) == {"app/routes.py.orig": b"routes v1\n# my fix\n"}


def test_second_forced_backup_does_not_overwrite_the_first(out: Path) -> None:
    generate(out, BASE)
    for n in (1, 2):
        (out / "app/main.py").write_text(f"edit {n}\n")
        generate(out, {**BASE, "app/main.py": f"main v{n + 1}\n"}, force=True)
    assert (out / "app/main.py.orig").read_text() == "edit 1\n"
    assert (out / "app/main.py.orig.1").read_text() == "edit 2\n"


def test_edited_file_that_is_no_longer_generated_is_a_conflict(out: Path) -> None:
    generate(out, BASE)
    (out / "app/routes.py").write_text("precious\n")
    todo = plan(out, make_emission({"app/main.py": "main v1\n"}))
    assert [(str(e.path), e.conflict) for e in todo.conflicts] == [
        ("app/routes.py", ConflictKind.EDITED_STALE)
    ]
    with pytest.raises(ConflictError):
        apply(todo)
    assert (out / "app/routes.py").read_text() == "precious\n"
    generate(out, {"app/main.py": "main v1\n"}, force=True)
    assert not (out / "app/routes.py").exists()
    assert (out / "app/routes.py.orig").read_text() == "precious\n"


def test_unmanaged_file_in_the_way_is_a_conflict(out: Path) -> None:
    (out / "app").mkdir(parents=True)
    (out / "app/main.py").write_text("written by someone else\n")
    todo = plan(out, make_emission(BASE))
    assert [(str(e.path), e.conflict) for e in todo.conflicts] == [
        ("app/main.py", ConflictKind.UNMANAGED)
    ]
    with pytest.raises(ConflictError, match="not written by specfoundry"):
        apply(todo)
    assert snapshot(out) == {"app/main.py": b"written by someone else\n"}
    assert not (out / ".specfoundry").exists()


def test_directory_in_the_way_is_a_conflict_and_force_moves_it_aside(out: Path) -> None:
    (out / "app/main.py").mkdir(parents=True)
    (out / "app/main.py/notes.txt").write_text("mine\n")
    todo = plan(out, make_emission(BASE))
    assert [e.conflict for e in todo.conflicts] == [ConflictKind.IN_THE_WAY]
    generate(out, BASE, force=True)
    assert (out / "app/main.py").read_text() == "main v1\n"
    assert (out / "app/main.py.orig/notes.txt").read_text() == "mine\n"


def test_file_where_a_directory_is_needed_is_a_conflict(out: Path) -> None:
    out.mkdir()
    (out / "app").write_text("a file named app\n")
    todo = plan(out, make_emission(BASE))
    assert [(str(e.path), e.conflict) for e in todo.conflicts] == [("app", ConflictKind.IN_THE_WAY)]
    assert "where app/main.py needs a directory" in todo.conflicts[0].note
    generate(out, BASE, force=True)
    assert (out / "app.orig").read_text() == "a file named app\n"
    assert (out / "app/main.py").read_text() == "main v1\n"


def test_symlinked_directory_is_never_written_through(out: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    os.symlink(elsewhere, out / "app")
    with pytest.raises(ConflictError, match="symlink"):
        generate(out, BASE)
    assert list(elsewhere.iterdir()) == []
    generate(out, BASE, force=True)
    assert list(elsewhere.iterdir()) == []
    assert (out / "app.orig").is_symlink()
    assert (out / "app/main.py").read_text() == "main v1\n"


def test_edit_identical_to_new_output_is_not_a_conflict(out: Path) -> None:
    generate(out, BASE)
    (out / "app/main.py").write_text("main v2\n")
    todo = plan(out, make_emission({**BASE, "app/main.py": "main v2\n"}))
    assert not todo.conflicts
    assert {str(e.path): e.action for e in todo.entries}["app/main.py"] is Action.UNCHANGED


def test_folder_changed_after_planning_is_refused(out: Path) -> None:
    generate(out, BASE)
    todo = plan(out, make_emission({**BASE, "app/main.py": "main v2\n"}))
    (out / "app/main.py").write_text("edited meanwhile\n")
    with pytest.raises(PlanOutdatedError, match="run the command again"):
        apply(todo, force=True)
    assert (out / "app/main.py").read_text() == "edited meanwhile\n"


def test_tampered_manifest_cannot_delete_outside_the_folder(out: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    generate(out, BASE)
    raw = (out / ".specfoundry/manifest.json").read_text()
    (out / ".specfoundry/manifest.json").write_text(raw.replace("app/main.py", "../victim.txt"))
    with pytest.raises(ManifestError, match="escapes the output folder"):
        plan(out, make_emission({}))
    assert victim.read_text() == "keep me\n"


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": 99}', "newer specfoundry"),
        ('{"format": 1, "files": {}}', "missing or mistyped"),
        ("[]", "top level"),
    ],
)
def test_corrupt_manifest_is_a_clear_error(out: Path, content: str, why: str) -> None:
    generate(out, BASE)
    (out / ".specfoundry/manifest.json").write_text(content)
    with pytest.raises(ManifestError, match=why):
        plan(out, make_emission(BASE))


def test_backup_goes_to_state_dir_when_its_folder_became_a_file(out: Path) -> None:
    generate(out, {"pkg/a.py": "a\n"})
    (out / "pkg/a.py").write_text("a + edit\n")
    result = generate(out, {"pkg": "now a module file\n"}, force=True)
    assert (out / "pkg").read_text() == "now a module file\n"
    backups = dict((str(a), str(b)) for a, b in result.backups)
    assert backups["pkg/a.py"] == ".specfoundry/backups/pkg/a.py.orig"
    assert (out / backups["pkg/a.py"]).read_text() == "a + edit\n"


def test_user_file_becoming_generated_is_a_conflict_unless_identical(out: Path) -> None:
    apply(plan(out, make_emission({}, {"settings.py": "defaults\n"})))
    (out / "settings.py").write_text("my settings\n")
    todo = plan(out, make_emission({"settings.py": "generated\n"}))
    assert [(str(e.path), e.note) for e in todo.conflicts] == [
        ("settings.py", "was a user file; specfoundry now generates it")
    ]
    (out / "settings.py").write_text("generated\n")
    assert not plan(out, make_emission({"settings.py": "generated\n"})).conflicts
