"""Billing that the payment provider drives (saas-standards B-01..B-14).

The spec's ``billing:`` section reaches this module as a :class:`BillingConfig` (built by the
service's generated ``billing.py``); nothing here knows a spec. Four things:

- **Incoming webhooks** (``POST /webhooks/<provider>``): the signature is checked over the raw
  body with the ``stripe`` library (300 s tolerance, secret from ``STRIPE_WEBHOOK_SECRET``); a bad
  one is a 400 problem with no effect. The event is stored by id (``UNIQUE (tenant_id,
  event_id)``) in the same transaction as its effect, so a redelivery is a 2xx no-op, and it is
  applied only if it is not older than the newest event already received for the same
  subscription (B-13: the provider does not keep order).
  :func:`decide` maps an event onto the state machine, purely from the config's tables.
- **Entitlements**: :class:`EntitlementGate`, a route dependency, answers 402 when the tenant's
  subscription state grants no access (writes; reads too unless ``reads_without_access``) or
  the plan lacks the feature a resource needs.
- **Quotas**: a ``before_flush`` listener counts the live rows of each limited entity in the
  writing transaction, after locking the tenant's row (PostgreSQL ``FOR UPDATE``), so concurrent
  creates at the limit cannot overshoot.
- **Change notification**: :meth:`Billing.on_change` registers callables run with the tenant
  id after a webhook changed its subscription (the entitlement cache is forgotten first); a
  per-plan rate-limit cache subscribes here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .auth import Principal, authenticate
from .problems import Problem

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Outcomes recorded on the stored event (and returned to the provider).
APPLIED = "applied"
DUPLICATE = "duplicate"
STALE = "stale"
INVALID_TRANSITION = "invalid-transition"
UNKNOWN_STATUS = "unknown-status"
UNKNOWN_SUBSCRIPTION = "unknown-subscription"
IGNORED = "ignored"

OpenSession = Callable[[Any, uuid.UUID], Session]
# run(session, principal, obj, transition name): the machine's transition function.
RunTransition = Callable[[Session, Principal, Any, str], None]


@dataclass(frozen=True, slots=True)
class EventRule:
    """What one provider event type does: its object kind, and a fixed target state or none
    (then the object's provider status, mapped through ``statuses``, is the target)."""

    source: str = "subscription"
    to: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectPaths:
    """Dotted paths in a provider object: the subscription id, the tenant id, the status."""

    id: str
    tenant: str
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    features: frozenset[str] = frozenset()
    # entity -> the most live rows a tenant on the plan may hold
    quotas: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BillingConfig:
    provider: str
    subscription_model: type[Any]
    event_model: type[Any]
    tenant_model: type[Any]
    record_model: type[Any]  # TransitionRecord: when the subscription entered its state
    entity: str
    state_field: str
    id_field: str
    plan_field: str | None
    initial: str
    terminal: frozenset[str]
    objects: Mapping[str, ObjectPaths]
    statuses: Mapping[str, str]
    events: Mapping[str, EventRule]
    # entity field -> (dotted path in the subscription object, kind: datetime|money|int|str)
    fields: Mapping[str, tuple[str, str]]
    # (from state, to state) -> the `by: provider` transition that makes the move
    transitions: Mapping[tuple[str, str], str]
    run_transition: RunTransition
    # state -> (granted|denied|grace, grace days)
    access: Mapping[str, tuple[str, int]]
    default_plan: str | None = None
    plans: Mapping[str, Plan] = field(default_factory=dict)
    # API base path (e.g. /v1/data-sources) -> the feature it needs
    features: Mapping[str, str] = field(default_factory=dict)
    # entity -> model class, for the entities some plan limits
    quota_models: Mapping[str, type[Any]] = field(default_factory=dict)
    reads_without_access: bool = True
    # API base paths the gate leaves alone (the subscription resource itself)
    exempt_paths: frozenset[str] = frozenset()


# -- pure decisions ----------------------------------------------------------------------------


def dig(obj: Any, path: str) -> Any:
    """The value at a dotted path (``items.data.0.price.lookup_key``), or None."""
    node = obj
    for part in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: str
    target: str | None = None
    transition: str | None = None


def decide(
    current: str,
    rule: EventRule,
    obj: Mapping[str, Any],
    paths: ObjectPaths,
    statuses: Mapping[str, str],
    transitions: Mapping[tuple[str, str], str],
) -> Decision:
    """What an event does to a subscription in state ``current``, from the spec's tables.

    The target is the rule's fixed state, else the object's provider status mapped through
    ``statuses`` (an unmapped status is refused: B-14). Staying in the same state is applied
    (the provider fields still update); a move no ``by: provider`` transition makes is refused
    and leaves the state unchanged (B-02).
    """
    target = rule.to
    if target is None:
        status = dig(obj, paths.status) if paths.status else None
        target = statuses.get(status) if isinstance(status, str) else None
        if target is None:
            return Decision(UNKNOWN_STATUS)
    if target == current:
        return Decision(APPLIED, target)
    transition = transitions.get((current, target))
    if transition is None:
        return Decision(INVALID_TRANSITION, target)
    return Decision(APPLIED, target, transition)


def grants_access(access: str, grace_days: int, entered: dt.datetime, now: dt.datetime) -> bool:
    """Entitlement of a state (B-05): ``grace`` keeps access for ``grace_days`` after entering
    the state (the first instant past the period has none)."""
    if access != "grace":
        return access == "granted"
    if entered.tzinfo is None:
        entered = entered.replace(tzinfo=dt.UTC)
    return now < entered + dt.timedelta(days=grace_days)


def provider_value(kind: str, raw: Any) -> Any:
    """A provider value as the entity stores it: Unix seconds -> datetime, cents -> Decimal,
    an enum value only if it is one of ``enum:a|b|c`` (else None: the field keeps its value)."""
    if raw is None:
        return None
    if kind == "datetime" and isinstance(raw, int | float) and not isinstance(raw, bool):
        return dt.datetime.fromtimestamp(raw, tz=dt.UTC)
    if kind == "money" and isinstance(raw, int) and not isinstance(raw, bool):
        return (Decimal(raw) / 100).quantize(Decimal("0.01"))
    if kind == "int" and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if kind == "str" and isinstance(raw, str):
        return raw
    if kind.startswith("enum:") and isinstance(raw, str) and raw in kind[5:].split("|"):
        return raw
    return None


# -- signatures --------------------------------------------------------------------------------


def verify_stripe(payload: bytes, header: str | None, secret: str) -> None:
    """Raise a 400 problem unless ``header`` is a valid ``Stripe-Signature`` of ``payload``."""
    import stripe

    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), header or "", secret, SIGNATURE_TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
        raise Problem(
            "invalid-signature", "The `Stripe-Signature` header does not sign this body."
        ) from None


