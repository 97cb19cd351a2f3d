"""``specfoundry validate``: exit statuses, text output, and the JSON shape tools read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specfoundry.cli import app

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "cases"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_valid_spec_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(ROOT / "examples" / "analytics")])
    assert result.exit_code == 0, result.output
    assert "valid (6 entities, 2 state machines, 6 resources)" in result.stdout


def test_invalid_spec_exits_1_with_every_diagnostic(runner: CliRunner, monkeypatch) -> None:
    monkeypatch.chdir(CASES / "SF303-unknown-state")
    result = runner.invoke(app, ["validate", "spec.yaml"])
    assert result.exit_code == 1
    expected = (CASES / "SF303-unknown-state" / "expected.txt").read_text()
    assert expected.strip() in result.stderr
    assert "1 error(s), 0 warning(s)" in result.stderr


def test_warnings_alone_exit_0(runner: CliRunner, monkeypatch) -> None:
    monkeypatch.chdir(CASES / "SF353-operation-without-rule")
    result = runner.invoke(app, ["validate", "spec.yaml"])
    assert result.exit_code == 0
    assert "warning[SF353]" in result.stderr
    assert "valid" in result.stdout


def test_missing_spec_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "error[SF101]" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["validate"], ["validate", "examples/minimal", "--format", "xml"], ["validate", "--nope"]],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_json_format(runner: CliRunner, monkeypatch) -> None:
    monkeypatch.chdir(CASES / "SF370-min-above-max")
    result = runner.invoke(app, ["validate", "spec.yaml", "--format", "json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert set(payload) == {"diagnostics", "summary"}
    assert payload["summary"] == {"errors": 1, "warnings": 0}
    [item] = payload["diagnostics"]
    assert item == {
        "code": "SF370",
        "severity": "error",
        "message": "field 'note.summary' has min_length 10 above max_length 5",
        "hint": "no value could be valid; swap or fix the bounds",
        "file": "spec.yaml",
        "line": 11,
        "column": 43,
    }


def test_json_format_of_a_valid_spec(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["validate", str(ROOT / "examples" / "minimal"), "--format", "json"]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "diagnostics": [],
        "summary": {"errors": 0, "warnings": 0},
    }


def test_json_location_is_null_when_there_is_no_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path), "-f", "json"])
    assert result.exit_code == 1
    [item] = json.loads(result.stdout)["diagnostics"]
    assert item["code"] == "SF107"
    assert (item["file"], item["line"], item["column"]) == (None, None, None)
