"""Database roles and grants of a service: what ``migrate`` re-applies after the revisions on
every run, and the check the app runs on its own connection at start-up.

PostgreSQL uses three roles:

* the **owner** (``MIGRATION_DATABASE_URL``) owns the tables and runs ``<service> migrate``;
* the **app role** (``APP_DB_ROLE``; ``DATABASE_URL`` logs in as it) gets SELECT, INSERT,
  UPDATE and DELETE on every table, but only SELECT and INSERT on append-only tables (the
  transition records, an audit trail); the ``tenant_isolation`` policies confine it to the
  tenant its transaction names. It must not be a superuser, have BYPASSRLS, own a table, or
  be a member of the operator role; :meth:`DatabaseSetup.check_database` refuses to start
  otherwise;
* the **operator role** (``OPERATOR_DB_ROLE``, default ``<service>_operator``; role names are
  cluster-wide, so give each deployment sharing a cluster its own) is created ``NOLOGIN`` when
  missing, gets the same privileges as the app role, and is the only role the
  ``operator_access`` policies are granted ``TO``: it sees every tenant. Log in as it (or as a
  member: ``GRANT <service>_operator TO alice``) through ``OPERATOR_DATABASE_URL``.

No setting lifts row-level security: a policy that read one could be switched off by the app
role itself. Policies named ``cross_tenant_access`` (which did) are dropped on the next run.

SQLite has no roles; ``migrate`` re-creates the triggers that emulate ``ON DELETE SET NULL
(column)`` there (:func:`.db.sqlite_set_null_triggers`).

The service's name reaches this module through :class:`DatabaseSetup`, built by the generated
``<service>/db_setup.py``; the tables are those registered on :data:`.db.Base` (the generated
module imports the models first).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .db import OPERATOR_POLICY, Base, TenantRoot, sqlite_set_null_triggers
from .errors import ConfigurationError

APP_ROLE_VARIABLE = "APP_DB_ROLE"
OPERATOR_ROLE_VARIABLE = "OPERATOR_DB_ROLE"
LEGACY_POLICY = "cross_tenant_access"
FULL = "SELECT, INSERT, UPDATE, DELETE"
APPEND_ONLY = "SELECT, INSERT"


def app_role(environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    return env.get(APP_ROLE_VARIABLE) or None


def default_operator_role(service: str) -> str:
    return f"{service}_operator"


def operator_role(service: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get(OPERATOR_ROLE_VARIABLE) or default_operator_role(service)


def tenant_tables() -> list[str]:
    """The table(s) of the tenant entity (the model marked ``TenantRoot``)."""
    return sorted(
        str(getattr(m.local_table, "name", ""))
        for m in Base.registry.mappers
        if issubclass(m.class_, TenantRoot)
    )


def rls_tables(metadata: sa.MetaData) -> list[str]:
    """Tables with row-level security: every ``tenant_id`` table and the tenant table."""
    roots = set(tenant_tables())
    return [t.name for t in metadata.sorted_tables if "tenant_id" in t.c or t.name in roots]


def append_only_tables(metadata: sa.MetaData) -> list[str]:
    return [t.name for t in metadata.sorted_tables if t.info.get("append_only")]


def _literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(_literal(v) for v in values) + "]::text[]"


def postgres_statements(metadata: sa.MetaData, *, app: str | None, operator: str) -> list[str]:
    """Idempotent SQL: the operator role (created if missing), its policies, and the grants of
    the app and operator roles on every table that exists. Plain SQL, so ``alembic --sql``
    prints it too."""
    block = f"""
