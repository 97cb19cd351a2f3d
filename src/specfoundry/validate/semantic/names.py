"""SF31x: names that would break generated code or SQL, and names given twice."""

from __future__ import annotations

from collections.abc import Sequence

from specfoundry.model import SYSTEM_COLUMNS, TENANT_COLUMN, Name
from specfoundry.model.entities import EntityOrigin
from specfoundry.model.names import (
    GENERATED_CLASSES,
    GENERATED_TABLES,
    PYTHON_RESERVED,
    SQL_RESERVED,
    reserved_kind,
)
from specfoundry.validate.semantic.context import (
    CheckContext,
    field_path,
    machine_path,
    transition_path,
)

# PostgreSQL silently truncates longer identifiers, so two long names could become one.
MAX_IDENTIFIER = 63


def check(ctx: CheckContext) -> None:
    _reserved(ctx)
    _duplicates(ctx)
    _tables(ctx)


def _python_keyword(ctx: CheckContext, name: str, what: str, *path: str | int) -> None:
    if name in PYTHON_RESERVED:
        ctx.report(
            "SF310",
            f"{what} '{name}' is a Python keyword",
            ctx.key(*path),
            "Python reserves the word; pick another name, e.g. a more specific one",
        )


def _reserved(ctx: CheckContext) -> None:
    model = ctx.model
    _python_keyword(ctx, model.name.raw, "the service name", "service", "name")
    for entity in model.entities:
        epath = ("entities", entity.name.raw)
        _python_keyword(ctx, entity.name.raw, "entity name", *epath)
        _long(ctx, entity.name.raw, "entity name", ctx.key(*epath))
        for field in entity.fields:
            fpath = field_path(entity.name.raw, field.name.raw)
            if field.name.raw in SYSTEM_COLUMNS:
                if field.name.raw != TENANT_COLUMN:  # tenancy.py explains that one
                    ctx.report(
                        "SF313",
                        f"field '{entity.name}.{field.name}' has the name of a column every "
                        f"entity already gets ({', '.join(SYSTEM_COLUMNS)})",
                        ctx.key(*fpath),
                        "the column exists already; remove the field or rename it",
                    )
                continue
            kind = reserved_kind(field.name.raw)
            if kind is not None:
                ctx.report(
                    "SF310",
                    f"field name '{entity.name}.{field.name}' is {kind}",
                    ctx.key(*fpath),
                    "rename the field; generated models and SQL would break on it",
                )
            _long(ctx, field.name.raw, "field name", ctx.key(*fpath))
    for machine in model.state_machines:
        mpath = machine_path(machine.name.raw)
        _python_keyword(ctx, machine.name.raw, "state machine name", *mpath)
        for state in machine.states:
            _python_keyword(ctx, state.name.raw, "state name", *mpath, "states", state.name.raw)
        for t in machine.transitions:
            _python_keyword(
                ctx, t.name.raw, "transition name", *transition_path(machine.name.raw, t.name.raw)
            )
    for event in model.events:
        for item in event.payload:
            _python_keyword(
                ctx,
                item.name.raw,
                "event payload field",
                "events",
                event.name,
                "payload",
                item.name.raw,
            )


def _long(ctx: CheckContext, name: str, what: str, location: object) -> None:
    if len(name.encode()) > MAX_IDENTIFIER:
        ctx.report(
            "SF314",
            f"{what} '{name}' is longer than {MAX_IDENTIFIER} characters",
            location,  # type: ignore[arg-type]
            "PostgreSQL truncates longer identifiers; shorten it",
        )


