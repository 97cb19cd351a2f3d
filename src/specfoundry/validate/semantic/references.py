"""Every name a spec mentions must exist: entities, fields, states, roles, events."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from specfoundry.model import FieldType
from specfoundry.validate.semantic.context import CheckContext


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"known names: {', '.join(pool)}" if pool else None


def check(ctx: CheckContext) -> None:
    model = ctx.model
    entities = {e.name.raw for e in model.entities}
    roles = {r.name.raw for r in model.permissions.roles}
    events = {e.name for e in model.events}

    tenant = model.tenancy.tenant_entity.raw
    if tenant not in entities:
        ctx.error(
            "SF301",
            f"unknown entity '{tenant}' named as the tenant entity",
            ctx.at("tenancy", "tenant_entity"),
            did_you_mean(tenant, entities),
        )
    for role in model.tenancy.cross_tenant_roles:
        if role.raw not in roles:
            ctx.error(
                "SF304",
                f"unknown role '{role}' in cross_tenant_roles",
                ctx.at("tenancy", "cross_tenant_roles"),
                did_you_mean(role.raw, roles),
            )

    for entity in model.entities:
        for field in entity.fields:
            field_path = ("entities", entity.name.raw, "fields", field.name.raw)
            if field.type is FieldType.REF and field.ref_entity is None:
                ctx.error(
                    "SF201",
                    f"ref field '{entity.name}.{field.name}' needs `entity:`",
                    field.location,
                    "name the entity it points at, e.g. `entity: project`",
                )
            if field.ref_entity is not None and field.ref_entity.raw not in entities:
                ctx.error(
                    "SF301",
                    f"unknown entity '{field.ref_entity}' referenced by field "
                    f"'{entity.name}.{field.name}'",
                    ctx.at(*field_path, "entity"),
                    did_you_mean(field.ref_entity.raw, entities),
                )
            for role in field.writable_by or ():
                if role.raw not in roles:
                    ctx.error(
                        "SF304",
                        f"unknown role '{role}' in writable_by of '{entity.name}.{field.name}'",
                        ctx.at(
                            "entities", entity.name.raw, "fields", field.name.raw, "writable_by"
                        ),
                        did_you_mean(role.raw, roles),
                    )
        for action, event in entity.emits:
            if event.raw not in events:
                ctx.error(
                    "SF305",
                    f"unknown event '{event}' emitted on {action} of '{entity.name}'",
                    ctx.at("entities", entity.name.raw, "emits", action),
                    did_you_mean(event.raw, events),
                )

    for rule in model.permissions.rules:
        for grant in rule.grants:
            if grant.role.raw not in roles:
                ctx.error(
                    "SF304",
                    f"unknown role '{grant.role}' in the rule for {rule.entity}.{rule.action}",
                    grant.location,
                    did_you_mean(grant.role.raw, roles),
                )
