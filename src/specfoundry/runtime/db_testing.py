"""Test databases of a service: migrated from scratch, used through a non-owner role.

:meth:`TestDatabases.prepare_database` reads ``DATABASE_URL``:

* unset (or SQLite): a temporary SQLite file, migrated with Alembic; app and owner are the same.
  The file goes to memory-backed ``/dev/shm`` where there is one: SQLite syncs the disk at every
  commit, and a suite commits thousands of times (a third of a suite's time on a busy disk);
  a test database needs no durability;
* ``postgresql://...`` (the owner/superuser URL, as in CI): a fresh, uniquely named database and
  two fresh roles ``LOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT`` that own nothing: the app role and
  the operator role (role names are cluster-wide, hence unique per test database). Migrations
  run as the owner with ``APP_DB_ROLE`` and ``OPERATOR_DB_ROLE`` set to them, so they get DML
  grants only; ``app_url`` connects as the app role, so row-level security applies to every
  test (saas-standards T-10, T-18), and ``operator_url`` as the operator role.

``cleanup()`` drops what was created. The generated ``tests/db_support.py`` binds this module to
the service (its name prefixes databases and roles; its project folder holds ``alembic.ini``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .db import TenantRoot, TenantScoped, make_engine, normalize_url

__all__ = [
    "PreparedDatabase",
    "TestDatabases",
    "assert_app_role_is_safe",
    "is_postgres_url",
    "tenant_of_new_row",
]


@dataclass(frozen=True)
class PreparedDatabase:
    app_url: str
    owner_url: str
    is_postgres: bool
    cleanup: Callable[[], None]
    app_role: str | None = None
    operator_role: str | None = None
    operator_url: str | None = None


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and normalize_url(url, "sqlite://").startswith("postgresql")


@dataclass(frozen=True)
class TestDatabases:
    """Fresh, migrated databases for the tests of ``service`` (whose ``alembic.ini`` and
    ``migrations/`` are in ``project_root``)."""

    __test__ = False  # not a pytest test class

    service: str
    project_root: Path
    # owner URL -> (app role, operator role) of the databases prepared here, so that
    # ``migrate`` never falls back to the cluster-wide default operator role in a test.
    roles: dict[str, tuple[str, str]] = field(default_factory=dict)

    def prepare_database(self, url: str | None = None) -> PreparedDatabase:
        url = url if url is not None else os.environ.get("DATABASE_URL")
        if url and is_postgres_url(url):
            return self._prepare_postgres(url)
        if url and not normalize_url(url).startswith("sqlite"):
            raise RuntimeError(f"DATABASE_URL must be a SQLite or PostgreSQL URL, not {url!r}")
        return self._prepare_sqlite()

    def migrate(
        self,
        url: str,
        *,
        app_role: str | None = None,
        operator_role: str | None = None,
        revision: str = "head",
    ) -> None:
        """``alembic upgrade`` through the Python API, as the owner of ``url``; the roles
        default to those of a database prepared here."""
        from alembic import command
        from alembic.config import Config

        config = Config(str(self.project_root / "alembic.ini"))
        config.set_main_option("script_location", str(self.project_root / "migrations"))
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        config.attributes["configure_logger"] = False
        known_app, known_operator = self.roles.get(url, (None, None))
        roles = {
            "APP_DB_ROLE": app_role or known_app,
            "OPERATOR_DB_ROLE": operator_role or known_operator,
        }
        saved = {name: os.environ.get(name) for name in roles}
        try:
            _set_environ(roles)
            command.upgrade(config, revision)
        finally:
            _set_environ(saved)

    def _prepare_sqlite(self) -> PreparedDatabase:
        folder = tempfile.mkdtemp(prefix=f"{self.service}-test-", dir=_memory_backed_folder())
        url = f"sqlite:///{Path(folder) / 'test.db'}"
        self.migrate(url)
        return PreparedDatabase(
            app_url=url,
            owner_url=url,
            is_postgres=False,
            cleanup=lambda: shutil.rmtree(folder, ignore_errors=True),
            operator_url=url,
        )

    def _prepare_postgres(self, admin_url: str) -> PreparedDatabase:
        suffix = secrets.token_hex(6)
        database = f"{self.service}_test_{suffix}"
        role = f"{self.service}_app_{suffix}"
        operator = f"{self.service}_op_{suffix}"
        password = secrets.token_hex(16)
        admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
            for name in (role, operator):
                conn.execute(
                    sa.text(
                        f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT '
                        f"NOCREATEDB NOCREATEROLE PASSWORD '{password}'"
                    )
                )

        def cleanup() -> None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
                conn.execute(sa.text(f'DROP ROLE IF EXISTS "{operator}"'))
            admin.dispose()

        try:
            base = sa.make_url(normalize_url(admin_url))
            owner_url = base.set(database=database).render_as_string(hide_password=False)
            app_url = base.set(database=database, username=role, password=password)
            app_url_text = app_url.render_as_string(hide_password=False)
            operator_url = base.set(database=database, username=operator, password=password)
            self.roles[owner_url] = (role, operator)
            self.migrate(owner_url)
            assert_app_role_is_safe(app_url_text)
        except BaseException:
            cleanup()
            raise
        return PreparedDatabase(
            app_url=app_url_text,
            owner_url=owner_url,
            is_postgres=True,
            cleanup=cleanup,
            app_role=role,
            operator_role=operator,
            operator_url=operator_url.render_as_string(hide_password=False),
        )


def _memory_backed_folder() -> str | None:
    """``/dev/shm`` when it is a writable folder (Linux) with room to spare (containers often
    give it 64 MB), else None: the system temp folder."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        return None
    return str(shm) if shutil.disk_usage(shm).free >= 256 * 2**20 else None


def _set_environ(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def assert_app_role_is_safe(app_url: str) -> None:
    """T-18: RLS tests are vacuous as a superuser or a BYPASSRLS role; refuse to run them."""
    engine = make_engine(app_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            ).one()
    finally:
        engine.dispose()
    assert not row.rolsuper and not row.rolbypassrls, (
        "the app role must be NOSUPERUSER NOBYPASSRLS, or row-level security is not tested"
    )


def tenant_of_new_row(
    session: Session,
    model: type[Any],
    tenant_id: Any,
    values: dict[str, Any],
    *,
    ensure_tenant: bool,
    make_tenant: Callable[[Session, Any], Any],
) -> Any:
    """For a test factory: put the tenant into ``values`` of a new ``model`` row.

    The tenant entity (``TenantRoot``) gets ``id = tenant_id``, and its existing row is returned
    when there is one (the factory returns it instead of adding a duplicate). A tenant-owned
    model gets ``tenant_id``, and ``make_tenant(session, tenant_id)`` creates the tenant row first
    when it is the session's own tenant (or the session is cross-tenant) and ``ensure_tenant``.
    Other models are left alone. Returns None unless an existing tenant row was found.
    """
    if issubclass(model, TenantRoot):
        values.setdefault("id", tenant_id)
        return session.get(model, values["id"])
    if issubclass(model, TenantScoped):
        values.setdefault("tenant_id", tenant_id)
        own = session.info.get("cross_tenant") or tenant_id == session.info.get("tenant_id")
        if ensure_tenant and own:
            make_tenant(session, tenant_id)
    return None