def sign_stripe(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload`` (what Stripe sends): test events."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


# -- the service's billing state ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entitlement:
    status: str | None
    plan: str | None
    access: bool
    features: frozenset[str]
    quotas: Mapping[str, int]


class Billing:
    """The billing state of one app: config, sessions, the entitlement cache, listeners."""

    def __init__(
        self,
        config: BillingConfig,
        session_factory: Any,
        open_session: OpenSession,
        *,
        secret: str | None,
        cache_seconds: float = 5.0,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.config = config
        self.session_factory = session_factory
        self.open_session = open_session
        self.secret = secret
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._cache: dict[uuid.UUID, tuple[float, Entitlement]] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[uuid.UUID], None]] = []

    # change notification -----------------------------------------------------------------
    def on_change(self, listener: Callable[[uuid.UUID], None]) -> None:
        """Run ``listener(tenant_id)`` after a provider event changed the tenant's
        subscription (status, plan or any provider field): e.g. a per-plan rate-limit cache's
        ``forget``."""
        self._listeners.append(listener)

    def changed(self, tenant_id: uuid.UUID) -> None:
        self.forget(tenant_id)
        for listener in self._listeners:
            try:
                listener(tenant_id)
            except Exception:  # one listener must not keep the others from running
                logger.exception("billing change listener failed")

    def forget(self, tenant_id: uuid.UUID) -> None:
        with self._lock:
            self._cache.pop(tenant_id, None)

    # entitlements ------------------------------------------------------------------------
    def current_subscription(self, session: Session) -> Any | None:
        """The tenant's subscription: its newest live one, else its newest one."""
        model = self.config.subscription_model
        state = getattr(model, self.config.state_field)
        ended = sa.case((state.in_(sorted(self.config.terminal)), 1), else_=0)
        return session.scalars(
            sa.select(model).order_by(ended, model.created_at.desc(), model.id).limit(1)
        ).first()

    def entered_at(self, session: Session, obj: Any) -> dt.datetime:
        record = self.config.record_model
        found = session.scalar(
            sa.select(record.occurred_at)
            .where(
                record.entity == self.config.entity,
                record.entity_id == obj.id,
                record.to_state == getattr(obj, self.config.state_field),
            )
            .order_by(record.occurred_at.desc())
            .limit(1)
        )
        entered: dt.datetime = found or obj.updated_at
        return entered

    def compute(self, session: Session) -> Entitlement:
        """The tenant's entitlement now, from its subscription's state and plan (B-05)."""
        cfg = self.config
        obj = self.current_subscription(session)
        if obj is None:
            plan_name = cfg.default_plan
            status = None
            access = plan_name is not None
        else:
            status = getattr(obj, cfg.state_field)
            plan_name = getattr(obj, cfg.plan_field) if cfg.plan_field else cfg.default_plan
            kind, days = cfg.access.get(status, ("denied", 0))
            entered = self.entered_at(session, obj) if kind == "grace" else self.clock()
            access = grants_access(kind, days, entered, self.clock())
        plan = cfg.plans.get(plan_name or "", Plan())
        return Entitlement(status, plan_name, access, plan.features, plan.quotas)

    def entitlement(self, tenant_id: uuid.UUID) -> Entitlement:
        """:meth:`compute`, cached per tenant for ``cache_seconds`` (forgotten on change)."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(tenant_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        session = self.open_session(self.session_factory, tenant_id)
        try:
            value = self.compute(session)
        finally:
            session.close()
        if self.cache_seconds > 0:
            with self._lock:
                self._cache[tenant_id] = (now + self.cache_seconds, value)
        return value

    def feature_for(self, path: str) -> str | None:
        """The feature of the longest base path ``path`` is under: a nested route
        (``/v1/tasks/{task_id}/comments``) takes its own resource's feature, else its
        parent's."""
        found = [
            (len(base), feature)
            for base, feature in self.config.features.items()
            if path == base or path.startswith(base + "/")
        ]
        return max(found)[1] if found else None

    def exempt(self, path: str) -> bool:
        return any(path == b or path.startswith(b + "/") for b in self.config.exempt_paths)

    # quotas --------------------------------------------------------------------------------
    def usage(self, session: Session) -> dict[str, int]:
        return {
            name: self._count(session, model) for name, model in self.config.quota_models.items()
        }

    def _count(self, session: Session, model: type[Any]) -> int:
        # count(model.id): the statement names the entity, so the tenant filter applies
        statement = sa.select(sa.func.count(model.id))
        deleted = getattr(model, "deleted_at", None)
        if deleted is not None:
            statement = statement.where(deleted.is_(None))
        return int(session.scalar(statement) or 0)

    def check_quotas(self, session: Session, flush_context: Any, instances: Any) -> None:
        """``before_flush``: refuse new rows past the plan's quota, counted in this transaction
        after locking the tenant's row, so concurrent creates serialize (PostgreSQL)."""
        cfg = self.config
        if not cfg.quota_models:
            return
        adding: dict[str, int] = {}
        by_class = {model: name for name, model in cfg.quota_models.items()}
        for obj in session.new:
            name = by_class.get(type(obj))
            if name is not None:
                adding[name] = adding.get(name, 0) + 1
        if not adding:
            return
        tenant_id = session.info.get("tenant_id")
        if tenant_id is None:
            return  # operator sessions are not metered
        tenant = cfg.tenant_model
        session.execute(sa.select(tenant.id).where(tenant.id == tenant_id).with_for_update())
        entitlement = self.compute(session)
        for name, count in sorted(adding.items()):
            limit = entitlement.quotas.get(name)
            if limit is None:
                continue
            used = self._count(session, cfg.quota_models[name])
            if used + count > limit:
                raise Problem(
                    "plan-limit-reached",
                    f"The {entitlement.plan} plan allows {limit} {name.replace('_', ' ')} "
                    f"objects; {used} exist. Upgrade the plan or delete some.",
                    quota=name,
                    limit=limit,
                    used=used,
                    plan=entitlement.plan,
                )

    # webhooks ------------------------------------------------------------------------------
    def handle(self, payload: bytes, header: str | None) -> dict[str, Any]:
        """Verify, parse and apply one provider event; the answer's body (2xx)."""
        if not self.secret:
            raise Problem(
                "invalid-signature", "Webhooks are off: STRIPE_WEBHOOK_SECRET is not set."
            )
        verify_stripe(payload, header, self.secret)
        try:
            event = json.loads(payload)
        except ValueError:
            raise Problem("bad-request", "The event is not JSON.") from None
        event_id, etype = _get(event, "id"), _get(event, "type")
        created, obj = _get(event, "created"), dig(event, "data.object")
        if not (
            isinstance(event_id, str)
            and isinstance(etype, str)
            and isinstance(created, int)
            and isinstance(obj, Mapping)
        ):
            raise Problem("bad-request", "The event lacks `id`, `type`, `created` or data.object.")
        rule = self.config.events.get(etype)
        paths = self.config.objects.get(rule.source) if rule else None
        if rule is None or paths is None:
            return {"id": event_id, "outcome": IGNORED}
        object_id, raw_tenant = dig(obj, paths.id), dig(obj, paths.tenant)
        try:
            tenant_id = uuid.UUID(str(raw_tenant))
        except ValueError:
            logger.warning("billing event %s names no tenant; ignored", event_id)
            return {"id": event_id, "outcome": IGNORED}
        if not isinstance(object_id, str):
            return {"id": event_id, "outcome": IGNORED}
        outcome = self.apply(tenant_id, event_id, etype, created, rule, paths, object_id, obj)
        return {"id": event_id, "outcome": outcome}

    def apply(
        self,
        tenant_id: uuid.UUID,
        event_id: str,
        etype: str,
        created: int,
        rule: EventRule,
        paths: ObjectPaths,
        object_id: str,
        obj: Mapping[str, Any],
    ) -> str:
        """Store the event and apply it, in one transaction (B-13)."""
        cfg = self.config
        when = dt.datetime.fromtimestamp(created, tz=dt.UTC)
        session = self.open_session(self.session_factory, tenant_id)
        try:
            tenant = cfg.tenant_model
            if session.scalar(sa.select(tenant.id).where(tenant.id == tenant_id)) is None:
                logger.warning("billing event %s names an unknown tenant; ignored", event_id)
                return IGNORED
            record = cfg.event_model(
                event_id=event_id,
                event_type=etype,
                object_id=object_id,
                provider_created=when,
                outcome=APPLIED,
            )
            session.add(record)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                return DUPLICATE
            model = cfg.subscription_model
            sub = session.scalars(
                sa.select(model).where(getattr(model, cfg.id_field) == object_id).with_for_update()
            ).first()
            event_model = cfg.event_model
            newest = session.scalar(
                sa.select(sa.func.max(event_model.provider_created)).where(
                    event_model.object_id == object_id,
                    event_model.outcome != STALE,
                    event_model.id != record.id,
                )
            )
            if newest is not None and _utc(newest) > when:
                record.outcome = STALE
            elif sub is None and rule.source != "subscription":
                record.outcome = UNKNOWN_SUBSCRIPTION
            else:
                record.outcome = self._apply_to(
                    session, tenant_id, sub, rule, paths, object_id, obj
                )
            session.commit()
            outcome: str = record.outcome
        except IntegrityError:
            session.rollback()
            logger.exception("billing event %s conflicts with stored data; rejected", event_id)
            return "rejected"
        finally:
            session.close()
        if outcome == APPLIED:
            self.changed(tenant_id)
        return outcome

    def _apply_to(
        self,
        session: Session,
        tenant_id: uuid.UUID,
        sub: Any | None,
        rule: EventRule,
        paths: ObjectPaths,
        object_id: str,
        obj: Mapping[str, Any],
    ) -> str:
        cfg = self.config
        if sub is None:
            sub = cfg.subscription_model()
            setattr(sub, cfg.id_field, object_id)
            setattr(sub, cfg.state_field, cfg.initial)
            session.add(sub)
            self._copy_fields(sub, obj)
            session.flush()
        current = getattr(sub, cfg.state_field)
        decision = decide(current, rule, obj, paths, cfg.statuses, cfg.transitions)
        if decision.outcome != APPLIED:
            return decision.outcome
        if rule.source == "subscription":
            self._copy_fields(sub, obj)
        if decision.transition is not None:
            actor = Principal(f"provider:{cfg.provider}", tenant_id, frozenset())
            cfg.run_transition(session, actor, sub, decision.transition)
        return APPLIED

    def _copy_fields(self, sub: Any, obj: Mapping[str, Any]) -> None:
        for name, (path, kind) in self.config.fields.items():
            value = provider_value(kind, dig(obj, path))
            if value is not None:
                setattr(sub, name, value)


