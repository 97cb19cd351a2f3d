"""Built-in entity of event delivery: ``processed_event``, one row per (consumer, event id).

A handler's work commits in the same transaction as its row, so an event delivered again (the
relay and the broker deliver at least once) is recognised and skipped. The table exists when the
spec names at least one handler.
"""

from __future__ import annotations

from typing import Any

from specfoundry.diagnostics import Location
from specfoundry.model.entities import Entity, EntityOrigin, Field, FieldType, Index
from specfoundry.model.names import Name

PROCESSED_EVENT = "processed_event"
_HERE = Location("<built-in: events>", 1, 1)


def has_handlers(data: dict[str, Any]) -> bool:
    """A spec handler, or a built-in one (webhook delivery fans events out as a handler)."""
    from specfoundry.lower.platform.webhooks import settings as webhooks

    spec = any((raw or {}).get("handlers") for raw in (data.get("events") or {}).values())
    return spec or webhooks(data) is not None


def entities(data: dict[str, Any]) -> tuple[Entity, ...]:
    if not has_handlers(data):
        return ()
    return (
        Entity(
            name=Name(PROCESSED_EVENT),
            table="processed_events",
            location=_HERE,
            description="Events a consumer (handler) has processed: its effects are committed.",
            fields=(
                Field(Name("consumer"), FieldType.STRING, _HERE, required=True, max_length=200),
                Field(Name("event_id"), FieldType.UUID, _HERE, required=True),
            ),
            indexes=(Index((Name("consumer"), Name("event_id")), unique=True, location=_HERE),),
            origin=EntityOrigin.PLATFORM,
        ),
    )
