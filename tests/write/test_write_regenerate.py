"""Regeneration as users rely on it: no churn, exact updates, no stale files, user code kept."""

from __future__ import annotations

import json
from pathlib import Path

from _writetest import age_files, directories, make_emission, mtimes, snapshot

import specfoundry
from specfoundry.write import Action, apply, plan

BASE = {
    "app/main.py": "main v1\n",
    "app/models/user.py": "user v1\n",
    "app/models/order.py": "order v1\n",
    "openapi.json": "{}\n",
}
USER = {"app/user/guards.py": "# your guards here\n"}


def generate(out: Path, files: dict[str, str], user: dict[str, str] | None = None, **kw):
    return apply(plan(out, make_emission(files, user if user is not None else USER)), **kw)


def test_first_generate_writes_everything_and_a_manifest(out: Path) -> None:
    result = generate(out, BASE)
    assert snapshot(out) == {p: c.encode() for p, c in {**BASE, **USER}.items()}
    assert [str(p) for p in result.written] == sorted(BASE)
    assert [str(p) for p in result.scaffolded] == ["app/user/guards.py"]
    manifest = json.loads((out / ".specfoundry/manifest.json").read_text())
    assert manifest["generator"]["version"] == specfoundry.__version__
    assert sorted(manifest["files"]) == sorted(BASE)
    assert manifest["scaffold"] == ["app/user/guards.py"]
    assert "app/user/guards.py" not in manifest["files"]


def test_noop_regeneration_writes_nothing_and_keeps_mtimes(out: Path) -> None:
    generate(out, BASE)
    age_files(out)
    before = mtimes(out)
    again = plan(out, make_emission(BASE, USER))
    assert again.is_noop
    result = apply(again)
    assert result.files_touched == 0 and not result.manifest_written
    assert mtimes(out) == before
    assert not (out / ".specfoundry/staging").exists()
    assert not (out / ".specfoundry/journal.json").exists()


def test_manifest_is_byte_identical_across_identical_runs(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, BASE)
    # Same files, emitted in a different order, into another folder.
    apply(plan(b, tuple(reversed(make_emission(BASE, USER)))))
    raw = (a / ".specfoundry/manifest.json").read_bytes()
    assert raw == (b / ".specfoundry/manifest.json").read_bytes()
    assert str(tmp_path).encode() not in raw  # no absolute paths
    generate(a, BASE)
    assert (a / ".specfoundry/manifest.json").read_bytes() == raw


def test_changed_emission_rewrites_only_changed_files(out: Path) -> None:
    generate(out, BASE)
    age_files(out)
    before = mtimes(out)
    result = generate(out, {**BASE, "app/main.py": "main v2\n"})
    assert [str(p) for p in result.written] == ["app/main.py"]
    assert (out / "app/main.py").read_text() == "main v2\n"
    after = mtimes(out)
    changed = {p for p in before if before[p] != after[p]}
    assert changed == {"app/main.py", ".specfoundry/manifest.json"}


