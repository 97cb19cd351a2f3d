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
    from specfoundry.model.service import Event

EntityProvider = Callable[[dict[str, Any]], "tuple[Entity, ...]"]


def _providers() -> tuple[EntityProvider, ...]:
    from specfoundry.lower.platform import (
        api_keys,
        audit,
        billing,
        events,
        idempotency,
        jobs,
        webhooks,
    )

    return (
        idempotency.entities,
        api_keys.entities,
        audit.entities,
        events.entities,
        billing.entities,
        webhooks.entities,
        jobs.entities,
    )


# One entry per feature that needs tables, in a fixed order (generated output is deterministic).
ENTITY_PROVIDERS: tuple[EntityProvider, ...] = _providers()


def platform_entities(data: dict[str, Any]) -> tuple[Entity, ...]:
    """Every built-in entity the spec's switched-on features need, in provider order."""
    return tuple(entity for provider in ENTITY_PROVIDERS for entity in provider(data))


def platform_events(data: dict[str, Any]) -> tuple[Event, ...]:
    """Every built-in event of the spec's switched-on features (API keys)."""
    from specfoundry.lower.platform import api_keys

    return api_keys.events(data)


def merge_events(spec: tuple[Event, ...], built_in: tuple[Event, ...]) -> tuple[Event, ...]:
    """The spec's events and the built-in ones, by name. A built-in event the spec declares
    too keeps the spec's location and description and gets the built-in payload (what the
    runtime writes; SF395 reports a declared payload that does not fit it)."""
    from dataclasses import replace

    builtin = {e.name: e for e in built_in}
    merged = {
        e.name: replace(
            e,
            payload=builtin[e.name].payload,
            description=e.description or builtin[e.name].description,
        )
        if e.name in builtin
        else e
        for e in spec
    }
    for event in built_in:
        merged.setdefault(event.name, event)
    return tuple(merged[name] for name in sorted(merged))