DO $setup$
DECLARE
    app_role text := {_literal(app)};
    operator_role text := {_literal(operator)};
    all_tables text[] := {_array([t.name for t in metadata.sorted_tables])};
    secured text[] := {_array(rls_tables(metadata))};
    append_only text[] := {_array(append_only_tables(metadata))};
    privileges text;
    t text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = operator_role) THEN
        BEGIN
            EXECUTE 'CREATE ROLE ' || quote_ident(operator_role)
                || ' NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE';
        EXCEPTION
            WHEN duplicate_object THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION USING MESSAGE = 'cannot create the operator role '
                    || operator_role || ': create it once as a superuser (CREATE ROLE '
                    || quote_ident(operator_role) || ' NOLOGIN) or set '
                    || '{OPERATOR_ROLE_VARIABLE} to an existing role';
        END;
    END IF;
    IF app_role IS NOT NULL THEN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app_role) THEN
            RAISE EXCEPTION USING MESSAGE = '{APP_ROLE_VARIABLE} names the role ' || app_role
                || ', which does not exist';
        END IF;
        IF app_role = operator_role
            OR EXISTS (SELECT FROM pg_roles WHERE rolname = app_role AND (rolsuper OR rolbypassrls))
            OR pg_has_role(app_role, operator_role, 'MEMBER') THEN
            RAISE EXCEPTION USING MESSAGE = 'the app role ' || app_role
                || ' would see every tenant (a superuser, BYPASSRLS, or the operator role '
                || operator_role || ' or a member of it); use a separate, plain login role';
        END IF;
    END IF;
    FOREACH t IN ARRAY all_tables LOOP
        CONTINUE WHEN to_regclass(quote_ident(t)) IS NULL;
        privileges := CASE WHEN t = ANY(append_only) THEN {_literal(APPEND_ONLY)}
            ELSE {_literal(FULL)} END;
        IF t = ANY(append_only) THEN
            EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON ' || quote_ident(t) || ' FROM '
                || quote_ident(operator_role);
        END IF;
        EXECUTE 'GRANT ' || privileges || ' ON ' || quote_ident(t) || ' TO '
            || quote_ident(operator_role);
        IF app_role IS NOT NULL THEN
            IF t = ANY(append_only) THEN
                EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON ' || quote_ident(t) || ' FROM '
                    || quote_ident(app_role);
            END IF;
            EXECUTE 'GRANT ' || privileges || ' ON ' || quote_ident(t) || ' TO '
                || quote_ident(app_role);
        END IF;
        CONTINUE WHEN NOT t = ANY(secured);
        EXECUTE 'DROP POLICY IF EXISTS {LEGACY_POLICY} ON ' || quote_ident(t);
        IF NOT EXISTS (
            SELECT FROM pg_policies WHERE schemaname = current_schema() AND tablename = t
            AND policyname = '{OPERATOR_POLICY}' AND roles = ARRAY[operator_role]::name[]
        ) THEN
            EXECUTE 'DROP POLICY IF EXISTS {OPERATOR_POLICY} ON ' || quote_ident(t);
            EXECUTE 'CREATE POLICY {OPERATOR_POLICY} ON ' || quote_ident(t) || ' TO '
                || quote_ident(operator_role) || ' USING (true) WITH CHECK (true)';
        END IF;
    END LOOP;
END
$setup$
"""
    return [block.strip()]


def after_migrate(
    connection: sa.Connection, metadata: sa.MetaData | None = None, *, service: str
) -> None:
    """Run by ``migrations/env.py`` in the migration's transaction, after every upgrade."""
    metadata = Base.metadata if metadata is None else metadata
    if connection.dialect.name == "postgresql":
        statements = postgres_statements(metadata, app=app_role(), operator=operator_role(service))
        for statement in statements:
            connection.execute(sa.text(statement))
    elif connection.dialect.name == "sqlite":
        sqlite_set_null_triggers(connection, metadata)


# --- start-up check ---------------------------------------------------------------------------


def describe_connection_error(url: sa.URL, exc: BaseException) -> str:
    """One sentence for a failed connection: the URL (no password) and the server's reason."""
    reason = str(getattr(exc, "orig", None) or exc).strip()
    lines = [line.strip() for line in reason.splitlines() if line.strip()]
    reason = lines[0] if lines else type(exc).__name__
    if "FATAL:" in reason:
        reason = reason.rsplit("FATAL:", 1)[1].strip()
    return f"cannot connect to the database {url.render_as_string(hide_password=True)}: {reason}"