def _get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, Mapping) else None


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# -- HTTP --------------------------------------------------------------------------------------


class EntitlementGate:
    """Route dependency: 402 when the tenant's subscription grants no access to the request.

    Writes need access; reads need it only without ``reads_without_access``; a resource tied to
    a feature needs a plan that grants it. Paths of the subscription resource are exempt (a
    tenant can always see why it is locked out).
    """

    async def __call__(
        self, request: Request, principal: Principal = Depends(authenticate)
    ) -> None:
        billing: Billing = request.app.state.billing
        route = request.scope.get("route")
        path = getattr(route, "path", request.url.path)
        if billing.exempt(path):
            return
        write = request.method not in SAFE_METHODS
        feature = billing.feature_for(path)
        if not write and feature is None and billing.config.reads_without_access:
            return  # no database work on reads the subscription cannot close
        entitlement = await run_in_threadpool(billing.entitlement, principal.tenant_id)
        if not entitlement.access and (write or not billing.config.reads_without_access):
            state = entitlement.status or "missing"
            raise Problem(
                "payment-required",
                f"The subscription is `{state}`: this needs an active subscription.",
                reason="subscription",
                subscription_status=entitlement.status,
            )
        if feature is not None and feature not in entitlement.features:
            raise Problem(
                "payment-required",
                f"The {entitlement.plan} plan does not include `{feature}`.",
                reason="feature",
                feature=feature,
                plan=entitlement.plan,
            )


