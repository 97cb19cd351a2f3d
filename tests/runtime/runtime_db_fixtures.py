"""A tiny tenant schema on the runtime's own ``Base``, and databases to put it in.

Models: ``Org`` (the tenant), ``Project`` (soft-deletable) and three kinds of referrers of a
project: ``Task`` (on_delete restrict), ``Note`` (set_null) and ``Comment`` (cascade).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from specfoundry.runtime.db import (
    Base,
    TenantRoot,
    TenantScoped,
    TenantSession,
    UTCDateTime,
    make_engine,
    make_session_factory,
)

PG_ADMIN_URL = os.environ.get(
    "SPECFOUNDRY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SQLITE_DEFAULT = "sqlite://"


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4, sort_order=-2)


class Org(TenantRoot, Base):
    __tablename__ = "rt_orgs"
    id: Mapped[uuid.UUID] = _id()
    name: Mapped[str] = mapped_column(sa.String(50), default="org")


class Project(TenantScoped, Base):
    __tablename__ = "rt_projects"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id", name="uq_rt_projects_tenant_id"),
        sa.ForeignKeyConstraint(["tenant_id"], ["rt_orgs.id"], name="fk_rt_projects_tenant"),
    )
    id: Mapped[uuid.UUID] = _id()
    title: Mapped[str] = mapped_column(sa.String(50), default="p")
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    stamp: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def _ref(name: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "project_id"],
        ["rt_projects.tenant_id", "rt_projects.id"],
        name=name,
        ondelete=ondelete,
    )


class Task(TenantScoped, Base):
    __tablename__ = "rt_tasks"
    __table_args__ = (_ref("fk_rt_tasks_project", "RESTRICT"),)
    id: Mapped[uuid.UUID] = _id()
    project_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), nullable=False)


class Note(TenantScoped, Base):
    __tablename__ = "rt_notes"
    __table_args__ = (_ref("fk_rt_notes_project", "SET NULL (project_id)"),)
    id: Mapped[uuid.UUID] = _id()
    project_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid(), nullable=True)


class Comment(TenantScoped, Base):
    __tablename__ = "rt_comments"
    __table_args__ = (_ref("fk_rt_comments_project", "CASCADE"),)
    id: Mapped[uuid.UUID] = _id()
    project_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), nullable=False)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


@pytest.fixture
def sqlite_engine(tmp_path: object) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/runtime.db")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(sqlite_engine: sa.Engine) -> sessionmaker[TenantSession]:
    return make_session_factory(sqlite_engine)


def _pg_problem(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database (owner: the admin), dropped afterwards; fails rather than
    skips under CI=true when PostgreSQL is down."""
    problem = _pg_problem(PG_ADMIN_URL)
    if problem is not None:
        message = f"PostgreSQL at {PG_ADMIN_URL} is unreachable ({problem})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; CI=true requires it")
        pytest.skip(message)
    name = f"sf_runtime_{secrets.token_hex(6)}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
