"""The root of the intermediate model: the only thing emitters receive."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from specfoundry.diagnostics import Location
from specfoundry.model.access import Permissions
from specfoundry.model.api import Api
from specfoundry.model.entities import Entity, FieldType
from specfoundry.model.machines import StateMachine
from specfoundry.model.names import Name
from specfoundry.model.platform import Platform


class IsolationModel(enum.StrEnum):
    SHARED_SCHEMA = "shared_schema"
    SCHEMA_PER_TENANT = "schema_per_tenant"
    DATABASE_PER_TENANT = "database_per_tenant"


class TenantSource(enum.StrEnum):
    JWT_CLAIM = "jwt_claim"


@dataclass(frozen=True, slots=True)
class Claims:
    subject: str = "sub"
    tenant: str = "tid"
    roles: str = "roles"


@dataclass(frozen=True, slots=True)
class Tenancy:
    model: IsolationModel
    tenant_entity: Name
    source: TenantSource
    claims: Claims
    cross_tenant_roles: tuple[Name, ...]
    location: Location
    roles_from: RolesFrom | None = None
    # Who belongs to a tenant: principal fields name one of its rows.
    members: Members | None = None


@dataclass(frozen=True, slots=True)
class RolesFrom:
    """``tenancy.roles_from``: the caller's tenant-level roles come from a row of ``entity``
    whose ``subject`` field is the token subject (its ``role`` field: one spec role), and
    ``prefer`` says how they combine with the token's: ``membership`` (the row only),
    ``token`` (the token's roles when it carries any, else the row's) or ``union``."""

    entity: Name
    subject: Name
    role: Name
    prefer: str
    location: Location
    # The spec key it was declared under: ``members`` (``tenancy.members.roles``, the current
    # spelling) or ``roles_from`` (the deprecated one).
    key: str = "roles_from"


@dataclass(frozen=True, slots=True)
class Members:
    """``tenancy.members``: each row of ``entity`` says the principal whose id is in the string
    field ``subject`` belongs to the tenant, with the role in the enum field ``role``."""

    entity: Name
    subject: Name
    role: Name | None
    location: Location


@dataclass(frozen=True, slots=True)
class EventField:
    name: Name
    type: FieldType
    location: Location


@dataclass(frozen=True, slots=True)
class Event:
    name: str  # dotted, e.g. "subscription.canceled"
    payload: tuple[EventField, ...]
    location: Location
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Service:
    name: Name
    title: str
    version: str
    description: str | None
    tenancy: Tenancy
    entities: tuple[Entity, ...]
    state_machines: tuple[StateMachine, ...]
    permissions: Permissions
    api: Api
    events: tuple[Event, ...]
    location: Location
    platform: Platform = field(default_factory=Platform)
    # Derived indexes (emitters look entities and machines up by name for every operation).
    _entities: dict[str, Entity] = field(init=False, repr=False, compare=False, hash=False)
    _machines: dict[str, tuple[StateMachine, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        entities: dict[str, Entity] = {}
        for e in self.entities:
            entities.setdefault(e.name.raw, e)  # the first one, as a scan would find
        machines: dict[str, tuple[StateMachine, ...]] = {}
        for m in self.state_machines:
            machines[m.entity.raw] = (*machines.get(m.entity.raw, ()), m)
        object.__setattr__(self, "_entities", entities)
        object.__setattr__(self, "_machines", machines)

    def entity(self, name: str) -> Entity | None:
        return self._entities.get(name)

    def machine_for(self, entity: str) -> tuple[StateMachine, ...]:
        return self._machines.get(entity, ())

    def event(self, name: str) -> Event | None:
        return next((e for e in self.events if e.name == name), None)

    @property
    def tenant_entity(self) -> Entity:
        entity = self.entity(self.tenancy.tenant_entity.raw)
        assert entity is not None, "the compiler guarantees the tenant entity exists"
        return entity