def test_stale_files_are_deleted_and_emptied_directories_removed(out: Path) -> None:
    generate(out, BASE)
    renamed = {
        "app/main.py": "main v1\n",
        "app/entities/user.py": "user v1\n",
        "openapi.json": "{}\n",
    }
    result = generate(out, renamed)
    assert sorted(str(p) for p in result.deleted) == ["app/models/order.py", "app/models/user.py"]
    assert not (out / "app/models").exists()
    assert directories(out) == {"app", "app/entities", "app/user"}
    manifest = json.loads((out / ".specfoundry/manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(renamed)


def test_directory_holding_a_users_file_is_kept(out: Path) -> None:
    generate(out, BASE)
    (out / "app/models/README.md").write_text("mine\n")
    generate(out, {"app/main.py": "main v1\n"})
    assert snapshot(out)["app/models/README.md"] == b"mine\n"
    assert not (out / "app/models/user.py").exists()


def test_user_files_survive_changed_scaffold_content(out: Path) -> None:
    generate(out, BASE)
    (out / "app/user/guards.py").write_text("def my_guard(): ...\n")
    result = generate(out, BASE, {"app/user/guards.py": "# a newer scaffold\n"})
    assert result.files_touched == 0
    assert (out / "app/user/guards.py").read_text() == "def my_guard(): ...\n"


def test_user_files_are_never_deleted_even_when_no_longer_emitted(out: Path) -> None:
    generate(out, BASE)
    result = generate(out, BASE, {})
    assert result.deleted == ()
    assert (out / "app/user/guards.py").exists()


def test_deliberately_deleted_user_file_is_not_recreated(out: Path) -> None:
    generate(out, BASE)
    (out / "app/user/guards.py").unlink()
    again = plan(out, make_emission(BASE, USER))
    assert [e.action for e in again.entries if str(e.path) == "app/user/guards.py"] == [Action.KEEP]
    assert again.is_noop
    apply(again)
    assert not (out / "app/user/guards.py").exists()
    # ... unless asked explicitly.
    apply(plan(out, make_emission(BASE, USER), recreate_scaffold=True))
    assert (out / "app/user/guards.py").read_text() == USER["app/user/guards.py"]


def test_new_user_scaffold_is_created_once(out: Path) -> None:
    generate(out, BASE)
    more = {**USER, "app/user/effects.py": "# effects\n"}
    result = generate(out, BASE, more)
    assert [str(p) for p in result.scaffolded] == ["app/user/effects.py"]
    assert generate(out, BASE, more).files_touched == 0


def test_existing_user_file_is_adopted_not_overwritten(out: Path) -> None:
    (out / "app/user").mkdir(parents=True)
    (out / "app/user/guards.py").write_text("already mine\n")
    generate(out, BASE)
    assert (out / "app/user/guards.py").read_text() == "already mine\n"


def test_generated_file_deleted_by_hand_is_restored(out: Path) -> None:
    generate(out, BASE)
    (out / "app/main.py").unlink()
    result = generate(out, BASE)
    assert [str(p) for p in result.written] == ["app/main.py"]
    assert (out / "app/main.py").read_text() == BASE["app/main.py"]


def test_file_turning_into_a_user_file_is_never_deleted_again(out: Path) -> None:
    generate(out, BASE)
    files = dict(BASE)
    del files["openapi.json"]
    result = generate(out, files, {**USER, "openapi.json": "scaffold\n"})
    assert result.deleted == () and result.files_touched == 0
    assert (out / "openapi.json").read_text() == "{}\n"
    assert generate(out, files, USER).deleted == ()


def test_unmanaged_file_with_identical_content_is_adopted(out: Path) -> None:
    out.mkdir()
    (out / "openapi.json").write_text("{}\n")
    first = plan(out, make_emission(BASE, USER))
    assert {str(e.path): e.action for e in first.entries}["openapi.json"] is Action.UNCHANGED
    apply(first)
    # Now owned: removing it from the emission deletes it.
    files = dict(BASE)
    del files["openapi.json"]
    assert [str(p) for p in generate(out, files).deleted] == ["openapi.json"]


def test_generated_directory_replaced_by_a_file(out: Path) -> None:
    generate(out, {"pkg/a.py": "a\n", "pkg/sub/b.py": "b\n"})
    generate(out, {"pkg": "now a file\n"})
    assert snapshot(out) == {"pkg": b"now a file\n", **{p: c.encode() for p, c in USER.items()}}
    generate(out, {"pkg/a.py": "a\n"})
    assert (out / "pkg/a.py").read_text() == "a\n"


def test_empty_emission_on_missing_folder_writes_only_the_manifest(out: Path) -> None:
    apply(plan(out, ()))
    assert snapshot(out, include_state=True).keys() == {".specfoundry/manifest.json"}
