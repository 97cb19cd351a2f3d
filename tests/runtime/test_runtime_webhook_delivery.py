"""Webhook delivery through the event engine: fan-out to subscribed endpoints, signed attempts
to a stub receiver, retries on the schedule, 410 disables, redelivery, dedupe by event id."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from events_fixtures import Delivery, Endpoint, Outbox, Processed
from runtime_db_fixtures import Org, factory, sqlite_engine
from sqlalchemy.orm import sessionmaker
from standardwebhooks.webhooks import Webhook
from test_runtime_webhooks import Receiver

from specfoundry.runtime import webhooks as wh
from specfoundry.runtime.db import TenantSession, open_session
from specfoundry.runtime.relay import Relay
from specfoundry.runtime.tasks import Engine, Worker, make_broker
from specfoundry.runtime.webhook_delivery import WebhookDispatcher

__all__ = ["factory", "sqlite_engine"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def hooks(factory: sessionmaker[TenantSession]) -> Iterator[dict[str, Any]]:
    broker = make_broker(None, namespace="rt")
    dispatcher = WebhookDispatcher(
        broker,
        factory,
        Endpoint,
        Delivery,
        allow_private=True,  # the stub receiver is on 127.0.0.1
        schedule=(0, 0, 0),  # three attempts, retried at once
        timeout=5,
    )
    engine = Engine(broker, factory, Processed, (dispatcher.handler(),))
    relay = Relay(factory, Outbox, engine.publish)
    worker = Worker(broker, engine.queues, threads=2)
    worker.start()
    yield {"dispatcher": dispatcher, "relay": relay, "worker": worker, "engine": engine}
    worker.stop()


def _tenant_with_endpoint(
    factory: sessionmaker[TenantSession], url: str, types: list[str]
) -> tuple[uuid.UUID, Endpoint]:
    tid = uuid.uuid4()
    with open_session(factory, tid) as session:
        session.add(Org(id=tid))
        endpoint = Endpoint(url=url, event_types=types, secret=wh.new_secret())
        session.add(endpoint)
        session.commit()
    return tid, endpoint


def _emit(factory: sessionmaker[TenantSession], tid: uuid.UUID, event_type: str) -> uuid.UUID:
    with open_session(factory, tid) as session:
        row = Outbox(event_type=event_type, payload={"project_id": "p1"})
        session.add(row)
        session.commit()
        return row.id


def _run(hooks: dict[str, Any]) -> None:
    hooks["relay"].run_once()
    hooks["worker"].join()


def _deliveries(factory: sessionmaker[TenantSession], tid: uuid.UUID) -> list[Delivery]:
    with open_session(factory, tid) as session:
        return list(session.execute(sa.select(Delivery)).scalars())


def test_subscribed_endpoints_get_one_signed_delivery_per_event(
    factory: sessionmaker[TenantSession], hooks: dict[str, Any], receiver: Receiver
) -> None:
    tid, endpoint = _tenant_with_endpoint(factory, receiver.url, ["project.created"])
    other, _ = _tenant_with_endpoint(factory, receiver.url, ["project.deleted"])
    eid = _emit(factory, tid, "project.created")
    _emit(factory, other, "project.created")  # not subscribed
    _run(hooks)
    ((headers, body),) = receiver.requests
    assert headers["webhook-id"] == str(eid)
    assert Webhook(endpoint.secret).verify(body, headers)["type"] == "project.created"
    (row,) = _deliveries(factory, tid)
    assert (row.status, row.attempts, row.last_response_code) == ("succeeded", 1, 204)
    assert row.delivered_at is not None and row.duration_ms is not None
    assert _deliveries(factory, other) == []
    # The same event published again (relay crash): no second delivery row, no second POST.
    hooks["engine"].publish(_event(factory, tid, eid))
    hooks["worker"].join()
    assert len(receiver.requests) == 1 and len(_deliveries(factory, tid)) == 1


def _event(factory: sessionmaker[TenantSession], tid: uuid.UUID, eid: uuid.UUID) -> Any:
    from specfoundry.runtime.relay import Event

    with open_session(factory, tid) as session:
        row = session.get(Outbox, eid)
        assert row is not None
        return Event(row.id, row.tenant_id, row.event_type, row.payload, row.occurred_at)


def test_failures_are_retried_with_the_same_id_then_fail(
    factory: sessionmaker[TenantSession], hooks: dict[str, Any], receiver: Receiver
) -> None:
    receiver.answers = [(500, {}), (503, {}), (500, {})]
    tid, _ = _tenant_with_endpoint(factory, receiver.url, [])
    _emit(factory, tid, "project.created")
    _run(hooks)
    assert len(receiver.requests) == 3
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1
    (row,) = _deliveries(factory, tid)
    assert (row.status, row.attempts, row.last_response_code) == ("failed", 3, 500)
    # Manual redelivery after the receiver is fixed.
    hooks["dispatcher"].redeliver(row.id, tid)
    hooks["worker"].join()
    (row,) = _deliveries(factory, tid)
    assert (row.status, row.attempts, row.last_response_code) == ("succeeded", 4, 204)


def test_gone_disables_the_endpoint(
    factory: sessionmaker[TenantSession], hooks: dict[str, Any], receiver: Receiver
) -> None:
    receiver.answers = [(410, {})]
    tid, endpoint = _tenant_with_endpoint(factory, receiver.url, [])
    _emit(factory, tid, "project.created")
    _run(hooks)
    with open_session(factory, tid) as session:
        stored = session.get(Endpoint, endpoint.id)
        assert stored is not None and stored.enabled is False
        assert "410" in (stored.disabled_reason or "")
    _emit(factory, tid, "project.created")
    _run(hooks)
    assert len(receiver.requests) == 1  # a disabled endpoint gets nothing


def test_production_rules_refuse_a_loopback_endpoint_at_send_time(
    factory: sessionmaker[TenantSession], receiver: Receiver
) -> None:
    broker = make_broker(None, namespace="rt")
    dispatcher = WebhookDispatcher(broker, factory, Endpoint, Delivery, schedule=(0,))
    tid, endpoint = _tenant_with_endpoint(factory, receiver.url, [])
    with open_session(factory, tid) as session:
        row = Delivery(
            endpoint_id=endpoint.id,
            event_id=uuid.uuid4(),
            event_type="a.b",
            body="{}",
            status="pending",
        )
        session.add(row)
        session.commit()
    assert dispatcher.attempt(row.id, tid) == "failed"
    (stored,) = _deliveries(factory, tid)
    assert "destination refused" in (stored.last_error or "") and receiver.requests == []


def test_rotation_overlap_signs_with_both_secrets(
    factory: sessionmaker[TenantSession], hooks: dict[str, Any], receiver: Receiver
) -> None:
    tid, endpoint = _tenant_with_endpoint(factory, receiver.url, [])
    old = endpoint.secret
    with open_session(factory, tid) as session:
        stored = session.get(Endpoint, endpoint.id)
        assert stored is not None
        stored.previous_secret, stored.secret = old, wh.new_secret()
        stored.previous_secret_expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        session.commit()
        new = stored.secret
    _emit(factory, tid, "project.created")
    _run(hooks)
    ((headers, body),) = receiver.requests
    for secret in (old, new):
        Webhook(secret).verify(body, headers)


def test_an_attempt_not_queued_because_the_broker_was_away_is_requeued_when_overdue(
    factory: sessionmaker[TenantSession], hooks: dict[str, Any], receiver: Receiver
) -> None:
    """Found by bench/webhooks_fault_bench.py (Redis stopped for 30 s): the fan-out committed
    the delivery rows, queueing their first attempt failed, and they stayed pending forever."""
    dispatcher: WebhookDispatcher = hooks["dispatcher"]
    actor = dispatcher._attempt_actor
    assert actor is not None
    real_send = actor.send_with_options

    def broker_away(**kwargs: Any) -> Any:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    tid, endpoint = _tenant_with_endpoint(factory, receiver.url, [])
    actor.send_with_options = broker_away  # type: ignore[method-assign]
    try:
        _emit(factory, tid, "project.created")
        _run(hooks)
    finally:
        actor.send_with_options = real_send  # type: ignore[method-assign]
    (row,) = _deliveries(factory, tid)
    assert (row.status, row.attempts, receiver.requests) == ("pending", 0, [])
    assert dispatcher.requeue_overdue() == 0  # not overdue yet: its message may be in flight
    dispatcher.overdue_after = 0
    assert dispatcher.requeue_overdue() == 1
    hooks["worker"].join()
    ((headers, body),) = receiver.requests
    assert Webhook(endpoint.secret).verify(body, headers)["type"] == "project.created"
    (row,) = _deliveries(factory, tid)
    assert (row.status, row.attempts) == ("succeeded", 1)
    assert dispatcher.requeue_overdue() == 0


def test_a_duplicate_attempt_message_before_the_next_attempt_is_due_does_nothing(
    factory: sessionmaker[TenantSession], receiver: Receiver
) -> None:
    receiver.answers = [(500, {})]
    broker = make_broker(None, namespace="rt")
    dispatcher = WebhookDispatcher(
        broker, factory, Endpoint, Delivery, allow_private=True, schedule=(0, 3600), timeout=5
    )
    tid, endpoint = _tenant_with_endpoint(factory, receiver.url, [])
    with open_session(factory, tid) as session:
        row = Delivery(
            endpoint_id=endpoint.id,
            event_id=uuid.uuid4(),
            event_type="a.b",
            body="{}",
            status="pending",
            attempts=0,
        )
        session.add(row)
        session.commit()
    assert dispatcher.attempt(row.id, tid) == "pending"  # 500: next attempt in an hour
    assert dispatcher.attempt(row.id, tid) == "not due"  # the requeued copy of the message
    assert len(receiver.requests) == 1
    assert dispatcher.attempt(row.id, tid, manual=True) == "succeeded"  # a manual redelivery
    assert len(receiver.requests) == 2


def test_the_worker_runs_periodic_tasks_until_stopped() -> None:
    import threading

    ran = threading.Event()
    calls: list[int] = []

    def task() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the broker is away")  # logged; the next turn still comes
        ran.set()

    worker = Worker(make_broker(None, namespace="rt"), (), periodic=((task, 0.01),))
    worker.start()
    assert ran.wait(5)
    worker.stop()
    count = len(calls)
    assert count >= 2
    threading.Event().wait(0.05)
    assert len(calls) == count  # stopped
