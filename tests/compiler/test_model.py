"""The model built from the examples: behaviour first, then a golden of the whole IR.

The golden (``golden/analytics.model.json``) is written by a small deterministic serializer of
the dataclasses; regenerate it with ``SPECFOUNDRY_UPDATE_GOLDENS=1`` and review the diff.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from specfoundry.compiler import compile_spec, load_model
from specfoundry.diagnostics import CompileError, Location
from specfoundry.model import EffectValue, FieldType, Name, Service

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOLDEN = Path(__file__).parent / "golden" / "analytics.model.json"
UPDATE = os.environ.get("SPECFOUNDRY_UPDATE_GOLDENS") == "1"


@pytest.fixture(scope="module")
def analytics() -> Service:
    result = compile_spec(EXAMPLES / "analytics", display_root=EXAMPLES / "analytics")
    assert result.diagnostics == ()
    assert result.model is not None
    return result.model


def names(items: Any) -> list[str]:
    return [item.name.raw if hasattr(item, "name") else item.raw for item in items]


def test_minimal_compiles() -> None:
    model = load_model(EXAMPLES / "minimal")
    assert [e.name.raw for e in model.entities] == ["team", "note"]
    assert model.tenant_entity.name.raw == "team"
    assert model.entity("note").tenant_scoped  # type: ignore[union-attr]


def test_load_model_raises_with_every_diagnostic(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("service: {name: x}\n")
    with pytest.raises(CompileError) as info:
        load_model(spec)
    assert {d.code for d in info.value.diagnostics} == {"SF201"}


def test_role_inheritance_closure(analytics: Service) -> None:
    roles = {r.name.raw: r for r in analytics.permissions.roles}
    assert names(roles["owner"].inherits) == ["admin"]
    assert names(roles["owner"].includes) == ["admin", "analyst", "viewer"]
    assert names(roles["analyst"].includes) == ["viewer"]
    assert roles["viewer"].includes == ()
    assert roles["support"].includes == ()
    assert roles["support"].cross_tenant and not roles["owner"].cross_tenant


def test_holders_of_dashboard_update(analytics: Service) -> None:
    holders = {h.role.name.raw: h for h in analytics.permissions.holders("dashboard", "update")}
    assert sorted(holders) == ["admin", "analyst", "owner"]
    assert holders["admin"].unconditional
    assert holders["owner"].unconditional  # through admin
    [condition] = holders["analyst"].conditions
    assert condition.source == "resource.owner_id == principal.id"
    assert analytics.permissions.holders("dashboard", "no_such_action") == ()


def test_billing_machine(analytics: Service) -> None:
    [billing] = [m for m in analytics.state_machines if m.name.raw == "billing"]
    assert (billing.entity.raw, billing.field.raw, billing.initial.raw) == (
        "subscription",
        "status",
        "incomplete",
    )
    assert names(billing.states) == [
        "incomplete",
        "incomplete_expired",
        "trialing",
        "active",
        "past_due",
        "unpaid",
        "paused",
        "canceled",
    ]
    assert {s.name.raw for s in billing.states if s.terminal} == {"incomplete_expired", "canceled"}
    assert names(billing.allowed_from("trialing")) == [
        "activate",
        "payment_failed",
        "pause",
        "cancel",
    ]
    past_due = billing.state("past_due")
    assert past_due is not None and past_due.grace_days == 7
    cancel = billing.transition("cancel")
    assert cancel is not None
    assert cancel.target.raw == "canceled"
    assert [(e.field.raw, e.value) for e in cancel.effects] == [("canceled_at", EffectValue.NOW)]
    assert cancel.hook == Name("on_subscription_canceled")
    assert names(cancel.events) == ["subscription.canceled"]
    assert billing.has_entitlements


def test_state_field_values_come_from_the_machine(analytics: Service) -> None:
    subscription = analytics.entity("subscription")
    assert subscription is not None
    status = subscription.field("status")
    assert status is not None and status.type is FieldType.STATE
    assert status.enum_values[:3] == ("incomplete", "incomplete_expired", "trialing")
    assert status.state_machine == Name("billing")
    source = analytics.entity("data_source")
    assert source is not None and source.field("status").enum_values == (  # type: ignore[union-attr]
        "draft",
        "connecting",
        "active",
        "failing",
        "paused",
        "disconnected",
    )


def test_transition_roles_become_rules(analytics: Service) -> None:
    rule = analytics.permissions.rule("data_source", "connect")
    assert rule is not None
    assert names(g.role for g in rule.grants) == ["analyst"]
    holders = {h.role.name.raw for h in analytics.permissions.holders("data_source", "connect")}
    assert holders == {"analyst", "admin", "owner"}


def test_api_surface(analytics: Service) -> None:
    data_sources = analytics.api.resource_for("data_source")
    assert data_sources is not None and data_sources.path == "data-sources"
    assert names(data_sources.transitions) == [
        "connect",
        "mark_connected",
        "mark_failing",
        "pause",
        "disconnect",
    ]
    keys = analytics.api.resource_for("data_source")
    assert keys is not None
    delete = keys.deprecation_of("delete")
    assert delete is not None
    assert (delete.since, delete.sunset) == (dt.date(2026, 9, 1), dt.date(2027, 3, 1))
    assert keys.deprecation_of("read") is None
    limits = analytics.api.rate_limits
    assert limits is not None
    assert (limits.plan_entity, limits.plan_field) == (Name("subscription"), Name("plan"))
    assert (limits.plans[0].plan, limits.plans[0].limit) == ("free", "60/minute")
    assert limits.plans[0].budgets == (("all", "60/minute"),)
    team = limits.plans[1]
    assert team.budgets == (("read", "600/minute"), ("write", "120/minute"))
    assert (limits.key, limits.strategy, limits.on_storage_error) == (
        "tenant",
        "sliding-window-counter",
        "allow",
    )
    idempotency = analytics.platform.idempotency
    assert (idempotency.methods, idempotency.ttl_hours) == (("POST", "PATCH"), 24)
    builtin = analytics.entity("idempotency_key")
    assert builtin is not None and builtin.origin == "platform"
    assert any(i.unique for i in builtin.indexes)
    assert (analytics.api.pagination.default_limit, analytics.api.pagination.max_limit) == (10, 100)


def test_fields(analytics: Service) -> None:
    subscription = analytics.entity("subscription")
    assert subscription is not None
    price = subscription.field("monthly_price")
    assert price is not None and price.default == Decimal("0.00") and price.currency == "USD"
    project = analytics.entity("project")
    assert project is not None and project.soft_delete
    assert project.event_for("create") == Name("project.created")
    owner = project.field("owner_id")
    assert owner is not None and not owner.client_writable
    assert analytics.entity("workspace").is_tenant  # type: ignore[union-attr]


# -- golden -------------------------------------------------------------------------------------
def to_plain(value: Any) -> Any:
    """A JSON-ready, deterministic picture of the model."""
    if isinstance(value, Name):
        return value.raw
    if isinstance(value, Location):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return f"decimal:{value}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"__type__": type(value).__name__}
        for f in dataclasses.fields(value):
            if f.init:  # init=False fields are derived indexes, not model data
                out[f.name] = to_plain(getattr(value, f.name))
        return out
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in sorted(value.items())}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"no JSON form for {type(value).__name__}")


def test_analytics_model_golden(analytics: Service) -> None:
    text = json.dumps(to_plain(analytics), indent=1, ensure_ascii=False) + "\n"
    if UPDATE:
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.is_file(), "run with SPECFOUNDRY_UPDATE_GOLDENS=1 to create it"
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_model_is_deterministic() -> None:
    first = compile_spec(EXAMPLES / "analytics", display_root=EXAMPLES / "analytics")
    second = compile_spec(EXAMPLES / "analytics", display_root=EXAMPLES / "analytics")
    assert to_plain(first.model) == to_plain(second.model)


def test_the_provider_drives_billing(analytics: Service) -> None:
    """Issue 13: no caller can run a billing transition or write a provider-owned field."""
    [machine] = [m for m in analytics.state_machines if m.name.raw == "billing"]
    assert {t.by.value for t in machine.transitions} == {"provider"}
    assert all(
        analytics.permissions.rule("subscription", t.name.raw) is None for t in machine.transitions
    )
    resource = analytics.api.resource_for("subscription")
    assert resource is not None and resource.transitions == ()
    subscription = analytics.entity("subscription")
    assert subscription is not None
    for name in ("plan", "seats", "monthly_price", "external_id", "current_period_end"):
        field = subscription.field(name)
        assert field is not None and field.read_only and not field.client_writable, name
    price = subscription.field("monthly_price")
    assert price is not None and price.minimum == Decimal(0)
    # B-02: exactly Stripe's moves, each made by one provider transition.
    moves = {(s.raw, t.target.raw) for t in machine.transitions for s in t.sources}
    assert moves == {
        ("incomplete", "active"), ("incomplete", "incomplete_expired"),
        ("incomplete", "trialing"), ("trialing", "active"), ("trialing", "past_due"),
        ("trialing", "paused"), ("trialing", "canceled"), ("active", "past_due"),
        ("active", "canceled"), ("past_due", "active"), ("past_due", "canceled"),
        ("past_due", "unpaid"), ("unpaid", "active"), ("unpaid", "canceled"),
        ("paused", "active"), ("paused", "canceled"),
    }  # fmt: skip
    billing = analytics.platform.billing
    assert billing is not None and billing.default_plan == "free"
    assert dict(billing.statuses) == {s.name.raw: s.name.raw for s in machine.states}  # B-01
    events = analytics.entity("billing_event")
    assert events is not None and events.origin.value == "platform"
    assert events.field("event_id").unique  # type: ignore[union-attr]


def test_money_is_never_negative_unless_the_spec_says_so(tmp_path: Path) -> None:
    spec = (EXAMPLES / "minimal" / "spec.yaml").read_text()
    assert "money" not in spec
    spec = spec.replace(
        "    fields:\n",
        "    fields:\n      price: {type: money}\n      credit: {type: money, minimum: -50}\n",
        1,
    )
    (tmp_path / "spec.yaml").write_text(spec)
    model = load_model(tmp_path / "spec.yaml")
    entity = next(e for e in model.entities if e.field("price"))
    assert entity.field("price").minimum == Decimal(0)  # type: ignore[union-attr]
    assert entity.field("credit").minimum == Decimal(-50)  # type: ignore[union-attr]
