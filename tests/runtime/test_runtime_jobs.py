"""Background jobs and timers (runtime/jobs.py, runtime/timers.py), in process: SQLite in memory,
Dramatiq's stub broker and a worker thread."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import uuid
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from platform_app import NotesSettings
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from specfoundry.runtime import jobs as jobs_runtime
from specfoundry.runtime import problems, routing
from specfoundry.runtime.auth import Principal, TokenVerifier
from specfoundry.runtime.db import (
    Base,
    TenantScoped,
    TenantSession,
    UTCDateTime,
    make_session_factory,
    open_session,
)
from specfoundry.runtime.permissions import Condition, PermissionTable, Rule, When
from specfoundry.runtime.tasks import Worker, make_broker
from specfoundry.runtime.timers import Timer, Timers

SECRET = "j" * 40


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)


def _stamp() -> Mapped[dt.datetime]:
    return mapped_column(UTCDateTime(), default=lambda: dt.datetime.now(dt.UTC))


class Doc(TenantScoped, Base):
    __tablename__ = "jb_docs"
    id: Mapped[uuid.UUID] = _id()
    title: Mapped[str] = mapped_column(sa.String(100))
    owner: Mapped[str] = mapped_column(sa.String(100))
    private: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    archived: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    kind: Mapped[str] = mapped_column(sa.String(20), default="memo")
    created_at: Mapped[dt.datetime] = _stamp()
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Job(TenantScoped, Base):
    __tablename__ = "jb_jobs"
    id: Mapped[uuid.UUID] = _id()
    name: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(16))
    input: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    progress: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    result: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    result_text: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_by: Mapped[str] = mapped_column(sa.String(255))
    principal_roles: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    principal_kind: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = _stamp()
    version: Mapped[int] = mapped_column(sa.Integer, default=1)


class Ticket(TenantScoped, Base):
    __tablename__ = "jb_tickets"
    id: Mapped[uuid.UUID] = _id()
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    closed_by: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    created_at: Mapped[dt.datetime] = _stamp()


class TransitionRecord(TenantScoped, Base):
    __tablename__ = "jb_transition_records"
    id: Mapped[uuid.UUID] = _id()
    entity: Mapped[str] = mapped_column(sa.String(63))
    entity_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    transition: Mapped[str] = mapped_column(sa.String(63))
    from_state: Mapped[str] = mapped_column(sa.String(63))
    to_state: Mapped[str] = mapped_column(sa.String(63))
    actor: Mapped[str] = mapped_column(sa.String(255))
    occurred_at: Mapped[dt.datetime] = _stamp()


TABLES = [m.__table__ for m in (Doc, Job, Ticket, TransitionRecord)]


def _visible(principal: Principal, doc: Doc) -> bool:
    return not doc.private or doc.owner == principal.subject


VISIBLE = Condition(_visible, lambda p: sa.or_(Doc.private.is_(False), Doc.owner == p.subject))
OWNED = Condition(lambda p, doc: doc.owner == p.subject, lambda p: Doc.owner == p.subject)
TABLE = PermissionTable(
    ("viewer", "editor", "admin"),
    {
        ("doc", "list"): Rule(("admin",), When(("viewer", "editor"), VISIBLE)),
        ("doc", "read"): Rule(("admin",), When(("viewer", "editor"), VISIBLE)),
        ("doc", "update"): Rule(("admin",), When(("editor",), OWNED)),
    },
)


def dump_doc(doc: Doc) -> dict[str, Any]:
    return {"id": doc.id, "title": doc.title, "owner": doc.owner, "archived": doc.archived}


class ExportInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str | None = None


class ArchiveInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str


def count_docs(ctx: jobs_runtime.JobContext) -> dict[str, int]:
    ctx.progress(done=1)
    return {"docs": int(ctx.session.scalar(sa.select(sa.func.count(Doc.id))) or 0)}


class JobsApp:
    def __init__(self, batch_size: int = 2) -> None:
        settings = NotesSettings(database_url="sqlite://", jwt_secret=SECRET, redis_url=None)
        engine = sa.create_engine(
            "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
        Base.metadata.create_all(engine, tables=TABLES)
        self.factory = make_session_factory(engine)
        self.broker = make_broker(None, namespace="jobs-test")
        dramatiq.set_broker(self.broker)
        types = (
            jobs_runtime.JobType(
                name="export_docs",
                work=jobs_runtime.Export(
                    entity="doc",
                    model=Doc,
                    dump=dump_doc,
                    columns=("id", "title", "owner", "archived"),
                    batch_size=batch_size,
                ),
                roles=frozenset({"viewer", "editor", "admin"}),
                input=ExportInput,
            ),
            jobs_runtime.JobType(
                name="archive_docs",
                work=jobs_runtime.BulkUpdate(
                    entity="doc", model=Doc, values={"archived": True}, batch_size=batch_size
                ),
                roles=frozenset({"editor", "admin"}),
                input=ArchiveInput,
                attempts=1,
            ),
            jobs_runtime.JobType(
                name="retitle_docs",
                work=jobs_runtime.BulkUpdate(
                    entity="doc",
                    model=Doc,
                    values={"title": "untitled"},
                    writers={"title": frozenset({"admin"})},
                    batch_size=batch_size,
                ),
                roles=frozenset({"editor", "admin"}),
                input=ArchiveInput,
                attempts=1,
            ),
            jobs_runtime.JobType(
                name="shelve_docs",
                work=jobs_runtime.BulkUpdate(
                    entity="doc",
                    model=Doc,
                    values={"archived": True},
                    # As a `write: {condition: "resource.title != 'keep'"}` on `archived`.
                    write_conditions={"archived": lambda principal, doc: doc.title != "keep"},
                    batch_size=batch_size,
                ),
                roles=frozenset({"editor", "admin"}),
                input=ArchiveInput,
                attempts=1,
            ),
            jobs_runtime.JobType(
                name="count_docs",
                work=jobs_runtime.Function(count_docs),
                roles=frozenset({"admin"}),
                input=ExportInput,
            ),
        )
        self.jobs = jobs_runtime.Jobs(
            self.broker, self.factory, open_session, Job, TABLE, types, base_path="/v1"
        )
        app = FastAPI(redirect_slashes=False)
        app.state.settings = settings
        app.state.engine = engine
        app.state.session_factory = self.factory
        app.state.verifier = TokenVerifier(settings)

        class Anyone:
            def cached(self, tenant_id: uuid.UUID) -> bool:
                return True

            def exists(self, tenant_id: uuid.UUID) -> bool:
                return True

        app.state.tenants = Anyone()
        problems.install(app, logger=__import__("logging").getLogger("jobs-test"))
        jobs_runtime.install(app, self.jobs, routing.session_dependency(open_session))
        self.app = app
        self.worker = Worker(self.broker, self.jobs.queues, threads=1)

    def client(self, tenant: uuid.UUID, subject: str, roles: tuple[str, ...]) -> TestClient:
        client = TestClient(self.app, raise_server_exceptions=False)
        token = self.app.state.verifier.issue(subject, tenant, roles)
        client.headers["Authorization"] = f"Bearer {token}"
        return client

    def add(self, tenant: uuid.UUID, **values: Any) -> Doc:
        with open_session(self.factory, tenant) as session:
            doc = Doc(tenant_id=tenant, **values)
            session.add(doc)
            session.commit()
            return doc

    def drain(self) -> None:
        self.worker.start()
        try:
            self.worker.join()
        finally:
            self.worker.stop()


@pytest.fixture
def env() -> Iterator[JobsApp]:
    app = JobsApp()
    yield app
    app.broker.close()


def test_export_is_accepted_then_runs_with_the_starters_permissions(env: JobsApp) -> None:
    tenant, other = uuid.uuid4(), uuid.uuid4()
    env.add(tenant, title="=cmd()", owner="alice")
    env.add(tenant, title="alice private", owner="alice", private=True)
    env.add(tenant, title="bob private", owner="bob", private=True)
    env.add(tenant, title="shared", owner="bob")
    env.add(tenant, title="letter", owner="bob", kind="letter")
    env.add(other, title="other tenant", owner="alice")
    alice = env.client(tenant, "alice", ("viewer",))

    started = alice.post("/v1/jobs/export-docs/start", json={"kind": "memo"})
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "queued" and job["name"] == "export_docs"
    assert started.headers["Location"] == f"/v1/jobs/{job['id']}"
    assert alice.get(f"/v1/jobs/{job['id']}/result").status_code == 409

    env.drain()
    done = alice.get(f"/v1/jobs/{job['id']}").json()
    assert done["status"] == "succeeded", done
    assert done["result"] == {"rows": 3, "media_type": "text/csv"}
    assert done["progress"] == {"rows": 3}
    assert done["result_url"] == f"/v1/jobs/{job['id']}/result"
    download = alice.get(done["result_url"])
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    # Only the tenant's memos the starter may read; a formula-like cell is defused.
    assert sorted(r["title"] for r in rows) == ["'=cmd()", "alice private", "shared"]
    assert {r["archived"] for r in rows} == {"false"}


def test_bulk_update_runs_in_batches_and_checks_each_row(env: JobsApp) -> None:
    tenant = uuid.uuid4()
    for n in range(5):
        env.add(tenant, title=f"mine {n}", owner="carol")
    env.add(tenant, title="not mine", owner="dave")
    env.add(tenant, title="letter", owner="carol", kind="letter")
    other = env.add(uuid.uuid4(), title="elsewhere", owner="carol")
    carol = env.client(tenant, "carol", ("editor",))
    job = carol.post("/v1/jobs/archive-docs/start", json={"kind": "memo"}).json()

    env.drain()
    done = carol.get(f"/v1/jobs/{job['id']}").json()
    assert done["status"] == "succeeded", done
    counts = {"total": 6, "done": 6, "updated": 5, "unchanged": 0, "skipped": 1}
    assert done["result"] == counts and done["progress"] == counts
    with open_session(env.factory, None, cross_tenant=True) as session:
        archived = {d.title: d.archived for d in session.scalars(sa.select(Doc))}
        versions = {d.title: d.version for d in session.scalars(sa.select(Doc))}
        untouched = session.get(Doc, other.id)
    assert archived["mine 0"] and archived["mine 4"]
    assert not archived["not mine"] and not archived["letter"]
    assert untouched is not None and not untouched.archived
    assert versions["mine 0"] == 2 and versions["not mine"] == 1


def test_bulk_update_keeps_the_fields_write_rules(env: JobsApp) -> None:
    """A bulk update writes no field the update route would refuse: a field reserved to other
    roles refuses the start (403, nothing queued), a write condition skips the rows it is false
    for (they were updated regardless)."""
    tenant = uuid.uuid4()
    for title in ("keep", "a", "b"):
        env.add(tenant, title=title, owner="carol")
    carol = env.client(tenant, "carol", ("editor",))
    refused = carol.post("/v1/jobs/retitle-docs/start", json={"kind": "memo"})
    assert refused.status_code == 403, refused.text
    assert "`title`" in refused.json()["detail"]
    assert carol.get("/v1/jobs").json()["data"] == []

    job = carol.post("/v1/jobs/shelve-docs/start", json={"kind": "memo"}).json()
    env.drain()
    done = carol.get(f"/v1/jobs/{job['id']}").json()
    assert done["status"] == "succeeded", done
    assert done["result"] == {"total": 3, "done": 3, "updated": 2, "unchanged": 0, "skipped": 1}
    with open_session(env.factory, tenant) as session:
        archived = {d.title: d.archived for d in session.scalars(sa.select(Doc))}
    assert archived == {"keep": False, "a": True, "b": True}


def test_cancel_stops_a_job_between_batches(env: JobsApp, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = uuid.uuid4()
    for n in range(6):
        env.add(tenant, title=f"d{n}", owner="carol")
    carol = env.client(tenant, "carol", ("editor",))
    job = carol.post("/v1/jobs/archive-docs/start", json={"kind": "memo"}).json()
    canceled = carol.post(f"/v1/jobs/{job['id']}/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert carol.post(f"/v1/jobs/{job['id']}/cancel").status_code == 200  # again: no-op
    env.drain()
    assert carol.get(f"/v1/jobs/{job['id']}").json()["status"] == "canceled"
    with open_session(env.factory, None, cross_tenant=True) as session:
        assert not any(session.scalars(sa.select(Doc.archived)))

    # Canceled while running: the work stops at its next batch.
    job = carol.post("/v1/jobs/archive-docs/start", json={"kind": "memo"}).json()
    kind = env.jobs.type("archive_docs")
    assert kind is not None
    original = jobs_runtime.Jobs._progress

    def cancel_after_first(
        self: jobs_runtime.Jobs, principal: Principal, job_id: uuid.UUID, values: Any
    ) -> None:
        if values.get("done"):
            carol.post(f"/v1/jobs/{job_id}/cancel")
        original(self, principal, job_id, values)

    monkeypatch.setattr(jobs_runtime.Jobs, "_progress", cancel_after_first)
    assert env.jobs.run(kind, uuid.UUID(job["id"]), tenant) == "canceled"
    with open_session(env.factory, None, cross_tenant=True) as session:
        assert sum(session.scalars(sa.select(Doc.archived))) == 2  # one batch of two


def test_finished_job_cannot_be_canceled_and_result_only_for_exports(env: JobsApp) -> None:
    tenant = uuid.uuid4()
    admin = env.client(tenant, "root", ("admin",))
    env.add(tenant, title="a", owner="x")
    job = admin.post("/v1/jobs/count-docs/start", json={}).json()
    env.drain()
    done = admin.get(f"/v1/jobs/{job['id']}").json()
    assert done["status"] == "succeeded" and done["result"] == {"docs": 1}
    assert done["result_url"] is None
    assert admin.get(f"/v1/jobs/{job['id']}/result").status_code == 409
    refused = admin.post(f"/v1/jobs/{job['id']}/cancel")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    listed = admin.get("/v1/jobs").json()
    assert [j["id"] for j in listed["data"]] == [job["id"]]


def test_jobs_are_tenant_and_starter_scoped(env: JobsApp) -> None:
    tenant = uuid.uuid4()
    alice = env.client(tenant, "alice", ("viewer",))
    job = alice.post("/v1/jobs/export-docs/start", json={}).json()
    stranger = env.client(uuid.uuid4(), "alice", ("admin",))
    for path in (f"/v1/jobs/{job['id']}", f"/v1/jobs/{job['id']}/result"):
        response = stranger.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    assert stranger.post(f"/v1/jobs/{job['id']}/cancel").status_code == 404
    assert stranger.get("/v1/jobs").json()["data"] == []
    colleague = env.client(tenant, "bob", ("viewer",))
    assert colleague.get(f"/v1/jobs/{job['id']}").status_code == 404
    assert alice.get("/v1/jobs/not-a-uuid").status_code == 404


def test_role_not_allowed_and_bad_input_are_4xx(env: JobsApp) -> None:
    tenant = uuid.uuid4()
    viewer = env.client(tenant, "vic", ("viewer",))
    refused = viewer.post("/v1/jobs/archive-docs/start", json={"kind": "memo"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    editor = env.client(tenant, "ed", ("editor",))
    assert editor.post("/v1/jobs/archive-docs/start", json={}).status_code == 422
    assert editor.post("/v1/jobs/archive-docs/start").status_code == 422
    assert editor.post("/v1/jobs/archive-docs/start", json={"kind": "x", "y": 1}).status_code == 422
    assert editor.post("/v1/jobs/archive-docs/start", content=b"{").status_code in (400, 422)
    assert editor.post("/v1/jobs/no-such-job/start", json={}).status_code in (404, 405)
    anonymous = TestClient(env.app, raise_server_exceptions=False)
    assert anonymous.get("/v1/jobs").status_code == 401


def test_starter_who_lost_the_role_fails_and_errors_retry_then_die(
    env: JobsApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = uuid.uuid4()
    carol = env.client(tenant, "carol", ("editor",))
    job = carol.post("/v1/jobs/archive-docs/start", json={"kind": "memo"}).json()
    with open_session(env.factory, None, cross_tenant=True) as session:
        row = session.get(Job, uuid.UUID(job["id"]))
        assert row is not None
        row.principal_roles = ["viewer"]
        session.commit()
    env.drain()
    failed = carol.get(f"/v1/jobs/{job['id']}").json()
    assert failed["status"] == "failed" and "no longer holds" in failed["error"]

    # An unexpected error: attempts spent (archive_docs has one) -> dead, dead-lettered.
    job = carol.post("/v1/jobs/archive-docs/start", json={"kind": "memo"}).json()
    kind = env.jobs.type("archive_docs")
    assert kind is not None

    def boom(*args: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs_runtime.Jobs, "_bulk_update", boom)
    with pytest.raises(RuntimeError):
        env.jobs.run(kind, uuid.UUID(job["id"]), tenant)
    dead = carol.get(f"/v1/jobs/{job['id']}").json()
    assert dead["status"] == "dead" and dead["error"] == "RuntimeError: disk full"
    assert dead["attempts"] == 1


# -- timers -------------------------------------------------------------------------------


def close_ticket(session: Session, principal: Principal, obj: Ticket) -> None:
    """Stands in for a generated transition function."""
    if obj.status != "solved":
        raise AssertionError("not solved")
    obj.status = "closed"
    obj.closed_by = principal.subject
    session.add(
        TransitionRecord(
            tenant_id=principal.tenant_id,
            entity="ticket",
            entity_id=obj.id,
            transition="auto_close",
            from_state="solved",
            to_state="closed",
            actor=principal.subject,
        )
    )


def move(session: Session, ticket: Ticket, to: str) -> None:
    session.add(
        TransitionRecord(
            tenant_id=ticket.tenant_id,
            entity="ticket",
            entity_id=ticket.id,
            transition=f"to_{to}",
            from_state=ticket.status,
            to_state=to,
            actor="someone",
        )
    )
    ticket.status = to


@pytest.fixture
def timers() -> Iterator[tuple[Timers, sessionmaker[TenantSession]]]:
    engine = sa.create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    Base.metadata.create_all(engine, tables=TABLES)
    factory = make_session_factory(engine)
    broker = make_broker(None, namespace="timers-test")
    dramatiq.set_broker(broker)
    timer = Timer(
        entity="ticket",
        transition="auto_close",
        model=Ticket,
        field="status",
        source="solved",
        target="closed",
        delay_seconds=0.2,
        run=close_ticket,
    )
    engine_ = Timers(broker, factory, open_session, TransitionRecord, (timer,))
    engine_.listen(factory)
    yield engine_, factory
    broker.close()


def test_timer_is_scheduled_on_entry_and_fires_after_the_delay(
    timers: tuple[Timers, sessionmaker[TenantSession]],
) -> None:
    engine, factory = timers
    tenant = uuid.uuid4()
    with open_session(factory, tenant) as session:
        ticket = Ticket(tenant_id=tenant)
        session.add(ticket)
        session.commit()
        move(session, ticket, "solved")
        session.flush()
        assert len(engine.due(session)) == 1
        session.commit()
    broker = engine.broker
    assert isinstance(broker, dramatiq.brokers.stub.StubBroker)
    delayed = broker.queues["timers.DQ"]
    assert delayed.qsize() == 1
    message = dramatiq.Message.decode(delayed.queue[0])
    assert message.options["eta"] - message.message_timestamp >= 200
    worker = Worker(broker, engine.queues, threads=1)
    worker.start()
    try:
        # No polling session while the worker runs: the in-memory database is one shared
        # connection (StaticPool), and a poller's rollback on it could undo the worker's write.
        # The broker's join waits for the delayed queue and the queue it feeds.
        for queue in engine.queues:
            broker.join(queue, timeout=60_000)
        worker.join()
    finally:
        worker.stop()
    with open_session(factory, None, cross_tenant=True) as session:
        closed = session.get(Ticket, ticket.id)
        assert closed is not None and closed.status == "closed"
        assert closed.closed_by == "system:timer"
        fired = session.scalars(
            sa.select(TransitionRecord).where(TransitionRecord.transition == "auto_close")
        ).one()
    # Not before its delay: the transition was recorded at least 0.2 s after the message was
    # sent (measured on the clock of both, not on how soon this test got to start the worker).
    ran_after_ms = fired.occurred_at.timestamp() * 1000 - message.message_timestamp
    assert ran_after_ms >= 200, ran_after_ms


def test_timer_whose_object_left_the_state_does_nothing(
    timers: tuple[Timers, sessionmaker[TenantSession]],
) -> None:
    engine, factory = timers
    (timer,) = engine.timers
    tenant = uuid.uuid4()
    with open_session(factory, tenant) as session:
        ticket = Ticket(tenant_id=tenant)
        session.add(ticket)
        session.commit()
        move(session, ticket, "solved")
        session.commit()
        first = session.scalars(sa.select(TransitionRecord.id)).one()
        # Reopened: the first timer is stale.
        move(session, ticket, "open")
        session.commit()
    assert engine.fire(timer, ticket.id, tenant, first) is False
    with open_session(factory, tenant) as session:
        # Solved again: still stale for the first entry, due for the second.
        obj = session.get(Ticket, ticket.id)
        assert obj is not None
        time.sleep(0.002)
        move(session, obj, "solved")
        session.commit()
        second = session.scalars(
            sa.select(TransitionRecord.id).order_by(TransitionRecord.occurred_at.desc())
        ).first()
    assert engine.fire(timer, ticket.id, tenant, first) is False
    assert engine.fire(timer, ticket.id, uuid.uuid4(), second) is False  # another tenant
    with open_session(factory, None, cross_tenant=True) as session:
        assert session.get(Ticket, ticket.id).status == "solved"  # type: ignore[union-attr]
    assert second is not None and engine.fire(timer, ticket.id, tenant, second) is True
    assert engine.fire(timer, ticket.id, tenant, second) is False  # already closed


def test_rolled_back_entry_schedules_nothing(
    timers: tuple[Timers, sessionmaker[TenantSession]],
) -> None:
    engine, factory = timers
    tenant = uuid.uuid4()
    with open_session(factory, tenant) as session:
        ticket = Ticket(tenant_id=tenant, status="open")
        session.add(ticket)
        session.commit()
        move(session, ticket, "solved")
        session.flush()
        session.rollback()
    assert engine.broker.queues["timers.DQ"].qsize() == 0  # type: ignore[attr-defined]


def test_a_broker_outage_does_not_fail_the_start(
    env: JobsApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(env.jobs.actors["job:export_docs"], "send", down)
    client = env.client(uuid.uuid4(), "alice", ("viewer",))
    started = client.post("/v1/jobs/export-docs/start", json={})
    assert started.status_code == 202, started.text
    assert client.get(f"/v1/jobs/{started.json()['id']}").json()["status"] == "queued"
