"""The outbox relay and the handler engine on Dramatiq's stub broker, SQLite, a frozen clock."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from events_fixtures import Mark, Outbox, Processed
from runtime_db_fixtures import Org, factory, sqlite_engine
from sqlalchemy.orm import sessionmaker

from specfoundry.runtime.db import TenantSession, open_session
from specfoundry.runtime.relay import Event, Relay, aggregate_key
from specfoundry.runtime.tasks import (
    DeadLetters,
    Engine,
    Handler,
    RetryPolicy,
    Worker,
    make_broker,
)

__all__ = ["factory", "sqlite_engine"]

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
FAST = RetryPolicy(attempts=3, backoff_seconds=0.001, max_backoff_seconds=0.002, timeout_seconds=5)


def _tenant(factory: sessionmaker[TenantSession]) -> uuid.UUID:
    tid = uuid.uuid4()
    with open_session(factory, tid) as session:
        session.add(Org(id=tid))
        session.commit()
    return tid


def _write(
    factory: sessionmaker[TenantSession], tid: uuid.UUID, events: list[tuple[str, dict[str, Any]]]
) -> list[uuid.UUID]:
    ids = []
    with open_session(factory, tid) as session:
        for n, (event_type, payload) in enumerate(events):
            row = Outbox(
                event_type=event_type,
                payload=payload,
                occurred_at=NOW + dt.timedelta(microseconds=n),
            )
            session.add(row)
            session.flush()
            ids.append(row.id)
        session.commit()
    return ids


def _relay(factory: sessionmaker[TenantSession], publish: Any, **kw: Any) -> Relay:
    return Relay(factory, Outbox, publish, clock=lambda: NOW, **kw)


def test_relay_publishes_committed_rows_in_order_once_and_marks_them(
    factory: sessionmaker[TenantSession],
) -> None:
    tid = _tenant(factory)
    ids = _write(factory, tid, [("project.created", {"project_id": str(n)}) for n in range(5)])
    seen: list[Event] = []
    relay = _relay(factory, seen.append, batch_size=3)
    assert relay.run_once() == 3
    assert relay.run_once() == 2
    assert relay.run_once() == 0
    assert [e.id for e in seen] == ids
    assert seen[0].tenant_id == tid and seen[0].payload == {"project_id": "0"}
    with open_session(factory, None, cross_tenant=True) as session:
        stamps = session.execute(sa.select(Outbox.published_at)).scalars().all()
    assert stamps == [NOW] * 5


def test_relay_never_sees_rolled_back_rows(factory: sessionmaker[TenantSession]) -> None:
    tid = _tenant(factory)
    with open_session(factory, tid) as session:
        session.add(Outbox(event_type="x.y", payload={}))
        session.rollback()
    seen: list[Event] = []
    assert _relay(factory, seen.append).run_once() == 0


def test_publish_failure_keeps_the_rest_for_the_next_pass(
    factory: sessionmaker[TenantSession],
) -> None:
    tid = _tenant(factory)
    ids = _write(factory, tid, [("a.b", {"a_id": "1"}), ("a.b", {"a_id": "1"}), ("a.b", {})])
    seen: list[uuid.UUID] = []

    def flaky(event: Event) -> None:
        if len(seen) == 1 and not flaky.failed:  # type: ignore[attr-defined]
            flaky.failed = True  # type: ignore[attr-defined]
            raise ConnectionError("broker away")
        seen.append(event.id)

    flaky.failed = False  # type: ignore[attr-defined]
    relay = _relay(factory, flaky)
    with pytest.raises(ConnectionError):
        relay.run_once()
    assert relay.run_once() == 2
    assert seen == ids


def test_rows_behind_an_older_row_held_elsewhere_wait(
    factory: sessionmaker[TenantSession],
) -> None:
    """Another relay holds the first event of aggregate 1: its later events stay, others go."""
    tid = _tenant(factory)
    first, later, other = _write(
        factory,
        tid,
        [("p.u", {"p_id": "1"}), ("p.u", {"p_id": "1"}), ("p.u", {"p_id": "2"})],
    )
    seen: list[uuid.UUID] = []
    relay = _relay(factory, lambda e: seen.append(e.id))
    with open_session(factory, None, cross_tenant=True) as session:
        batch = session.execute(sa.select(Outbox).where(Outbox.id != first)).scalars().all()
        ready = relay._in_order(session, sorted(batch, key=lambda r: r.occurred_at))
    assert [r.id for r in ready] == [other]
    assert later not in seen


def test_aggregate_key_uses_the_entity_id_of_the_payload() -> None:
    tid, eid = uuid.uuid4(), uuid.uuid4()
    assert aggregate_key(tid, "project.created", {"project_id": "p1"}, eid) == f"{tid}:project:p1"
    assert aggregate_key(tid, "project.created", {"id": "p1"}, eid) == f"{tid}:project:p1"
    assert aggregate_key(tid, "misc.thing", {}, eid) == f"event:{eid}"


@pytest.fixture
def system(factory: sessionmaker[TenantSession]) -> Iterator[dict[str, Any]]:
    calls: list[tuple[str, uuid.UUID]] = []
    failures: dict[str, int] = {}

    def record(event: Event, session: TenantSession) -> None:
        calls.append(("record", event.id))
        session.add(Mark(event_id=event.id, label=event.type))

    def flaky(event: Event, session: TenantSession) -> None:
        calls.append(("flaky", event.id))
        left = failures.get("flaky", 0)
        if left:
            failures["flaky"] = left - 1
            raise RuntimeError("downstream said no")
        session.add(Mark(event_id=event.id, label="flaky"))

    broker = make_broker(None, namespace="rt")
    engine = Engine(
        broker,
        factory,
        Processed,
        (
            Handler("record_project", "project.created", record, FAST),
            Handler("flaky_project", "project.created", flaky, FAST, queue="slow"),
        ),
    )
    worker = Worker(broker, engine.queues, threads=2)  # the tests drive the relay
    worker.start()
    yield {
        "relay": _relay(factory, engine.publish),
        "engine": engine,
        "worker": worker,
        "calls": calls,
        "failures": failures,
        "broker": broker,
    }
    worker.stop()


def _marks(factory: sessionmaker[TenantSession], label: str) -> list[uuid.UUID]:
    with open_session(factory, None, cross_tenant=True) as session:
        return list(session.execute(sa.select(Mark.event_id).where(Mark.label == label)).scalars())


def _drain(system: dict[str, Any]) -> None:
    system["relay"].run_once()
    system["worker"].join()


def test_handlers_run_once_per_event_in_the_events_tenant(
    factory: sessionmaker[TenantSession], system: dict[str, Any]
) -> None:
    tid = _tenant(factory)
    (eid,) = _write(factory, tid, [("project.created", {"project_id": "1"})])
    _drain(system)
    assert _marks(factory, "project.created") == [eid]
    assert _marks(factory, "flaky") == [eid]
    with open_session(factory, tid) as session:
        assert session.execute(sa.select(Mark.tenant_id)).scalars().all() == [tid, tid]


def test_relay_crash_before_mark_sent_redelivers_and_consumers_dedupe(
    factory: sessionmaker[TenantSession], system: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = _tenant(factory)
    ids = _write(factory, tid, [("project.created", {"project_id": str(n)}) for n in range(3)])
    relay = system["relay"]
    published: list[uuid.UUID] = []

    def publish(event: Event) -> None:
        published.append(event.id)
        system["engine"].publish(event)

    relay.publish = publish

    class Crash(Exception):
        pass

    def crash(self: Relay, session: TenantSession) -> None:
        raise Crash("relay died between publish and mark-sent")

    with monkeypatch.context() as patch:
        patch.setattr(Relay, "mark_sent", crash)
        with pytest.raises(Crash):
            relay.run_once()
    system["worker"].join()
    assert relay.run_once() == 3  # the same events, published again
    system["worker"].join()
    assert published == ids * 2  # delivered twice...
    record_calls = [eid for name, eid in system["calls"] if name == "record"]
    assert sorted(record_calls) == sorted(ids)  # ...handled once
    assert sorted(_marks(factory, "project.created")) == sorted(ids)


def test_failing_handler_is_retried_then_dead_lettered_then_retried_by_hand(
    factory: sessionmaker[TenantSession], system: dict[str, Any]
) -> None:
    system["failures"]["flaky"] = 100
    tid = _tenant(factory)
    (eid,) = _write(factory, tid, [("project.created", {"project_id": "1"})])
    _drain(system)
    assert [name for name, _ in system["calls"]].count("flaky") == FAST.attempts
    assert _marks(factory, "flaky") == []
    assert _marks(factory, "project.created") == [eid]  # the other handler is unaffected
    letters = DeadLetters(system["broker"], system["engine"].queues)
    (dead,) = letters.entries()
    assert (dead.actor, dead.event_id, dead.event_type) == (
        "flaky_project",
        str(eid),
        "project.created",
    )
    assert dead.error_line == "RuntimeError: downstream said no"
    system["failures"]["flaky"] = 0  # "fixed"
    letters.retry(dead.message_id)
    system["worker"].join()
    assert letters.entries() == []
    assert _marks(factory, "flaky") == [eid]
    with pytest.raises(KeyError):
        letters.retry(dead.message_id)


def test_worker_runs_the_relay_and_one_attempt_means_no_retry(
    factory: sessionmaker[TenantSession],
) -> None:
    import time

    calls: list[uuid.UUID] = []

    def broken(event: Event, session: TenantSession) -> None:
        calls.append(event.id)
        raise KeyError("no such thing")

    broker = make_broker(None, namespace="rt")
    policy = RetryPolicy(attempts=1, backoff_seconds=0.001)
    engine = Engine(broker, factory, Processed, (Handler("broken", "x.y", broken, policy),))
    # The worker runs the relay too (a thread polling the outbox).
    worker = Worker(broker, engine.queues, _relay(factory, engine.publish), relay_interval=0.05)
    worker.start()
    try:
        tid = _tenant(factory)
        _write(factory, tid, [("x.y", {})])
        deadline = time.monotonic() + 5
        while worker.relay.stats.published == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.join()
        (dead,) = DeadLetters(broker, engine.queues).entries()
        assert dead.error_line == "KeyError: 'no such thing'"
        assert len(calls) == 1
    finally:
        worker.stop()


def test_retry_policy_becomes_dramatiq_options() -> None:
    options = RetryPolicy(attempts=4, backoff_seconds=2, max_backoff_seconds=60, timeout_seconds=30)
    assert options.actor_options() == {
        "max_retries": 3,
        "min_backoff": 2000,
        "max_backoff": 60000,
        "time_limit": 30000,
    }


def test_events_written_in_a_row_get_increasing_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """A frozen clock: the outbox order (occurred_at, id) still follows the writes."""
    from specfoundry.runtime import events

    monkeypatch.setattr(events, "utcnow", lambda: NOW + dt.timedelta(days=3650))
    stamps = [events.event_time() for _ in range(3)]
    assert stamps == sorted(set(stamps))
    assert stamps[1] - stamps[0] == dt.timedelta(microseconds=1)
