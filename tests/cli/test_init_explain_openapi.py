"""The init, explain and openapi commands, through the real CLI app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from specfoundry.cli import app

REPO = Path(__file__).resolve().parents[2]
ANALYTICS = str(REPO / "examples" / "analytics")
MINIMAL = str(REPO / "examples" / "minimal" / "spec.yaml")

runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def bad_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "bad.yaml"
    spec.write_text("service: {name: x, version: 1}\n", encoding="utf-8")
    return spec


# -- openapi ----------------------------------------------------------------------------------
def test_openapi_to_stdout_is_yaml() -> None:
    result = invoke("openapi", MINIMAL)
    assert result.exit_code == 0
    document = yaml.safe_load(result.stdout)
    assert document["openapi"] == "3.1.0"
    assert "/v1/notes/{id}" in document["paths"]


@pytest.mark.parametrize(
    ("name", "extra", "loader"),
    [
        ("contract.json", [], json.loads),
        ("contract.yaml", [], yaml.safe_load),
        ("contract.txt", ["--format", "json"], json.loads),
    ],
)
def test_openapi_to_file(tmp_path: Path, name: str, extra: list[str], loader) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "nested" / name
    result = invoke("openapi", ANALYTICS, "-o", str(out), *extra)
    assert result.exit_code == 0, result.output
    document = loader(out.read_text(encoding="utf-8"))
    assert "/v1/data-sources/{id}/connect" in document["paths"]
    assert result.stdout == ""  # the contract goes to the file, the note to stderr
    assert not list(out.parent.glob(".*"))  # no temporary files left behind


def test_openapi_json_and_yaml_are_the_same_document(tmp_path: Path) -> None:
    invoke("openapi", ANALYTICS, "-o", str(tmp_path / "a.json"))
    invoke("openapi", ANALYTICS, "-o", str(tmp_path / "a.yaml"))
    as_json = json.loads((tmp_path / "a.json").read_text())
    assert as_json == yaml.safe_load((tmp_path / "a.yaml").read_text())


def test_openapi_on_a_bad_spec_exits_1_with_diagnostics(bad_spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "never.yaml"
    result = invoke("openapi", str(bad_spec), "-o", str(out))
    assert result.exit_code == 1
    assert "error[SF" in result.stderr
    assert f"{bad_spec.as_posix()}:1:1" in result.stderr
    assert not out.exists()


def test_openapi_missing_spec_is_a_usage_error() -> None:
    result = invoke("openapi", "does/not/exist.yaml")
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_openapi_bad_format_is_a_usage_error() -> None:
    assert invoke("openapi", MINIMAL, "--format", "xml").exit_code == 2


# -- explain ----------------------------------------------------------------------------------
def test_explain_shows_the_permission_matrix() -> None:
    result = invoke("explain", ANALYTICS)
    assert result.exit_code == 0
    text = result.stdout
    lines = text.splitlines()
    start = lines.index("dashboard", lines.index("Permissions"))
    header, rule, *rows = lines[start + 1 : start + 8]
    assert header.split() == ["role", "read", "list", "create", "update", "delete"]
    assert set(rule.replace(" ", "")) == {"-"}
    matrix = {row.split()[0]: row.split()[1:] for row in rows}
    assert matrix["viewer"] == ["yes*", "yes*", "-", "-", "-"]
    assert matrix["analyst"] == ["yes*", "yes*", "yes", "yes*", "yes*"]
    assert matrix["admin"] == ["yes"] * 5
    assert matrix["support"] == ["-"] * 5
    assert "* analyst update: resource.owner_id == principal.id" in text
    # Transitions are columns of their entity's matrix.
    assert any(line.split()[:3] == ["role", "read", "list"] and "connect" in line for line in lines)
    # Columns are aligned: every row of a table starts its cells at the same offsets.
    assert rows[0].index("yes*") == header.index("read")


def test_explain_shows_entities_roles_machines_and_api() -> None:
    text = invoke("explain", ANALYTICS).stdout
    assert "published_at" in text and "read-only" in text
    assert "owner    admin     admin, analyst, viewer" in text
    assert "connect          draft, failing, paused -> connecting" in text
    assert "resource.host != null" in text
    assert "canceled_at=now, hook on_subscription_canceled" in text
    # Who runs each transition: roles, or the provider/system with a timer's delay.
    timeout = next(line for line in text.splitlines() if line.startswith("connect_timeout"))
    assert "connecting -> failing" in timeout and "system after 10m" in timeout
    assert "DELETE  /v1/data-sources/{id}" in text
    assert "since 2026-09-01, sunset 2027-03-01" in text


def test_explain_markdown() -> None:
    result = invoke("explain", ANALYTICS, "--format", "markdown")
    assert result.exit_code == 0
    assert "## Permissions" in result.stdout
    assert "| viewer | yes\\* | yes\\* | - | - | - |" in result.stdout


def test_explain_bad_spec_exits_1(bad_spec: Path) -> None:
    result = invoke("explain", str(bad_spec))
    assert result.exit_code == 1
    assert "error[SF" in result.stderr


# -- init -------------------------------------------------------------------------------------
def test_init_scaffold_validates(tmp_path: Path) -> None:
    project = tmp_path / "My-Service"
    result = invoke("init", str(project))
    assert result.exit_code == 0, result.output
    spec = project / "spec" / "service.yaml"
    text = spec.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=specfoundry.schema.json\n")
    assert "name: my_service" in text
    assert (project / "spec" / "specfoundry.schema.json").is_file()
    assert "specfoundry validate spec" in (project / "README.md").read_text()

    validated = invoke("validate", str(project / "spec"))
    assert validated.exit_code == 0, validated.output
    assert "valid (2 entities, 1 state machines, 2 resources)" in validated.stdout
    contract = invoke("openapi", str(project / "spec"))
    assert contract.exit_code == 0
    assert "/v1/tasks/{id}/complete" in yaml.safe_load(contract.stdout)["paths"]


def test_init_schema_copy_is_the_published_schema(tmp_path: Path) -> None:
    invoke("init", str(tmp_path / "p"))
    copied = (tmp_path / "p" / "spec" / "specfoundry.schema.json").read_text()
    assert copied == (REPO / "specs" / "specfoundry.schema.json").read_text()


def test_init_name_option(tmp_path: Path) -> None:
    result = invoke("init", str(tmp_path / "x"), "--name", "billing_api")
    assert result.exit_code == 0
    assert "name: billing_api" in (tmp_path / "x" / "spec" / "service.yaml").read_text()


@pytest.mark.parametrize("name", ["Billing", "class", "two__underscores", "select"])
def test_init_rejects_bad_names(tmp_path: Path, name: str) -> None:
    result = invoke("init", str(tmp_path / "x"), "--name", name)
    assert result.exit_code == 2
    assert "--name" in result.stderr
    assert not (tmp_path / "x").exists()


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    project = tmp_path / "taken"
    project.mkdir()
    (project / "notes.txt").write_text("mine", encoding="utf-8")
    result = invoke("init", str(project))
    assert result.exit_code == 1
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert sorted(p.name for p in project.iterdir()) == ["notes.txt"]

    forced = invoke("init", str(project), "--force")
    assert forced.exit_code == 0
    assert (project / "notes.txt").read_text() == "mine"  # unrelated files are kept
    assert (project / "spec" / "service.yaml").is_file()


def test_init_into_an_empty_existing_folder(tmp_path: Path) -> None:
    assert invoke("init", str(tmp_path)).exit_code == 0


def test_init_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert invoke("init", str(target)).exit_code == 1


# -- help -------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["init", "explain", "openapi"])
def test_help_has_examples(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"specfoundry {command} " in result.stdout


def test_explain_shows_the_chain_of_each_relation_path() -> None:
    text = invoke(
        "explain", str(Path(__file__).resolve().parents[2] / "examples" / "projects")
    ).stdout
    assert "member read: principal in resource.task.project.members" in text
    assert (
        "resource.task.project.owner_id: comment -> task (by task_id) -> project (by project_id);"
        " list filter: EXISTS over 2 join(s)"
    ) in text
