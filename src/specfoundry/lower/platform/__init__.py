"""Lowering of the platform features: their settings and the built-in entities they need.

A feature module exposes ``entities(data, builder) -> tuple[Entity, ...]`` returning the tables
it needs when the spec switches it on (none otherwise). Built-in entities carry
``origin=EntityOrigin.PLATFORM``; a spec entity may not take one of their names (the semantic
validator reports it), and they get no CRUD routes unless the feature's own router serves them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from specfoundry.model.entities import Entity

EntityProvider = Callable[[dict[str, Any]], "tuple[Entity, ...]"]


def _providers() -> tuple[EntityProvider, ...]:
    from specfoundry.lower.platform import api_keys, audit, billing, events, idempotency, jobs

    return (
        idempotency.entities,
        api_keys.entities,
        audit.entities,
        events.entities,
        billing.entities,
        jobs.entities,
    )


# One entry per feature that needs tables, in a fixed order (generated output is deterministic).
ENTITY_PROVIDERS: tuple[EntityProvider, ...] = _providers()


def platform_entities(data: dict[str, Any]) -> tuple[Entity, ...]:
    """Every built-in entity the spec's switched-on features need, in provider order."""
    return tuple(entity for provider in ENTITY_PROVIDERS for entity in provider(data))
