"""Rate limits per plan (``api.rate_limits``), enforced with the ``limits`` library.

- Storage: Redis (``async+redis://``, shared by every worker process) when ``REDIS_URL`` is set,
  in-process memory otherwise (one process, development and tests).
- Strategy: chosen in the spec, ``sliding-window-counter`` (default; two counters per key) or
  ``moving-window`` (exact; one entry per request in the window).
- Budgets: a plan has one limit for every operation (policy ``<plan>``) or separate ``read``
  (GET, HEAD, OPTIONS) and ``write`` limits (policies ``<plan>-read`` / ``<plan>-write``). A
  budget is keyed by tenant, or by tenant and principal (``key: principal``).
- Headers: every response to an authenticated request carries the IETF fields
  ``RateLimit-Policy: "free";q=60;w=60`` and ``RateLimit: "free";r=59;t=60``
  (draft-ietf-httpapi-ratelimit-headers); with ``RATE_LIMIT_LEGACY_HEADERS=true`` also
  ``X-RateLimit-Limit/-Remaining/-Reset`` (Reset in UTC epoch seconds). Over the limit: 429
  ``quota-exceeded`` with ``violated-policies`` and ``Retry-After`` (never before the end of the
  effective window, plus a little jitter).
- Storage failures (Redis down or slow): ``on_storage_error: allow`` lets the request through
  without the ``RateLimit`` field (a warning is logged at most once a minute); ``deny`` answers
  503 ``service-unavailable`` with ``Retry-After``. Never a 500.
- A tenant's plan is read through :class:`PlanDirectory` (the spec's ``plan_field``), cached
  per process for ``ttl`` seconds, invalidated on commit when this process writes the plan
  entity (:func:`watch_plan_changes`) and by :func:`invalidate_plan` (billing calls it).
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from limits import RateLimitItem, parse
from limits.aio import strategies
from limits.aio.storage import Storage
from limits.errors import StorageError
from limits.storage import storage_from_string
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import Problem

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STRATEGIES: dict[str, type[strategies.RateLimiter]] = {
    "sliding-window-counter": strategies.SlidingWindowCounterRateLimiter,
    "moving-window": strategies.MovingWindowRateLimiter,
}
STATE_KEY = "rate_limit"
# Redis must answer fast: a stuck limiter must not stall every request.
REDIS_TIMEOUT_SECONDS = 0.5

# ``lookup(tenant_id)``: the tenant's plan as stored, or None.
PlanLookup = Callable[[uuid.UUID], "str | None"]


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """The spec's ``api.rate_limits``: plan -> {"all" | "read" | "write": "60/minute"}."""

    plans: Mapping[str, Mapping[str, str]]
    default_plan: str
    key: str = "tenant"  # or "principal"
    strategy: str = "sliding-window-counter"
    on_storage_error: str = "allow"  # or "deny"


@dataclass(frozen=True, slots=True)
class Budget:
    policy: str  # the name in the RateLimit fields
    item: RateLimitItem

    @property
    def quota(self) -> int:
        return int(self.item.amount)

    @property
    def window(self) -> int:
        return int(self.item.get_expiry())


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one request used: the policy, and (None when storage failed) what is left."""

    budget: Budget
    remaining: int | None = None
    reset_in: int = 0  # seconds until the effective window ends (``t``)
    now: float = 0.0

    def headers(self, *, legacy: bool = False) -> list[tuple[str, str]]:
        name = self.budget.policy
        out = [("RateLimit-Policy", f'"{name}";q={self.budget.quota};w={self.budget.window}')]
        if self.remaining is None:
            return out
        out.append(("RateLimit", f'"{name}";r={self.remaining};t={self.reset_in}'))
        if legacy:
            out += [
                ("X-RateLimit-Limit", str(self.budget.quota)),
                ("X-RateLimit-Remaining", str(self.remaining)),
                ("X-RateLimit-Reset", str(math.ceil(self.now + self.reset_in))),
            ]
        return out


class PlanDirectory:
    """Tenant id -> plan name, cached per process for ``ttl`` seconds; thread-safe.

    No stored plan (or one the spec does not list) means the default plan.
    """

    def __init__(
        self,
        lookup: PlanLookup | None,
        plans: frozenset[str],
        default: str,
        *,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lookup = lookup
        self.plans = plans
        self.default = default
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[uuid.UUID, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def cached(self, tenant_id: uuid.UUID) -> str | None:
        if self.lookup is None:
            return self.default
        with self._lock:
            hit = self._cache.get(tenant_id)
        if hit is not None and hit[0] > self.clock():
            return hit[1]
        return None

    def plan(self, tenant_id: uuid.UUID) -> str:
        """The tenant's plan (reads the database on a cache miss)."""
        found = self.cached(tenant_id)
        if found is not None:
            return found
        assert self.lookup is not None
        stored = self.lookup(tenant_id)
        plan = stored if stored in self.plans else self.default
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[tenant_id] = (self.clock() + self.ttl, plan)
        return plan

    def invalidate(self, tenant_id: uuid.UUID | None = None) -> None:
        """Forget one tenant's plan (all tenants' with None); the next request reads it again."""
        with self._lock:
            if tenant_id is None:
                self._cache.clear()
            else:
                self._cache.pop(tenant_id, None)


