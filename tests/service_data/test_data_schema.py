"""The generated models and migration describe the same schema (saas-standards X-06).

Each check runs in a fresh interpreter inside the generated project, importing its ``db`` and
``models`` the way the service does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from data_support import run_python

COMPARE = """
import json, sys
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from tests.db_support import prepare_database
from {svc}.db import Base, include_in_autogenerate, make_engine

prepared = prepare_database()
try:
    engine = make_engine(prepared.owner_url)
    with engine.connect() as conn:
        # include_object as in migrations/env.py: SQLite reads SET NULL (ref) back as SET NULL
        opts = {{"compare_type": True, "include_object": include_in_autogenerate}}
        context = MigrationContext.configure(conn, opts=opts)
        drift = compare_metadata(context, Base.metadata)
        inspector = sa.inspect(conn)
        tables = sorted(t for t in inspector.get_table_names() if t != "alembic_version")
        shape = {{
            t: {{
                "columns": sorted(c["name"] for c in inspector.get_columns(t)),
                "uniques": sorted(u["name"] for u in inspector.get_unique_constraints(t)),
                "fks": sorted(f["name"] for f in inspector.get_foreign_keys(t)),
                "indexes": sorted(i["name"] for i in inspector.get_indexes(t)),
            }}
            for t in tables
        }}
    engine.dispose()
finally:
    prepared.cleanup()
print(json.dumps({{"drift": [repr(d) for d in drift], "shape": shape}}))
"""

METADATA_SHAPE = """
import json
import sqlalchemy as sa
from {svc} import models  # noqa: F401
from {svc}.db import Base, make_engine
engine = make_engine("sqlite://")
Base.metadata.create_all(engine)
with engine.connect() as conn:
    inspector = sa.inspect(conn)
    shape = {{
        t: {{
            "columns": sorted(c["name"] for c in inspector.get_columns(t)),
            "uniques": sorted(u["name"] for u in inspector.get_unique_constraints(t)),
            "fks": sorted(f["name"] for f in inspector.get_foreign_keys(t)),
            "indexes": sorted(i["name"] for i in inspector.get_indexes(t)),
        }}
        for t in sorted(inspector.get_table_names())
    }}
print(json.dumps(shape))
"""


def _svc(root: Path) -> str:
    return json.loads((root / "migrations/schema_snapshot.json").read_text())["service"]


@pytest.mark.parametrize("name", ["analytics", "minimal"])
def test_sqlite_migration_matches_metadata(emitted: dict[str, Path], name: str) -> None:
    root = emitted[name]
    svc = _svc(root)
    migrated = json.loads(run_python(root, COMPARE.format(svc=svc)).splitlines()[-1])
    assert migrated["drift"] == [], "alembic check would report drift"
    created = json.loads(run_python(root, METADATA_SHAPE.format(svc=svc)).splitlines()[-1])
    assert migrated["shape"] == created


@pytest.mark.postgres
@pytest.mark.parametrize("name", ["analytics", "minimal"])
def test_postgres_migration_matches_metadata(
    emitted: dict[str, Path], name: str, postgres_url: str
) -> None:
    root = emitted[name]
    out = run_python(root, COMPARE.format(svc=_svc(root)), env={"DATABASE_URL": postgres_url})
    assert json.loads(out.splitlines()[-1])["drift"] == []


@pytest.mark.parametrize("name", ["analytics", "minimal"])
def test_alembic_check_command(emitted: dict[str, Path], name: str) -> None:
    """``alembic upgrade head`` then ``alembic check`` through the CLI config, on SQLite."""
    root = emitted[name]
    code = """
import os, tempfile
from alembic import command
from alembic.config import Config
db = os.path.join(tempfile.mkdtemp(), "check.db")
os.environ["DATABASE_URL"] = "sqlite:///" + db
config = Config("alembic.ini")
command.upgrade(config, "head")
command.check(config)
print("ok")
"""
    assert run_python(root, code).strip().endswith("ok")
