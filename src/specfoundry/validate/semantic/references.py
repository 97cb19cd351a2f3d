"""SF30x: every name a spec mentions must exist: entities, fields, states, roles, events."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from specfoundry.model import Entity, StateMachine
from specfoundry.validate.semantic.context import (
    CheckContext,
    field_path,
    machine_path,
    transition_path,
)


def did_you_mean(name: str, candidates: Iterable[str], listing: str = "known names") -> str | None:
    """A hint: the closest candidate, else the candidates (``listing`` introduces them)."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    if not pool:
        return None
    shown = ", ".join(pool[:12]) + (", ..." if len(pool) > 12 else "")
    return f"{listing}: {shown}"


def list_item(ctx: CheckContext, *path: str | int) -> tuple[str | int, ...]:
    """``path`` if the spec wrote a list there; a single string written in its place is fine."""
    return tuple(path) if ctx.written(*path) else tuple(path[:-1])


def check(ctx: CheckContext) -> None:
    _tenancy(ctx)
    for entity in ctx.model.entities:
        _entity(ctx, entity)
    for machine in ctx.model.state_machines:
        _machine(ctx, machine)
    _permissions(ctx)
    _api(ctx)
    _reference_cycles(ctx)


def _entities(ctx: CheckContext) -> set[str]:
    return {e.name.raw for e in ctx.model.entities}


def _roles(ctx: CheckContext) -> set[str]:
    return {r.name.raw for r in ctx.model.permissions.roles}


def _unknown_role(ctx: CheckContext, role: str, where: str, *path: str | int) -> None:
    roles = _roles(ctx)
    if role not in roles:
        ctx.report(
            "SF304",
            f"unknown role '{role}' in {where}",
            ctx.at(*path),
            did_you_mean(role, roles, "roles") or "declare roles under permissions.roles",
        )


def _unknown_entity(ctx: CheckContext, name: str, where: str, *path: str | int) -> bool:
    entities = _entities(ctx)
    if name in entities:
        return False
    ctx.report(
        "SF301",
        f"unknown entity '{name}' {where}",
        ctx.at(*path),
        did_you_mean(name, entities, "entities"),
    )
    return True


def _unknown_field(
    ctx: CheckContext, entity: Entity, name: str, where: str, *path: str | int
) -> None:
    if entity.field(name) is not None:
        return
    ctx.report(
        "SF302",
        f"unknown field '{name}' of entity '{entity.name}' {where}",
        ctx.at(*path),
        did_you_mean(name, (f.name.raw for f in entity.fields), f"fields of '{entity.name}'"),
    )


def _tenancy(ctx: CheckContext) -> None:
    tenancy = ctx.model.tenancy
    _unknown_entity(
        ctx, tenancy.tenant_entity.raw, "named as the tenant entity", "tenancy", "tenant_entity"
    )
    for i, role in enumerate(tenancy.cross_tenant_roles):
        _unknown_role(ctx, role.raw, "cross_tenant_roles", "tenancy", "cross_tenant_roles", i)


def _entity(ctx: CheckContext, entity: Entity) -> None:
    events = {e.name for e in ctx.model.events}
    for field in entity.fields:
        path = field_path(entity.name.raw, field.name.raw)
        if field.ref_entity is not None:
            _unknown_entity(
                ctx,
                field.ref_entity.raw,
                f"referenced by field '{entity.name}.{field.name}'",
                *path,
                "entity",
            )
        for i, role in enumerate(field.writable_by or ()):
            _unknown_role(
                ctx,
                role.raw,
                f"writable_by of '{entity.name}.{field.name}'",
                *path,
                *(("write", "roles") if field.write_key == "write" else ("writable_by",)),
                i,
            )
    for action, event in entity.emits:
        if event.raw not in events:
            ctx.report(
                "SF305",
                f"unknown event '{event}' emitted on {action} of '{entity.name}'",
                ctx.at("entities", entity.name.raw, "emits", action),
                did_you_mean(event.raw, events, "events") or "declare the event under `events:`",
            )
    for i, index in enumerate(entity.indexes):
        base: tuple[str | int, ...] = ("entities", entity.name.raw, "indexes", i)
        if ctx.written(*base, "fields"):
            base = (*base, "fields")
        for j, name in enumerate(index.fields):
            _unknown_field(ctx, entity, name.raw, "in an index", *base, j)


