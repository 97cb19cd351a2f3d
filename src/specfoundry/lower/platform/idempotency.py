"""``api.idempotency``: its settings and the built-in table of stored first responses.

A key is scoped to (tenant, principal, method, route, key): the table's unique constraint is
``(tenant_id, principal, method, route, key)``, so two requests can never both store a first
response. The row is written in the same transaction as the request's effect (see the
runtime's ``idempotency`` module).
"""

from __future__ import annotations

from typing import Any

from specfoundry.diagnostics import Location
from specfoundry.model.entities import Entity, EntityOrigin, Field, FieldType, Index
from specfoundry.model.names import Name
from specfoundry.model.platform import Idempotency

ENTITY = "idempotency_key"
_HERE = Location("<built-in: api.idempotency>", 0, 0)


def idempotency_settings(data: dict[str, Any]) -> Idempotency:
    raw = (data.get("api") or {}).get("idempotency")
    if raw is None:
        return Idempotency()
    return Idempotency(
        methods=tuple(m for m in ("POST", "PATCH") if m in raw.get("methods", ["POST"])),
        ttl_hours=int(raw.get("ttl_hours", 24)),
    )


def _field(name: str, kind: FieldType, **options: Any) -> Field:
    return Field(Name(name), kind, _HERE, required=True, read_only=True, **options)


def entities(data: dict[str, Any]) -> tuple[Entity, ...]:
    if not idempotency_settings(data).enabled:
        return ()
    fields = (
        _field("key", FieldType.STRING, max_length=255),
        _field("principal", FieldType.STRING, max_length=255),
        _field("method", FieldType.STRING, max_length=8),
        _field("route", FieldType.STRING, max_length=255),
        _field("fingerprint", FieldType.STRING, max_length=64),
        _field("status", FieldType.INTEGER),
        _field("headers", FieldType.JSON),
        _field("body", FieldType.TEXT),
        _field("expires_at", FieldType.DATETIME),
    )
    unique = Index(tuple(Name(n) for n in ("principal", "method", "route", "key")), True, _HERE)
    expiry = Index((Name("expires_at"),), False, _HERE)
    return (
        Entity(
            name=Name(ENTITY),
            table="idempotency_keys",
            location=_HERE,
            fields=fields,
            description="First responses of requests sent with an `Idempotency-Key`.",
            indexes=(unique, expiry),
            origin=EntityOrigin.PLATFORM,
        ),
    )
