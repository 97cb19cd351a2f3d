"""runtime.billing: the event -> transition table (every (status, event) pair of Stripe's
subscription machine, saas-standards B-02), grace periods with a frozen clock (B-05), signatures
(B-12), storing and ordering of events (B-13), quotas and change notification."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from specfoundry.runtime import billing as rb
from specfoundry.runtime.problems import Problem

STATES = (
    "incomplete",
    "incomplete_expired",
    "trialing",
    "active",
    "past_due",
    "unpaid",
    "paused",
    "canceled",
)
# B-02: the moves Stripe makes, and no others (the analytics example's `by: provider` machine).
ALLOWED = {
    "incomplete": {"active", "incomplete_expired", "trialing"},
    "incomplete_expired": set(),
    "trialing": {"active", "past_due", "paused", "canceled"},
    "active": {"past_due", "canceled"},
    "past_due": {"active", "canceled", "unpaid"},
    "unpaid": {"active", "canceled"},
    "paused": {"active", "canceled"},
    "canceled": set(),
}
NAMES = {"active": "activate", "canceled": "cancel", "past_due": "payment_failed"}
NAMES |= {"unpaid": "mark_unpaid", "paused": "pause", "trialing": "start_trial"}
NAMES |= {"incomplete_expired": "expire"}
TRANSITIONS = {(a, z): NAMES[z] for a, targets in ALLOWED.items() for z in targets}
STATUSES = {s: s for s in STATES}
SUB_PATHS = rb.ObjectPaths("id", "metadata.tenant_id", "status")
INVOICE_PATHS = rb.ObjectPaths(
    "parent.subscription_details.subscription", "parent.subscription_details.metadata.tenant_id"
)
EVENTS = {
    "customer.subscription.updated": rb.EventRule("subscription"),
    "customer.subscription.deleted": rb.EventRule("subscription", "canceled"),
    "customer.subscription.paused": rb.EventRule("subscription", "paused"),
    "customer.subscription.resumed": rb.EventRule("subscription", "active"),
    "invoice.paid": rb.EventRule("invoice", "active"),
    "invoice.payment_failed": rb.EventRule("invoice", "past_due"),
}
# Every (state, event) pair; `updated` once per status it can carry.
PAIRS = [
    (state, etype, status)
    for state in STATES
    for etype in EVENTS
    for status in (STATES if EVENTS[etype].to is None else (None,))
]


@pytest.mark.parametrize(("state", "etype", "status"), PAIRS)
def test_every_state_event_pair_follows_the_machine(
    state: str, etype: str, status: str | None
) -> None:
    rule = EVENTS[etype]
    paths = SUB_PATHS if rule.source == "subscription" else INVOICE_PATHS
    obj = {"id": "sub_1", "status": status} if status else {}
    decision = rb.decide(state, rule, obj, paths, STATUSES, TRANSITIONS)
    target = rule.to or status
    if target == state:
        assert decision == rb.Decision(rb.APPLIED, target)
    elif target in ALLOWED[state]:
        assert decision == rb.Decision(rb.APPLIED, target, NAMES[target])
    else:
        assert decision == rb.Decision(rb.INVALID_TRANSITION, target)


@pytest.mark.parametrize("status", ["future", None, 3, "ACTIVE"])
def test_an_unmapped_provider_status_is_refused(status: object) -> None:
    decision = rb.decide(
        "active", EVENTS["customer.subscription.updated"], {"status": status}, SUB_PATHS,
        STATUSES, TRANSITIONS,
    )  # fmt: skip
    assert decision.outcome == rb.UNKNOWN_STATUS


def test_another_provider_is_a_mapping() -> None:
    """B-14: Chargebee's statuses onto the canonical machine, through `statuses` alone."""
    chargebee = {"future": "incomplete", "in_trial": "trialing", "active": "active"}
    chargebee |= {"non_renewing": "active", "paused": "paused", "cancelled": "canceled"}
    chargebee |= {"transferred": "canceled"}
    rule = rb.EventRule("subscription")
    for status, state in chargebee.items():
        decision = rb.decide(
            "trialing", rule, {"status": status}, SUB_PATHS, chargebee, TRANSITIONS
        )
        assert decision.target == state


