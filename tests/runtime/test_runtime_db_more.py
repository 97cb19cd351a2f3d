"""TenantDirectory caching, the idle ping that replaced ``pool_pre_ping``, the delete walk, and
the start-up database check."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from runtime_db_fixtures import Comment, Note, Org, Project, Task, factory, pg_url, sqlite_engine
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

from specfoundry.runtime import db as rdb
from specfoundry.runtime.db import (
    ConfigurationError,
    TenantDirectory,
    TenantSession,
    make_engine,
    make_session_factory,
    open_session,
)
from specfoundry.runtime.db_setup import DatabaseSetup
from specfoundry.runtime.deletion import DeleteRestricted, DeletionRules, Referrer, delete

__all__ = ["factory", "pg_url", "sqlite_engine"]  # fixtures used here

Factory = sessionmaker[TenantSession]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _count_queries(engine: sa.Engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    return seen


# --- TenantDirectory --------------------------------------------------------------------------


def test_tenant_directory_caches_hits_and_misses_with_their_ttls(
    factory: Factory, sqlite_engine: sa.Engine
) -> None:
    org = uuid.uuid4()
    with open_session(factory, org) as session, session.begin():
        session.add(Org(id=org))
    clock = Clock()
    directory = TenantDirectory(factory, ttl=60, missing_ttl=5, clock=clock)
    queries = _count_queries(sqlite_engine)
    missing = uuid.uuid4()

    assert directory.cached(org) is None
    assert directory.exists(org) and directory.exists(org)
    assert not directory.exists(missing) and not directory.exists(missing)
    assert len(queries) == 2  # one per tenant, then from the cache

    clock.now += 6  # the miss expired, the hit did not
    with open_session(factory, missing) as session, session.begin():
        session.add(Org(id=missing))
    assert directory.cached(missing) is None and directory.cached(org) is True
    assert directory.exists(missing)
    assert len(queries) == 4  # + the lookup and the insert

    clock.now += 60  # the hit expired too
    assert directory.cached(org) is None
    directory.forget(missing)
    assert directory.cached(missing) is None


def test_tenant_directory_is_a_bounded_lru(factory: Factory) -> None:
    directory = TenantDirectory(factory, maxsize=2, clock=Clock())
    first, second, third = (uuid.uuid4() for _ in range(3))
    for tid in (first, second):
        directory.exists(tid)
    directory.cached(first)  # most recently used
    directory.exists(third)
    assert directory.cached(second) is None
    assert directory.cached(first) is False and directory.cached(third) is False


# --- the pool: no ping per request, a ping after idling -----------------------------------------


def test_postgres_engines_recycle_and_do_not_ping_every_checkout() -> None:
    engine = make_engine("postgresql://u@127.0.0.1:1/d")  # not connected
    assert engine.pool._recycle == rdb.POOL_RECYCLE
    assert not engine.pool._pre_ping
    assert event.contains(engine, "checkout", _checkout_listener(engine))
    assert not make_engine("postgresql://u@127.0.0.1:1/d", pool_recycle=5).pool._pre_ping
    pinged = make_engine("postgresql://u@127.0.0.1:1/d", pool_pre_ping=True)
    assert pinged.pool._pre_ping


def _checkout_listener(engine: sa.Engine) -> Any:
    listeners = list(engine.pool.dispatch.checkout)
    assert len(listeners) == 1
    return listeners[0]


def test_idle_connections_are_pinged_busy_ones_are_not(tmp_path: Any) -> None:
    clock = Clock()
    engine = sa.create_engine(f"sqlite:///{tmp_path}/p.db")
    pings: list[object] = []
    engine.dialect.do_ping = lambda conn: pings.append(conn) or True  # type: ignore[method-assign]
    rdb._ping_idle_connections(engine, 30.0, clock)
    for _ in range(3):
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        clock.now += 1
    assert pings == []  # new, then busy: no ping
    clock.now += 31
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    assert len(pings) == 1


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


@pytest.mark.postgres
def test_a_connection_dropped_while_idle_is_replaced_invisibly(pg_url: str) -> None:
    engine = make_engine(pg_url, ping_after_idle=0.0, pool_size=1)
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        before = _backend_pid(engine)
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
        after = _backend_pid(engine)  # no error: the ping found it dead, the pool reconnected
        assert after != before
    finally:
        engine.dispose()
        admin.dispose()


@pytest.mark.postgres
def test_without_the_idle_ping_a_dropped_connection_fails_once(pg_url: str) -> None:
    engine = make_engine(pg_url, ping_after_idle=None, pool_size=1)
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        before = _backend_pid(engine)
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
        with pytest.raises(sa.exc.OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) != before  # the disconnect invalidated the pool
    finally:
        engine.dispose()
        admin.dispose()


# --- the delete walk --------------------------------------------------------------------------


def _rules(task_action: str = "restrict") -> DeletionRules:
    return DeletionRules(
        soft_deleted=(Project, Comment),
        referrers={
            Project: (
                Referrer(Task, "project_id", task_action, False),  # type: ignore[arg-type]
                Referrer(Note, "project_id", "set_null", False),
                Referrer(Comment, "project_id", "soft_delete", True),
            )
        },
    )


def _project_with_referrers(factory: Factory, tid: uuid.UUID, *, task: bool) -> uuid.UUID:
    with open_session(factory, tid) as session, session.begin():
        session.add(Org(id=tid))
        project = Project(title="p")
        session.add(project)
        session.flush()
        session.add_all([Note(project_id=project.id), Comment(project_id=project.id)])
        if task:
            session.add(Task(project_id=project.id))
        return project.id


def test_restrict_blocks_the_delete_and_changes_nothing(factory: Factory) -> None:
    tid = uuid.uuid4()
    pid = _project_with_referrers(factory, tid, task=True)
    with open_session(factory, tid) as session:
        project = session.get(Project, pid)
        with pytest.raises(DeleteRestricted, match=r"rt_tasks\.project_id"):
            delete(session, project, _rules())
        assert not session.dirty and not session.deleted
        assert project is not None and project.deleted_at is None


def test_soft_delete_sets_null_and_cascades(factory: Factory) -> None:
    tid = uuid.uuid4()
    pid = _project_with_referrers(factory, tid, task=False)
    with open_session(factory, tid) as session, session.begin():
        delete(session, session.get(Project, pid), _rules())
    with open_session(factory, tid) as session:
        project = session.get(Project, pid)
        assert project is not None and project.deleted_at is not None  # soft: the row stays
        assert [n.project_id for n in session.scalars(sa.select(Note))] == [None]
        comments = session.scalars(sa.select(Comment)).all()
        assert [c.deleted_at for c in comments] == [project.deleted_at]


def test_delete_cascade_to_hard_deleted_referrers(factory: Factory) -> None:
    tid = uuid.uuid4()
    pid = _project_with_referrers(factory, tid, task=True)
    with open_session(factory, tid) as session, session.begin():
        delete(session, session.get(Project, pid), _rules("delete"))
    with open_session(factory, tid) as session:
        assert session.scalars(sa.select(Task)).all() == []


# --- start-up check ---------------------------------------------------------------------------


def test_check_database_names_the_service(tmp_path: Any, sqlite_engine: sa.Engine) -> None:
    setup = DatabaseSetup(service="demo")
    assert setup.default_operator_role == "demo_operator"
    assert setup.operator_role({"OPERATOR_DB_ROLE": "ops"}) == "ops"
    missing = make_engine(f"sqlite:///{tmp_path}/none.db")
    with pytest.raises(ConfigurationError, match="run `demo migrate`"):
        setup.check_database(missing)
    empty = make_engine(f"sqlite:///{tmp_path}/empty.db")
    with empty.connect():
        pass
    with pytest.raises(ConfigurationError, match=r"no \w+ table: run `demo migrate`"):
        setup.check_database(empty)
    setup.check_database(sqlite_engine)


@pytest.mark.postgres
def test_grants_apply_and_a_superuser_is_refused(pg_url: str) -> None:
    setup = DatabaseSetup(service=f"rt{uuid.uuid4().hex[:8]}")
    engine = make_engine(pg_url, poolclass=sa.pool.NullPool)
    try:
        rdb.Base.metadata.create_all(engine)
        with engine.begin() as conn:
            setup.after_migrate(conn)
            policies = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_policies WHERE policyname = 'operator_access' "
                    "AND tablename LIKE 'rt\\_%'"
                )
            ).scalar_one()
        assert policies == 5  # the tenant table and every tenant_id table of the fixture
        with pytest.raises(ConfigurationError, match="is a superuser"):
            setup.check_database(engine)
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{setup.default_operator_role}"'))
            conn.execute(sa.text(f'DROP ROLE "{setup.default_operator_role}"'))
    finally:
        engine.dispose()


def test_session_factory_binds_tenant_sessions(sqlite_engine: sa.Engine) -> None:
    assert isinstance(make_session_factory(sqlite_engine)(), TenantSession)


def test_tenant_of_new_row_fills_the_tenant(factory: Factory) -> None:
    from specfoundry.runtime.db_testing import tenant_of_new_row

    tid = uuid.uuid4()
    made: list[uuid.UUID] = []

    def make_org(session: Any, tenant: uuid.UUID) -> Any:
        made.append(tenant)
        session.add(Org(id=tenant))
        session.flush()

    with open_session(factory, tid) as session:
        values: dict[str, Any] = {}
        assert (
            tenant_of_new_row(session, Org, tid, values, ensure_tenant=True, make_tenant=make_org)
            is None
        )
        assert values == {"id": tid}
        values = {}
        tenant_of_new_row(session, Project, tid, values, ensure_tenant=True, make_tenant=make_org)
        assert values == {"tenant_id": tid} and made == [tid]
        existing = tenant_of_new_row(
            session, Org, tid, {}, ensure_tenant=True, make_tenant=make_org
        )
        assert isinstance(existing, Org) and existing.id == tid
        other = uuid.uuid4()
        tenant_of_new_row(session, Project, other, {}, ensure_tenant=True, make_tenant=make_org)
        assert made == [tid]  # another tenant's row is not created through this session
