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
from specfoundry.model.jobs import Jobs
from specfoundry.model.names import Name
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
    billing: Billing | None = None
    api_keys: ApiKeys | None = None
    audit: Audit | None = None
    cache: Cache | None = None
    webhooks: Webhooks | None = None
    jobs: Jobs = field(default_factory=Jobs)

    @property
    def dead_letters(self) -> bool:
        """Whether the service serves ``/dead-letters``: event handlers (the spec's, or webhook
        delivery's fan-out) run in the worker, and their messages carry their event's tenant."""
        return self.events.enabled or self.webhooks is not None


@dataclass(frozen=True, slots=True)
class BillingEventRule:
    """What one provider event does to the mirrored subscription.

    ``source`` is the kind of object the event carries (``subscription`` or ``invoice``: paths
    of :attr:`Billing.objects`); ``to`` a fixed target state, else the object's provider status
    mapped through :attr:`Billing.statuses`.
    """

    type: str
    source: str
    to: str | None
    location: Location


@dataclass(frozen=True, slots=True)
class BillingPlan:
    name: str
    features: tuple[str, ...]
    # entity name -> the most live rows of it a tenant on this plan may hold
    quotas: tuple[tuple[str, int], ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Billing:
    """``billing:``: the provider drives a state machine of the spec (saas-standards B-01..B-14)."""

    provider: str
    entity: Name  # the mirrored subscription
    machine: Name  # the state machine driving ``entity``
    id_field: Name  # holds the provider's subscription id
    plan_field: Name | None
    # object kind -> (what, dotted path in the provider object): id, tenant, status
    objects: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    # provider status -> state of the machine (B-14: total, an unknown status is refused)
    statuses: tuple[tuple[str, str], ...]
    events: tuple[BillingEventRule, ...]
    # entity field <- dotted path in the provider's subscription object (provider-owned fields)
    fields: tuple[tuple[Name, str], ...]
    default_plan: str | None
    plans: tuple[BillingPlan, ...]
    # feature -> API resource paths it unlocks
    features: tuple[tuple[str, tuple[str, ...]], ...]
    reads_without_access: bool
    location: Location
    event_table_entity: str = "billing_event"

    def plan(self, name: str) -> BillingPlan | None:
        return next((p for p in self.plans if p.name == name), None)


@dataclass(frozen=True, slots=True)
class ApiKeys:
    """``api.api_keys``: built-in API keys (``/v{n}/api-keys``)."""

    prefix: str  # every key starts with it (tells a key from a JWT)
    roles: tuple[str, ...]  # who may manage keys
    max_lifetime_days: int | None = None
    location: Location | None = None  # of `api.api_keys`


@dataclass(frozen=True, slots=True)
class Audit:
    """``audit``: the hash-chained audit log and ``/v{n}/audit-events``."""

    roles: tuple[str, ...]  # who may read the audit log
    location: Location | None = None  # of `audit`


@dataclass(frozen=True, slots=True)
class Cache:
    """``cache``: the tenant-scoped Redis cache of GET-one, per API resource path, and of the
    list pages of the resources in ``lists`` (a subset of ``resources``)."""

    resources: tuple[str, ...]
    ttl_seconds: int = 60
    lists: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Webhooks:
    """``webhooks``: outgoing webhooks (``/v{n}/webhook-endpoints``, ``/v{n}/webhook-deliveries``),
    signed per Standard Webhooks and delivered by the worker (saas-standards W-01..W-08)."""

    roles: tuple[str, ...]  # who may manage endpoints and see deliveries
    # "development": http and private/loopback targets are allowed when the service runs with
    # ``<PREFIX>_ENV=development`` (local receivers); "never": refused in every environment.
    allow_private_targets: str = "development"
    attempts: int = 10  # tries of one delivery, on the first ``attempts`` delays of the schedule
    rotation_overlap_hours: int = 24  # how long the previous secret keeps signing
    location: Location | None = None  # of `webhooks`
