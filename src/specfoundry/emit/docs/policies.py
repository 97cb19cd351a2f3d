"""The PostgreSQL statements a generated service runs, exactly as it runs them.

Nothing here writes SQL. The service emitter's own initial Alembic revision (the text
``specfoundry generate`` writes to ``migrations/versions/0001_initial.py``) is executed in
Alembic's offline mode against the PostgreSQL dialect, which prints every statement instead of
running it: ``CREATE TABLE``, the indexes, ``ENABLE``/``FORCE ROW LEVEL SECURITY`` and the
``tenant_isolation`` policies. The operator role's ``operator_access`` policies and the grants
come from the runtime's own :func:`specfoundry.runtime.db_setup.postgres_statements`, which
``<service> migrate`` runs after every upgrade. So the docs show the SQL the service runs, and a
change in the emitter changes the docs.
"""

from __future__ import annotations

import io
import types
from dataclasses import dataclass

from specfoundry.model import Service


@dataclass(frozen=True, slots=True)
class TableSql:
    table: str
    statements: tuple[str, ...]  # CREATE TABLE and its indexes, in migration order
    security: tuple[str, ...]  # ALTER TABLE ... ROW LEVEL SECURITY, CREATE POLICY

    @property
    def rls(self) -> bool:
        return bool(self.security)


@dataclass(frozen=True, slots=True)
class DatabaseSql:
    tables: tuple[TableSql, ...]
    setup: str  # the idempotent DO block `migrate` runs after the revisions
    operator_role: str

    def table(self, name: str) -> TableSql | None:
        return next((t for t in self.tables if t.table == name), None)


def initial_migration_sql(model: Service) -> str:
    """The PostgreSQL script of the service's initial revision (Alembic ``--sql`` output)."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    from specfoundry.emit.service.catalog import build_catalog, snapshot
    from specfoundry.emit.service.data_migrations import INITIAL_FILE, migration_files

    source = migration_files(snapshot(build_catalog(model)), None)[INITIAL_FILE]
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql",
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
    )
    with Operations.context(context):
        module = types.ModuleType("initial_revision")
        exec(compile(source, INITIAL_FILE, "exec"), module.__dict__)  # the emitter's own output
        module.upgrade()
    return buffer.getvalue()


def _statements(script: str) -> list[str]:
    return [s.strip() + ";" for s in script.split(";\n") if s.strip()]


def _table_of(statement: str) -> str | None:
    words = statement.replace("(", " ").split()
    upper = [w.upper() for w in words]
    for marker in ("TABLE", "ON"):
        if marker in upper:
            index = upper.index(marker) + 1
            if index < len(words):
                return words[index]
    return None


def database_sql(model: Service) -> DatabaseSql:
    import sqlalchemy as sa

    from specfoundry.runtime.db_setup import default_operator_role, postgres_statements

    order: list[str] = []
    plain: dict[str, list[str]] = {}
    security: dict[str, list[str]] = {}
    for statement in _statements(initial_migration_sql(model)):
        table = _table_of(statement)
        if table is None:
            continue
        if table not in plain:
            order.append(table)
            plain[table] = []
            security[table] = []
        secured = "ROW LEVEL SECURITY" in statement or "CREATE POLICY" in statement
        (security if secured else plain)[table].append(statement)
    tables = tuple(TableSql(t, tuple(plain[t]), tuple(security[t])) for t in order)
    # The runtime decides the operator policies and grants from the service's metadata: which
    # tables exist, which have row-level security (a tenant_id column, or the tenant table) and
    # which are append-only. The catalog (the only input of the generated models) says so.
    from specfoundry.emit.service.catalog import build_catalog

    metadata = sa.MetaData()
    for t in build_catalog(model).tables:
        column = "tenant_id" if t.rls_column is not None else "id"
        sa.Table(t.name, metadata, sa.Column(column, sa.Uuid), info={"append_only": t.append_only})
    operator = default_operator_role(model.name.snake)
    setup = "\n".join(postgres_statements(metadata, app="<APP_DB_ROLE>", operator=operator))
    return DatabaseSql(tables, setup, operator)
