"""``webhooks``: outgoing webhooks, and their tables (``webhook_endpoints``,
``webhook_deliveries``).

The routers (``runtime/webhook_api.py``) and the delivery (``runtime/webhook_delivery.py``, a
handler of every event run by the worker) are the runtime's; lowering adds the settings and the
two tenant-scoped built-in entities (row-level security and the tenant key like every entity).
A delivery references its endpoint (deleted with it).
"""

from __future__ import annotations

from typing import Any

from specfoundry.lower.platform.common import BUILT_IN, field, section, top_role
from specfoundry.model.entities import Entity, EntityOrigin, FieldType, Index, OnDelete
from specfoundry.model.names import Name
from specfoundry.model.platform import Webhooks

ENDPOINT = "webhook_endpoint"
DELIVERY = "webhook_delivery"
ENDPOINT_TABLE = "webhook_endpoints"
DELIVERY_TABLE = "webhook_deliveries"
MAX_ATTEMPTS = 10  # the length of runtime.webhooks.SCHEDULE


def settings(data: dict[str, Any]) -> Webhooks | None:
    raw = section(data, "webhooks")
    if raw is None:
        return None
    return Webhooks(
        roles=tuple(raw.get("roles") or top_role(data)),
        allow_private_targets=str(raw.get("allow_private_targets") or "development"),
        attempts=int(raw.get("attempts") or MAX_ATTEMPTS),
        rotation_overlap_hours=int(raw.get("rotation_overlap_hours", 24)),
    )


def entities(data: dict[str, Any]) -> tuple[Entity, ...]:
    if settings(data) is None:
        return ()
    endpoint = Entity(
        name=Name(ENDPOINT),
        table=ENDPOINT_TABLE,
        location=BUILT_IN,
        description="Where the tenant receives its events, signed with the endpoint's secret.",
        fields=(
            field("url", FieldType.STRING, required=True, max_length=2000),
            field("description", FieldType.STRING, max_length=255),
            field("event_types", FieldType.JSON),
            field("secret", FieldType.STRING, required=True, max_length=100, sensitive=True),
            field("previous_secret", FieldType.STRING, max_length=100, sensitive=True),
            field("previous_secret_expires_at", FieldType.DATETIME),
            field("enabled", FieldType.BOOLEAN, required=True, has_default=True, default=True),
            field("disabled_reason", FieldType.STRING, max_length=200),
        ),
        indexes=(),
        origin=EntityOrigin.PLATFORM,
    )
    delivery = Entity(
        name=Name(DELIVERY),
        table=DELIVERY_TABLE,
        location=BUILT_IN,
        description="One event sent (or to be sent) to one endpoint, with its attempts.",
        fields=(
            field(
                "endpoint_id",
                FieldType.REF,
                required=True,
                ref_entity=Name(ENDPOINT),
                on_delete=OnDelete.CASCADE,
            ),
            field("event_id", FieldType.UUID, required=True),
            field("event_type", FieldType.STRING, required=True, max_length=255),
            field("body", FieldType.TEXT, required=True),
            field("status", FieldType.STRING, required=True, max_length=20),
            field("attempts", FieldType.INTEGER, required=True, has_default=True, default=0),
            field("last_response_code", FieldType.INTEGER),
            field("last_error", FieldType.TEXT),
            field("last_attempt_at", FieldType.DATETIME),
            field("next_attempt_at", FieldType.DATETIME),
            field("delivered_at", FieldType.DATETIME),
            field("duration_ms", FieldType.INTEGER),
        ),
        indexes=(
            Index(fields=(Name("endpoint_id"), Name("event_id")), unique=True, location=BUILT_IN),
            Index(fields=(Name("status"),), unique=False, location=BUILT_IN),
        ),
        origin=EntityOrigin.PLATFORM,
    )
    return (endpoint, delivery)


__all__ = ["DELIVERY", "ENDPOINT", "entities", "settings"]
