"""The HTTP surface: resources, operations, pagination, rate limits, deprecation."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from specfoundry.diagnostics import Location
from specfoundry.model.names import Name


class Operation(enum.StrEnum):
    LIST = "list"
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Deprecation:
    since: dt.date
    sunset: dt.date | None
    location: Location
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """An entity exposed at ``/v{N}/{path}``."""

    path: str
    entity: Name
    operations: tuple[Operation, ...]
    transitions: tuple[Name, ...]
    location: Location
    deprecated: Deprecation | None = None
    deprecated_operations: tuple[tuple[str, Deprecation], ...] = ()
    require_precondition: bool = False

    def deprecation_of(self, operation: str) -> Deprecation | None:
        own = next((d for op, d in self.deprecated_operations if op == operation), None)
        return own or self.deprecated


@dataclass(frozen=True, slots=True)
class Pagination:
    default_limit: int = 10
    max_limit: int = 100


@dataclass(frozen=True, slots=True)
class RateLimit:
    plan: str
    limit: str  # in the ``limits`` library's notation, e.g. "600/minute"
    location: Location


@dataclass(frozen=True, slots=True)
class RateLimits:
    plans: tuple[RateLimit, ...]
    default_plan: str
    # ``entity.field`` that holds a tenant's plan, when the plan is stored in the service.
    plan_entity: Name | None = None
    plan_field: Name | None = None


@dataclass(frozen=True, slots=True)
class Api:
    version: int
    resources: tuple[Resource, ...]
    pagination: Pagination
    rate_limits: RateLimits | None = None

    @property
    def base_path(self) -> str:
        return f"/v{self.version}"

    def resource_for(self, entity: str) -> Resource | None:
        return next((r for r in self.resources if r.entity.raw == entity), None)