ENTERED = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("access", "now", "expected"),
    [
        ("granted", ENTERED + dt.timedelta(days=400), True),
        ("denied", ENTERED, False),
        ("grace", ENTERED, True),
        ("grace", ENTERED + dt.timedelta(days=7, microseconds=-1), True),
        ("grace", ENTERED + dt.timedelta(days=7), False),
        ("grace", ENTERED + dt.timedelta(days=30), False),
    ],
)
def test_grace_period_edges_with_a_frozen_clock(
    access: str, now: dt.datetime, expected: bool
) -> None:
    assert rb.grants_access(access, 7, ENTERED, now) is expected
    naive = ENTERED.replace(tzinfo=None)  # SQLite gives naive UTC datetimes back
    assert rb.grants_access(access, 7, naive, now) is expected


def test_provider_values_and_paths() -> None:
    obj = {"items": {"data": [{"price": {"lookup_key": "team", "unit_amount": 4900}}]}}
    assert rb.dig(obj, "items.data.0.price.lookup_key") == "team"
    assert rb.dig(obj, "items.data.5.price") is None
    assert rb.provider_value("money", 4900) == rb.Decimal("49.00")
    assert rb.provider_value("datetime", 0) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert rb.provider_value("enum:free|team", "team") == "team"
    assert rb.provider_value("enum:free|team", "platinum") is None
    assert rb.provider_value("int", True) is None


SECRET = "whsec_test"


def test_signatures_are_verified_over_the_raw_body() -> None:
    body = b'{"id": "evt_1"}'
    rb.verify_stripe(body, rb.sign_stripe(body, SECRET), SECRET)
    bad = [
        (body + b" ", rb.sign_stripe(body, SECRET)),
        (body, rb.sign_stripe(body, SECRET, int(time.time()) - 301)),
        (body, rb.sign_stripe(body, "whsec_other")),
        (body, None),
        (b"\xff", rb.sign_stripe(b"\xff", SECRET)),
    ]
    for payload, header in bad:
        with pytest.raises(Problem) as caught:
            rb.verify_stripe(payload, header, SECRET)
        assert caught.value.slug == "invalid-signature"


# -- events against a database -----------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)


class Sub(Base):
    __tablename__ = "subs"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    plan: Mapped[str] = mapped_column(sa.String(20), default="free")
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, default=lambda: dt.datetime.now(dt.UTC)
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, default=lambda: dt.datetime.now(dt.UTC)
    )


class Evt(Base):
    __tablename__ = "evts"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "event_id"),)
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    event_id: Mapped[str] = mapped_column(sa.String(255))
    event_type: Mapped[str] = mapped_column(sa.String(120))
    object_id: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    provider_created: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(sa.String(40))


