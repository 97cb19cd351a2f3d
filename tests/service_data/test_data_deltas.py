"""Delta revisions: a changed spec adds one revision diffed from the previous snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from data_support import run_pytest, run_python, write_tree

from specfoundry.compiler import load_model
from specfoundry.emit.service.data import DestructiveChangeError, PreviousOutput, emit_data_layer
from specfoundry.emit.service.data_migrations import MigrationError

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (ROOT / "examples/minimal/spec.yaml").read_text()


def _spec(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "spec.yaml").write_text(text)
    return folder / "spec.yaml"


def _v2(text: str, *, drop_body: bool) -> str:
    """Add a defaulted, filterable column and a new tenant table; optionally drop ``body``."""
    text = text.replace(
        "      body: {type: text}\n",
        ("" if drop_body else "      body: {type: text}\n")
        + "      pinned: {type: boolean, default: false, filterable: true}\n"
        + "      tag_id: {type: ref, entity: tag}\n",
    )
    return text.replace(
        "  note:\n",
        "  tag:\n    fields:\n      label: {type: string, required: true, max_length: 40, "
        "unique: true}\n  note:\n",
        1,
    )


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    v1 = load_model(_spec(tmp_path, "v1", MINIMAL))
    out = write_tree(v1, tmp_path / "out")
    return out, _spec(tmp_path, "v2", _v2(MINIMAL, drop_body=True))


def test_destructive_steps_are_refused_with_a_list(trees: tuple[Path, Path]) -> None:
    out, v2_spec = trees
    previous = PreviousOutput.read(out)
    with pytest.raises(DestructiveChangeError) as caught:
        emit_data_layer(load_model(v2_spec), previous)
    assert caught.value.steps == ("drop column notes.body (its values)",)
    assert "allow_destructive=True" in str(caught.value)


def test_not_null_column_without_default_is_refused(
    tmp_path: Path, trees: tuple[Path, Path]
) -> None:
    out, _ = trees
    text = MINIMAL.replace(
        "      body: {type: text}\n",
        "      body: {type: text}\n      rank: {type: integer, required: true}\n",
    )
    with pytest.raises(MigrationError, match=r"notes\.rank is NOT NULL without a default"):
        emit_data_layer(load_model(_spec(tmp_path, "v3", text)), PreviousOutput.read(out))


def test_delta_revision_is_added_and_old_ones_kept(trees: tuple[Path, Path]) -> None:
    out, v2_spec = trees
    initial = (out / "migrations/versions/0001_initial.py").read_bytes()
    previous = PreviousOutput.read(out)
    model = load_model(v2_spec)
    files = {
        str(f.path): f.content for f in emit_data_layer(model, previous, allow_destructive=True)
    }
    again = {
        str(f.path): f.content for f in emit_data_layer(model, previous, allow_destructive=True)
    }
    assert files == again, "delta generation is deterministic"
    assert files["migrations/versions/0001_initial.py"] == initial
    revisions = sorted(p for p in files if p.startswith("migrations/versions/"))
    assert len(revisions) == 2 and revisions[1].startswith("migrations/versions/0002_")
    delta = files[revisions[1]].decode()
    assert 'down_revision = "0001"' in delta
    flat = " ".join(delta.replace("(", "( ").split()).replace("( ", "(")
    for step in (
        'op.create_table("tags",',
        '_enable_rls("tags", "tenant_id")',
        'batch_op.add_column(sa.Column("pinned", sa.Boolean(), server_default=sa.text("false")',
        'batch_op.drop_column("body")',
        'op.create_index("ix_notes_pinned", "notes", ["tenant_id", "pinned", "created_at", "id"]',
        'batch_op.create_foreign_key("fk_notes_tag_id", "tags", ["tenant_id", "tag_id"]',
    ):
        assert step in flat, step

    # Writing the result and generating again from it adds nothing.
    write_tree(model, out, previous=previous, allow_destructive=True)
    settled = {str(f.path): f.content for f in emit_data_layer(model, PreviousOutput.read(out))}
    assert settled == files


def _upgrade_and_compare(out: Path, env: dict[str, str] | None = None) -> dict[str, object]:
    code = """
