"""The ``worker`` command and the in-process worker: a service's event delivery put together.

A :class:`Delivery` names what the spec decided (the outbox and processed-event models, the
handlers); :func:`build` adds what the environment decides: Dramatiq's Redis broker when
``REDIS_URL`` is set (any number of worker processes, on any number of machines), else the stub
broker in this process; the app role's database for handlers (row-level security applies);
the operator role's (``OPERATOR_DATABASE_URL``) for the relay on PostgreSQL, since the outbox
holds every tenant's events.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import dramatiq
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from .db import TenantSession, make_engine, make_session_factory, normalize_url
from .errors import ConfigurationError
from .relay import Relay
from .settings import Settings
from .tasks import DeadLetters, Engine, Handler, Worker, make_broker, shared_broker
from .webhook_delivery import QUEUE as WEBHOOK_QUEUE
from .webhook_delivery import WebhookDispatcher
from .webhooks import SCHEDULE

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Webhooks:
    """Outgoing webhooks (spec ``webhooks``): the endpoint and delivery models, how many
    attempts of the schedule a delivery gets, whether private targets may be allowed."""

    endpoint: Any
    delivery: Any
    attempts: int = len(SCHEDULE)
    allow_private_targets: str = "development"  # or "never"

    def allow_private(self, settings: Settings) -> bool:
        return self.allow_private_targets == "development" and settings.is_development


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a service delivers: ``outbox`` (``OutboxEvent``), ``processed``
    (``ProcessedEvent``, None without handlers), the spec's handlers and its webhooks."""

    namespace: str
    outbox: Any
    processed: Any
    handlers: tuple[Handler, ...] = ()
    webhooks: Webhooks | None = None
    # More actors (jobs, timers: the service's ``jobs.declare``) on the worker's broker, with
    # the worker's session factory, and their queues.
    declare: Callable[[dramatiq.Broker, sessionmaker[TenantSession]], None] | None = None
    extra_queues: tuple[str, ...] = ()

    @property
    def queues(self) -> tuple[str, ...]:
        extra = {WEBHOOK_QUEUE} if self.webhooks is not None else set()
        return tuple(sorted({h.queue for h in self.handlers} | extra | set(self.extra_queues)))


@dataclass(slots=True)
class Runtime:
    broker: dramatiq.Broker
    engine: Engine
    relay: Relay | None
    webhooks: WebhookDispatcher | None = None


def _factory(url: str) -> sessionmaker[TenantSession]:
    return make_session_factory(make_engine(url))


def relay_session_factory(settings: Settings) -> sessionmaker[TenantSession]:
    """Cross-tenant sessions for the relay: the operator role on PostgreSQL."""
    url = settings.database_url
    if sa.make_url(normalize_url(url)).get_backend_name() == "postgresql":
        if not settings.operator_database_url:
            raise ConfigurationError(
                "the outbox relay reads every tenant's events: set OPERATOR_DATABASE_URL "
                "(a login of the operator role) for `worker`"
            )
        url = settings.operator_database_url
    return _factory(url)


def build(
    delivery: Delivery,
    settings: Settings,
    *,
    broker: dramatiq.Broker | None = None,
    relay: bool = True,
) -> Runtime:
    broker = broker or make_broker(settings.redis_url, namespace=delivery.namespace)
    factory = _factory(settings.database_url)
    operator = relay_session_factory(settings) if relay else None
    handlers = delivery.handlers
    dispatcher = None
    if delivery.webhooks is not None:
        # Webhook delivery is a handler of every event (fan-out) plus its attempt actor.
        hooks = delivery.webhooks
        dispatcher = WebhookDispatcher(
            broker,
            factory,
            hooks.endpoint,
            hooks.delivery,
            allow_private=hooks.allow_private(settings),
            schedule=SCHEDULE[: hooks.attempts],
            operator_factory=operator,
        )
        handlers = (*handlers, dispatcher.handler())
    engine = Engine(broker, factory, delivery.processed, handlers)
    if delivery.declare is not None:
        delivery.declare(broker, engine.session_factory)
    outbox_relay = Relay(operator, delivery.outbox, engine.publish) if operator else None
    return Runtime(broker, engine, outbox_relay, dispatcher)


# How often a worker requeues webhook deliveries whose attempt message was lost (the broker was
# away when it was to be queued): WebhookDispatcher.requeue_overdue.
REQUEUE_INTERVAL_SECONDS = 30.0


def _periodic(runtime: Runtime) -> tuple[tuple[Callable[[], object], float], ...]:
    if runtime.webhooks is None or runtime.relay is None:
        return ()
    return ((runtime.webhooks.requeue_overdue, REQUEUE_INTERVAL_SECONDS),)


