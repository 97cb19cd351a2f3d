"""``audit``: the audit log, and its append-only, hash-chained table (``audit_events``)."""

from __future__ import annotations

from typing import Any

from specfoundry.lower.platform.common import BUILT_IN, field, section, top_role
from specfoundry.model.entities import Entity, EntityOrigin, FieldType, Index
from specfoundry.model.names import Name
from specfoundry.model.platform import Audit

ENTITY = "audit_event"
TABLE = "audit_events"


def settings(data: dict[str, Any]) -> Audit | None:
    raw = section(data, "audit")
    if raw is None:
        return None
    return Audit(roles=tuple(raw.get("roles") or top_role(data)))


def entities(data: dict[str, Any]) -> tuple[Entity, ...]:
    if settings(data) is None:
        return ()
    return (
        Entity(
            name=Name(ENTITY),
            table=TABLE,
            location=BUILT_IN,
            description="One audited action, hash-chained to the tenant's previous one.",
            fields=(
                # Position in the tenant's chain (unique per tenant).
                field("seq", FieldType.INTEGER, required=True),
                field("occurred_at", FieldType.DATETIME, required=True),
                field("actor_subject", FieldType.STRING, max_length=255),
                field("actor_kind", FieldType.STRING, required=True, max_length=16),
                field("action", FieldType.STRING, required=True, max_length=80),
                field("resource_type", FieldType.STRING, max_length=63),
                field("resource_id", FieldType.STRING, max_length=64),
                field("outcome", FieldType.STRING, required=True, max_length=16),
                field("request_id", FieldType.STRING, max_length=128),
                field("ip", FieldType.STRING, max_length=64),
                field("user_agent", FieldType.STRING, max_length=512),
                field("changes", FieldType.JSON),
                field("prev_hash", FieldType.STRING, max_length=64),
                field("hash", FieldType.STRING, required=True, max_length=64),
            ),
            indexes=(
                Index(fields=(Name("seq"),), unique=True, location=BUILT_IN),
                Index(fields=(Name("occurred_at"),), unique=False, location=BUILT_IN),
            ),
            origin=EntityOrigin.PLATFORM,
            append_only=True,
        ),
    )