def routers(billing: Billing, base_path: str, authorize: Any) -> list[APIRouter]:
    """``POST /webhooks/<provider>`` (signed, no bearer token) and ``GET <base>/usage``
    (``authorize``: the service's ``Authorize`` dependency for it)."""
    hooks = APIRouter(tags=["billing"])

    @hooks.post(f"/webhooks/{billing.config.provider}", operation_id="receive_provider_event")
    async def receive_provider_event(request: Request) -> JSONResponse:
        payload = await request.body()
        header = request.headers.get("stripe-signature")
        body = await run_in_threadpool(billing.handle, payload, header)
        return JSONResponse(body)

    # Authenticated by the signature over the body, not by a bearer token.
    receive_provider_event.authenticated_by_signature = True  # type: ignore[attr-defined]

    usage = APIRouter(prefix=base_path, tags=["billing"])

    @usage.get("/usage", operation_id="read_usage")
    async def read_usage(principal: Principal = Depends(authorize)) -> JSONResponse:
        def collect() -> dict[str, Any]:
            session = billing.open_session(billing.session_factory, principal.tenant_id)
            try:
                ent = billing.compute(session)
                used = billing.usage(session)
            finally:
                session.close()
            return {
                "object": "usage",
                "plan": ent.plan,
                "status": ent.status,
                "access": ent.access,
                "features": sorted(ent.features),
                "quotas": {
                    name: {"used": used[name], "limit": ent.quotas.get(name)}
                    for name in sorted(used)
                },
            }

        return JSONResponse(await run_in_threadpool(collect))

    return [hooks, usage]


