"""The generated tree: deterministic, headed, ruff-clean, contract-identical, user files apart."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from service_support import EXAMPLES
from typer.testing import CliRunner

from specfoundry.cli import app
from specfoundry.emit.openapi import build_openapi, render
from specfoundry.emit.render import generated_header
from specfoundry.emit.service import emit_service, ruff_command
from specfoundry.model import Service

HEADER = generated_header().strip()
HEADER_TEXT = generated_header("").strip()  # the same words under any comment syntax
# Files that cannot carry the header: the contract must equal `specfoundry openapi` byte for
# byte, and JSON has no comments.
HEADERLESS = {"openapi.yaml", "migrations/schema_snapshot.json"}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_generation_is_deterministic(service_models: dict[str, Service], name: str) -> None:
    first = emit_service(service_models[name])
    second = emit_service(service_models[name])
    assert [(f.path, f.content, f.owner) for f in first] == [
        (f.path, f.content, f.owner) for f in second
    ]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_generated_file_has_the_header(service_models: dict[str, Service], name: str) -> None:
    svc = service_models[name].name.raw
    for item in emit_service(service_models[name]):
        text = item.content.decode()
        path = item.path.as_posix()
        if item.owner == "user":
            assert path.startswith(f"{svc}_ext/")
            assert "never overwrites" in text and HEADER not in text, path
        elif path in HEADERLESS or path.endswith("/openapi.yaml"):
            continue
        else:
            head = "\n".join(text.splitlines()[:2])
            assert HEADER_TEXT in head, path


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_tree_passes_ruff(services: dict[str, Path], name: str) -> None:
    folder = services[name]
    ruff = ruff_command()
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([*ruff, *args], cwd=folder, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_contract_is_the_openapi_commands(
    services: dict[str, Path], service_models: dict[str, Service], name: str
) -> None:
    folder = services[name]
    svc = service_models[name].name.raw
    expected = render(build_openapi(service_models[name]).document, "yaml")
    cli = CliRunner().invoke(app, ["openapi", str(EXAMPLES[name])])
    assert cli.exit_code == 0
    assert cli.stdout == expected
    assert (folder / "openapi.yaml").read_text() == expected
    assert (folder / svc / "openapi.yaml").read_text() == expected


def test_layout_has_no_dead_features(services: dict[str, Path]) -> None:
    minimal, analytics = services["minimal"], services["analytics"]
    assert not (minimal / "notes" / "machines.py").exists()
    assert "Deprecation(" not in (minimal / "notes" / "routes" / "note.py").read_text()
    assert not (minimal / "notes_ext" / "hooks.py").exists()
    assert not (minimal / "tests" / "test_api_machines.py").exists()
    assert "transition" not in (minimal / "notes" / "routes" / "note.py").read_text()
    assert (analytics / "insights" / "machines.py").exists()
    assert (
        '"delete_data_source": Deprecation('
        in (analytics / "insights/routes/data_source.py").read_text()
    )
    hooks = (analytics / "insights_ext" / "hooks.py").read_text()
    assert "def on_subscription_canceled(" in hooks and '"""' in hooks
    assert "hooks.on_subscription_canceled(" in (analytics / "insights" / "machines.py").read_text()
    for name in ("pyproject.toml", "README.md", "openapi.yaml", "alembic.ini"):
        assert (analytics / name).is_file(), name
    readme = (analytics / "README.md").read_text()
    for variable in (
        "DATABASE_URL",
        "JWT_SECRET",
        "JWT_PUBLIC_KEY_FILE",
        "REDIS_URL",
        "INSIGHTS_ENV",
    ):
        assert variable in readme
    pyproject = (analytics / "pyproject.toml").read_text()
    assert 'insights = "insights.cli:main"' in pyproject


def test_generate_and_check_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "notes"
    spec = str(EXAMPLES["minimal"])
    first = runner.invoke(app, ["generate", spec, "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert runner.invoke(app, ["check", spec, "-o", str(out)]).exit_code == 0
    user_file = out / "notes_ext" / "routes.py"
    user_file.write_text(user_file.read_text() + "\n# mine\n")
    generated = out / "notes" / "app.py"
    generated.write_text(generated.read_text() + "\n# edited\n")
    assert runner.invoke(app, ["check", spec, "-o", str(out)]).exit_code == 1
    dry = runner.invoke(app, ["generate", spec, "-o", str(out), "--dry-run", "--diff"])
    assert dry.exit_code == 0 and "# edited" in dry.output
    assert runner.invoke(app, ["generate", spec, "-o", str(out)]).exit_code == 1  # conflict
    forced = runner.invoke(app, ["generate", spec, "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "# edited" not in generated.read_text()
    assert user_file.read_text().endswith("# mine\n")
    assert runner.invoke(app, ["check", spec, "-o", str(out)]).exit_code == 0
