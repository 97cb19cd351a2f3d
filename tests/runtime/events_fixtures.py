"""Tables for the relay and handler tests: an outbox, processed-event records and a table a
handler writes to, on the runtime's own ``Base`` (next to ``runtime_db_fixtures``' tables)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from runtime_db_fixtures import PG_ADMIN_URL, Org, _pg_problem
from sqlalchemy.orm import Mapped, mapped_column

from specfoundry.runtime.db import Base, TenantScoped, UTCDateTime, make_engine, utcnow

REDIS_URL = os.environ.get("SPECFOUNDRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
# Parallel checkouts on one machine keep their test databases apart by prefix.
PG_PREFIX = os.environ.get("SPECFOUNDRY_TEST_PG_PREFIX", "sf_events_")

__all__ = ["Delivery", "Endpoint", "Mark", "Org", "Outbox", "Processed"]


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4, sort_order=-2)


class Outbox(TenantScoped, Base):
    __tablename__ = "ev_outbox_events"
    id: Mapped[uuid.UUID] = _id()
    event_type: Mapped[str] = mapped_column(sa.String(255))
    payload: Mapped[Any] = mapped_column(sa.JSON())
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Processed(TenantScoped, Base):
    __tablename__ = "ev_processed_events"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "consumer", "event_id"),)
    id: Mapped[uuid.UUID] = _id()
    consumer: Mapped[str] = mapped_column(sa.String(200))
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())


class Mark(TenantScoped, Base):
    """What a handler writes: one row per handled event."""

    __tablename__ = "ev_marks"
    id: Mapped[uuid.UUID] = _id()
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    label: Mapped[str] = mapped_column(sa.String(100), default="")


class Endpoint(TenantScoped, Base):
    __tablename__ = "ev_webhook_endpoints"
    id: Mapped[uuid.UUID] = _id()
    url: Mapped[str] = mapped_column(sa.String(2000))
    event_types: Mapped[Any] = mapped_column(sa.JSON(), default=list)
    secret: Mapped[str] = mapped_column(sa.String(100))
    previous_secret: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime(), nullable=True
    )
    enabled: Mapped[bool] = mapped_column(sa.Boolean(), default=True)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)


class Delivery(TenantScoped, Base):
    __tablename__ = "ev_webhook_deliveries"
    id: Mapped[uuid.UUID] = _id()
    endpoint_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    event_type: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text())
    status: Mapped[str] = mapped_column(sa.String(20))
    attempts: Mapped[int] = mapped_column(sa.Integer(), default=0)
    last_response_code: Mapped[int | None] = mapped_column(sa.Integer(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text(), nullable=True)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(sa.Integer(), nullable=True)


def need_redis() -> str:
    """REDIS_URL for the test, or skip (fail under CI=true) when Redis is down."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        message = f"Redis at {REDIS_URL} is unreachable ({exc})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; CI=true requires it")
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture
def events_pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database with the runtime test tables, dropped afterwards."""
    problem = _pg_problem(PG_ADMIN_URL)
    if problem is not None:
        message = f"PostgreSQL at {PG_ADMIN_URL} is unreachable ({problem})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; CI=true requires it")
        pytest.skip(message)
    name = f"{PG_PREFIX}{secrets.token_hex(5)}"
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