def install(
    app: Any,
    config: BillingConfig,
    open_session: OpenSession,
    *,
    secret: str | None,
    cache_seconds: float,
    base_path: str,
    authorize: Any,
) -> list[Any]:
    """Wire billing into ``app``: ``app.state.billing``, the quota listener, the webhook and
    usage routes. Returns the dependencies every resource router is included with."""
    billing = Billing(
        config,
        app.state.session_factory,
        open_session,
        secret=secret,
        cache_seconds=cache_seconds,
    )
    app.state.billing = billing
    sa.event.listen(app.state.session_factory, "before_flush", billing.check_quotas)
    for router in routers(billing, base_path, authorize):
        app.include_router(router)
    return [Depends(EntitlementGate())]


# -- development: signed test events (what the provider's CLI would send) ------------------------


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def build_test_event(
    config: BillingConfig,
    event_type: str,
    *,
    tenant_id: uuid.UUID,
    subscription_id: str,
    status: str | None = None,
    plan: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """An event of ``event_type`` shaped by the spec's paths (``objects``, ``fields``)."""
    rule = config.events.get(event_type)
    if rule is None:
        raise ValueError(
            f"the spec maps no event {event_type!r}; known: {', '.join(sorted(config.events))}"
        )
    paths = config.objects[rule.source]
    obj: dict[str, Any] = {"object": rule.source}
    _put(obj, paths.id, subscription_id)
    _put(obj, paths.tenant, str(tenant_id))
    if paths.status and status is not None:
        _put(obj, paths.status, status)
    if plan is not None and config.plan_field is not None and config.plan_field in config.fields:
        _put(obj, config.fields[config.plan_field][0], plan)
    return {
        "id": f"evt_test_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "data": {"object": obj},
    }


def send_test_event(url: str, event: Mapping[str, Any], secret: str) -> tuple[int, str]:
    """POST ``event`` to ``url`` signed with ``secret``; (status, body) of the answer."""
    import urllib.error
    import urllib.request

    payload = json.dumps(event).encode()
    request = urllib.request.Request(
        url,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign_stripe(payload, secret),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def add_commands(commands: Any, config: BillingConfig) -> None:
    """``<svc> billing send-test-event TYPE --tenant ID --subscription ID [--status S]
    [--plan P] [--created UNIX] [--url URL]``: secret from ``STRIPE_WEBHOOK_SECRET``."""
    import os

    billing = commands.add_parser("billing", help="billing tools (development)")
    tools = billing.add_subparsers(dest="billing_command", required=True)
    send = tools.add_parser(
        "send-test-event", help="post a signed provider test event to the local service"
    )
    send.add_argument("type", choices=sorted(config.events), help="event type")
    send.add_argument("--tenant", required=True, help="tenant id")
    send.add_argument("--subscription", required=True, help="the provider's subscription id")
    send.add_argument("--status", help="the provider status the object carries")
    send.add_argument("--plan", help="the plan the object carries")
    send.add_argument("--created", type=int, help="event time, Unix seconds (default now)")
    send.add_argument("--url", default=f"http://127.0.0.1:8000/webhooks/{config.provider}")

    def run(args: Any) -> int:
        secret = os.environ.get("STRIPE_WEBHOOK_SECRET") or ""
        if not secret:
            raise ValueError("set STRIPE_WEBHOOK_SECRET to the service's webhook secret")
        event = build_test_event(
            config,
            args.type,
            tenant_id=uuid.UUID(args.tenant),
            subscription_id=args.subscription,
            status=args.status,
            plan=args.plan,
            created=args.created,
        )
        status, body = send_test_event(args.url, event, secret)
        print(f"{status} {body}")
        return 0 if 200 <= status < 300 else 1

    send.set_defaults(run=run)
