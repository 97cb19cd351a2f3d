"""The explanation of a spec (``specfoundry explain``): a readable summary of what it means.

Entities, roles, the permission matrix, state machines and the HTTP surface, computed from the
intermediate model (so inheritance and defaults are already applied), as aligned plain text or
Markdown. The summary is built as a list of blocks first and then laid out, so both formats say
exactly the same thing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from specfoundry.lower.http import lower_http
from specfoundry.model import (
    CRUD_ACTIONS,
    Condition,
    Driver,
    Entity,
    Field,
    FieldType,
    Service,
    StateMachine,
    Transition,
)
from specfoundry.model.http import HttpDeprecation
from specfoundry.model.nesting import resolve_nesting
from specfoundry.model.relations import PathError, resolve_path


# -- blocks -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | Bullets | Table


# -- what to say ------------------------------------------------------------------------------
def explain_blocks(model: Service) -> list[Block]:
    blocks: list[Block] = [Heading(f"{model.title} ({model.name} {model.version})", 1)]
    if model.description:
        blocks.append(Paragraph(model.description))
    tenancy = model.tenancy
    facts = [
        f"tenancy: {tenancy.model.value}; the tenant is `{tenancy.tenant_entity}`, taken from "
        f"the JWT claim `{tenancy.claims.tenant}` (subject `{tenancy.claims.subject}`, roles "
        f"`{tenancy.claims.roles}`)",
    ]
    if tenancy.cross_tenant_roles:
        roles = ", ".join(r.raw for r in tenancy.cross_tenant_roles)
        facts.append(f"cross-tenant roles: {roles}")
    facts.append(
        f"{len(model.entities)} entities, {len(model.permissions.roles)} roles, "
        f"{len(model.state_machines)} state machines, {len(model.api.resources)} API resources"
    )
    blocks.append(Bullets(tuple(facts)))
    blocks += _entities(model)
    blocks += _roles(model)
    blocks += _permissions(model)
    blocks += _machines(model)
    blocks += _api(model)
    return blocks


def _entities(model: Service) -> list[Block]:
    blocks: list[Block] = [Heading("Entities", 2)]
    for entity in model.entities:
        traits = [f"table `{entity.table}`"]
        if entity.is_tenant:
            traits.append("the tenant")
        elif entity.tenant_scoped:
            traits.append("tenant-scoped")
        else:
            traits.append("global")
        if entity.soft_delete:
            traits.append("soft delete")
        blocks.append(Heading(f"{entity.name} ({', '.join(traits)})", 3))
        if entity.description:
            blocks.append(Paragraph(entity.description))
        rows = tuple((f.name.raw, _type(f), ", ".join(_flags(f))) for f in entity.fields)
        blocks.append(Table(("field", "type", "flags"), rows))
        extras = []
        for index in entity.indexes:
            kind = "unique index" if index.unique else "index"
            extras.append(f"{kind} ({', '.join(n.raw for n in index.fields)})")
        extras += [f"emits `{event}` on {action}" for action, event in entity.emits]
        if extras:
            blocks.append(Bullets(tuple(extras)))
    return blocks


def _type(field: Field) -> str:
    if field.type is FieldType.LIST and field.item_type is not None:
        bounds = f"{field.min_items or 0}..{field.items_bound}"
        unique = ", unique" if field.unique_items else ""
        return f"list of {_type(field.item)} ({bounds} items{unique})"
    if field.type is FieldType.PRINCIPAL and field.principal_roles:
        return f"principal ({'|'.join(r.raw for r in field.principal_roles)})"
    match field.type:
        case FieldType.ENUM:
            return f"enum({'|'.join(field.enum_values)})"
        case FieldType.REF:
            return f"ref -> {field.ref_entity}"
        case FieldType.STATE:
            return f"state ({field.state_machine})" if field.state_machine else "state"
        case FieldType.MONEY if field.currency:
            return f"money {field.currency}"
        case _:
            return field.type.value


def _flags(field: Field) -> list[str]:
    flags = []
    for on, label in (
        (field.required, "required"),
        (field.unique, "unique"),
        (field.read_only, "read-only"),
        (field.write_once, "write-once"),
        (field.sortable, "sortable"),
        (field.filterable and field.type is not FieldType.LIST, "filterable"),
        (field.filterable and field.type is FieldType.LIST, "filterable (contains)"),
    ):
        if on:
            flags.append(label)
    if field.auto is not None:
        flags.append(f"auto={field.auto.value}")
    if field.has_default:
        flags.append(f"default={_literal(field.default)}")
    if field.min_length is not None and field.max_length is not None:
        flags.append(f"length {field.min_length}..{field.max_length}")
    elif field.max_length is not None:
        flags.append(f"max length {field.max_length}")
    elif field.min_length is not None:
        flags.append(f"min length {field.min_length}")
    if field.minimum is not None or field.maximum is not None:
        low = "" if field.minimum is None else str(field.minimum)
        high = "" if field.maximum is None else str(field.maximum)
        flags.append(f"range {low}..{high}")
    if field.pattern:
        flags.append(f"pattern {field.pattern}")
    if field.type is FieldType.REF:
        flags.append(f"on delete {field.on_delete.value}")
    if field.writable_by is not None or field.write_condition is not None:
        text = "writable"
        if field.writable_by is not None:
            text += " by " + "/".join(r.raw for r in field.writable_by)
        if field.write_condition is not None:
            text += " when " + " ".join(field.write_condition.source.split())
        flags.append(text)
    if field.member_of:
        roles = field.member_of_roles
        flags.append(
            "member of "
            + ".".join(field.member_of)
            + (f" as {' or '.join(roles)}" if roles is not None else "")
        )
    if field.hidden_sometimes:
        text = "visible"
        if field.read_roles is not None:
            text += " to " + "/".join(r.raw for r in field.read_roles)
        if field.read_condition is not None:
            text += " when " + " ".join(field.read_condition.source.split())
        flags.append(text)
    if field.on_behalf_of is not None:
        flags.append("on behalf of others by " + "/".join(r.raw for r in field.on_behalf_of))
    return flags


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _roles(model: Service) -> list[Block]:
    rows = []
    for role in model.permissions.roles:
        rows.append(
            (
                role.name.raw,
                ", ".join(r.raw for r in role.inherits) or "-",
                ", ".join(r.raw for r in role.includes) or "-",
                "yes" if role.cross_tenant else "",
                role.description or "",
            )
        )
    return [
        Heading("Roles", 2),
        Table(("role", "inherits", "includes (all)", "cross-tenant", "description"), tuple(rows)),
    ]


def _actions(model: Service, entity: Entity) -> list[str]:
    actions = list(CRUD_ACTIONS)
    for machine in model.machine_for(entity.name.raw):
        actions += [t.name.raw for t in machine.transitions if t.name.raw not in actions]
    # Actions with rules but no CRUD meaning or machine (kept so nothing is hidden).
    for rule in model.permissions.rules:
        if rule.entity == entity.name and rule.action.raw not in actions:
            actions.append(rule.action.raw)
    return actions


def _permissions(model: Service) -> list[Block]:
    blocks: list[Block] = [
        Heading("Permissions", 2),
        Paragraph(
            "Rows are roles (inheritance applied), columns actions. `yes` = allowed, `yes*` = "
            "allowed when a condition holds (listed below the table), `-` = denied (default)."
        ),
    ]
    roles = model.permissions.roles
    for entity in model.entities:
        actions = _actions(model, entity)
        if not any(model.permissions.rule(entity.name.raw, a) for a in actions):
            continue
        cells: dict[tuple[str, str], str] = {}
        conditions: list[str] = []
        for action in actions:
            for holder in model.permissions.holders(entity.name.raw, action):
                role = holder.role.name.raw
                cells[role, action] = "yes*" if holder.conditions else "yes"
                for condition in holder.conditions:
                    conditions.append(f"{role} {action}: {condition.source.strip()}")
                    conditions += _relation_lines(model, entity, condition)
        rows = tuple(
            (role.name.raw, *(cells.get((role.name.raw, a), "-") for a in actions))
            for role in roles
        )
        blocks.append(Heading(f"{entity.name}", 3))
        blocks.append(Table(("role", *actions), rows))
        if conditions:
            blocks.append(Bullets(tuple(f"* {c}" for c in conditions)))
    return blocks


def _relation_lines(model: Service, entity: Entity, condition: Condition) -> list[str]:
    """How each relation path of ``condition`` is followed: the chain of references, which
    the object check loads and the list filter turns into one ``EXISTS``."""
    lines: list[str] = []
    for attribute in condition.attributes():
        if not attribute.related:
            continue
        try:
            hops = resolve_path(model, entity, attribute.path)
        except PathError:
            continue  # reported by the semantic checks
        chain = " -> ".join(
            [entity.name.raw, *(f"{h.target.name} (by {h.field.name})" for h in hops)]
        )
        line = f"  {attribute.dotted}: {chain}; list filter: EXISTS over {len(hops)} join(s)"
        if line not in lines:
            lines.append(line)
    return lines


def _machines(model: Service) -> list[Block]:
    if not model.state_machines:
        return []
    blocks: list[Block] = [Heading("State machines", 2)]
    for machine in model.state_machines:
        blocks.append(
            Heading(
                f"{machine.name} ({machine.entity}.{machine.field}, initial {machine.initial})", 3
            )
        )
        if machine.description:
            blocks.append(Paragraph(machine.description))
        blocks.append(Bullets((_states(machine),)))
        rows = []
        for t in machine.transitions:
            effects = ", ".join(f"{e.field}={_effect(e.value)}" for e in t.effects)
            if t.hook is not None:
                effects = ", ".join(x for x in (effects, f"hook {t.hook}") if x)
            rows.append(
                (
                    t.name.raw,
                    f"{', '.join(s.raw for s in t.sources)} -> {t.target}",
                    _runs(t),
                    t.guard.source.strip() if t.guard else "-",
                    effects or "-",
                    ", ".join(e.raw for e in t.events) or "-",
                )
            )
        blocks.append(
            Table(("transition", "from -> to", "run by", "guard", "effects", "events"), tuple(rows))
        )
    return blocks


def _runs(transition: Transition) -> str:
    """Who runs a transition: its roles, or the provider/system (with a timer's delay)."""
    if transition.by is Driver.API:
        return ", ".join(r.raw for r in transition.roles) or "-"
    delay = transition.after_seconds
    return f"{transition.by.value}" + (f" after {_duration(delay)}" if delay is not None else "")


def _duration(seconds: float) -> str:
    """``600`` -> ``10m``: the largest unit that divides it, as the spec writes ``after:``."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _states(machine: StateMachine) -> str:
    out = []
    for state in machine.states:
        notes = []
        if state.terminal:
            notes.append("terminal")
        if state.access is not None:
            notes.append(
                f"access {state.access.value}"
                + (f" {state.grace_days}d" if state.grace_days is not None else "")
            )
        out.append(state.name.raw + (f" ({', '.join(notes)})" if notes else ""))
    return "states: " + ", ".join(out)


def _effect(value: object) -> str:
    return _literal(getattr(value, "value", value) if isinstance(value, enum.Enum) else value)


def _api(model: Service) -> list[Block]:
    api = model.api
    facts = [
        f"base path {api.base_path}; pagination: limit default {api.pagination.default_limit}, "
        f"max {api.pagination.max_limit}"
    ]
    if api.rate_limits is not None:
        plans = ", ".join(f"{p.plan} {p.text}" for p in api.rate_limits.plans)
        facts.append(f"rate limits by plan: {plans} (default plan {api.rate_limits.default_plan})")
    blocks: list[Block] = [Heading("API", 2), Bullets(tuple(facts))]
    rows = []
    for resource in lower_http(model).resources:
        for op in resource.operations:
            rows.append(
                (resource.path, op.method, op.path, op.id.raw, _deprecation(op.deprecation))
            )
    blocks.append(Table(("resource", "method", "path", "operation", "deprecated"), tuple(rows)))
    notes = []
    for resource in api.resources:
        for op, dep in resource.deprecated_operations:
            if dep.note:
                notes.append(f"{resource.path} {op}: {dep.note}")
        if resource.deprecated is not None and resource.deprecated.note:
            notes.append(f"{resource.path}: {resource.deprecated.note}")
        if resource.require_precondition:
            notes.append(f"{resource.path}: writes require If-Match (428 without it)")
        nesting = resolve_nesting(model, resource)
        if nesting is not None:
            parent = nesting.parent_entity.name.raw.replace("_", " ")
            flat = "; the flat routes stay" if nesting.flat else "; no flat routes"
            notes.append(
                f"{resource.path}: nested under {nesting.parent.path} "
                f"({api.base_path}/{nesting.parent.path}/{{{nesting.param}}}/{resource.path}, "
                f"`{nesting.field.name}` from the path): a {parent} the caller may not read "
                f"answers 404{flat}"
            )
    if notes:
        blocks.append(Bullets(tuple(notes)))
    return blocks


def _deprecation(deprecation: HttpDeprecation | None) -> str:
    if deprecation is None:
        return ""
    text = f"since {deprecation.since.isoformat()}"
    if deprecation.sunset is not None:
        text += f", sunset {deprecation.sunset.isoformat()}"
    return text


# -- how to lay it out ------------------------------------------------------------------------
def render_text(blocks: list[Block]) -> str:
    out: list[str] = []
    previous: Block | None = None
    for block in blocks:
        match block:
            case Heading(text=text, level=level):
                if out:
                    out.append("")
                out.append(text.replace("`", ""))
                underline = {1: "=", 2: "-"}.get(level)
                if underline:
                    out.append(underline * len(text.replace("`", "")))
            case Paragraph(text=text):
                out.append(text.replace("`", ""))
            case Bullets(items=items):
                out += [f"  {item.replace('`', '')}" for item in items]
            case Table(headers=headers, rows=rows):
                if out and out[-1] and not isinstance(previous, Heading):
                    out.append("")
                widths = [
                    max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)
                ]
                line = "  ".join("-" * w for w in widths)
                out.append(_row(headers, widths))
                out.append(line)
                out += [_row(row, widths) for row in rows]
        previous = block
    return "\n".join(out) + "\n"


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def render_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if out:
            out.append("")
        match block:
            case Heading(text=text, level=level):
                out.append(f"{'#' * level} {text}")
            case Paragraph(text=text):
                out.append(text)
            case Bullets(items=items):
                out += [f"- {_md(item)}" for item in items]
            case Table(headers=headers, rows=rows):
                out.append("| " + " | ".join(_md(h) for h in headers) + " |")
                out.append("|" + "---|" * len(headers))
                out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*")
