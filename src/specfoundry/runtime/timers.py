"""Timers: ``by: system`` transitions that run a delay after an object entered a state
(spec: ``after: 7d`` on a transition with one source state).

Scheduling is done by a session listener, so every way into the source state counts (a
transition route, a provider event, a job, another timer, and creation when the source is the
initial state): after a flush it notes each new ``TransitionRecord`` into a timed source state
(and each new object created in it); after the commit it sends one Dramatiq message per note to
the timer's actor, delayed by the timer's duration (a rollback drops the notes).

Nothing is cancelled when the object leaves the state: the message is re-checked when it fires.
The transition runs only when the object still exists (and is not soft-deleted), is still in
the source state, and entered it at the noted time (no transition record of the object is
newer than the one the message names; for an object entered at creation: it has none). Else
the message is a no-op. The transition runs through the generated transition function (its
effects, events, hook and transition record) as the principal ``system:timer``, in a session
bound to the object's tenant, in one transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dramatiq
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from .auth import Principal
from .problems import Problem

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "timers"
PENDING_KEY = "specfoundry.timers.pending"
SUBJECT = "system:timer"

OpenSession = Callable[[Any, uuid.UUID], Session]
# The generated transition function: ``transition_<entity>_<name>(session, principal, obj)``.
Transition = Callable[[Session, Principal, Any], None]


@dataclass(frozen=True, slots=True)
class Timer:
    """``transition`` of ``entity`` runs ``delay_seconds`` after the object entered ``source``."""

    entity: str
    transition: str
    model: Any
    field: str  # the state field
    source: str
    target: str
    delay_seconds: float
    run: Transition
    initial: bool = False  # ``source`` is the machine's initial state
    queue: str = DEFAULT_QUEUE

    @property
    def actor_name(self) -> str:
        return f"timer:{self.entity}.{self.transition}"


@dataclass(frozen=True, slots=True)
class _Due:
    timer: Timer
    object_id: uuid.UUID
    tenant_id: uuid.UUID
    record_id: uuid.UUID | None  # the transition record of the entry (None: at creation)


@dataclass(slots=True)
class Timers:
    """A service's timers: their actors on ``broker``, scheduling and firing.

    ``records`` is the service's ``TransitionRecord`` model (``entity``, ``entity_id``,
    ``to_state``, ``occurred_at``)."""

    broker: dramatiq.Broker
    session_factory: sessionmaker[Any]
    open_session: OpenSession
    records: Any
    timers: tuple[Timer, ...] = ()
    actors: dict[str, dramatiq.Actor[..., None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for timer in self.timers:
            if timer.actor_name in self.actors:
                raise ValueError(f"two timers are named {timer.actor_name!r}")
            # One app per test, or the app and the in-process worker of `serve`, declare the
            # same actors on one shared broker: the latest declaration wins.
            self.broker.actors.pop(timer.actor_name, None)
            declare = dramatiq.actor(
                broker=self.broker,
                actor_name=timer.actor_name,
                queue_name=timer.queue,
                max_retries=3,
                time_limit=60_000,
            )
            self.actors[timer.actor_name] = declare(self._runner(timer))

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(sorted({t.queue for t in self.timers}))

    # -- scheduling ------------------------------------------------------------------------
    def listen(self, session_factory: Any) -> None:
        """Schedule the timers of every object entering a timed state in ``session_factory``'s
        sessions (the app's and the worker's)."""
        if not self.timers:
            return
        event.listen(session_factory, "after_flush", self._after_flush)
        event.listen(session_factory, "after_commit", self._after_commit)
        event.listen(session_factory, "after_soft_rollback", self._after_rollback)

    def due(self, session: Session) -> list[_Due]:
        """What the session's flushed changes schedule (not yet sent)."""
        out: list[_Due] = session.info.get(PENDING_KEY, [])
        return out

    def _after_flush(self, session: Session, context: Any) -> None:
        pending = session.info.setdefault(PENDING_KEY, [])
        tenant: Any = session.info.get("tenant_id")
        for obj in session.new:
            if isinstance(obj, self.records):
                for timer in self.timers:
                    if obj.entity == timer.entity and obj.to_state == timer.source:
                        owner: uuid.UUID = obj.tenant_id or tenant
                        pending.append(_Due(timer, obj.entity_id, owner, obj.id))
                continue
            for timer in self.timers:
                if (
                    timer.initial
                    and isinstance(obj, timer.model)
                    and getattr(obj, timer.field) == timer.source
                ):
                    tenant_id: uuid.UUID = getattr(obj, "tenant_id", None) or tenant
                    pending.append(_Due(timer, obj.id, tenant_id, None))

    def _after_commit(self, session: Session) -> None:
        pending: list[_Due] = session.info.pop(PENDING_KEY, [])
        for due in pending:
            self.schedule(due)

    def _after_rollback(self, session: Session, previous: Any) -> None:
        session.info.pop(PENDING_KEY, None)

    def schedule(self, due: _Due) -> None:
        record = str(due.record_id) if due.record_id is not None else None
        try:
            self.actors[due.timer.actor_name].send_with_options(
                args=(str(due.object_id), str(due.tenant_id), record),
                delay=max(int(due.timer.delay_seconds * 1000), 0),
            )
        except Exception:
            # The change is committed; a broker outage must not turn it into an error.
            logger.exception("could not schedule %s for %s", due.timer.actor_name, due.object_id)

    # -- firing ----------------------------------------------------------------------------
    def _runner(self, timer: Timer) -> Callable[[str, str, str | None], None]:
        def run(object_id: str, tenant_id: str, record_id: str | None) -> None:
            self.fire(
                timer,
                uuid.UUID(object_id),
                uuid.UUID(tenant_id),
                uuid.UUID(record_id) if record_id else None,
            )

        run.__name__ = f"timer_{timer.entity}_{timer.transition}"
        return run

    def fire(
        self,
        timer: Timer,
        object_id: uuid.UUID,
        tenant_id: uuid.UUID,
        record_id: uuid.UUID | None,
    ) -> bool:
        """Run the timer's transition if the object is still where the timer found it."""
        model, records = timer.model, self.records
        session = self.open_session(self.session_factory, tenant_id)
        with session:
            where: list[Any] = [model.id == object_id]
            if hasattr(model, "tenant_id"):
                where.append(model.tenant_id == tenant_id)
            obj: Any = session.scalars(sa.select(model).where(*where)).one_or_none()
            if obj is None or getattr(obj, "deleted_at", None) is not None:
                return False
            if getattr(obj, timer.field) != timer.source:
                return False
            history = sa.select(sa.func.count(records.id)).where(
                records.entity == timer.entity, records.entity_id == object_id
            )
            if record_id is not None:
                entry: Any = session.scalars(
                    sa.select(records).where(records.id == record_id)
                ).one_or_none()
                if entry is None:
                    return False
                history = history.where(
                    records.occurred_at >= entry.occurred_at, records.id != record_id
                )
            if session.scalar(history):
                return False  # left the state since (and maybe came back): a newer timer runs
            principal = Principal(subject=SUBJECT, tenant_id=tenant_id, roles=frozenset())
            try:
                timer.run(session, principal, obj)
            except Problem as exc:  # its guard does not hold (or the state moved): no-op
                session.rollback()
                logger.info("timer %s did not run for %s: %s", timer.actor_name, object_id, exc)
                return False
            session.commit()
        logger.info("timer %s ran for %s", timer.actor_name, object_id)
        return True