def role_problems(connection: sa.Connection, metadata: sa.MetaData | None = None) -> list[str]:
    """Why this PostgreSQL connection's role would bypass row-level security (empty: none)."""
    metadata = Base.metadata if metadata is None else metadata
    row = connection.execute(
        sa.text(
            "SELECT r.rolname, r.rolsuper, r.rolbypassrls, "
            "ARRAY(SELECT c.relname::text FROM pg_class AS c WHERE c.relkind = 'r' "
            "AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(:tables) "
            "AND pg_has_role(current_user, c.relowner, 'MEMBER') ORDER BY 1) AS owned, "
            "ARRAY(SELECT DISTINCT x.name::text FROM pg_policies AS p, unnest(p.roles) AS x(name) "
            "WHERE p.schemaname = current_schema() AND p.policyname = :policy "
            "AND x.name <> 'public' AND pg_has_role(current_user, x.name, 'MEMBER') "
            "ORDER BY 1) AS operator "
            "FROM pg_roles AS r WHERE r.rolname = current_user"
        ),
        {"tables": rls_tables(metadata), "policy": OPERATOR_POLICY},
    ).one()
    if row.rolsuper:
        return ["is a superuser"]
    problems = []
    if row.rolbypassrls:
        problems.append("has BYPASSRLS")
    if row.owned:
        problems.append(f"owns the tables ({', '.join(row.owned)})")
    if row.operator:
        problems.append(f"is a member of the operator role {', '.join(row.operator)}")
    return problems


def check_database(engine: Engine, *, service: str, development: bool = False) -> None:
    """Start-up check of the app's database; :class:`ConfigurationError` with one sentence when
    it is missing, unreachable or not migrated, or (PostgreSQL) when its role would bypass
    row-level security. In development (``development=True``) a role problem is only a loud
    warning. Creates nothing: a missing SQLite file is reported, not created."""
    url = engine.url
    shown = url.render_as_string(hide_password=True)
    if engine.dialect.name == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not url.database.startswith("file:") and not path.exists():
            raise ConfigurationError(
                f"no database at {path.resolve()}: run `{service} migrate` in the project "
                "folder first, or set DATABASE_URL"
            )
    tenant_table = tenant_tables()[0]
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(tenant_table):
                raise ConfigurationError(
                    f"the database {shown} has no {tenant_table} table: "
                    f"run `{service} migrate` first"
                )
            problems = role_problems(connection) if engine.dialect.name == "postgresql" else []
    except sa.exc.DBAPIError as exc:
        raise ConfigurationError(describe_connection_error(url, exc)) from None
    if not problems:
        return
    message = (
        f"the database role of {shown} {' and '.join(problems)}, so row-level security would "
        "not isolate tenants; connect as the app role (NOSUPERUSER NOBYPASSRLS, owning no "
        "table; see the README's database roles)"
    )
    if not development:
        raise ConfigurationError(message)
    logging.getLogger(f"{service}.db").warning("INSECURE (development only): %s", message)
    warnings.warn(f"INSECURE (development only): {message}", RuntimeWarning, stacklevel=2)


@dataclass(frozen=True, slots=True)
class DatabaseSetup:
    """This module's functions bound to one service (its name names the default operator role,
    the logger and the commands the messages suggest)."""

    service: str

    @property
    def default_operator_role(self) -> str:
        return default_operator_role(self.service)

    def operator_role(self, environ: Mapping[str, str] | None = None) -> str:
        return operator_role(self.service, environ)

    def after_migrate(self, connection: sa.Connection, metadata: sa.MetaData | None = None) -> None:
        after_migrate(connection, metadata, service=self.service)

    def check_database(self, engine: Engine, *, development: bool = False) -> None:
        check_database(engine, service=self.service, development=development)
