"""Event handlers on Dramatiq: the broker, one actor per handler, idempotent consumption, the
dead-letter queue and the worker.

* :func:`make_broker`: Dramatiq's Redis broker when ``REDIS_URL`` is set, its stub broker
  otherwise (development, tests: the same actors and middleware, run by a worker thread in
  the same process).
* :class:`Engine`: declares one actor per :class:`Handler` (its retry policy becomes the
  actor's ``max_retries``, ``min_backoff``, ``max_backoff`` and ``time_limit``), and
  :meth:`Engine.publish` (the relay's ``publish``) sends an event to every handler of its type.
* A handler runs in a session bound to the event's tenant (filter and row-level security
  apply) and its work commits in the same transaction as a ``processed_events`` row keyed by
  (consumer, event id): a redelivered event is recognised and skipped, so at-least-once
  delivery has exactly-once effects on the database.
* A handler that keeps failing ends in Dramatiq's dead-letter queue; :class:`DeadLetters`
  lists those messages with their last error and sends them again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dramatiq
import sqlalchemy as sa
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import q_name, xq_name
from dramatiq.middleware import Middleware
from sqlalchemy.orm import sessionmaker

from .db import TenantSession, open_session
from .relay import Event

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "events"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long a handler is tried before its message is dead-lettered."""

    attempts: int = 5
    backoff_seconds: float = 15.0  # the first retry's delay; doubles each time (with jitter)
    max_backoff_seconds: float = 3600.0
    timeout_seconds: float = 60.0

    def actor_options(self) -> dict[str, Any]:
        return {
            "max_retries": max(self.attempts - 1, 0),
            "min_backoff": max(int(self.backoff_seconds * 1000), 1),
            "max_backoff": max(int(self.max_backoff_seconds * 1000), 1),
            "time_limit": max(int(self.timeout_seconds * 1000), 1),
        }


HandlerFunction = Callable[[Event, TenantSession], None]


@dataclass(frozen=True, slots=True)
class Handler:
    """A user function run for every event of ``event_type`` (``"*"``: every event); ``name``
    identifies it as a consumer (the actor name and the key of its processed-event records)."""

    name: str
    event_type: str
    function: HandlerFunction
    policy: RetryPolicy = RetryPolicy()
    queue: str = DEFAULT_QUEUE


def make_broker(redis_url: str | None, *, namespace: str) -> dramatiq.Broker:
    """The Redis broker at ``redis_url``, or the in-process stub broker when it is None."""
    broker: dramatiq.Broker
    if redis_url:
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=redis_url, namespace=namespace)  # type: ignore[no-untyped-call]
    else:
        broker = StubBroker()
    broker.add_middleware(_DeadLetterErrors())
    return broker


_SHARED: dict[tuple[str | None, str], dramatiq.Broker] = {}
_SHARED_LOCK = threading.Lock()


def shared_broker(redis_url: str | None, *, namespace: str) -> dramatiq.Broker:
    """One broker per (``redis_url``, ``namespace``) in this process: without Redis, what the
    app sends (jobs, timers) reaches the in-process worker of ``serve`` on the same stub broker."""
    with _SHARED_LOCK:
        broker = _SHARED.get((redis_url, namespace))
        if broker is None:
            broker = _SHARED[(redis_url, namespace)] = make_broker(redis_url, namespace=namespace)
        return broker


