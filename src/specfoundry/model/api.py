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
class Nesting:
    """``parent:`` of a resource: its routes also live under ``/v{N}/<parent>/{<parent>_id}``."""

    resource: str  # the parent resource's path
    field: Name | None  # the child's reference field to the parent; None: the only one
    flat: bool  # keep the flat routes as well
    location: Location


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
    parent: Nesting | None = None

    def deprecation_of(self, operation: str) -> Deprecation | None:
        own = next((d for op, d in self.deprecated_operations if op == operation), None)
        return own or self.deprecated


@dataclass(frozen=True, slots=True)
class Pagination:
    default_limit: int = 10
    max_limit: int = 100


# Operation classes a plan may limit separately: reads are GET/HEAD, writes everything else.
RATE_LIMIT_CLASSES = ("read", "write")


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A plan's limits, in the ``limits`` library's notation (e.g. ``"600/minute"``).

    ``limit`` is one budget shared by every operation (the plain-string form of the spec);
    otherwise ``read`` and ``write`` are separate budgets.
    """

    plan: str
    limit: str | None
    location: Location
    read: str | None = None
    write: str | None = None

    @property
    def budgets(self) -> tuple[tuple[str, str], ...]:
        """``(operation class, limit)`` pairs; class ``all`` for the one shared budget."""
        if self.limit is not None:
            return (("all", self.limit),)
        pairs = (("read", self.read), ("write", self.write))
        return tuple((cls, limit) for cls, limit in pairs if limit is not None)

    @property
    def text(self) -> str:
        return ", ".join(limit if cls == "all" else f"{cls} {limit}" for cls, limit in self.budgets)


class RateLimitKey(enum.StrEnum):
    TENANT = "tenant"  # one budget per tenant
    PRINCIPAL = "principal"  # one budget per caller (user or API key) within the tenant


class RateLimitStrategy(enum.StrEnum):
    SLIDING_WINDOW_COUNTER = "sliding-window-counter"
    MOVING_WINDOW = "moving-window"


@dataclass(frozen=True, slots=True)
class RateLimits:
    plans: tuple[RateLimit, ...]
    default_plan: str
    # ``entity.field`` that holds a tenant's plan, when the plan is stored in the service.
    plan_entity: Name | None = None
    plan_field: Name | None = None
    key: RateLimitKey = RateLimitKey.TENANT
    strategy: RateLimitStrategy = RateLimitStrategy.SLIDING_WINDOW_COUNTER
    # What a request gets when the limiter's storage (Redis) fails: ``allow`` (fail open) or
    # ``deny`` (fail closed: 503). Never a 500.
    on_storage_error: str = "allow"


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

    def resource(self, path: str) -> Resource | None:
        return next((r for r in self.resources if r.path == path), None)
