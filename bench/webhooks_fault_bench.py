"""Outgoing webhooks end to end under faults, on real PostgreSQL and a real (private) Redis.

Usage::

    .venv/bin/python bench/webhooks_fault_bench.py                    # all three runs
    .venv/bin/python bench/webhooks_fault_bench.py --only kill --events 500
    .venv/bin/python bench/webhooks_fault_bench.py --only outage --outage 30

Each run uses a fresh PostgreSQL database and its own ``redis-server`` (a temporary port and
folder, append-only file on, as a broker in production should be), so stopping Redis disturbs
nothing else on the machine. ONE worker process runs the runtime as a generated service's
``worker`` command does: the outbox relay thread and a Dramatiq worker (8 threads, Redis broker)
with the webhook fan-out handler and the attempt actor. A local receiver on 127.0.0.1 checks
every request's Standard Webhooks signature with the ``standardwebhooks`` library (stock
receiver code) and records its ``webhook-id``.

* ``throughput``: ``--events`` outbox rows are written, then the worker starts; events per second
  from its start to the last event received.
* ``kill``: the worker is killed with SIGKILL once ``--kill-at`` events were received, and a new
  one is started: every event must arrive, every signature verify; duplicates are allowed
  (at least once) and are recognised by their ``webhook-id``.
* ``outage``: writes go on (``--rate`` per second) while Redis is stopped for ``--outage``
  seconds and started again: no write may fail, and every event must arrive afterwards (the
  outbox holds them until the broker takes them).

Exit status 1 when a run loses an event, a signature fails or a write fails.
Environment: ``SPECFOUNDRY_TEST_PG_URL`` (admin URL, default postgres@127.0.0.1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.server
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "runtime"), str(ROOT)]

from events_fixtures import Delivery, Endpoint, Outbox, Processed  # noqa: E402
from runtime_db_fixtures import PG_ADMIN_URL, Org  # noqa: E402

from specfoundry.runtime import webhooks as wh  # noqa: E402
from specfoundry.runtime.db import (  # noqa: E402
    Base,
    make_engine,
    make_session_factory,
    open_session,
)
from specfoundry.runtime.relay import Relay  # noqa: E402
from specfoundry.runtime.tasks import Engine, Worker, make_broker  # noqa: E402
from specfoundry.runtime.webhook_delivery import WebhookDispatcher  # noqa: E402

TABLES = [Org.__table__, Outbox.__table__, Processed.__table__, Endpoint.__table__]
TABLES.append(Delivery.__table__)


# -- the worker process -------------------------------------------------------------------------
def child(url: str, redis_url: str, namespace: str) -> None:
    """One worker process: relay + 8 Dramatiq threads, until SIGTERM (or SIGKILL)."""
    factory = make_session_factory(make_engine(url))
    broker = make_broker(redis_url, namespace=namespace)
    dispatcher = WebhookDispatcher(
        broker,
        factory,
        Endpoint,
        Delivery,
        allow_private=True,  # the receiver is on 127.0.0.1
        schedule=(0, 1, 2, 5, 10, 30, 60),
        timeout=5,
        overdue_after=10,  # production: 60 s
    )
    engine = Engine(broker, factory, Processed, (dispatcher.handler(),))
    worker = Worker(
        broker,
        engine.queues,
        Relay(factory, Outbox, engine.publish, batch_size=200),
        threads=8,
        relay_interval=0.05,
        periodic=((dispatcher.requeue_overdue, 5.0),),
    )
    worker.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    worker.stop()


# -- the receiver -------------------------------------------------------------------------------
@dataclass
class Received:
    secret: str
    ids: Counter[str] = field(default_factory=Counter)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def unique(self) -> int:
        with self.lock:
            return len(self.ids)


@contextmanager
def receiver(secret: str) -> Iterator[tuple[str, Received]]:
    received = Received(secret)
    verifier = Webhook(secret)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                verifier.verify(body, headers)
                ok = True
            except WebhookVerificationError:
                ok = False
            with received.lock:
                if ok:
                    received.ids[headers["webhook-id"]] += 1
                else:
                    received.bad_signatures += 1
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()


# -- a private Redis ----------------------------------------------------------------------------
class PrivateRedis:
    """``redis-server`` on a free port with an append-only file in a temporary folder."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="sf-redis-")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--dir", self.folder, "--save", "", "--appendonly", "yes"),
                *("--appendfsync", "everysec", "--loglevel", "warning"),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: Redis writes its append-only file and exits
            self.process.wait(30)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


# -- one run ------------------------------------------------------------------------------------
@dataclass
class Setup:
    url: str
    redis: PrivateRedis
    namespace: str
    tenant: uuid.UUID

    def spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, __file__, "--child", self.url, self.redis.url, self.namespace]
        )


