"""The Alembic environment of a service: ``migrations/env.py`` calls :func:`run_migrations`.

Migrations run as the table owner, never as the app role. The URL is, in order: a connection
passed in ``config.attributes["connection"]``, the ``sqlalchemy.url`` option when a caller set
one, ``MIGRATION_DATABASE_URL``, ``DATABASE_URL``, the service's SQLite default; it goes through
:func:`.db.make_engine` like the app's.

After the revisions, every run (even one with nothing to upgrade) re-applies what is not in
them: on PostgreSQL the operator role, its policies and the grants of ``APP_DB_ROLE`` and
``OPERATOR_DB_ROLE``; on SQLite the ``SET NULL (column)`` triggers (see :mod:`.db_setup`).
"""

from __future__ import annotations

import os
from logging.config import fileConfig
from typing import Any

import sqlalchemy as sa

from .db import include_in_autogenerate, make_engine
from .db_setup import DatabaseSetup, app_role, postgres_statements

__all__ = ["database_url", "run_migrations"]


def database_url(config: Any) -> str | None:
    """The owner's URL: the ``sqlalchemy.url`` option, ``MIGRATION_DATABASE_URL``,
    ``DATABASE_URL``; None for the default."""
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("MIGRATION_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or None
    )


def run_migrations(
    context: Any, metadata: sa.MetaData, *, default_url: str, setup: DatabaseSetup
) -> None:
    """What ``migrations/env.py`` does, offline (``--sql``) or online. ``context`` is
    :data:`alembic.context`."""
    config = context.config
    if config.config_file_name is not None and config.attributes.get("configure_logger", True):
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    if context.is_offline_mode():
        _offline(context, metadata, database_url(config) or default_url, setup)
    else:
        _online(context, metadata, database_url(config) or default_url, setup)


def _offline(context: Any, metadata: sa.MetaData, url_text: str, setup: DatabaseSetup) -> None:
    url = make_engine(url_text).url
    context.configure(
        url=str(url.render_as_string(hide_password=False)),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=True,
        include_object=include_in_autogenerate,
    )
    with context.begin_transaction():
        context.run_migrations()
        if url.get_backend_name() == "postgresql":
            statements = postgres_statements(
                metadata, app=app_role(), operator=setup.operator_role()
            )
            for statement in statements:
                context.execute(statement)


def _run(
    context: Any, metadata: sa.MetaData, connection: sa.Connection, setup: DatabaseSetup
) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_in_autogenerate,
    )
    with context.begin_transaction():
        context.run_migrations()
        setup.after_migrate(connection, metadata)


def _online(context: Any, metadata: sa.MetaData, url: str, setup: DatabaseSetup) -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(context, metadata, connection, setup)
        return
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            _run(context, metadata, connection, setup)
    finally:
        engine.dispose()
