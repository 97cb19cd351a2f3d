"""The platform features of a service (rate limits, idempotency, API keys, audit, cache,
events delivery, webhooks, jobs, billing), as the emitters see them.

Each feature is one frozen dataclass and one field of :class:`Platform`; a feature that the spec
does not switch on keeps its default (off). Tables a feature needs are built-in entities that
lowering adds to :attr:`Service.entities` (see ``specfoundry.lower.platform``), so models,
migrations, row-level security and the tenant foreign key come from the same code as the spec's
own entities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from specfoundry.diagnostics import Location
from specfoundry.model.sla import Sla


@dataclass(frozen=True, slots=True)
class Idempotency:
    """``Idempotency-Key`` handling (``api.idempotency``): off unless ``methods`` is set."""

    methods: tuple[str, ...] = ()  # "POST", "PATCH"
    ttl_hours: int = 24

    @property
    def enabled(self) -> bool:
        return bool(self.methods)


@dataclass(frozen=True, slots=True)
class EventHandler:
    """A user function of the extension package run for every event of ``event`` (spec:
    ``events.<type>.handlers.<function>``), with its retry policy."""

    event: str
    function: str
    location: Location
    attempts: int = 5
    backoff_seconds: float = 15.0
    timeout_seconds: float = 60.0
    queue: str = "events"

    @property
    def consumer(self) -> str:
        """The handler's name as a consumer: its Dramatiq actor and processed-event key."""
        return f"{self.function}:{self.event}"


@dataclass(frozen=True, slots=True)
class EventDelivery:
    """Handlers of the spec's events (the outbox relay and the worker exist in every service)."""

    handlers: tuple[EventHandler, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.handlers)


@dataclass(frozen=True, slots=True)
class Platform:
    """Switched-on platform features; every field defaults to "off"."""

    # Service level targets checked by the generated load test (``sla:``); none by default.
    sla: Sla = field(default_factory=Sla)
    idempotency: Idempotency = field(default_factory=Idempotency)
    events: EventDelivery = field(default_factory=EventDelivery)