@contextmanager
def fresh_setup(receiver_url: str, secret: str) -> Iterator[Setup]:
    name = f"sf_webhooks_{secrets.token_hex(4)}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    redis = PrivateRedis()
    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine, tables=TABLES)
        with engine.begin() as conn:
            policy = "CREATE POLICY operator_access ON ev_outbox_events TO postgres USING (true)"
            conn.execute(sa.text(policy))
        tid = uuid.uuid4()
        with open_session(make_session_factory(engine), tid) as session:
            session.add(Org(id=tid))
            session.flush()
            session.add(Endpoint(url=receiver_url, event_types=[], secret=secret))
            session.commit()
        redis.start()
        yield Setup(url, redis, f"sf-wh-{secrets.token_hex(3)}", tid)
    finally:
        engine.dispose()
        redis.close()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_events(url: str, tenant: uuid.UUID, count: int) -> list[str]:
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    ids = []
    start = dt.datetime.now(dt.UTC)
    with open_session(make_session_factory(engine), tenant) as session:
        for n in range(count):
            row = Outbox(
                event_type="project.updated",
                payload={"project_id": str(n % 50), "n": n},
                occurred_at=start + dt.timedelta(microseconds=n),
            )
            session.add(row)
            session.flush()
            ids.append(str(row.id))
        session.commit()
    engine.dispose()
    return ids


def wait_for(received: Received, expected: set[str], limit: float) -> float:
    began = time.monotonic()
    while time.monotonic() - began < limit:
        with received.lock:
            if expected <= set(received.ids):
                return time.monotonic() - began
        time.sleep(0.05)
    missing = len(expected - set(received.ids))
    raise SystemExit(f"timed out after {limit:.0f} s: {missing} events not delivered")


def report(label: str, received: Received, expected: set[str]) -> bool:
    with received.lock:
        lost = expected - set(received.ids)
        duplicates = sum(n - 1 for n in received.ids.values())
        bad = received.bad_signatures
    print(
        f"  {label}: {len(expected)} events, {len(expected) - len(lost)} delivered, "
        f"{len(lost)} lost, {duplicates} duplicate requests (same webhook-id), "
        f"{bad} bad signatures"
    )
    return not lost and not bad


def run_throughput(events: int) -> bool:
    secret = wh.new_secret()
    with receiver(secret) as (url, received), fresh_setup(url, secret) as setup:
        expected = set(write_events(setup.url, setup.tenant, events))
        worker = setup.spawn()
        try:
            elapsed = wait_for(received, expected, 600)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
        print(f"throughput: {events} events, one worker process (relay + 8 threads)")
        print(f"  {elapsed:.2f} s from the worker's start: {events / elapsed:.0f} events/s")
        return report("result", received, expected)


def run_kill(events: int, kill_at: int) -> bool:
    secret = wh.new_secret()
    with receiver(secret) as (url, received), fresh_setup(url, secret) as setup:
        expected = set(write_events(setup.url, setup.tenant, events))
        worker = setup.spawn()
        began = time.monotonic()
        try:
            while received.unique < kill_at:
                if time.monotonic() - began > 300:
                    raise SystemExit("timed out before the kill")
                time.sleep(0.01)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            at_kill = received.unique
            worker = setup.spawn()
            elapsed = wait_for(received, expected, 600)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
        print(f"kill -9: worker killed after {at_kill} of {events} events arrived; restarted")
        print(f"  every event arrived {elapsed:.1f} s after the restart")
        return report("result", received, expected)


def run_outage(outage: float, rate: float) -> bool:
    secret = wh.new_secret()
    with receiver(secret) as (url, received), fresh_setup(url, secret) as setup:
        worker = setup.spawn()
        written: list[str] = []
        failed = 0
        stop = threading.Event()

        def writer() -> None:
            nonlocal failed
            while not stop.is_set():
                try:
                    written.extend(write_events(setup.url, setup.tenant, 1))
                except Exception as error:  # a write that fails is the finding
                    failed += 1
                    print(f"  write failed: {error!r}")
                stop.wait(1 / rate)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            time.sleep(5)
            setup.redis.stop()
            down_at = len(written)
            time.sleep(outage)
            during = len(written) - down_at
            setup.redis.start()
            time.sleep(5)
            stop.set()
            thread.join()
            elapsed = wait_for(received, set(written), 600)
        finally:
            stop.set()
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
        print(f"Redis stopped for {outage:.0f} s while writes went on ({rate:.0f}/s)")
        print(f"  writes: {len(written)} committed ({during} while Redis was down), ", end="")
        print(f"{failed} failed")
        print(f"  every event arrived {elapsed:.1f} s after the last write")
        return report("result", received, set(written)) and failed == 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["throughput", "kill", "outage"])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--kill-at", type=int, default=200)
    parser.add_argument("--outage", type=float, default=30)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--child", nargs=3, metavar=("URL", "REDIS_URL", "NAMESPACE"))
    args = parser.parse_args()
    if args.child:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        child(*args.child)
        return
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    ok = True
    if args.only in (None, "throughput"):
        ok &= run_throughput(args.events)
    if args.only in (None, "kill"):
        ok &= run_kill(args.events, args.kill_at)
    if args.only in (None, "outage"):
        ok &= run_outage(args.outage, args.rate)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
