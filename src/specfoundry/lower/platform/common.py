"""Helpers shared by the platform features' lowering."""

from __future__ import annotations

from typing import Any

from specfoundry.diagnostics import Location
from specfoundry.model.entities import Field, FieldType
from specfoundry.model.names import Name

# Built-in entities and fields are not written in a spec file.
BUILT_IN = Location("<built-in>", 0, 0)


def field(name: str, type_: FieldType, **kwargs: Any) -> Field:
    """A field of a built-in entity (never client-writable: the feature's router fills it)."""
    kwargs.setdefault("read_only", True)
    return Field(name=Name(name), type=type_, location=BUILT_IN, **kwargs)


def section(data: dict[str, Any], *path: str) -> dict[str, Any] | None:
    """The feature's section of the spec when present and not ``enabled: false``."""
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict) or node.get("enabled", True) is False:
        return None
    return node


def top_role(data: dict[str, Any]) -> tuple[str, ...]:
    """The role that includes the most others (first declared on a tie): the default holder of
    platform administration (API keys, the audit log)."""
    raw = ((data.get("permissions") or {}).get("roles")) or {}
    parents = {name: list((body or {}).get("inherits", [])) for name, body in raw.items()}

    def closure(name: str) -> set[str]:
        seen: set[str] = set()
        pending = [name]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            pending += [p for p in parents.get(current, []) if isinstance(p, str)]
        return seen

    if not parents:
        return ()
    best = max(parents, key=lambda name: (len(closure(name)), -list(parents).index(name)))
    return (best,)
