"""runtime.idempotency: Idempotency-Key replays stored in the effect's transaction (I-01..I-07),
on SQLite in memory and on PostgreSQL (20 concurrent requests with one key)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from specfoundry.runtime import idempotency, problems, routing
from specfoundry.runtime.auth import Principal, TokenVerifier
from specfoundry.runtime.db import make_engine
from tests.runtime.fixture_app import SECRET, ShopSettings, Tenants, open_session

PG_ADMIN_URL = os.environ.get(
    "SPECFOUNDRY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PG_DATABASE = "i11_limits_runtime"


class Base(DeclarativeBase):
    pass


class Widget(Base):
    __tablename__ = "widgets"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(50))


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "principal", "method", "route", "key"),)
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    key: Mapped[str] = mapped_column(sa.String(255))
    principal: Mapped[str] = mapped_column(sa.String(255))
    method: Mapped[str] = mapped_column(sa.String(8))
    route: Mapped[str] = mapped_column(sa.String(255))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int] = mapped_column(sa.Integer)
    headers: Mapped[Any] = mapped_column(sa.JSON)
    body: Mapped[str] = mapped_column(sa.Text)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class WidgetIn(BaseModel):
    name: str


FAIL_AFTER_WRITE: set[str] = set()


def make_app(engine: sa.Engine) -> FastAPI:
    app = FastAPI()
    settings = ShopSettings(database_url="sqlite://", jwt_secret=SECRET)
    app.state.settings = settings
    app.state.verifier = TokenVerifier(settings)
    app.state.tenants = Tenants()
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    problems.install(app, logger=logging.getLogger("shop"))
    idempotency.install(app, IdempotencyKey, methods=("POST",), ttl_hours=24)
    allow = routing.Authorize("widget", "create", holds=lambda *_: True)
    session_scope = routing.session_dependency(open_session)

    @app.post("/widgets", status_code=201)
    def create(
        body: WidgetIn,
        principal: Principal = Depends(allow),
        session: Session = Depends(session_scope),
    ) -> dict[str, str]:
        widget = Widget(tenant_id=principal.tenant_id, name=body.name)
        session.add(widget)
        routing.commit(session)
        if body.name in FAIL_AFTER_WRITE:
            FAIL_AFTER_WRITE.discard(body.name)
            raise RuntimeError("crash after the write, before the response")
        return {"id": str(widget.id), "name": widget.name}

    return app


def auth(
    app: FastAPI, tenant: uuid.UUID, key: str | None = None, sub: str = "u1"
) -> dict[str, str]:
    app.state.tenants.known.add(tenant)
    out = {"Authorization": f"Bearer {app.state.verifier.issue(sub, tenant, ['writer'])}"}
    if key is not None:
        out["Idempotency-Key"] = key
    return out


def count(app: FastAPI, model: Any) -> int:
    with app.state.session_factory() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


@pytest.fixture()
def sqlite_app() -> Iterator[FastAPI]:
    engine = sa.create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    Base.metadata.create_all(engine)
    yield make_app(engine)
    engine.dispose()


def test_replay_mismatch_bad_keys_and_scope(sqlite_app: FastAPI) -> None:
    app, tenant = sqlite_app, uuid.uuid4()
    with TestClient(app) as client:
        first = client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant, "k1"))
        assert first.status_code == 201 and "idempotent-replayed" not in first.headers
        # Quoted (sf-string) and unquoted forms are one key; key order in JSON does not matter.
        again = client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant, '"k1"'))
        assert (again.status_code, again.content) == (201, first.content)
        assert again.headers["idempotent-replayed"] == "true"
        assert count(app, Widget) == 1 and count(app, IdempotencyKey) == 1
        other = client.post("/widgets", json={"name": "b"}, headers=auth(app, tenant, "k1"))
        assert other.status_code == 422
        assert other.json()["type"].endswith("/idempotency-key-reused")
        for bad in ("", '""', "x" * 256):
            refused = client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant, bad))
            assert refused.status_code == 400, bad
        assert client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant, "x" * 255))
        # Another caller, another tenant: independent keys (I-02).
        bob = client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant, "k1", "bob"))
        stranger = client.post(
            "/widgets", json={"name": "a"}, headers=auth(app, uuid.uuid4(), "k1")
        )
        assert bob.status_code == stranger.status_code == 201
        assert len({first.json()["id"], bob.json()["id"], stranger.json()["id"]}) == 3
        # Without a key, nothing is stored.
        client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant))
        assert count(app, IdempotencyKey) == 4


def test_validation_failure_is_not_stored(sqlite_app: FastAPI) -> None:
    app, tenant = sqlite_app, uuid.uuid4()
    with TestClient(app) as client:
        invalid = client.post("/widgets", json={"nom": "a"}, headers=auth(app, tenant, "v1"))
        assert invalid.status_code == 422
        fixed = client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant, "v1"))
        assert fixed.status_code == 201 and "idempotent-replayed" not in fixed.headers


def test_expired_key_is_a_new_key(sqlite_app: FastAPI) -> None:
    app, tenant = sqlite_app, uuid.uuid4()
    config = app.state.idempotency
    with TestClient(app) as client:
        first = client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant, "e1"))
        real = idempotency.utcnow
        config.clock = lambda: real() + dt.timedelta(hours=24, seconds=1)
        again = client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant, "e1"))
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    assert count(app, IdempotencyKey) == 1  # the expired row went


def test_crash_before_commit_leaves_no_row_and_no_key(sqlite_app: FastAPI) -> None:
    """I-07: an exception after the write and before commit rolls both back; the retry runs
    once."""
    app, tenant = sqlite_app, uuid.uuid4()
    FAIL_AFTER_WRITE.add("crash")
    with TestClient(app, raise_server_exceptions=False) as client:
        crashed = client.post("/widgets", json={"name": "crash"}, headers=auth(app, tenant, "c1"))
        assert crashed.status_code == 500
        assert count(app, Widget) == 0 and count(app, IdempotencyKey) == 0
        retry = client.post("/widgets", json={"name": "crash"}, headers=auth(app, tenant, "c1"))
        replay = client.post("/widgets", json={"name": "crash"}, headers=auth(app, tenant, "c1"))
    assert retry.status_code == replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert count(app, Widget) == 1


def test_in_flight_request_answers_409(sqlite_app: FastAPI) -> None:
    app, tenant = sqlite_app, uuid.uuid4()
    app.state.idempotency.wait_seconds = 0
    with TestClient(app) as client:
        scope = "\x1f".join((str(tenant), "u1", "POST", "/widgets", "f1"))
        lock = app.state.idempotency.local_lock(scope)
        lock.acquire()  # the first request is still running
        try:
            busy = client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant, "f1"))
        finally:
            lock.release()
        assert busy.status_code == 409
        assert busy.json()["type"].endswith("/idempotency-key-in-use")
        assert client.post("/widgets", json={"name": "a"}, headers=auth(app, tenant, "f1"))


# -- PostgreSQL ---------------------------------------------------------------------------
@pytest.fixture()
def pg_app() -> Iterator[FastAPI]:
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DATABASE}
            )
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{PG_DATABASE}"'))
    except sa.exc.OperationalError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("PostgreSQL is not running")
    finally:
        admin.dispose()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"
    engine = make_engine(url, pool_size=25, max_overflow=0)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield make_app(engine)
    engine.dispose()


@pytest.mark.postgres
def test_twenty_concurrent_posts_with_one_key_make_one_row(pg_app: FastAPI) -> None:
    app, tenant = pg_app, uuid.uuid4()
    headers = auth(app, tenant, "burst")

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post("/widgets", json={"name": "w"}, headers=headers)
                        for _ in range(20)
                    )
                )
            )

    responses = asyncio.run(burst())
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 19
    assert count(app, Widget) == 1 and count(app, IdempotencyKey) == 1


@pytest.mark.postgres
def test_crash_before_commit_on_postgresql(pg_app: FastAPI) -> None:
    app, tenant = pg_app, uuid.uuid4()
    FAIL_AFTER_WRITE.add("pg-crash")
    with TestClient(app, raise_server_exceptions=False) as client:
        crashed = client.post("/widgets", json={"name": "pg-crash"}, headers=auth(app, tenant, "c"))
        assert crashed.status_code == 500
        assert count(app, Widget) == 0 and count(app, IdempotencyKey) == 0
        retry = client.post("/widgets", json={"name": "pg-crash"}, headers=auth(app, tenant, "c"))
    assert retry.status_code == 201 and count(app, Widget) == 1