# The runtime `serve` started in this process (no REDIS_URL), and the brokers of API processes
# that queue webhook redeliveries on Redis, by namespace.
_LOCAL: dict[str, Runtime] = {}
_SENDERS: dict[str, Runtime] = {}
_SENDERS_LOCK = threading.Lock()


def webhook_sender(
    delivery: Delivery, settings: Settings
) -> Callable[[uuid.UUID, uuid.UUID], None] | None:
    """What queues a webhook redelivery from an API process: the in-process worker's
    dispatcher, else one on the Redis broker, else None (no worker is reachable)."""
    local = _LOCAL.get(delivery.namespace)
    if local is not None and local.webhooks is not None:
        return local.webhooks.redeliver
    if delivery.webhooks is None or not settings.redis_url:
        return None
    with _SENDERS_LOCK:
        runtime = _SENDERS.get(delivery.namespace)
        if runtime is None:
            runtime = _SENDERS[delivery.namespace] = build(delivery, settings, relay=False)
    return runtime.webhooks.redeliver if runtime.webhooks is not None else None


def start_in_process(delivery: Delivery, settings: Settings) -> Worker | None:
    """``serve`` without ``REDIS_URL``: the relay and the actors on threads of this process, on
    the stub broker (None with ``REDIS_URL``: run ``worker`` processes instead). The caller stops
    the returned worker."""
    if settings.redis_url:
        return None
    try:
        # The app's broker (``shared_broker``): what it sends reaches these threads.
        runtime = build(
            delivery, settings, broker=shared_broker(None, namespace=delivery.namespace)
        )
    except ConfigurationError as exc:
        logger.warning("no in-process event delivery: %s", exc)
        return None
    worker = Worker(
        runtime.broker, delivery.queues, runtime.relay, threads=2, periodic=_periodic(runtime)
    )
    worker.start()
    _LOCAL[delivery.namespace] = runtime
    return worker


def serve(
    delivery: Delivery,
    settings: Settings,
    *,
    processes: int = 1,
    queues: Sequence[str] = (),
    threads: int = 8,
) -> int:
    """``worker``: the relay and the actors until SIGINT/SIGTERM; ``processes`` > 1 runs one
    relay and one Dramatiq worker per process (Redis only)."""
    unknown = sorted(set(queues) - set(delivery.queues))
    if unknown:
        known = ", ".join(delivery.queues) or "none: the spec names no handler"
        raise ConfigurationError(f"unknown queue(s) {', '.join(unknown)} (queues: {known})")
    if processes < 1:
        raise ConfigurationError("--processes must be at least 1")
    if processes > 1 and not settings.redis_url:
        raise ConfigurationError("--processes > 1 needs REDIS_URL (a broker they share)")
    relay_session_factory(settings)  # configuration errors now, not in a child process
    if processes == 1:
        _run(delivery, settings, tuple(queues), threads)
        return 0
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(
            target=_run, args=(delivery, settings, tuple(queues), threads), name=f"worker-{n}"
        )
        for n in range(processes)
    ]
    for child in children:
        child.start()
    stop = _stop_on_signals()
    stop.wait()
    for child in children:
        if child.is_alive() and child.pid is not None:
            child.terminate()
    for child in children:
        child.join()
    return 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


def _run(delivery: Delivery, settings: Settings, queues: tuple[str, ...], threads: int) -> None:
    stop = _stop_on_signals()
    runtime = build(delivery, settings)
    worker = Worker(
        runtime.broker,
        queues or delivery.queues,
        runtime.relay,
        threads=threads,
        periodic=_periodic(runtime),
    )
    worker.start()
    logger.info(
        "worker started: queues %s, broker %s",
        ", ".join(queues or delivery.queues) or "(none)",
        type(runtime.broker).__name__,
    )
    try:
        stop.wait()
    finally:
        worker.stop()
        runtime.broker.close()


def dead_letter_source(delivery: Delivery, settings: Settings) -> DeadLetters | None:
    """The dead letters an API process can reach: the in-process worker's (``serve`` without
    ``REDIS_URL``), else Redis's, else None."""
    local = _LOCAL.get(delivery.namespace)
    if local is not None:
        return DeadLetters(local.broker, delivery.queues)
    if not settings.redis_url:
        return None
    with _SENDERS_LOCK:
        runtime = _SENDERS.get(delivery.namespace)
        if runtime is None:
            runtime = _SENDERS[delivery.namespace] = build(delivery, settings, relay=False)
    return DeadLetters(runtime.broker, delivery.queues)


def dead_letters(delivery: Delivery, settings: Settings) -> DeadLetters:
    """The Redis dead-letter queues of the handlers' queues (the stub broker keeps none
    between processes)."""
    if not settings.redis_url:
        raise ConfigurationError("dead letters live in Redis: set REDIS_URL")
    runtime = build(delivery, settings, relay=False)
    return DeadLetters(runtime.broker, delivery.queues)