import json
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from tests.db_support import prepare_database, migrate
from notes.db import Base, make_engine
prepared = prepare_database()
try:
    engine = make_engine(prepared.owner_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        drift = compare_metadata(context, Base.metadata)
    engine.dispose()
    migrate(prepared.owner_url, revision="0001")  # downgrade is exercised below
finally:
    prepared.cleanup()
print(json.dumps({"drift": [repr(d) for d in drift]}))
"""
    return json.loads(run_python(out, code, env).splitlines()[-1])


def _downgrade_roundtrip(out: Path, env: dict[str, str] | None = None) -> None:
    code = """
from alembic import command
from alembic.config import Config
from tests.db_support import prepare_database, PROJECT_ROOT
import os
prepared = prepare_database()
# The prepared database's own roles: never the cluster-wide default operator role.
os.environ["APP_DB_ROLE"] = prepared.app_role or ""
os.environ["OPERATOR_DB_ROLE"] = prepared.operator_role or ""
try:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", prepared.owner_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.downgrade(config, "0001")
    command.upgrade(config, "head")
    command.downgrade(config, "base")
finally:
    prepared.cleanup()
print("ok")
"""
    assert run_python(out, code, env).strip().endswith("ok")


@pytest.mark.slow
def test_delta_migrates_sqlite_without_drift(trees: tuple[Path, Path]) -> None:
    out, v2_spec = trees
    write_tree(load_model(v2_spec), out, previous=PreviousOutput.read(out), allow_destructive=True)
    assert _upgrade_and_compare(out)["drift"] == []
    _downgrade_roundtrip(out)
    result = run_pytest(out, "tests/test_data_layer.py")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.postgres
def test_delta_migrates_postgres_without_drift(trees: tuple[Path, Path], postgres_url: str) -> None:
    out, v2_spec = trees
    write_tree(load_model(v2_spec), out, previous=PreviousOutput.read(out), allow_destructive=True)
    env = {"DATABASE_URL": postgres_url}
    assert _upgrade_and_compare(out, env)["drift"] == []
    _downgrade_roundtrip(out, env)
    result = run_pytest(out, "tests/test_data_layer.py", "tests/test_rls.py", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" not in result.stdout


GRANTS_AFTER_DELTA = """
import os
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from tests.db_support import PROJECT_ROOT, migrate, prepare_database
from notes.db import make_engine

prepared = prepare_database()
try:
    owner = make_engine(prepared.owner_url, isolation_level="AUTOCOMMIT")
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", prepared.owner_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    os.environ["APP_DB_ROLE"] = prepared.app_role or ""
    os.environ["OPERATOR_DB_ROLE"] = prepared.operator_role or ""
    command.downgrade(config, "0001")
    with owner.connect() as conn:
        assert not sa.inspect(conn).has_table("tags")
        revoke = f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{prepared.app_role}"'
        conn.execute(sa.text(revoke))
    migrate(prepared.owner_url)  # 0001 -> 0002 adds tags; every table is granted again
    app = make_engine(prepared.app_url)
    with app.connect() as conn:
        for table in ("tags", "notes", "teams", "transition_records"):
            conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
    with owner.connect() as conn:
        roles = conn.execute(sa.text(
            "SELECT roles::text[] FROM pg_policies WHERE tablename = 'tags' "
            "AND policyname = 'operator_access'"
        )).scalar_one()
    assert roles == [prepared.operator_role], roles
    app.dispose()
    owner.dispose()
finally:
    prepared.cleanup()
print("ok")
"""


@pytest.mark.slow
@pytest.mark.postgres
def test_delta_migration_grants_old_and_new_tables(
    trees: tuple[Path, Path], postgres_url: str
) -> None:
    out, v2_spec = trees
    write_tree(load_model(v2_spec), out, previous=PreviousOutput.read(out), allow_destructive=True)
    output = run_python(out, GRANTS_AFTER_DELTA, {"DATABASE_URL": postgres_url})
    assert output.strip().endswith("ok")


def test_snapshot_of_previous_is_read(trees: tuple[Path, Path]) -> None:
    out, _ = trees
    previous = PreviousOutput.read(out)
    assert previous is not None and previous.snapshot is not None
    assert previous.head() == "0001"
    assert json.loads((out / "migrations/schema_snapshot.json").read_text()) == previous.snapshot