class Rec(Base):
    __tablename__ = "recs"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    to_state: Mapped[str] = mapped_column(sa.String(40))
    occurred_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class Harness:
    def __init__(self, fail_on: str | None = None) -> None:
        engine = sa.create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        Base.metadata.create_all(engine)
        self.factory = sessionmaker(engine, expire_on_commit=False)
        self.tenant = uuid.uuid4()
        with self.factory() as session:
            session.add(Tenant(id=self.tenant))
            session.commit()
        self.ran: list[str] = []
        self.fail_on = fail_on
        self.config = rb.BillingConfig(
            provider="stripe",
            subscription_model=Sub,
            event_model=Evt,
            tenant_model=Tenant,
            record_model=Rec,
            entity="sub",
            state_field="status",
            id_field="external_id",
            plan_field="plan",
            initial="incomplete",
            terminal=frozenset({"canceled", "incomplete_expired"}),
            objects={"subscription": SUB_PATHS, "invoice": INVOICE_PATHS},
            statuses=STATUSES,
            events=EVENTS | {"customer.subscription.created": rb.EventRule("subscription")},
            fields={"plan": ("plan", "enum:free|team")},
            transitions=TRANSITIONS,
            run_transition=self.run,
            access={"active": ("granted", 0), "past_due": ("grace", 7)},
            default_plan="free",
            plans={"free": rb.Plan(quotas={"sub": 1}), "team": rb.Plan(frozenset({"x"}))},
        )
        self.billing = rb.Billing(self.config, self.factory, self.open, secret=SECRET)
        self.changes: list[uuid.UUID] = []
        self.billing.on_change(self.changes.append)

    def open(self, factory: Any, tenant_id: uuid.UUID) -> Session:
        session: Session = factory()
        session.info["tenant_id"] = tenant_id

        @sa.event.listens_for(session, "before_flush")
        def stamp(s: Session, *_: Any) -> None:
            for obj in s.new:
                if hasattr(obj, "tenant_id") and obj.tenant_id is None:
                    obj.tenant_id = tenant_id

        return session

    def run(self, session: Session, principal: Any, obj: Any, name: str) -> None:
        if name == self.fail_on:
            raise RuntimeError("hook failed")
        self.ran.append(name)
        obj.status = next(z for (a, z), n in TRANSITIONS.items() if n == name and a == obj.status)

    def send(self, etype: str, created: int, event_id: str | None = None, **obj: Any) -> Any:
        body = {"id": "sub_1", "metadata": {"tenant_id": str(self.tenant)}, **obj}
        event = {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "type": etype,
            "created": created,
            "data": {"object": body},
        }
        payload = json.dumps(event).encode()
        return self.billing.handle(payload, rb.sign_stripe(payload, SECRET))

    def state(self) -> tuple[str, str] | None:
        with self.factory() as session:
            sub = session.scalars(sa.select(Sub)).first()
            return None if sub is None else (sub.status, sub.plan)

    def events(self) -> int:
        with self.factory() as session:
            return int(session.scalar(sa.select(sa.func.count(Evt.id))) or 0)


def test_events_create_apply_once_and_never_out_of_order() -> None:
    h = Harness()
    created = h.send("customer.subscription.created", 100, "evt_a", status="active", plan="team")
    assert created["outcome"] == rb.APPLIED and h.state() == ("active", "team")
    assert h.ran == ["activate"]
    assert h.send("customer.subscription.created", 100, "evt_a", status="active")["outcome"] == (
        rb.DUPLICATE
    )
    assert h.events() == 1 and h.ran == ["activate"]
    assert h.send("customer.subscription.updated", 300, status="past_due")["outcome"] == rb.APPLIED
    late = h.send("customer.subscription.updated", 200, status="active", plan="free")
    assert late["outcome"] == rb.STALE and h.state() == ("past_due", "team")
    assert h.send("customer.subscription.updated", 400, status="paused")["outcome"] == (
        rb.INVALID_TRANSITION
    )
    assert h.state() == ("past_due", "team")
    assert h.changes == [h.tenant, h.tenant]  # the applied, state-changing events only


def test_a_failing_effect_stores_no_event_so_a_redelivery_applies() -> None:
    h = Harness(fail_on="activate")
    with pytest.raises(RuntimeError):
        h.send("customer.subscription.created", 100, "evt_a", status="active")
    assert h.events() == 0 and h.state() is None
    h.fail_on = None
    assert h.send("customer.subscription.created", 100, "evt_a", status="active")["outcome"] == (
        rb.APPLIED
    )


def test_events_for_other_tenants_types_and_objects_are_ignored() -> None:
    h = Harness()
    assert h.send("charge.refunded", 1)["outcome"] == rb.IGNORED
    assert h.send("customer.subscription.updated", 1, metadata={})["outcome"] == rb.IGNORED
    assert (
        h.send("customer.subscription.updated", 1, metadata={"tenant_id": str(uuid.uuid4())})[
            "outcome"
        ]
        == rb.IGNORED
    )
    assert h.events() == 0