def _tables(ctx: CheckContext) -> None:
    owners: dict[str, str] = {}
    builtins = {e.name.raw: e for e in ctx.model.entities if e.origin is EntityOrigin.PLATFORM}
    builtin_tables = {e.table: e for e in builtins.values()}
    for entity in ctx.model.entities:
        if entity.origin is EntityOrigin.PLATFORM:
            continue  # reported on the spec entity that takes its name (SF316)
        taken = builtins.get(entity.name.raw) or builtin_tables.get(entity.table)
        if taken is not None:
            ctx.report(
                "SF316",
                f"entity '{entity.name}' takes the name or table of the built-in entity "
                f"'{taken.name}' ({taken.table}) of a platform feature the spec switches on",
                ctx.key("entities", entity.name.raw),
                "remove the entity (the feature provides it) or rename it",
            )
            continue
        epath = ("entities", entity.name.raw)
        explicit = ctx.written(*epath, "table")
        where = ctx.at(*epath, "table") if explicit else ctx.key(*epath)
        spelled = "table name" if explicit else "table name (the plural of the entity name)"
        if entity.table in SQL_RESERVED:
            ctx.report(
                "SF310",
                f"{spelled} '{entity.table}' of entity '{entity.name}' is an SQL reserved word",
                where,
                "set `table:` to another name",
            )
        _long(ctx, entity.table, "table name", where)
        if entity.table in GENERATED_TABLES:
            ctx.report(
                "SF315",
                f"{spelled} '{entity.table}' of entity '{entity.name}' is a table every "
                "generated service already has",
                where,
                "rename the entity or set `table:` to another name",
            )
        if entity.name.pascal in GENERATED_CLASSES:
            ctx.report(
                "SF315",
                f"entity '{entity.name}' would become the class '{entity.name.pascal}', a name "
                "the generated models.py already uses",
                ctx.key(*epath),
                "rename the entity, e.g. to a more specific name",
            )
        first = owners.get(entity.table)
        if first is not None:
            ctx.report(
                "SF312",
                f"entities '{first}' and '{entity.name}' both use the table '{entity.table}'",
                where,
                "give one of them another `table:`",
            )
        else:
            owners[entity.table] = entity.name.raw


def _duplicates(ctx: CheckContext) -> None:
    model = ctx.model
    _repeated(
        ctx, model.tenancy.cross_tenant_roles, "cross_tenant_roles", "tenancy", "cross_tenant_roles"
    )
    for entity in model.entities:
        for field in entity.fields:
            fpath = field_path(entity.name.raw, field.name.raw)
            if ctx.written(*fpath, "values"):
                _repeated(
                    ctx,
                    field.enum_values,
                    f"the values of '{entity.name}.{field.name}'",
                    *fpath,
                    "values",
                )
            _repeated(
                ctx,
                field.writable_by or (),
                f"writable_by of '{entity.name}.{field.name}'",
                *fpath,
                *(("write", "roles") if field.write_key == "write" else ("writable_by",)),
            )
        for i, index in enumerate(entity.indexes):
            base: tuple[str | int, ...] = ("entities", entity.name.raw, "indexes", i)
            if ctx.written(*base, "fields"):
                base = (*base, "fields")
            _repeated(ctx, index.fields, f"an index of '{entity.name}'", *base)
    for machine in model.state_machines:
        for t in machine.transitions:
            tpath = transition_path(machine.name.raw, t.name.raw)
            _repeated(ctx, t.sources, f"`from` of transition '{t.name}'", *tpath, "from")
            _repeated(ctx, t.roles, f"the roles of transition '{t.name}'", *tpath, "roles")
            _repeated(ctx, t.events, f"the events of transition '{t.name}'", *tpath, "events")
    for role in model.permissions.roles:
        _repeated(
            ctx,
            role.inherits,
            f"the parents of role '{role.name}'",
            "permissions",
            "roles",
            role.name.raw,
            "inherits",
        )
    for rule in model.permissions.rules:
        path = ("permissions", "rules", rule.entity.raw, rule.action.raw)
        if not ctx.written(*path):
            continue
        seen: set[tuple[str, str | None]] = set()
        for i, grant in enumerate(rule.grants):
            key = (grant.role.raw, grant.condition.source if grant.condition else None)
            if key in seen:
                ctx.report(
                    "SF311",
                    f"role '{grant.role}' is granted {rule.entity}.{rule.action} twice in the "
                    "same way",
                    ctx.at(*path, i),
                    "remove the repeated line",
                )
            seen.add(key)
    for resource in model.api.resources:
        rpath = ("api", "resources", resource.path)
        if ctx.written(*rpath, "transitions", 0):
            _repeated(
                ctx,
                resource.transitions,
                f"the transitions of resource '{resource.path}'",
                *rpath,
                "transitions",
            )


def _repeated(ctx: CheckContext, items: Sequence[Name | str], where: str, *path: str | int) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        name = item.raw if isinstance(item, Name) else item
        if name in seen:
            ctx.report(
                "SF311",
                f"'{name}' is listed twice in {where}",
                ctx.at(*path, i),
                "remove the repeated entry",
            )
        seen.add(name)
