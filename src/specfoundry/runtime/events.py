"""Outbox writes in the caller's transaction (a relay publishes them after commit).

The outbox model is the service's (``models.OutboxEvent``); :func:`emit` takes it as an
argument, and the service's ``events`` module binds it.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_last_stamp = dt.datetime.min.replace(tzinfo=dt.UTC)
_stamp_lock = threading.Lock()


def event_time() -> dt.datetime:
    """``utcnow()``, but strictly increasing within the process: two events written one after
    the other (one transition's events, say) never share a timestamp, so the relay's order
    (occurred_at, id) is the order they were written."""
    global _last_stamp
    with _stamp_lock:
        now = utcnow()
        if now <= _last_stamp:
            now = _last_stamp + dt.timedelta(microseconds=1)
        _last_stamp = now
        return now


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def emit(
    session: Session,
    outbox: Callable[..., Any],
    tenant_id: uuid.UUID,
    event_type: str,
    payload: Mapping[str, Any],
) -> None:
    """Add one ``outbox`` row; it commits or rolls back with the change that caused it."""
    session.add(
        outbox(
            tenant_id=tenant_id,
            event_type=event_type,
            payload={key: jsonable(value) for key, value in payload.items()},
            occurred_at=event_time(),
        )
    )