@dataclass
class RateLimiter:
    """The limiter of one service process; ``app.state.rate_limiter``."""

    config: RateLimitConfig
    plans: PlanDirectory
    storage: Storage
    legacy_headers: bool = False
    clock: Callable[[], float] = time.time
    budgets: dict[tuple[str, str], Budget] = field(init=False)
    limiter: strategies.RateLimiter = field(init=False)
    _last_warning: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        if self.config.strategy not in STRATEGIES:
            raise ValueError(f"unknown rate limit strategy {self.config.strategy!r}")
        self.limiter = STRATEGIES[self.config.strategy](self.storage)
        self.budgets = {}
        for plan, limits in self.config.plans.items():
            for cls, text in limits.items():
                policy = plan if cls == "all" else f"{plan}-{cls}"
                self.budgets[(plan, cls)] = Budget(policy, parse(text))

    def budget(self, plan: str, method: str) -> Budget:
        shared = self.budgets.get((plan, "all"))
        if shared is not None:
            return shared
        return self.budgets[(plan, "read" if method in READ_METHODS else "write")]

    def identifiers(self, budget: Budget, tenant_id: uuid.UUID, subject: str) -> tuple[str, ...]:
        ids = (budget.policy, str(tenant_id))
        return (*ids, subject) if self.config.key == "principal" else ids

    async def hit(self, tenant_id: uuid.UUID, subject: str, method: str) -> Outcome:
        """Count one request; raises 429 over the limit, 503 when storage fails and the spec
        says ``deny``."""
        plan = self.plans.cached(tenant_id)
        if plan is None:
            plan = await run_in_threadpool(self.plans.plan, tenant_id)
        budget = self.budget(plan, method)
        ids = self.identifiers(budget, tenant_id, subject)
        try:
            allowed = await self.limiter.hit(budget.item, *ids)
            stats = await self.limiter.get_window_stats(budget.item, *ids)
        except (StorageError, OSError, TimeoutError) as exc:
            return self._storage_failed(budget, exc)
        now = self.clock()
        reset_in = min(budget.window, max(1, math.ceil(stats.reset_time - now)))
        outcome = Outcome(budget, stats.remaining if allowed else 0, reset_in, now)
        if not allowed:
            # not before the end of the effective window; jitter spreads the retries.
            retry_after = reset_in + random.randint(0, max(0, min(5, budget.window // 10)))
            raise RateLimited(outcome, retry_after)
        return outcome

    def _storage_failed(self, budget: Budget, exc: Exception) -> Outcome:
        now = self.clock()
        if now - self._last_warning > 60:
            self._last_warning = now
            log.warning("rate limit storage failed (%s): %s", self.config.on_storage_error, exc)
        if self.config.on_storage_error == "deny":
            raise Problem(
                "service-unavailable",
                "Rate limiting is unavailable; retry shortly.",
                headers={"Retry-After": "5"},
            )
        return Outcome(budget, None, 0, now)


class RateLimited(Problem):
    def __init__(self, outcome: Outcome, retry_after: int) -> None:
        policy = outcome.budget.policy
        super().__init__(
            "quota-exceeded",
            f"The rate limit of policy '{policy}' is used up; retry after {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
            **{"violated-policies": [policy]},
        )
        self.outcome = outcome


def make_storage(redis_url: str | None) -> Storage:
    """Redis when ``REDIS_URL`` is set (shared by every process), else process memory."""
    if not redis_url:
        storage: Any = storage_from_string("async+memory://")
    else:
        storage = storage_from_string(
            "async+" + redis_url,
            implementation="redispy",
            wrap_exceptions=True,
            key_prefix="ratelimit",
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
    assert isinstance(storage, Storage)
    return storage


async def enforce(request: Request, tenant_id: uuid.UUID, subject: str) -> None:
    """Count the request against the caller's budget (no-op when the service has no limits).

    Called by every resource route after authentication (``Authorize``); the outcome goes to
    ``request.state`` for :class:`RateLimitHeaders`.
    """
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None or STATE_KEY in request.scope.get("state", {}):
        return
    try:
        outcome = await limiter.hit(tenant_id, subject, request.method)
    except RateLimited as exc:
        setattr(request.state, STATE_KEY, exc.outcome)
        raise
    setattr(request.state, STATE_KEY, outcome)


class RateLimitHeaders:
    """ASGI middleware: adds the RateLimit fields of the request's outcome to its response,
    whatever the status (success, problem, 429)."""

    def __init__(self, app: ASGIApp, *, legacy: bool = False) -> None:
        self.app = app
        self.legacy = legacy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome = scope.get("state", {}).get(STATE_KEY)
                if isinstance(outcome, Outcome):
                    raw = list(message.get("headers", []))
                    raw += [
                        (k.lower().encode("latin-1"), v.encode("latin-1"))
                        for k, v in outcome.headers(legacy=self.legacy)
                    ]
                    message = {**message, "headers": raw}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- the plan, read from the spec's ``plan_field`` ------------------------------------------
def plan_lookup(
    session_factory: Any,
    open_session: Callable[[Any, uuid.UUID], Session],
    model: Any,
    column: str,
) -> PlanLookup:
    """``lookup(tenant_id)``: the plan of the tenant's newest ``model`` row, or None."""
    from sqlalchemy import select

    def lookup(tenant_id: uuid.UUID) -> str | None:
        with open_session(session_factory, tenant_id) as session:
            statement = (
                select(getattr(model, column))
                .order_by(model.created_at.desc(), model.id.desc())
                .limit(1)
            )
            if not hasattr(model, "tenant_id"):  # the plan is a field of the tenant itself
                statement = statement.where(model.id == tenant_id)
            value = session.scalar(statement)
        return None if value is None else str(value)

    return lookup


_CHANGED = "rate_limit_plan_changed"


def _mark_changed(mapper: Any, connection: Any, target: Any) -> None:
    session = object_session(target)
    if session is not None:
        tenant_id = getattr(target, "tenant_id", None) or target.id  # the tenant entity: its id
        session.info.setdefault(_CHANGED, set()).add(tenant_id)


def watch_plan_changes(model: Any, session_factory: Any, plans: PlanDirectory) -> None:
    """Invalidate a tenant's cached plan when a session of ``session_factory`` commits a
    change to ``model`` (the plan entity) in this process. Other processes see the change
    within the cache's ``ttl``, or at once when the writer calls :func:`invalidate_plan`
    through a shared channel."""
    for name in ("after_insert", "after_update", "after_delete"):
        if not event.contains(model, name, _mark_changed):
            event.listen(model, name, _mark_changed)

    def after_commit(session: Session) -> None:
        for tenant_id in session.info.pop(_CHANGED, ()):
            plans.invalidate(tenant_id)

    def after_rollback(session: Session) -> None:
        session.info.pop(_CHANGED, None)

    event.listen(session_factory, "after_commit", after_commit)
    event.listen(session_factory, "after_rollback", after_rollback)


def invalidate_plan(app: Any, tenant_id: uuid.UUID | None = None) -> None:
    """Forget a tenant's cached plan (all tenants' with None): call after changing a plan
    outside this process's ORM sessions (billing webhooks, operator scripts)."""
    limiter: RateLimiter | None = getattr(app.state, "rate_limiter", None)
    if limiter is not None:
        limiter.plans.invalidate(tenant_id)


def install(
    app: Any,
    config: RateLimitConfig | None,
    *,
    redis_url: str | None,
    legacy_headers: bool,
    open_session: Callable[[Any, uuid.UUID], Session],
    plan_model: Any = None,
    plan_column: str = "plan",
) -> None:
    """Set ``app.state.rate_limiter`` (None without limits) and add the header middleware.

    ``plan_model`` is the entity of the spec's ``plan_field`` (None: every tenant is on the
    default plan); ``app.state.session_factory`` must be set.
    """
    if config is None:
        app.state.rate_limiter = None
        return
    factory = app.state.session_factory
    lookup = None
    if plan_model is not None:
        lookup = plan_lookup(factory, open_session, plan_model, plan_column)
    plans = PlanDirectory(lookup, frozenset(config.plans), config.default_plan)
    if plan_model is not None:
        watch_plan_changes(plan_model, factory, plans)
    app.state.rate_limiter = RateLimiter(config, plans, make_storage(redis_url), legacy_headers)
    app.add_middleware(RateLimitHeaders, legacy=legacy_headers)
