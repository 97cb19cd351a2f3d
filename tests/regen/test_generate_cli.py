"""`generate` refuses destructive migrations unless asked, and points at stale user code."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from specfoundry.cli import app

MINIMAL = Path(__file__).resolve().parents[2] / "examples" / "minimal" / "spec.yaml"


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _versions(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "migrations" / "versions").glob("*.py"))


def test_dropping_a_field_needs_allow_destructive(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    shutil.copy(MINIMAL, spec)
    out = tmp_path / "notes"
    assert _invoke("generate", str(spec), "-o", str(out))[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    spec.write_text(spec.read_text().replace("      body: {type: text}\n", ""))
    code, output = _invoke("generate", str(spec), "-o", str(out))
    assert code == 1
    assert "body" in output and "--allow-destructive" in output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before, "wrote files"

    code, output = _invoke("generate", str(spec), "-o", str(out), "--allow-destructive")
    assert code == 0, output
    assert len(_versions(out)) == 2
    assert "drop_column" in (out / "migrations" / "versions" / _versions(out)[1]).read_text()


def test_user_code_importing_a_renamed_entity_is_reported(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    shutil.copy(MINIMAL, spec)
    out = tmp_path / "notes"
    assert _invoke("generate", str(spec), "-o", str(out))[0] == 0
    (out / "notes_ext" / "reports.py").write_text("import json\n\nfrom notes.models import Note\n")
    assert _invoke("check", str(spec), "-o", str(out))[0] == 0

    renamed = (
        spec.read_text().replace("  note:\n", "  memo:\n").replace("    note:\n", "    memo:\n")
    )
    spec.write_text(renamed.replace("entity: note", "entity: memo"))
    code, output = _invoke("generate", str(spec), "-o", str(out), "--allow-destructive")
    assert code == 0, output
    assert "notes_ext/reports.py:3:1" in output
    assert "'Note' is no longer defined in generated module 'notes.models'" in output
    code, output = _invoke("check", str(spec), "-o", str(out))
    assert code == 1 and "notes_ext/reports.py:3:1" in output
