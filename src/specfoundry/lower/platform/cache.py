"""``cache``: the tenant-scoped read cache (no tables: it lives in Redis)."""

from __future__ import annotations

from typing import Any

from specfoundry.lower.platform.common import section
from specfoundry.model.platform import Cache

DEFAULT_TTL_SECONDS = 60


def settings(data: dict[str, Any]) -> Cache | None:
    """``resources`` items are a path (GET-one only) or ``{name: path, lists: true}``."""
    raw = section(data, "cache")
    if raw is None:
        return None
    names: list[str] = []
    lists: list[str] = []
    for item in raw.get("resources") or ():
        name = str(item.get("name")) if isinstance(item, dict) else str(item)
        names.append(name)
        if isinstance(item, dict) and item.get("lists") is True:
            lists.append(name)
    return Cache(
        resources=tuple(names),
        ttl_seconds=int(raw.get("ttl_seconds") or DEFAULT_TTL_SECONDS),
        lists=tuple(lists),
    )
