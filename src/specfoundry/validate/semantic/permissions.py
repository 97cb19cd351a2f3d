"""SF34x: roles and permission rules: inheritance cycles and actions that exist."""

from __future__ import annotations

from specfoundry.model import CRUD_ACTIONS
from specfoundry.validate.semantic.context import CheckContext
from specfoundry.validate.semantic.references import did_you_mean


def check(ctx: CheckContext) -> None:
    _cycles(ctx)
    _actions(ctx)


def _cycles(ctx: CheckContext) -> None:
    """Report each inheritance cycle once, as a path, at its first role's `inherits`."""
    parents = {r.name.raw: [p.raw for p in r.inherits] for r in ctx.model.permissions.roles}
    order = list(parents)
    reported: set[frozenset[str]] = set()
    for start in order:
        # Depth-first search for a path from `start` back to `start`.
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        visited: set[str] = set()
        while stack:
            current, path = stack.pop()
            for parent in reversed(parents.get(current, [])):
                if parent == start:
                    cycle = frozenset(path)
                    if cycle not in reported:
                        reported.add(cycle)
                        _report_cycle(ctx, [*path, start], parents)
                    continue
                if parent in visited or parent not in parents:
                    continue
                visited.add(parent)
                stack.append((parent, [*path, parent]))


def _report_cycle(ctx: CheckContext, path: list[str], parents: dict[str, list[str]]) -> None:
    first, second = path[0], path[1]
    index = parents[first].index(second)
    ctx.report(
        "SF340",
        f"roles inherit from each other in a cycle: {' -> '.join(path)}",
        ctx.at("permissions", "roles", first, "inherits", index),
        "inheritance must go one way (e.g. owner -> admin -> viewer); remove one link",
    )


def _actions(ctx: CheckContext) -> None:
    for rule in ctx.model.permissions.rules:
        path = ("permissions", "rules", rule.entity.raw, rule.action.raw)
        if not ctx.written(*path) or ctx.model.entity(rule.entity.raw) is None:
            continue
        transitions = [
            t.name.raw for m in ctx.model.machine_for(rule.entity.raw) for t in m.transitions
        ]
        allowed = [*CRUD_ACTIONS, *transitions]
        if rule.action.raw not in allowed:
            ctx.report(
                "SF341",
                f"'{rule.action}' is not an action of entity '{rule.entity}'",
                ctx.key(*path),
                did_you_mean(rule.action.raw, allowed, f"actions of '{rule.entity}'"),
            )
