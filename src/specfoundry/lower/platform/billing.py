"""Built-in entity of ``billing:``: the provider events received, stored by event id.

The event row is written in the same transaction as the event's effect; ``UNIQUE (tenant_id,
event_id)`` makes a redelivered event a no-op (saas-standards B-13), and ``provider_created``
of the events applied to a subscription is what a late, older event is compared with.
"""

from __future__ import annotations

from typing import Any

from specfoundry.diagnostics import Location
from specfoundry.model.entities import Entity, EntityOrigin, Field, FieldType
from specfoundry.model.names import Name

ENTITY = "billing_event"
_HERE = Location("<platform:billing>", 0, 0)


def _field(name: str, ftype: FieldType, **kw: Any) -> Field:
    return Field(Name(name), ftype, _HERE, **kw)


def entities(data: dict[str, Any]) -> tuple[Entity, ...]:
    if not data.get("billing"):
        return ()
    return (
        Entity(
            name=Name(ENTITY),
            table="billing_events",
            location=_HERE,
            description="A payment provider event received (one row per event id).",
            fields=(
                _field("event_id", FieldType.STRING, required=True, unique=True, max_length=255),
                _field("event_type", FieldType.STRING, required=True, max_length=120),
                _field("object_id", FieldType.STRING, max_length=255, filterable=True),
                _field("provider_created", FieldType.DATETIME, required=True),
                _field("outcome", FieldType.STRING, required=True, max_length=40),
            ),
            origin=EntityOrigin.PLATFORM,
        ),
    )
