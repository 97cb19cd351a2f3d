"""Event delivery end to end on real PostgreSQL and Redis: throughput, and a kill -9 fault run.

Usage::

    .venv/bin/python bench/events_bench.py                       # 2000 events
    .venv/bin/python bench/events_bench.py --events 5000 --kill-after 1000

Writes ``--events`` outbox rows (over 50 aggregates) into a fresh database, then runs ONE worker
process (``specfoundry.runtime``: the outbox relay thread plus a Dramatiq worker with 8 threads
on the Redis broker) whose handler commits one row per event, and prints events per second from
the worker's start to the last handled event. With ``--kill-after N`` the worker is killed with
SIGKILL once N events are handled, a new one is started, and the run checks that every event
was handled exactly once (processed-event records) although some were delivered twice.

Environment: ``SPECFOUNDRY_TEST_PG_URL`` (admin URL, default postgres@127.0.0.1),
``SPECFOUNDRY_TEST_REDIS_URL`` (default redis://127.0.0.1:6379/3),
``SPECFOUNDRY_TEST_PG_PREFIX`` (database name prefix, default ``sf_events_``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "runtime"), str(ROOT)]

from events_fixtures import Mark, Outbox, Processed  # noqa: E402
from runtime_db_fixtures import PG_ADMIN_URL, Org  # noqa: E402

from specfoundry.runtime.db import (  # noqa: E402
    Base,
    TenantSession,
    make_engine,
    make_session_factory,
    open_session,
)
from specfoundry.runtime.relay import Event, Relay  # noqa: E402
from specfoundry.runtime.tasks import Engine, Handler, RetryPolicy, Worker, make_broker  # noqa: E402

REDIS_URL = os.environ.get("SPECFOUNDRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
PREFIX = os.environ.get("SPECFOUNDRY_TEST_PG_PREFIX", "sf_events_")


def handle(event: Event, session: TenantSession) -> None:
    session.add(Mark(event_id=event.id, label="bench"))


def child(url: str, namespace: str) -> None:
    """One worker process: relay + 8 Dramatiq threads, until SIGTERM or SIGKILL."""
    factory = make_session_factory(make_engine(url))
    broker = make_broker(REDIS_URL, namespace=namespace)
    engine = Engine(
        broker,
        factory,
        Processed,
        (
            Handler(
                "bench",
                "bench.done",
                handle,
                RetryPolicy(attempts=3, backoff_seconds=0.1),
                namespace,
            ),
        ),
    )
    worker = Worker(
        broker,
        engine.queues,
        Relay(factory, Outbox, engine.publish, batch_size=200),
        threads=8,
        relay_interval=0.05,
    )
    worker.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    worker.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--kill-after", type=int, default=0)
    parser.add_argument("--child", nargs=2, metavar=("URL", "NAMESPACE"))
    args = parser.parse_args()
    if args.child:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        child(*args.child)
        return
    name = f"{PREFIX}bench_{secrets.token_hex(4)}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    namespace = f"sf-bench-{secrets.token_hex(3)}"
    try:
        run(url, namespace, args.events, args.kill_after)
    finally:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(url: str, namespace: str, events: int, kill_after: int) -> None:
    engine = make_engine(url)
    Base.metadata.create_all(
        engine, tables=[Org.__table__, Outbox.__table__, Processed.__table__, Mark.__table__]
    )
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE POLICY operator_access ON ev_outbox_events TO postgres USING (true)")
        )
    factory = make_session_factory(engine)
    tid = uuid.uuid4()
    with open_session(factory, tid) as session:
        session.add(Org(id=tid))
        session.commit()
    start = dt.datetime.now(dt.UTC)
    with open_session(factory, tid) as session:
        for n in range(events):
            session.add(
                Outbox(
                    event_type="bench.done",
                    payload={"p_id": str(n % 50), "n": n},
                    occurred_at=start + dt.timedelta(microseconds=n),
                )
            )
        session.commit()

    def count(model: type) -> int:
        with open_session(factory, tid) as session:
            return int(session.scalar(sa.select(sa.func.count(model.id))) or 0)  # type: ignore[attr-defined]

    def spawn() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, __file__, "--child", url, namespace])

    began = time.monotonic()
    worker = spawn()
    killed_at = None
    try:
        while True:
            done = count(Mark)
            if kill_after and killed_at is None and done >= kill_after:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                killed_at = done
                print(f"kill -9 after {done} handled events; restarting")
                worker = spawn()
            if done >= events:
                break
            if time.monotonic() - began > 300:
                raise SystemExit(f"timed out: {done}/{events} handled")
            time.sleep(0.05)
        elapsed = time.monotonic() - began
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    handled, processed = count(Mark), count(Processed)
    with open_session(factory, None, cross_tenant=True) as session:
        unpublished = session.scalar(
            sa.select(sa.func.count(Outbox.id)).where(Outbox.published_at.is_(None))
        )
    print(f"{events} events, one worker process (relay + 8 threads, Redis broker, PostgreSQL)")
    rate = events / elapsed
    print(f"  {elapsed:.2f} s from the worker's start to the last handled event: {rate:.0f}/s")
    once = handled == events == processed
    print(f"  handled once each: {once} (rows {handled}, processed records {processed})")
    print(f"  outbox rows left unpublished: {unpublished}")
    engine.dispose()
    if handled != events or processed != events:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