def test_without_a_secret_every_event_is_refused() -> None:
    h = Harness()
    h.billing.secret = None
    with pytest.raises(Problem) as caught:
        h.send("customer.subscription.updated", 1, status="active")
    assert caught.value.slug == "invalid-signature"


def test_entitlement_follows_state_and_is_forgotten_on_change() -> None:
    h = Harness()
    none = h.billing.entitlement(h.tenant)
    assert (none.status, none.plan, none.access) == (None, "free", True)
    h.send("customer.subscription.created", 100, status="active", plan="team")
    ent = h.billing.entitlement(h.tenant)  # the cache was forgotten by the change
    assert (ent.status, ent.plan, ent.access, ent.features) == ("active", "team", True, {"x"})
    with h.factory() as session:  # a change the billing module does not see: cached
        session.execute(sa.update(Sub).values(status="unpaid"))
        session.commit()
    assert h.billing.entitlement(h.tenant).access is True
    h.billing.forget(h.tenant)
    assert h.billing.entitlement(h.tenant).access is False


def test_quota_counts_in_the_writing_transaction() -> None:
    h = Harness()
    sa.event.listen(h.factory, "before_flush", h.billing.check_quotas)
    h.config.quota_models["sub"] = Sub  # type: ignore[index]
    session = h.open(h.factory, h.tenant)
    session.add(Sub(status="active"))
    session.commit()
    session.add(Sub(status="active"))
    with pytest.raises(Problem) as caught:
        session.flush()
    assert caught.value.slug == "plan-limit-reached"
    assert caught.value.extensions == {"quota": "sub", "limit": 1, "used": 1, "plan": "free"}


def test_the_dev_command_builds_events_the_service_applies() -> None:
    """`<svc> billing send-test-event`: shaped by the spec's paths, signed, accepted."""
    import argparse

    h = Harness()
    event = rb.build_test_event(
        h.config,
        "customer.subscription.created",
        tenant_id=h.tenant,
        subscription_id="sub_dev",
        status="trialing",
        plan="team",
        created=100,
    )
    payload = json.dumps(event).encode()
    assert h.billing.handle(payload, rb.sign_stripe(payload, SECRET))["outcome"] == rb.APPLIED
    assert h.state() == ("trialing", "team")
    with pytest.raises(ValueError, match="maps no event"):
        rb.build_test_event(h.config, "charge.refunded", tenant_id=h.tenant, subscription_id="x")
    parser = argparse.ArgumentParser()
    rb.add_commands(parser.add_subparsers(dest="command"), h.config)
    args = parser.parse_args(
        [
            "billing",
            "send-test-event",
            "invoice.paid",
            "--tenant",
            str(h.tenant),
            "--subscription",
            "s",
        ]
    )
    assert args.type == "invoice.paid" and args.url == "http://127.0.0.1:8000/webhooks/stripe"


def test_a_nested_route_takes_its_own_resource_feature_else_its_parent() -> None:
    """``/v1/tasks/{task_id}/comments`` is under both ``/v1/tasks`` and the nested comments
    base: the longer one decides (the first in the table used to win: tasks' feature)."""
    h = Harness()
    features = {
        "/v1/tasks": "tasks",
        "/v1/tasks/{task_id}/comments": "comments",
        "/v1/comments": "comments",
    }
    h.billing.config = dataclasses.replace(h.config, features=features)
    assert h.billing.feature_for("/v1/tasks/{task_id}/comments/{id}") == "comments"
    assert h.billing.feature_for("/v1/tasks/{task_id}/comments") == "comments"
    assert h.billing.feature_for("/v1/tasks/{id}") == "tasks"
    assert h.billing.feature_for("/v1/comments/{id}") == "comments"
    only_parent = {"/v1/tasks": "tasks"}
    h.billing.config = dataclasses.replace(h.config, features=only_parent)
    assert h.billing.feature_for("/v1/tasks/{task_id}/comments") == "tasks"
    assert h.billing.feature_for("/v1/projects") is None
