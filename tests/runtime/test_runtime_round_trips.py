"""Database round trips per request, on PostgreSQL, through the runtime's request plumbing.

A round trip is one ``ReadyForQuery`` from the server, counted in libpq's protocol trace of
every pooled connection, so nothing the driver sends on its own (``BEGIN``, a pool ping) is
missed. The routes are built like the generated ones (``Authorize``, ``session_dependency``,
``TenantSession`` with its tenant filter and ``set_config``, ``commit``). A hand-written app
does BEGIN, the statement and COMMIT/ROLLBACK (3); row-level security adds one ``set_config``
per transaction, and nothing else may: no pool ping before a busy connection's checkout, no
tenant lookup once the tenant is cached, no existence query before an insert.
"""

from __future__ import annotations

import logging
import pickle
import tempfile
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel
from runtime_db_fixtures import Org, Project, pg_url
from sqlalchemy.orm import Session

from specfoundry.runtime import db as rdb
from specfoundry.runtime import problems, routing
from specfoundry.runtime.auth import Principal, TokenVerifier
from specfoundry.runtime.guards import RequestGuard, server_options
from specfoundry.runtime.settings import ServiceIdentity, Settings

__all__ = ["pg_url"]  # fixture used here


class _Settings(Settings):
    identity = ServiceIdentity(name="trips", env_prefix="TRIPS")


def _holds(principal: Principal, entity: str, action: str) -> bool:
    return True


session_scope = routing.session_dependency(rdb.open_session)  # type: ignore[arg-type]
SessionDep = Annotated[Session, Depends(session_scope)]


class ProjectIn(BaseModel):
    title: str


def _app(url: str) -> FastAPI:
    app = FastAPI()
    engine = rdb.make_engine(url)
    rdb.Base.metadata.create_all(engine)
    factory = rdb.make_session_factory(engine)
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.tenants = rdb.TenantDirectory(factory)
    app.state.verifier = TokenVerifier(_Settings(database_url=url, jwt_secret="t" * 40))
    problems.install(app, logger=logging.getLogger("trips"))
    app.add_middleware(RequestGuard, max_body_bytes=4096)

    @app.get("/projects/{id}")
    def get_project(
        id: str,
        session: SessionDep,
        principal: Annotated[Principal, Depends(routing.Authorize("p", "read", holds=_holds))],
    ) -> JSONResponse:
        obj = session.scalars(
            sa.select(Project).where(Project.id == routing.parse_id(id, "project"))
        ).one_or_none()
        if obj is None:
            raise problems.not_found("project")
        body = {"id": str(obj.id), "title": obj.title}
        session.close()  # read-only: the generated routes give the connection back here
        return JSONResponse(body)

    @app.post("/projects", status_code=201)
    def create_project(
        body: ProjectIn,
        session: SessionDep,
        principal: Annotated[
            Principal,
            Depends(routing.Authorize("p", "create", holds=_holds, collection=True)),
        ],
    ) -> JSONResponse:
        obj = Project(title=body.title)
        session.add(obj)
        routing.commit(session)
        return JSONResponse({"id": str(obj.id), "title": obj.title}, status_code=201)

    return app


class _Trace:
    """libpq's protocol trace of every connection the engine opens from now on."""

    def __init__(self, engine: sa.Engine) -> None:
        from psycopg import pq

        self.file = tempfile.TemporaryFile("w+")  # noqa: SIM115 (lives as long as the engine)
        self.offset = 0

        def on_connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.pgconn.trace(self.file.fileno())
            dbapi_connection.pgconn.set_trace_flags(
                pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE
            )

        sa.event.listen(engine, "connect", on_connect)
        engine.dispose()

    def since_last(self) -> list[str]:
        self.file.flush()
        self.file.seek(self.offset)
        lines = self.file.read().splitlines()
        self.offset = self.file.tell()
        return lines

    def round_trips(self) -> tuple[int, list[str]]:
        lines = self.since_last()
        sent = [line.split("\t", 3)[-1] for line in lines if line.startswith("F\t")]
        return sum("\tReadyForQuery" in line for line in lines), sent


@pytest.fixture
def client(pg_url: str) -> Iterator[tuple[TestClient, _Trace, uuid.UUID]]:
    app = _app(pg_url)
    tenant = uuid.uuid4()
    with rdb.open_session(app.state.session_factory, tenant) as session, session.begin():
        session.add(Org(id=tenant))
    trace = _Trace(app.state.engine)
    http = TestClient(app)
    http.headers["Authorization"] = "Bearer " + app.state.verifier.issue("u", tenant, ["r"])
    try:
        yield http, trace, tenant
    finally:
        app.state.engine.dispose()


@pytest.mark.postgres
def test_get_one_and_create_cost_four_round_trips(
    client: tuple[TestClient, _Trace, uuid.UUID],
) -> None:
    http, trace, _ = client
    first = http.post("/projects", json={"title": "warm"})  # tenant lookup, new connection
    assert first.status_code == 201
    trace.since_last()
    for _ in range(2):  # the second time on a busy pooled connection: no ping either
        created = http.post("/projects", json={"title": "p"})
        assert created.status_code == 201, created.text
        trips, sent = trace.round_trips()
        assert trips == 4, sent  # BEGIN, set_config, INSERT, COMMIT
        assert any("set_config('app.tenant_id', $1, true)" in s for s in sent), sent
        assert not any(
            s.startswith("Parse") and "SELECT" in s and "set_config" not in s for s in sent
        ), sent  # no existence query before the insert
        got = http.get(f"/projects/{created.json()['id']}")
        assert got.status_code == 200
        trips, sent = trace.round_trips()
        assert trips == 4, sent  # BEGIN, set_config, SELECT, ROLLBACK
    assert http.get(f"/projects/{uuid.uuid4()}").status_code == 404
    assert trace.round_trips()[0] == 4  # a 404 costs the same


@pytest.mark.postgres
def test_set_config_on_a_dropped_connection_fails_like_any_statement(pg_url: str) -> None:
    """The tenant is set with the driver's own SQL; a dropped connection still surfaces as
    SQLAlchemy's wrapped error and invalidates the pool, so the next session reconnects."""
    engine = rdb.make_engine(pg_url, ping_after_idle=None, pool_size=1)
    admin = rdb.make_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    factory = rdb.make_session_factory(engine)
    tenant = uuid.uuid4()
    try:
        with rdb.open_session(factory, tenant) as session:
            before = session.scalar(sa.text("SELECT pg_backend_pid()"))
            assert session.scalar(sa.text("SELECT current_setting('app.tenant_id')")) == str(tenant)
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
        with rdb.open_session(factory, tenant) as session, pytest.raises(sa.exc.OperationalError):
            session.scalar(sa.text("SELECT 1"))
        with rdb.open_session(factory, tenant) as session:
            assert session.scalar(sa.text("SELECT pg_backend_pid()")) != before
            assert session.scalar(sa.text("SELECT current_setting('app.tenant_id')")) == str(tenant)
    finally:
        engine.dispose()
        admin.dispose()


def test_server_options_survive_pickling_for_worker_processes() -> None:
    """``serve --workers N`` hands uvicorn's config to spawned workers by pickling it."""
    options = server_options()
    protocol = options["http"]
    assert pickle.loads(pickle.dumps(protocol)) is protocol
