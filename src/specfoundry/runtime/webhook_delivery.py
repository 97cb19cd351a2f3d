"""Webhook delivery on the event engine: fan an event out to the tenant's endpoints, then attempt
each delivery on its own schedule.

* :meth:`WebhookDispatcher.handler` is an event handler for every event type (``"*"``): in the
  event's tenant it adds one delivery row per enabled endpoint subscribed to the type (no types:
  all), with the signed body fixed once, and after the commit sends one attempt message per
  row. As a handler it is idempotent by event id: a redelivered event adds no second delivery.
* The attempt actor (no Dramatiq retries: the schedule is the webhook one, W-05) loads the row,
  checks the endpoint is still enabled, signs with the current secret (and the previous one
  during a rotation's overlap), posts once, records status code, error, duration and attempts,
  then: delivered; or the endpoint disabled on 410; or a delayed message for the next attempt;
  or ``failed`` when the schedule is used up.
* :meth:`WebhookDispatcher.redeliver` queues a new attempt of a delivery (the manual replay).

Models (the service's built-in entities): ``endpoint`` with ``url``, ``event_types`` (JSON list),
``secret``, ``previous_secret``, ``previous_secret_expires_at``, ``enabled``, ``disabled_reason``;
``delivery`` with ``endpoint_id``, ``event_id``, ``event_type``, ``body``, ``status``
(pending/succeeded/failed), ``attempts``, ``last_response_code``, ``last_error``,
``last_attempt_at``, ``next_attempt_at``, ``delivered_at``, ``duration_ms``.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import dramatiq
import httpx
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from . import webhooks as wh
from .db import TenantSession, open_session, utcnow
from .relay import Event
from .tasks import Handler, RetryPolicy

logger = logging.getLogger(__name__)

ALL_EVENTS = "*"
QUEUE = "webhooks"


@dataclass(slots=True)
class WebhookDispatcher:
    broker: dramatiq.Broker
    session_factory: sessionmaker[TenantSession]
    endpoint: Any
    delivery: Any
    allow_private: bool = False
    clock: Callable[[], dt.datetime] = utcnow
    schedule: Sequence[int] = wh.SCHEDULE
    timeout: float = wh.TIMEOUT_SECONDS
    client_factory: Callable[[], httpx.Client] = httpx.Client
    rng: random.Random = field(default_factory=random.Random)
    queue: str = QUEUE
    # Cross-tenant reads of :meth:`requeue_overdue` (on PostgreSQL: the operator role's engine,
    # as for the outbox relay); None: ``session_factory``.
    operator_factory: sessionmaker[TenantSession] | None = None
    overdue_after: float = 60.0  # seconds past its time before a pending delivery is requeued
    _attempt_actor: dramatiq.Actor[..., None] | None = None

    def __post_init__(self) -> None:
        declare = dramatiq.actor(
            broker=self.broker,
            actor_name="webhooks.attempt",
            queue_name=self.queue,
            max_retries=0,
            time_limit=int((self.timeout + 30) * 1000),
        )
        self._attempt_actor = declare(self._attempt_message)

    def handler(self, policy: RetryPolicy | None = None) -> Handler:
        """The fan-out, as a handler of every event type."""
        return Handler(
            "webhooks.fanout",
            ALL_EVENTS,
            self.fan_out,
            policy or RetryPolicy(attempts=5, backoff_seconds=5),
            queue=self.queue,
        )

    # -- fan-out ---------------------------------------------------------------------------
    def fan_out(self, event: Event, session: TenantSession) -> None:
        endpoints: Sequence[Any] = (
            session.execute(sa.select(self.endpoint).where(self.endpoint.enabled.is_(True)))
            .scalars()
            .all()
        )
        body = wh.envelope(event.type, event.occurred_at, event.payload).decode()
        created: list[tuple[uuid.UUID, uuid.UUID]] = []
        for endpoint in endpoints:
            types = endpoint.event_types or []
            if types and event.type not in types:
                continue
            row = self.delivery(
                endpoint_id=endpoint.id,
                event_id=event.id,
                event_type=event.type,
                body=body,
                status="pending",
                attempts=0,
                next_attempt_at=self.clock(),
            )
            session.add(row)
            session.flush()
            created.append((row.id, event.tenant_id))
        if created:
            sa.event.listen(session, "after_commit", lambda s: self._send_all(created), once=True)

    def _send_all(self, created: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> None:
        for delivery_id, tenant_id in created:
            self._send_or_leave(delivery_id, tenant_id)

    def _send(
        self,
        delivery_id: uuid.UUID,
        tenant_id: uuid.UUID,
        delay_ms: int = 0,
        *,
        manual: bool = False,
    ) -> None:
        assert self._attempt_actor is not None
        args: tuple[Any, ...] = (str(delivery_id), str(tenant_id))
        self._attempt_actor.send_with_options(
            args=(*args, True) if manual else args, delay=delay_ms or None
        )

    def _send_or_leave(
        self, delivery_id: uuid.UUID, tenant_id: uuid.UUID, delay_ms: int = 0
    ) -> None:
        """Queue the next attempt after a commit; when the broker is away the committed row
        (pending, with its ``next_attempt_at``) is enough: :meth:`requeue_overdue` finds it."""
        try:
            self._send(delivery_id, tenant_id, delay_ms)
        except Exception:
            logger.warning(
                "webhook delivery %s: attempt not queued (broker unavailable); "
                "it will be requeued when overdue",
                delivery_id,
                exc_info=True,
            )

    def redeliver(self, delivery_id: uuid.UUID, tenant_id: uuid.UUID) -> None:
        """A new attempt now, also of a delivered one (the manual replay); the schedule starts
        again."""
        self._send(delivery_id, tenant_id, manual=True)

    def requeue_overdue(self, limit: int = 500) -> int:
        """Queue an attempt for every pending delivery more than :attr:`overdue_after` seconds
        past its ``next_attempt_at``: its message was never queued (the broker was away after
        the commit) or was lost with the broker. The worker runs this periodically; a message
        that was only late finds the delivery attempted already and does nothing
        (:meth:`attempt`). Returns how many were queued."""
        cutoff = self.clock() - dt.timedelta(seconds=self.overdue_after)
        model = self.delivery
        with open_session(
            self.operator_factory or self.session_factory, None, cross_tenant=True
        ) as s:
            rows = s.execute(
                sa.select(model.id, model.tenant_id)
                .where(model.status == "pending", model.next_attempt_at < cutoff)
                .order_by(model.next_attempt_at)
                .limit(limit)
            ).all()
        for delivery_id, tenant_id in rows:
            self._send(uuid.UUID(str(delivery_id)), uuid.UUID(str(tenant_id)))
        return len(rows)

    # -- one attempt -----------------------------------------------------------------------
    def _attempt_message(self, delivery_id: str, tenant_id: str, manual: bool = False) -> None:
        self.attempt(uuid.UUID(delivery_id), uuid.UUID(tenant_id), manual=manual)

    def attempt(self, delivery_id: uuid.UUID, tenant_id: uuid.UUID, *, manual: bool = False) -> str:
        """Attempt one delivery; returns the delivery's status afterwards.

        ``manual``: a redelivery (sent even if delivered or failed before; the schedule starts
        again). Otherwise the row is locked for the attempt (``FOR UPDATE SKIP LOCKED`` on
        PostgreSQL) and a delivery that is done, or pending but not due yet, is left alone: a
        duplicate message (the requeue of a late one, a redelivered Dramatiq message) never
        makes a second attempt of the same turn."""
        session = open_session(self.session_factory, tenant_id)
        with session:
            row = session.get(self.delivery, delivery_id, with_for_update={"skip_locked": True})
            if row is None or (row.status == "succeeded" and not manual):
                return "gone" if row is None else str(row.status)
            due = row.next_attempt_at
            early = due is not None and _aware(due) > self.clock() + dt.timedelta(seconds=1)
            if not manual and row.status == "pending" and early:
                return "not due"
            if not manual and row.status == "failed":
                return "failed"
            endpoint = session.get(self.endpoint, row.endpoint_id)
            if endpoint is None or not endpoint.enabled:
                row.status = "failed"
                row.last_error = "endpoint disabled or deleted"
                session.commit()
                return "failed"
            now = self.clock()
            signing = wh.signing_secrets(
                endpoint.secret,
                endpoint.previous_secret,
                endpoint.previous_secret_expires_at,
                now,
            )
            body = str(row.body).encode()
            headers = wh.sign(str(row.event_id), now, body, signing)
            with self.client_factory() as client:
                outcome = wh.attempt(
                    client,
                    endpoint.url,
                    body,
                    headers,
                    allow_private=self.allow_private,
                    timeout=self.timeout,
                    clock=self.clock,
                )
            made = int(row.attempts or 0) + 1
            if row.status == "failed" or manual:  # a redelivery starts the schedule again
                made = 1
            decision = wh.decide(outcome, made, now, schedule=self.schedule, rng=self.rng)
            row.attempts = int(row.attempts or 0) + 1
            row.last_response_code = outcome.status_code
            row.last_error = outcome.error
            row.last_attempt_at = now
            row.duration_ms = outcome.duration_ms
            row.next_attempt_at = decision.next_attempt_at
            if decision.action == "delivered":
                row.status = "succeeded"
                row.delivered_at = now
            elif decision.action == "disable":
                row.status = "failed"
                endpoint.enabled = False
                endpoint.disabled_reason = "the endpoint answered 410 Gone"
            elif decision.action == "failed":
                row.status = "failed"
            else:
                row.status = "pending"
            session.commit()
            status = str(row.status)
        if decision.action == "retry" and decision.next_attempt_at is not None:
            delay = (decision.next_attempt_at - now).total_seconds()
            self._send_or_leave(delivery_id, tenant_id, max(int(delay * 1000), 0))
        return status


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes for UTC columns."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
