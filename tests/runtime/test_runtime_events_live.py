"""The relay and the handlers on real PostgreSQL (two relays, SKIP LOCKED) and real Redis."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
import uuid
from collections import defaultdict

import pytest
import sqlalchemy as sa
from events_fixtures import Mark, Outbox, Processed, events_pg_url, need_redis
from runtime_db_fixtures import Org

from specfoundry.runtime.db import Base, TenantSession, make_engine, make_session_factory
from specfoundry.runtime.db import open_session as _open
from specfoundry.runtime.relay import Event, Relay
from specfoundry.runtime.tasks import DeadLetters, Engine, Handler, RetryPolicy, Worker, make_broker

__all__ = ["events_pg_url"]

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

EVENTS, AGGREGATES = 120, 12


def test_two_relays_and_redis_deliver_every_event_once_in_aggregate_order(
    events_pg_url: str,
) -> None:
    redis_url = need_redis()
    engine = make_engine(events_pg_url)
    tables = [Org.__table__, Outbox.__table__, Processed.__table__, Mark.__table__]
    Base.metadata.create_all(engine, tables=tables)
    with engine.begin() as conn:
        # The relay reads every tenant: on PostgreSQL only as a role of an operator_access policy.
        conn.execute(
            sa.text("CREATE POLICY operator_access ON ev_outbox_events TO postgres USING (true)")
        )
    factory = make_session_factory(engine)
    tid = uuid.uuid4()
    with _open(factory, tid) as session:
        session.add(Org(id=tid))
        session.commit()
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with _open(factory, tid) as session:
        for n in range(EVENTS):
            payload = {"p_id": str(n % AGGREGATES), "seq": n // AGGREGATES}
            occurred = start + dt.timedelta(milliseconds=n)
            session.add(Outbox(event_type="p.changed", payload=payload, occurred_at=occurred))
        session.commit()

    handled: list[tuple[str, int]] = []
    lock = threading.Lock()

    def handle(event: Event, session: TenantSession) -> None:
        with lock:
            handled.append((str(event.payload["p_id"]), int(event.payload["seq"])))
        session.add(Mark(event_id=event.id, label="p"))

    namespace = f"sf-test-{secrets.token_hex(4)}"
    broker = make_broker(redis_url, namespace=namespace)
    policy = RetryPolicy(attempts=2, backoff_seconds=0.01)
    handlers = (Handler("on_p_changed", "p.changed", handle, policy, queue=namespace),)
    events = Engine(broker, factory, Processed, handlers)
    published: dict[str, list[int]] = defaultdict(list)

    def publish(event: Event) -> None:
        with lock:
            published[str(event.payload["p_id"])].append(int(event.payload["seq"]))
        events.publish(event)

    relays = [Relay(factory, Outbox, publish, batch_size=10) for _ in range(2)]
    stop = threading.Event()
    threads = [
        threading.Thread(target=r.run, args=(stop,), kwargs={"interval": 0.01}) for r in relays
    ]
    worker = Worker(broker, events.queues, threads=4)
    began = time.monotonic()
    try:
        worker.start()
        for thread in threads:
            thread.start()
        while time.monotonic() - began < 20:
            with _open(factory, tid) as session:
                done = session.scalar(sa.select(sa.func.count(Mark.id)))
            if done == EVENTS:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        worker.stop()
        client = broker.client  # type: ignore[attr-defined]
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
        broker.close()
        engine.dispose()
    assert sum(r.stats.published for r in relays) == EVENTS  # every row, published once
    assert all(r.stats.published for r in relays)  # both relays took part
    for seqs in published.values():  # per aggregate, in the order written
        assert seqs == sorted(seqs) == list(range(EVENTS // AGGREGATES))
    assert sorted(handled) == sorted((str(n % AGGREGATES), n // AGGREGATES) for n in range(EVENTS))
    assert DeadLetters(broker, events.queues).entries() == []
