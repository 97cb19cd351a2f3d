"""The runtime's data layer on a tiny fixture schema (SQLite in a temp dir, a few PostgreSQL
checks): the tenant filter fails closed, flushes are stamped, sessions follow the rules."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from runtime_db_fixtures import Comment, Note, Org, Project, Task, factory, pg_url, sqlite_engine
from sqlalchemy.orm import aliased, sessionmaker

from specfoundry.runtime.db import (
    Base,
    ConfigurationError,
    TenantContextMissing,
    TenantMismatch,
    TenantSession,
    make_engine,
    normalize_url,
    open_session,
)
from specfoundry.runtime.errors import ConfigurationError as RuntimeConfigurationError

__all__ = ["factory", "pg_url", "sqlite_engine"]  # fixtures used here

Factory = sessionmaker[TenantSession]


def _seed(factory: Factory) -> tuple[uuid.UUID, uuid.UUID]:
    """Two tenants, each with a project, a task, a note and a comment."""
    a, b = uuid.uuid4(), uuid.uuid4()
    for tid in (a, b):
        with open_session(factory, tid) as session, session.begin():
            session.add(Org(id=tid, name=str(tid)))
            project = Project(title=f"p-{tid}")
            session.add(project)
            session.flush()
            session.add_all(
                [
                    Task(project_id=project.id),
                    Note(project_id=project.id),
                    Comment(project_id=project.id),
                ]
            )
    return a, b


def test_open_session_needs_a_tenant_or_cross_tenant(factory: Factory) -> None:
    with pytest.raises(TenantContextMissing):
        open_session(factory, None)
    tid = uuid.uuid4()
    session = open_session(factory, str(tid))
    assert session.tenant_id == tid and not session.cross_tenant
    cross = open_session(factory, None, cross_tenant=True)
    assert cross.tenant_id is None and cross.cross_tenant
    session.close()
    cross.close()


def test_a_session_without_tenant_context_fails_closed(factory: Factory) -> None:
    _seed(factory)
    with factory() as session, pytest.raises(TenantContextMissing, match="no tenant context"):
        session.scalars(sa.select(Project)).all()


def test_own_rows_only_including_joins_aliases_and_tenant_row(factory: Factory) -> None:
    a, b = _seed(factory)
    with open_session(factory, a) as session:
        assert {p.title for p in session.scalars(sa.select(Project))} == {f"p-{a}"}
        joined = session.execute(
            sa.select(Task, Project).join(Project, Task.project_id == Project.id)
        )
        assert [(t.tenant_id, p.tenant_id) for t, p in joined] == [(a, a)]
        other = aliased(Project)
        assert {p.tenant_id for p in session.scalars(sa.select(other))} == {a}
        assert [o.id for o in session.scalars(sa.select(Org))] == [a]
        foreign = open_session(factory, b)
        b_project = foreign.scalars(sa.select(Project)).one()
        foreign.close()
        assert session.get(Project, b_project.id) is None
    with open_session(factory, None, cross_tenant=True) as session:
        assert {p.tenant_id for p in session.scalars(sa.select(Project))} == {a, b}


def test_bulk_update_and_delete_touch_own_rows_only(factory: Factory) -> None:
    a, b = _seed(factory)
    stamp = dt.datetime(2001, 2, 3, tzinfo=dt.UTC)
    with open_session(factory, a) as session, session.begin():
        session.execute(sa.update(Project).values(stamp=stamp))
        session.execute(sa.delete(Comment))
    with open_session(factory, None, cross_tenant=True) as session:
        stamps = dict(session.execute(sa.select(Project.tenant_id, Project.stamp)).all())
        assert stamps == {a: stamp, b: None}
        assert [c.tenant_id for c in session.scalars(sa.select(Comment))] == [b]


def test_a_table_read_without_its_entity_is_refused(factory: Factory) -> None:
    a, _ = _seed(factory)
    with open_session(factory, a) as session, pytest.raises(TenantContextMissing):
        session.scalar(sa.select(sa.func.count()).select_from(Project.__table__))


def test_orm_bulk_insert_is_refused(factory: Factory) -> None:
    a, _ = _seed(factory)
    with open_session(factory, a) as session, pytest.raises(TenantMismatch):
        session.execute(sa.insert(Project), [{"title": "x", "tenant_id": a}])


def test_before_flush_stamps_the_tenant_and_refuses_another(factory: Factory) -> None:
    a, b = _seed(factory)
    with open_session(factory, a) as session:
        project = Project(title="stamped")
        session.add(project)
        session.flush()
        assert project.tenant_id == a
        session.add(Project(title="foreign", tenant_id=b))
        with pytest.raises(TenantMismatch, match="another tenant"):
            session.flush()
        session.rollback()
    with open_session(factory, a) as session:
        project = session.scalars(sa.select(Project)).first()
        assert project is not None
        project.tenant_id = b
        with pytest.raises(TenantMismatch, match="cannot be changed"):
            session.flush()
        session.rollback()
    with open_session(factory, None, cross_tenant=True) as session:
        session.add(Project(title="orphan"))
        with pytest.raises(TenantContextMissing, match="no tenant_id"):
            session.flush()


def test_utc_datetime_round_trip(factory: Factory) -> None:
    a, _ = _seed(factory)
    naive = dt.datetime(2020, 1, 2, 3, 4, 5)
    plus_two = dt.datetime(2020, 1, 2, 5, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with open_session(factory, a) as session, session.begin():
        first, second = Project(title="n", stamp=naive), Project(title="z", stamp=plus_two)
        session.add_all([first, second])
    with open_session(factory, a) as session:
        stamps = {p.title: p.stamp for p in session.scalars(sa.select(Project))}
    expected = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert stamps["n"] == expected and stamps["n"].tzinfo == dt.UTC
    assert stamps["z"] == expected and stamps["z"].tzinfo == dt.UTC


def test_urls() -> None:
    assert normalize_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_url("", "sqlite:///./x.db") == "sqlite:///./x.db"
    assert ConfigurationError is RuntimeConfigurationError
    with pytest.raises(ConfigurationError):
        normalize_url(None)
    engine = make_engine("sqlite://")
    assert engine.hide_parameters


def test_sqlite_set_null_column_trigger(factory: Factory) -> None:
    a, _ = _seed(factory)
    with open_session(factory, a) as session, session.begin():
        project = Project(title="gone")
        session.add(project)
        session.flush()
        note = Note(project_id=project.id)
        session.add(note)
        session.flush()
        session.delete(project)
    with open_session(factory, a) as session:
        kept = session.get(Note, note.id)
        assert kept is not None and kept.project_id is None and kept.tenant_id == a


def test_metadata_is_the_runtime_base() -> None:
    assert {"rt_orgs", "rt_projects", "rt_tasks"} <= set(Base.metadata.tables)