def _machine(ctx: CheckContext, machine: StateMachine) -> None:
    mpath = machine_path(machine.name.raw)
    where = f"of state machine '{machine.name}'"
    entity = ctx.model.entity(machine.entity.raw)
    if entity is None:
        _unknown_entity(ctx, machine.entity.raw, where, *mpath, "entity")
    else:
        _unknown_field(ctx, entity, machine.field.raw, where, *mpath, "field")
    states = [s.name.raw for s in machine.states]

    def unknown_state(name: str, what: str, *path: str | int) -> None:
        if name not in states:
            ctx.report(
                "SF303",
                f"unknown state '{name}' {what} in state machine '{machine.name}'",
                ctx.at(*path),
                did_you_mean(name, states, "states"),
            )

    unknown_state(machine.initial.raw, "as the initial state", *mpath, "initial")
    events = {e.name for e in ctx.model.events}
    for t in machine.transitions:
        tpath = transition_path(machine.name.raw, t.name.raw)
        for i, source in enumerate(t.sources):
            unknown_state(
                source.raw,
                f"in `from` of transition '{t.name}'",
                *list_item(ctx, *tpath, "from", i),
            )
        unknown_state(t.target.raw, f"in `to` of transition '{t.name}'", *tpath, "to")
        for i, role in enumerate(t.roles):
            _unknown_role(ctx, role.raw, f"the roles of transition '{t.name}'", *tpath, "roles", i)
        for i, event in enumerate(t.events):
            if event.raw not in events:
                ctx.report(
                    "SF305",
                    f"unknown event '{event}' emitted by transition '{t.name}'",
                    ctx.at(*tpath, "events", i),
                    did_you_mean(event.raw, events, "events")
                    or "declare the event under `events:`",
                )
        if entity is not None:
            for effect in t.effects:
                _unknown_field(
                    ctx,
                    entity,
                    effect.field.raw,
                    f"set by transition '{t.name}'",
                    *tpath,
                    "effects",
                    effect.field.raw,
                )


def _permissions(ctx: CheckContext) -> None:
    permissions = ctx.model.permissions
    for role in permissions.roles:
        for i, parent in enumerate(role.inherits):
            _unknown_role(
                ctx,
                parent.raw,
                f"the parents of role '{role.name}'",
                "permissions",
                "roles",
                role.name.raw,
                "inherits",
                i,
            )
    seen_entities: set[str] = set()
    for rule in permissions.rules:
        path = ("permissions", "rules", rule.entity.raw, rule.action.raw)
        if not ctx.written(*path):
            continue  # made from a transition's `roles`; checked with the machine
        if rule.entity.raw not in seen_entities:
            seen_entities.add(rule.entity.raw)
            if rule.entity.raw not in _entities(ctx):
                ctx.report(
                    "SF301",
                    f"unknown entity '{rule.entity}' in permissions.rules",
                    ctx.key("permissions", "rules", rule.entity.raw),
                    did_you_mean(rule.entity.raw, _entities(ctx), "entities"),
                )
        for i, grant in enumerate(rule.grants):
            item = (*path, i, "role") if ctx.written(*path, i, "role") else (*path, i)
            _unknown_role(ctx, grant.role.raw, f"the rule for {rule.entity}.{rule.action}", *item)


def _api(ctx: CheckContext) -> None:
    for resource in ctx.model.api.resources:
        _unknown_entity(
            ctx,
            resource.entity.raw,
            f"exposed as resource '{resource.path}'",
            "api",
            "resources",
            resource.path,
            "entity",
        )
    limits = ctx.model.api.rate_limits
    if limits is not None and limits.plan_entity is not None and limits.plan_field is not None:
        path = ("api", "rate_limits", "plan_field")
        entity = ctx.model.entity(limits.plan_entity.raw)
        if entity is None:
            _unknown_entity(ctx, limits.plan_entity.raw, "in rate_limits.plan_field", *path)
        else:
            _unknown_field(ctx, entity, limits.plan_field.raw, "in rate_limits.plan_field", *path)


def _reference_cycles(ctx: CheckContext) -> None:
    """SF306: `ref` fields that lead from an entity back to itself through others.

    One diagnostic per strongly connected group of entities (Tarjan), listing every `ref`
    between its members: each of them lies on a cycle. A `ref` from an entity to itself (a
    tree) is fine: the table exists when its foreign key is created.
    """
    entities = {e.name.raw: e for e in ctx.model.entities}
    edges: dict[str, list[str]] = {name: [] for name in entities}
    for entity in ctx.model.entities:
        for field in entity.fields:
            parent = field.ref_entity.raw if field.ref_entity is not None else None
            children = edges[entity.name.raw]
            if parent in entities and parent != entity.name.raw and parent not in children:
                children.append(parent)
    for group in _strongly_connected(edges):
        if len(group) < 2:
            continue
        links = [
            (entity.name.raw, field.name.raw, field.ref_entity.raw)
            for entity in ctx.model.entities
            if entity.name.raw in group
            for field in entity.fields
            if field.ref_entity is not None
            and field.ref_entity.raw in group
            and field.ref_entity.raw != entity.name.raw
        ]
        members = [name for name in entities if name in group]
        described = ", ".join(f"{child}.{name} -> {parent}" for child, name, parent in links)
        ctx.report(
            "SF306",
            f"entities {_and(members)} reference each other in a cycle: {described}; their "
            "tables cannot be created parents first",
            ctx.key(*field_path(links[0][0], links[0][1])),
            "break each cycle at one of these fields: keep the references that say who owns "
            "whom, make another a plain `type: uuid` field (no foreign key) or move it to an "
            "entity of its own that refers to both ends",
        )


def _and(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return ", ".join(quoted[:-1]) + f" and {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def _strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; groups come out children first, members in visit order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group[::-1])
    return groups
