"""The platform features of a service (rate limits, idempotency, API keys, audit, cache,
events delivery, webhooks, jobs, billing), as the emitters see them.

Each feature is one frozen dataclass and one field of :class:`Platform`; a feature that the spec
does not switch on keeps its default (off). Tables a feature needs are built-in entities that
lowering adds to :attr:`Service.entities` (see ``specfoundry.lower.platform``), so models,
migrations, row-level security and the tenant foreign key come from the same code as the spec's
own entities.
"""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.diagnostics import Location


@dataclass(frozen=True, slots=True)
class Platform:
    """Switched-on platform features; every field defaults to "off"."""

    api_keys: ApiKeys | None = None
    audit: Audit | None = None
    cache: Cache | None = None


@dataclass(frozen=True, slots=True)
class ApiKeys:
    """``api.api_keys``: built-in API keys (``/v{n}/api-keys``)."""

    prefix: str  # every key starts with it (tells a key from a JWT)
    roles: tuple[str, ...]  # who may manage keys
    max_lifetime_days: int | None = None
    location: Location | None = None  # of `api.api_keys`


@dataclass(frozen=True, slots=True)
class Audit:
    """``audit``: the hash-chained audit log and ``/v{n}/audit-events``."""

    roles: tuple[str, ...]  # who may read the audit log
    location: Location | None = None  # of `audit`


@dataclass(frozen=True, slots=True)
class Cache:
    """``cache``: the tenant-scoped Redis cache of GET-one, per API resource path."""

    resources: tuple[str, ...]
    ttl_seconds: int = 60
