"""The outbox relay: moves committed ``outbox_events`` rows to the broker and marks them sent.

The outbox stays the source of truth. One relay pass, in one transaction:

1. takes the oldest unpublished rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number
   of relays can run side by side: each takes rows no other relay holds);
2. holds back every row of an aggregate that has an older unpublished row it could not take
   (held by another relay), so the events of one aggregate reach the broker in the order they
   were written;
3. publishes the rest, oldest first, and sets ``published_at``.

A relay that dies between publishing and committing leaves the rows unpublished: the next
pass publishes them again. Delivery is therefore at least once, and every consumer is
idempotent by event id (see :mod:`.tasks`).

The relay reads every tenant's rows, so it uses a cross-tenant session: on PostgreSQL its
engine must log in as the operator role (``OPERATOR_DATABASE_URL``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from .db import TenantSession, open_session, utcnow

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 100


@dataclass(frozen=True, slots=True)
class Event:
    """One committed outbox row, as the broker and the consumers see it."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    type: str
    payload: Mapping[str, Any]
    occurred_at: dt.datetime

    def as_message(self) -> dict[str, Any]:
        """JSON-ready form carried by broker messages."""
        return {
            "id": str(self.id),
            "tenant_id": str(self.tenant_id),
            "type": self.type,
            "payload": dict(self.payload),
            "occurred_at": self.occurred_at.isoformat(),
        }

    @classmethod
    def from_message(cls, data: Mapping[str, Any]) -> Event:
        return cls(
            id=uuid.UUID(str(data["id"])),
            tenant_id=uuid.UUID(str(data["tenant_id"])),
            type=str(data["type"]),
            payload=dict(data.get("payload") or {}),
            occurred_at=dt.datetime.fromisoformat(str(data["occurred_at"])),
        )

    @property
    def aggregate(self) -> str:
        return aggregate_key(self.tenant_id, self.type, self.payload, self.id)


def aggregate_key(
    tenant_id: uuid.UUID, event_type: str, payload: Mapping[str, Any], event_id: uuid.UUID
) -> str:
    """The aggregate an event belongs to: ``<entity>_id`` (or ``id``) of its payload, where the
    entity is the event type's first segment (``project.created`` -> ``project_id``).

    An event without such a key is its own aggregate (no ordering constraint)."""
    entity = event_type.split(".", 1)[0]
    key = payload.get(f"{entity}_id", payload.get("id"))
    if key is None:
        return f"event:{event_id}"
    return f"{tenant_id}:{entity}:{key}"


Publish = Callable[[Event], None]


@dataclass(slots=True)
class RelayStats:
    published: int = 0
    held_back: int = 0
    passes: int = 0


@dataclass(slots=True)
class Relay:
    """Moves committed outbox rows of ``outbox`` (the service's ``OutboxEvent`` model) to
    ``publish``. ``session_factory`` must allow cross-tenant sessions (operator role on
    PostgreSQL)."""

    session_factory: sessionmaker[TenantSession]
    outbox: Any
    publish: Publish
    batch_size: int = DEFAULT_BATCH_SIZE
    clock: Callable[[], dt.datetime] = utcnow
    stats: RelayStats = field(default_factory=RelayStats)

    def run_once(self) -> int:
        """One pass; returns how many events it published."""
        model = self.outbox
        session = open_session(self.session_factory, None, cross_tenant=True)
        with session:
            order = (model.occurred_at, model.id)
            batch: Sequence[Any] = (
                session.execute(
                    sa.select(model)
                    .where(model.published_at.is_(None))
                    .order_by(*order)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            if not batch:
                session.rollback()
                return 0
            ready = self._in_order(session, batch)
            published = 0
            try:
                for row in ready:
                    self.publish(_event(row))
                    published += 1
            finally:
                # What was published is marked; a failure stops the pass (the rest stay queued
                # in the outbox and go out, in order, on the next pass).
                now = self.clock()
                for row in ready[:published]:
                    row.published_at = now
                self.mark_sent(session)
                self.stats.published += published
                self.stats.held_back += len(batch) - len(ready)
                self.stats.passes += 1
        return published

    def mark_sent(self, session: TenantSession) -> None:
        """Commit ``published_at`` (a separate step so fault tests can fail it)."""
        session.commit()

    def _in_order(self, session: TenantSession, batch: Sequence[Any]) -> list[Any]:
        """``batch`` without the rows of aggregates that have an older unpublished row outside
        the batch (another relay holds it)."""
        model = self.outbox
        taken = {row.id for row in batch}
        last = batch[-1]
        older: Sequence[Any] = session.execute(
            sa.select(model.id, model.tenant_id, model.event_type, model.payload, model.occurred_at)
            .where(model.published_at.is_(None), model.occurred_at <= last.occurred_at)
            .execution_options(cross_tenant=True)
        ).all()
        # The oldest position of each aggregate among the rows this pass could not take.
        oldest_elsewhere: dict[str, tuple[dt.datetime, str]] = {}
        for other in older:
            if other.id in taken:
                continue
            key = aggregate_key(other.tenant_id, other.event_type, other.payload or {}, other.id)
            position = (other.occurred_at, str(other.id))
            if key not in oldest_elsewhere or position < oldest_elsewhere[key]:
                oldest_elsewhere[key] = position
        if not oldest_elsewhere:
            return list(batch)
        ready = []
        for row in batch:
            key = aggregate_key(row.tenant_id, row.event_type, row.payload or {}, row.id)
            first = oldest_elsewhere.get(key)
            if first is None or (row.occurred_at, str(row.id)) < first:
                ready.append(row)
        return ready

    def run(self, stop: threading.Event, *, interval: float = 0.5) -> None:
        """Pass after pass until ``stop`` is set; sleeps ``interval`` seconds when idle."""
        while not stop.is_set():
            try:
                busy = self.run_once() >= self.batch_size
            except Exception:  # the database or the broker is away: retry later
                logger.exception("outbox relay pass failed; retrying")
                busy = False
            if not busy:
                stop.wait(interval)


def _event(row: Any) -> Event:
    return Event(
        id=row.id,
        tenant_id=row.tenant_id,
        type=row.event_type,
        payload=dict(row.payload or {}),
        occurred_at=row.occurred_at,
    )
