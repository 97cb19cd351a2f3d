"""State machines bound to an entity field."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from specfoundry.diagnostics import Location
from specfoundry.model.entities import DefaultValue
from specfoundry.model.expressions import Condition
from specfoundry.model.names import Name


class Access(enum.StrEnum):
    """Entitlement a state grants (saas-standards B-05); ``grace`` lasts ``grace_days``."""

    GRANTED = "granted"
    DENIED = "denied"
    GRACE = "grace"


class Driver(enum.StrEnum):
    """Who runs a transition: API callers (with roles), the payment provider, or the system."""

    API = "api"
    PROVIDER = "provider"
    SYSTEM = "system"


class EffectValue(enum.StrEnum):
    NOW = "now"
    PRINCIPAL = "principal"


@dataclass(frozen=True, slots=True)
class Effect:
    """``field: value`` set when a transition runs; value is a literal or a special value."""

    field: Name
    value: DefaultValue | EffectValue
    location: Location


@dataclass(frozen=True, slots=True)
class State:
    name: Name
    location: Location
    terminal: bool = False
    access: Access | None = None
    grace_days: int | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    name: Name
    sources: tuple[Name, ...]
    target: Name
    location: Location
    roles: tuple[Name, ...] = ()
    guard: Condition | None = None
    effects: tuple[Effect, ...] = ()
    # A function the user writes in their own package, run inside the transaction.
    hook: Name | None = None
    events: tuple[Name, ...] = ()
    description: str | None = None
    # provider/system transitions have no public route and no role can run them.
    by: Driver = Driver.API
    # A timer (``after:``): run by the worker this many seconds after the object entered its
    # source state, if it is still there.
    after_seconds: float | None = None

    @property
    def public(self) -> bool:
        return self.by is Driver.API


@dataclass(frozen=True, slots=True)
class StateMachine:
    name: Name
    entity: Name
    field: Name
    initial: Name
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    location: Location
    description: str | None = None

    def state(self, name: str) -> State | None:
        return next((s for s in self.states if s.name.raw == name), None)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name.raw == name), None)

    def allowed_from(self, state: str) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if any(s.raw == state for s in t.sources))

    @property
    def has_entitlements(self) -> bool:
        return any(s.access is not None for s in self.states)
