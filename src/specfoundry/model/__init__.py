"""The intermediate model: frozen, typed, and the only input of every emitter.

Everything here is built by :mod:`specfoundry.compiler` from a validated spec. Emitters and the
diff engine import this package and never the loader, so they see resolved references, parsed
conditions and computed role inheritance instead of raw YAML.
"""

from specfoundry.model.access import CRUD_ACTIONS, ActionRule, Grant, Holder, Permissions, Role
from specfoundry.model.api import (
    Api,
    Deprecation,
    Nesting,
    Operation,
    Pagination,
    RateLimit,
    RateLimitKey,
    RateLimits,
    RateLimitStrategy,
    Resource,
)
from specfoundry.model.entities import (
    SYSTEM_COLUMNS,
    TENANT_COLUMN,
    AutoValue,
    Entity,
    EntityOrigin,
    Field,
    FieldType,
    Index,
    MembershipLink,
    OnDelete,
)
from specfoundry.model.expressions import Condition
from specfoundry.model.machines import (
    Access,
    Driver,
    Effect,
    EffectValue,
    State,
    StateMachine,
    Transition,
)
from specfoundry.model.names import Name
from specfoundry.model.platform import (
    ApiKeys,
    Audit,
    Billing,
    BillingEventRule,
    BillingPlan,
    Cache,
    Platform,
)
from specfoundry.model.service import (
    Claims,
    Event,
    EventField,
    IsolationModel,
    RolesFrom,
    Service,
    Tenancy,
    TenantSource,
)

__all__ = [
    "CRUD_ACTIONS",
    "SYSTEM_COLUMNS",
    "TENANT_COLUMN",
    "Access",
    "ActionRule",
    "Api",
    "ApiKeys",
    "Audit",
    "AutoValue",
    "Billing",
    "BillingEventRule",
    "BillingPlan",
    "Cache",
    "Claims",
    "Condition",
    "Deprecation",
    "Driver",
    "Effect",
    "EffectValue",
    "Entity",
    "EntityOrigin",
    "Event",
    "EventField",
    "Field",
    "FieldType",
    "Grant",
    "Holder",
    "Index",
    "IsolationModel",
    "MembershipLink",
    "Name",
    "Nesting",
    "OnDelete",
    "Operation",
    "Pagination",
    "Permissions",
    "Platform",
    "RateLimit",
    "RateLimitKey",
    "RateLimitStrategy",
    "RateLimits",
    "Resource",
    "Role",
    "RolesFrom",
    "Service",
    "State",
    "StateMachine",
    "Tenancy",
    "TenantSource",
    "Transition",
]
