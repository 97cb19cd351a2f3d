"""``cache``: the tenant-scoped read cache (no tables: it lives in Redis)."""

from __future__ import annotations

from typing import Any

from specfoundry.lower.platform.common import section
from specfoundry.model.platform import Cache

DEFAULT_TTL_SECONDS = 60


def settings(data: dict[str, Any]) -> Cache | None:
    raw = section(data, "cache")
    if raw is None:
        return None
    return Cache(
        resources=tuple(raw.get("resources") or ()),
        ttl_seconds=int(raw.get("ttl_seconds") or DEFAULT_TTL_SECONDS),
    )