class _DeadLetterErrors(Middleware):
    """Keeps the last error of each dead-lettered message (Dramatiq's Redis DLQ stores the
    message as it was enqueued, without it)."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def after_nack(self, broker: dramatiq.Broker, message: Any) -> None:
        error = str(message.options.get("traceback") or "").strip()
        key = str(message.options.get("redis_message_id") or message.message_id)
        client = getattr(broker, "client", None)
        if client is not None:
            namespace = getattr(broker, "namespace", "dramatiq")
            client.hset(f"{namespace}:{xq_name(message.queue_name)}.errors", key, error)
        else:
            self.errors[key] = error


def _errors_middleware(broker: dramatiq.Broker) -> _DeadLetterErrors:
    for middleware in broker.middleware:
        if isinstance(middleware, _DeadLetterErrors):
            return middleware
    raise LookupError("broker was not made by make_broker")


@dataclass(slots=True)
class Engine:
    """The actors of a service's handlers on ``broker``.

    ``processed`` is the service's ``ProcessedEvent`` model (columns ``consumer``,
    ``event_id``; unique together)."""

    broker: dramatiq.Broker
    session_factory: sessionmaker[TenantSession]
    processed: Any
    handlers: Sequence[Handler] = ()
    actors: dict[str, dramatiq.Actor[..., None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for handler in self.handlers:
            if handler.name in self.actors:
                raise ValueError(f"two handlers are named {handler.name!r}")
            declare = dramatiq.actor(
                broker=self.broker,
                actor_name=handler.name,
                queue_name=handler.queue,
                **handler.policy.actor_options(),
            )
            self.actors[handler.name] = declare(self._runner(handler))

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(sorted({h.queue for h in self.handlers}))

    def subscribers(self, event_type: str) -> list[Handler]:
        return [h for h in self.handlers if h.event_type in (event_type, "*")]

    def publish(self, event: Event) -> None:
        """Send ``event`` to every handler of its type (the relay's ``publish``)."""
        message = event.as_message()
        for handler in self.subscribers(event.type):
            self.actors[handler.name].send(message)

    def _runner(self, handler: Handler) -> Callable[[dict[str, Any]], None]:
        def run(message: dict[str, Any]) -> None:
            self.consume(handler, Event.from_message(message))

        run.__name__ = handler.name.replace(".", "_").replace(":", "_")
        return run

    def consume(self, handler: Handler, event: Event) -> bool:
        """Run ``handler`` once per event id; False when the event was already processed."""
        model = self.processed
        session = open_session(self.session_factory, event.tenant_id)
        with session:
            seen = session.execute(
                sa.select(model.id).where(
                    model.consumer == handler.name, model.event_id == event.id
                )
            ).first()
            if seen is not None:
                logger.info("event %s already processed by %s", event.id, handler.name)
                return False
            handler.function(event, session)
            session.add(model(consumer=handler.name, event_id=event.id))
            try:
                session.commit()
            except sa.exc.IntegrityError:
                # Another delivery of the same event won the race: its effects are committed.
                session.rollback()
                return False
        return True


@dataclass(frozen=True, slots=True)
class DeadLetter:
    message_id: str
    queue: str
    actor: str
    event_id: str | None
    event_type: str | None
    tenant_id: str | None
    error: str
    failed_at: dt.datetime | None

    @property
    def error_line(self) -> str:
        """The last line of the traceback (the exception and its message)."""
        lines = [line for line in self.error.splitlines() if line.strip()]
        return lines[-1] if lines else ""


@dataclass(slots=True)
class DeadLetters:
    """Dramatiq's dead-letter queues of ``queues``: list them, send a message again."""

    broker: dramatiq.Broker
    queues: Iterable[str]

    def entries(self) -> list[DeadLetter]:
        """Every dead message of the queues, by queue name."""
        return [
            _dead_letter(queue, key, message, error, at)
            for queue in sorted(set(self.queues))
            for key, message, error, at in self._raw(queue)
        ]

    def retry(self, message_id: str) -> DeadLetter:
        """Enqueue the dead message ``message_id`` again with a fresh retry budget."""
        for queue in sorted(set(self.queues)):
            for key, message, error, at in self._raw(queue):
                if key == message_id or message.message_id == message_id:
                    options = {
                        k: v
                        for k, v in message.options.items()
                        if k not in ("retries", "traceback", "redis_message_id", "eta")
                    }
                    fresh: dramatiq.Message[Any] = dramatiq.Message(
                        queue_name=q_name(message.queue_name),
                        actor_name=message.actor_name,
                        args=message.args,
                        kwargs=message.kwargs,
                        options=options,
                        message_id=message.message_id,
                        message_timestamp=message.message_timestamp,
                    )
                    self._remove(queue, key)
                    self.broker.enqueue(fresh)
                    return _dead_letter(queue, key, message, error, at)
        raise KeyError(message_id)

    def _raw(self, queue: str) -> list[tuple[str, dramatiq.Message[Any], str, dt.datetime | None]]:
        client = getattr(self.broker, "client", None)
        if client is None:
            assert isinstance(self.broker, StubBroker)
            errors = _errors_middleware(self.broker).errors
            return [
                (m.message_id, m._message, errors.get(m.message_id, ""), None)
                for m in self.broker.dead_letters_by_queue.get(queue, [])
            ]
        namespace = getattr(self.broker, "namespace", "dramatiq")
        base = f"{namespace}:{xq_name(queue)}"
        stamps = {_text(k): float(v) for k, v in client.zrange(base, 0, -1, withscores=True)}
        errors = {_text(k): _text(v) for k, v in client.hgetall(f"{base}.errors").items()}
        out = []
        for key, data in sorted(client.hgetall(f"{base}.msgs").items()):
            ident = _text(key)
            at = stamps.get(ident)
            when = dt.datetime.fromtimestamp(at / 1000, dt.UTC) if at is not None else None
            out.append((ident, dramatiq.Message.decode(data), errors.get(ident, ""), when))
        return out

    def _remove(self, queue: str, key: str) -> None:
        client = getattr(self.broker, "client", None)
        if client is None:
            assert isinstance(self.broker, StubBroker)
            letters = self.broker.dead_letters_by_queue.get(queue, [])
            letters[:] = [m for m in letters if m.message_id != key]
            return
        namespace = getattr(self.broker, "namespace", "dramatiq")
        base = f"{namespace}:{xq_name(queue)}"
        client.zrem(base, key)
        client.hdel(f"{base}.msgs", key)
        client.hdel(f"{base}.errors", key)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _dead_letter(
    queue: str, key: str, message: dramatiq.Message[Any], error: str, at: dt.datetime | None
) -> DeadLetter:
    first = message.args[0] if message.args else None
    event: Mapping[str, Any] = first if isinstance(first, Mapping) else {}
    return DeadLetter(
        message_id=key,
        queue=queue,
        actor=message.actor_name,
        event_id=event.get("id"),
        event_type=event.get("type"),
        tenant_id=event.get("tenant_id"),
        error=error,
        failed_at=at,
    )


@dataclass(slots=True)
class Worker:
    """The relay (optional) and a Dramatiq worker over ``queues``, in this process, on
    threads; :meth:`stop` waits for both."""

    broker: dramatiq.Broker
    queues: Sequence[str]
    relay: Any = None  # a relay.Relay
    threads: int = 4
    relay_interval: float = 0.5
    # (task, seconds): run every so often on a thread of their own, e.g. requeueing webhook
    # deliveries whose message was lost (WebhookDispatcher.requeue_overdue).
    periodic: Sequence[tuple[Callable[[], object], float]] = ()
    _stop: threading.Event = field(default_factory=threading.Event)
    _relay_thread: threading.Thread | None = None
    _periodic_threads: list[threading.Thread] = field(default_factory=list)
    _worker: dramatiq.Worker | None = None

    def start(self) -> None:
        queues = set(self.queues) or None
        self._worker = dramatiq.Worker(
            self.broker, queues=queues, worker_threads=self.threads, worker_timeout=200
        )
        self._worker.start()
        if self.relay is not None:
            self._relay_thread = threading.Thread(
                target=self.relay.run,
                args=(self._stop,),
                kwargs={"interval": self.relay_interval},
                name="outbox-relay",
                daemon=True,
            )
            self._relay_thread.start()
        for task, interval in self.periodic:
            thread = threading.Thread(
                target=_every, args=(task, interval, self._stop), name="periodic", daemon=True
            )
            thread.start()
            self._periodic_threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._relay_thread is not None:
            self._relay_thread.join(timeout)
        for thread in self._periodic_threads:
            thread.join(timeout)
        if self._worker is not None:
            self._worker.stop(timeout=int(timeout * 1000))

    def join(self) -> None:
        """Wait until the queues are empty and the workers idle (stub broker, tests)."""
        if self._worker is None:
            return
        for queue in self.queues:
            if isinstance(self.broker, StubBroker):
                self.broker.join(queue, fail_fast=False)
        self._worker.join()


def _every(task: Callable[[], object], interval: float, stop: threading.Event) -> None:
    """``task()`` every ``interval`` seconds until ``stop``; a failure (the database or the
    broker is away) is logged and the next turn comes as usual."""
    while not stop.wait(interval):
        try:
            task()
        except Exception:
            logger.exception("periodic task %s failed; retrying", getattr(task, "__name__", task))
