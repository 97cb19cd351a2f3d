"""One small bad spec per diagnostic code, with the exact diagnostics it must produce.

Each ``cases/<CODE>-<slug>/`` holds ``spec.yaml`` (or a ``spec/`` folder, for codes about
folders) and ``expected.txt``: the rendered diagnostics, ``file:line:col: severity[CODE]:
message`` plus hint lines, with paths relative to the case folder. Regenerate every golden with

    SPECFOUNDRY_UPDATE_GOLDENS=1 .venv/bin/pytest tests/compiler/test_cases.py

and review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from specfoundry.compiler import CompileResult, compile_spec
from specfoundry.diagnostics import render_text
from specfoundry.validate.codes import CODES

CASES_DIR = Path(__file__).parent / "cases"
UPDATE = os.environ.get("SPECFOUNDRY_UPDATE_GOLDENS") == "1"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())

# Codes without a case folder, and why.
NO_CASE = {
    "SF108": "needs a file over 1 MiB; tests/compiler/test_loader.py writes one at test time",
    "SF200": "fallback for schema rules without a specific code; the schema has none today",
    "SF999": "internal errors are bugs; the property test asserts none occurs",
}


def compile_case(case_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CompileResult:
    monkeypatch.chdir(case_dir)
    target = Path("spec") if (case_dir / "spec").is_dir() else Path("spec.yaml")
    return compile_spec(target)


@pytest.mark.parametrize("case_dir", CASES, ids=[p.name for p in CASES])
def test_case(case_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = compile_case(case_dir, monkeypatch)
    actual = render_text(result.diagnostics) + "\n"
    expected_file = case_dir / "expected.txt"
    if UPDATE:
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.is_file(), (
        f"run with SPECFOUNDRY_UPDATE_GOLDENS=1 to create {expected_file}"
    )
    assert actual == expected_file.read_text(encoding="utf-8")

    code = case_dir.name.split("-", 1)[0]
    own = [d for d in result.diagnostics if d.code == code]
    assert own, f"{case_dir.name} does not report {code}"
    assert all(d.severity is CODES[code].severity for d in own)
    if CODES[code].unlocated is None:
        for d in own:
            assert d.location is not None
            assert d.location.line >= 1 and d.location.column >= 1
            assert f"{d.location.file}:{d.location.line}:{d.location.column}: " in actual
    assert not any(d.code == "SF999" for d in result.diagnostics)
    if CODES[code].severity.value == "error":
        assert result.model is None


def test_every_code_has_a_case() -> None:
    covered = {p.name.split("-", 1)[0] for p in CASES}
    assert covered <= set(CODES), f"case folders for unregistered codes: {covered - set(CODES)}"
    assert set(CODES) - covered == set(NO_CASE)


def test_case_folders_are_named_code_slug() -> None:
    for case_dir in CASES:
        code, _, slug = case_dir.name.partition("-")
        assert code in CODES and slug, case_dir.name
