"""emit_data_layer: file set, determinism, headers, valid and ruff-clean Python."""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path

import pytest
from data_support import run_python
from ruff.__main__ import find_ruff_bin

from specfoundry.emit.render import generated_header
from specfoundry.emit.service import emit_service
from specfoundry.emit.service.data import emit_data_layer
from specfoundry.model import Service

EXPECTED = {
    "alembic.ini",
    "migrations/env.py",
    "migrations/schema_snapshot.json",
    "migrations/script.py.mako",
    "migrations/versions/0001_initial.py",
    "tests/db_support.py",
    "tests/test_data_layer.py",
    "tests/test_rls.py",
}


@pytest.mark.parametrize("name", ["analytics", "minimal"])
def test_files_and_determinism(models: dict[str, Service], name: str) -> None:
    model = models[name]
    first = emit_data_layer(model)
    second = emit_data_layer(model)
    assert [(f.path, f.content) for f in first] == [(f.path, f.content) for f in second]
    svc = model.name.snake
    own = {f"{svc}/db.py", f"{svc}/db_setup.py", f"{svc}/models.py"}
    assert {str(f.path) for f in first} == EXPECTED | own
    assert [str(f.path) for f in first] == sorted(str(f.path) for f in first)


@pytest.mark.parametrize("name", ["analytics", "minimal"])
def test_every_file_has_the_header_and_python_parses(models: dict[str, Service], name: str) -> None:
    header = generated_header().strip()
    for item in emit_data_layer(models[name]):
        text = item.content.decode()
        if item.path.suffix == ".json":
            assert json.loads(text)["generated_by"] == generated_header("").strip()
        elif item.path.suffix == ".mako":
            assert text.startswith(generated_header("##"))
        else:
            assert text.startswith(header), item.path
        if item.path.suffix == ".py":
            ast.parse(text, filename=str(item.path))


def test_no_absolute_paths_or_timestamps(models: dict[str, Service]) -> None:
    for item in emit_data_layer(models["analytics"]):
        text = item.content.decode()
        assert "/tmp/" not in text and str(Path.cwd()) not in text
        assert "Create Date" not in text


@pytest.mark.parametrize("name", ["analytics", "minimal"])
def test_ruff_check_and_format_clean(models: dict[str, Service], name: str, tmp_path: Path) -> None:
    """The data layer as the service emitter writes it: formatted once, with the whole tree
    (emit_data_layer alone hands out unformatted text)."""
    ruff = str(find_ruff_bin())
    root = tmp_path
    for item in emit_service(models[name]):
        target = root / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.content)
    for args in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        result = subprocess.run(
            [ruff, *args], cwd=root, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_snapshot_is_sorted_and_matches_the_catalog(emitted: dict[str, Path]) -> None:
    text = (emitted["analytics"] / "migrations/schema_snapshot.json").read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True) + "\n"
    assert data["order"][:2] == ["workspaces", "projects"]  # members reference projects
    assert data["order"][-2:] == ["outbox_events", "transition_records"]
    foreign_keys = data["tables"]["dashboards"]["foreign_keys"]
    for expected in [
        {
            "columns": ["tenant_id", "data_source_id"],
            "name": "fk_dashboards_data_source_id",
            "ondelete": "SET NULL (data_source_id)",
            "ref_columns": ["tenant_id", "id"],
            "ref_table": "data_sources",
        },
        {
            "columns": ["tenant_id", "project_id"],
            "name": "fk_dashboards_project_id",
            "ondelete": "RESTRICT",
            "ref_columns": ["tenant_id", "id"],
            "ref_table": "projects",
        },
        {
            "columns": ["tenant_id"],
            "name": "fk_dashboards_tenant_id",
            "ondelete": "RESTRICT",
            "ref_columns": ["id"],
            "ref_table": "workspaces",
        },
    ]:
        assert expected in foreign_keys


def test_initial_migration_has_rls_per_tenant_table(emitted: dict[str, Path]) -> None:
    text = (emitted["analytics"] / "migrations/versions/0001_initial.py").read_text()
    for table, column in [
        ("members", "tenant_id"),
        ("workspaces", "id"),
        ("outbox_events", "tenant_id"),
    ]:
        assert f'_enable_rls("{table}", "{column}")' in text
    assert "NULLIF(current_setting('app.tenant_id', true), '')::uuid" in text
    assert "FORCE ROW LEVEL SECURITY" in text
    assert "down_revision = None" in text and 'revision = "0001"' in text
    # No policy reads a setting the app role could SET to see every tenant.
    assert "cross_tenant" not in text


def test_env_reapplies_roles_grants_and_triggers_after_every_run(emitted: dict[str, Path]) -> None:
    root = emitted["analytics"]
    env = (root / "migrations/env.py").read_text()
    assert "default_url=DEFAULT_DATABASE_URL, setup=SETUP)" in env
    runtime = (root / "insights/runtime/migrations.py").read_text()
    assert "setup.after_migrate(connection, metadata)" in runtime
    setup = (root / "insights/runtime/db_setup.py").read_text()
    assert "CREATE POLICY " in setup and "' TO '" in setup
    models = (root / "insights/models.py").read_text()
    assert '{"info": {"append_only": True}}' in models
    out = run_python(
        root,
        "from insights import db_setup; "
        "print(db_setup.DEFAULT_OPERATOR_ROLE, db_setup.operator_role({}), "
        "db_setup.SETUP.service)",
    )
    assert out.split() == ["insights_operator", "insights_operator", "insights"]


def test_db_module_contract(emitted: dict[str, Path]) -> None:
    root = emitted["analytics"]
    text = (root / "insights/db.py").read_text()
    assert 'DEFAULT_DATABASE_URL = "sqlite:///./insights.db"' in text
    runtime = (root / "insights/runtime/db.py").read_text()
    assert "SELECT set_config('app.tenant_id', :tid, true)" in runtime
    assert "include_aliases=True" in runtime
    assert "PRAGMA foreign_keys=ON" in runtime
    out = run_python(
        root,
        "from insights import db; from insights.runtime import db as rt; "
        "print(db.normalize_url(None), db.open_session is rt.open_session, "
        "db.Base is rt.Base, db.make_engine().url)",
    )
    assert out.split() == ["sqlite:///./insights.db", "True", "True", "sqlite:///./insights.db"]
