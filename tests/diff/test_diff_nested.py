"""``diff`` of specs with nested resources (examples/projects: comments under tasks): removing
a nested route, or the flat routes of a nested resource, breaks clients like removing any path;
adding nested routes does not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "projects"
NESTED = "      parent: {resource: tasks, flat: true}\n"
ITEM = ("GET", "PATCH", "DELETE")


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    base, rev = tmp_path / "base", tmp_path / "rev"
    shutil.copytree(EXAMPLE, base)
    shutil.copytree(EXAMPLE, rev)
    assert (rev / "api.yaml").read_text().count(NESTED) == 1
    return base, rev


def findings(runner: CliRunner, app: typer.Typer, base: Path, rev: Path) -> set[tuple[str, ...]]:
    result = runner.invoke(
        app, ["diff", str(base), str(rev), "--format", "json", "--today", "2026-01-01"]
    )
    assert "Traceback" not in result.output, result.output
    return {(f["rule"], f["level"], f["operation"]) for f in json.loads(result.stdout)["findings"]}


def _edit(path: Path, new: str) -> None:
    path.write_text(path.read_text().replace(NESTED, new))


def test_removing_the_parent_removes_every_nested_route(runner, app, pair) -> None:
    base, rev = pair
    _edit(rev / "api.yaml", "")
    expected = {
        ("operation-removed", "error", f"{m} /v1/tasks/{{task_id}}/comments/{{id}}") for m in ITEM
    }
    expected |= {
        ("operation-removed", "error", f"{m} /v1/tasks/{{task_id}}/comments")
        for m in ("GET", "POST")
    }
    assert findings(runner, app, base, rev) == expected


def test_dropping_the_flat_routes_removes_them(runner, app, pair) -> None:
    base, rev = pair
    _edit(rev / "api.yaml", "      parent: {resource: tasks}\n")
    expected = {("operation-removed", "error", f"{m} /v1/comments/{{id}}") for m in ITEM}
    expected |= {("operation-removed", "error", f"{m} /v1/comments") for m in ("GET", "POST")}
    assert findings(runner, app, base, rev) == expected


def test_adding_nested_routes_breaks_nothing(runner, app, pair) -> None:
    base, rev = pair
    _edit(base / "api.yaml", "")
    assert {level for _, level, _ in findings(runner, app, base, rev)} <= {"info"}
