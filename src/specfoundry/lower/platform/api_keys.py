"""``api.api_keys``: built-in API keys, and their table (``api_keys``)."""

from __future__ import annotations

from typing import Any

from specfoundry.lower.platform.common import BUILT_IN, field, section, top_role
from specfoundry.model.entities import Entity, EntityOrigin, FieldType
from specfoundry.model.names import Name
from specfoundry.model.platform import ApiKeys
from specfoundry.model.service import Event, EventField

ENTITY = "api_key"
TABLE = "api_keys"
# The events the feature writes to the outbox (runtime/apikeys.py), in the transaction of the
# change: a spec need not declare them (and may, to describe them or attach handlers).
EVENTS: tuple[tuple[str, str, tuple[tuple[str, FieldType], ...]], ...] = (
    (
        "api_key.created",
        "An API key was created (its secret is never in an event).",
        (
            ("api_key_id", FieldType.UUID),
            ("name", FieldType.STRING),
            ("actor", FieldType.STRING),
            ("expires_at", FieldType.DATETIME),
        ),
    ),
    (
        "api_key.revoked",
        "An API key was revoked: it stops working on the next request.",
        (
            ("api_key_id", FieldType.UUID),
            ("name", FieldType.STRING),
            ("actor", FieldType.STRING),
        ),
    ),
)


def settings(data: dict[str, Any]) -> ApiKeys | None:
    raw = section(data, "api", "api_keys")
    if raw is None:
        return None
    service = str((data.get("service") or {}).get("name", "svc"))
    return ApiKeys(
        prefix=str(raw.get("prefix") or f"{service}_sk_"),
        roles=tuple(raw.get("roles") or top_role(data)),
        max_lifetime_days=raw.get("max_lifetime_days"),
    )


def events(data: dict[str, Any]) -> tuple[Event, ...]:
    """The built-in events of API keys when the spec switches them on."""
    if settings(data) is None:
        return ()
    return tuple(
        Event(
            name=name,
            payload=tuple(EventField(Name(f), t, BUILT_IN) for f, t in payload),
            location=BUILT_IN,
            description=description,
        )
        for name, description, payload in EVENTS
    )


def entities(data: dict[str, Any]) -> tuple[Entity, ...]:
    if settings(data) is None:
        return ()
    return (
        Entity(
            name=Name(ENTITY),
            table=TABLE,
            location=BUILT_IN,
            description="An API key of the tenant; only a hash of its secret is stored.",
            fields=(
                field("name", FieldType.STRING, required=True, max_length=80),
                field("prefix", FieldType.STRING, required=True, max_length=48),
                field(
                    "secret_hash", FieldType.STRING, required=True, max_length=64, sensitive=True
                ),
                field("scopes", FieldType.JSON),
                field("created_by", FieldType.STRING, required=True, max_length=255),
                field("expires_at", FieldType.DATETIME),
                field("revoked_at", FieldType.DATETIME),
                field("last_used_at", FieldType.DATETIME),
            ),
            indexes=(),
            origin=EntityOrigin.PLATFORM,
        ),
    )


__all__ = ["ENTITY", "EVENTS", "TABLE", "entities", "events", "settings"]
