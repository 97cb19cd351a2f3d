"""Dry runs and `specfoundry check`: deterministic text, read-only, exit codes users script on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _writetest import make_emission, snapshot

from specfoundry.write import EmittedFile, apply, check, plan, render_plan, render_result

OLD = {"app/a.py": "x = 1\ny = 2\n", "app/old.py": "old\n", "app/edited.py": "v1\n"}
NEW = {"app/a.py": "x = 1\ny = 3\n", "app/new.py": "new\n", "app/edited.py": "v2\n"}
USER = {"app/user/guards.py": "# guards\n"}


@pytest.fixture
def scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    apply(plan("out", make_emission(OLD)))
    Path("out/app/edited.py").write_text("v1 with my edit\n")
    return Path("out")


def test_dry_run_lists_every_change_with_counts(scenario: Path) -> None:
    before = snapshot(scenario, include_state=True)
    text = render_plan(plan(scenario, make_emission(NEW, USER)))
    assert text == (
        "Plan for out:\n"
        "  add      app/new.py\n"
        "  change   app/a.py\n"
        "  delete   app/old.py\n"
        "  conflict app/edited.py  (edited by hand since the last generate)\n"
        "  create   app/user/guards.py\n"
        "Summary: 1 to add, 1 to change, 1 to delete, 1 conflicting, 1 user files to create, "
        "0 unchanged, 0 user files kept.\n"
        "Conflicts block the write; move hand edits into user files or use --force (previous "
        "content is kept as <name>.orig).\n"
    )
    assert snapshot(scenario, include_state=True) == before


def test_diff_shows_changed_and_conflicting_files_in_path_order(scenario: Path) -> None:
    text = render_plan(plan(scenario, make_emission(NEW)), diff=True)
    diff = text[text.index("--- ") :]
    assert diff == (
        "--- a/app/a.py\n+++ b/app/a.py\n@@ -1,2 +1,2 @@\n x = 1\n-y = 2\n+y = 3\n"
        "--- a/app/edited.py\n+++ b/app/edited.py\n@@ -1 +1 @@\n-v1 with my edit\n+v2\n"
        "--- /dev/null\n+++ b/app/new.py\n@@ -0,0 +1 @@\n+new\n"
    )


def test_diff_of_binary_content_is_summarised(tmp_path: Path) -> None:
    out = tmp_path / "out"
    apply(plan(out, make_emission({"logo.png": "a"})))
    binary = (EmittedFile("logo.png", b"\x89PNG\xff"),)  # type: ignore[arg-type]
    assert "Binary files a/logo.png and b/logo.png differ" in render_plan(
        plan(out, binary), diff=True
    )


def test_render_is_identical_across_runs_and_emission_orders(scenario: Path) -> None:
    emission = make_emission(NEW, USER)
    first = render_plan(plan(scenario, emission), diff=True)
    assert render_plan(plan(scenario, tuple(reversed(emission))), diff=True) == first


def test_up_to_date_plan_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    apply(plan(out, make_emission(NEW)))
    text = render_plan(plan(out, make_emission(NEW)))
    assert "nothing to do" in text and "3 unchanged" in text


def test_result_summary_names_backups(scenario: Path) -> None:
    text = render_result(apply(plan(scenario, make_emission(NEW, USER)), force=True))
    assert text == (
        "Wrote out: 3 written, 1 deleted, 1 user files created, 0 unchanged.\n"
        "  kept previous app/edited.py as app/edited.py.orig\n"
    )
    assert render_result(apply(plan(scenario, make_emission(NEW, USER)))) == (
        "out is up to date (3 files unchanged).\n"
    )


def test_check_is_exit_1_with_reasons_and_writes_nothing(scenario: Path) -> None:
    before = snapshot(scenario, include_state=True)
    result = check(scenario, make_emission(NEW, USER))
    assert result.exit_code == 1 and not result.up_to_date
    assert result.reasons == (
        "app/a.py: out of date, would be regenerated",
        "app/edited.py: edited by hand since the last generate",
        "app/new.py: missing, would be generated",
        "app/old.py: no longer generated, would be deleted",
        "app/user/guards.py: user file missing, would be created",
        ".specfoundry/manifest.json: out of date, would be rewritten",
    )
    assert result.render().startswith("out is not up to date (6 problems):\n  app/a.py")
    assert snapshot(scenario, include_state=True) == before


def test_check_is_exit_0_right_after_generate(tmp_path: Path) -> None:
    out = tmp_path / "out"
    apply(plan(out, make_emission(NEW, USER)))
    result = check(out, make_emission(NEW, USER))
    assert result.exit_code == 0 and result.reasons == ()
    # User files are the user's: editing them never makes the folder stale.
    (out / "app/user/guards.py").write_text("mine\n")
    assert check(out, make_emission(NEW, USER)).up_to_date


def test_check_reports_hand_edits(tmp_path: Path) -> None:
    out = tmp_path / "out"
    apply(plan(out, make_emission(NEW)))
    (out / "app/a.py").write_text("tweaked\n")
    assert check(out, make_emission(NEW)).reasons == (
        "app/a.py: edited by hand since the last generate",
    )


def test_check_of_missing_or_unmanaged_folder(tmp_path: Path) -> None:
    assert check(tmp_path / "nope", ()).exit_code == 1
    (tmp_path / "plain").mkdir()
    assert check(tmp_path / "plain", ()).reasons == (
        ".specfoundry/manifest.json: missing (folder was not generated by specfoundry)",
    )
    assert not os.listdir(tmp_path / "plain")


def test_check_flags_a_manifest_from_another_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    apply(plan(out, make_emission(NEW)))
    monkeypatch.setattr("specfoundry.__version__", "9.9.9")
    assert check(out, make_emission(NEW)).reasons == (
        ".specfoundry/manifest.json: out of date, would be rewritten",
    )
    result = apply(plan(out, make_emission(NEW)))
    assert result.files_touched == 0 and result.manifest_written
    assert b'"version": "9.9.9"' in (out / ".specfoundry/manifest.json").read_bytes()
