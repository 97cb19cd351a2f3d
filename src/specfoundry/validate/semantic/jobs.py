"""SF39x: background jobs (``jobs:``) and timers (``after:`` on a transition)."""

from __future__ import annotations

from specfoundry.model import FieldType, Service
from specfoundry.model.api import Operation
from specfoundry.model.jobs import Job, JobKind
from specfoundry.model.machines import Driver
from specfoundry.validate.semantic.context import CheckContext, transition_path

# The payload type a filter on a field of each entity type takes (None: cannot filter on it).
_FILTER_TYPES: dict[FieldType, frozenset[str]] = {
    FieldType.STRING: frozenset({"string", "text"}),
    FieldType.TEXT: frozenset({"string", "text"}),
    FieldType.EMAIL: frozenset({"string", "email"}),
    FieldType.URL: frozenset({"string", "url"}),
    FieldType.ENUM: frozenset({"string"}),
    FieldType.STATE: frozenset({"string"}),
    FieldType.INTEGER: frozenset({"integer"}),
    FieldType.DECIMAL: frozenset({"decimal"}),
    FieldType.MONEY: frozenset({"money", "decimal"}),
    FieldType.BOOLEAN: frozenset({"boolean"}),
    FieldType.DATE: frozenset({"date"}),
    FieldType.DATETIME: frozenset({"datetime"}),
    FieldType.UUID: frozenset({"uuid"}),
    FieldType.REF: frozenset({"uuid"}),
}
STANDARD_COLUMNS = ("id", "created_at", "updated_at")


def check(ctx: CheckContext) -> None:
    roles = {r.name.raw for r in ctx.model.permissions.roles}
    for job in ctx.model.platform.jobs.jobs:
        _job(ctx, ctx.model, job, roles)
    _timers(ctx)


def _job(ctx: CheckContext, model: Service, job: Job, roles: set[str]) -> None:
    path = ("jobs", job.name)
    for n, role in enumerate(job.roles):
        if role not in roles:
            ctx.report(
                "SF393",
                f"job '{job.name}' names role '{role}', which is not defined",
                ctx.at(*path, "roles", n),
                "roles: " + ", ".join(sorted(roles)) if roles else "define it in permissions.roles",
            )
    needs = {
        JobKind.EXPORT: {"entity"},
        JobKind.BULK_UPDATE: {"entity", "set"},
        JobKind.FUNCTION: set(),
    }[job.kind]
    allowed = (
        needs
        | {
            JobKind.EXPORT: {"columns", "batch_size"},
            JobKind.BULK_UPDATE: {"batch_size"},
            JobKind.FUNCTION: {"function"},
        }[job.kind]
    )
    written = {
        k for k in ("entity", "set", "columns", "function", "batch_size") if ctx.written(*path, k)
    }
    for key in sorted(needs - written):
        ctx.report(
            "SF394",
            f"job '{job.name}' of kind `{job.kind}` needs `{key}`",
            ctx.key(*path) or job.location,
            "export: entity (and columns); bulk_update: entity and set; function: function",
        )
    for key in sorted(written - allowed):
        ctx.report(
            "SF394",
            f"job '{job.name}' of kind `{job.kind}` does not take `{key}`",
            ctx.key(*path, key),
            "export: entity, columns, batch_size; bulk_update: entity, set, batch_size; "
            "function: function",
        )
    if job.kind is JobKind.FUNCTION or job.entity is None:
        return
    entity = model.entity(job.entity)
    operation = Operation.LIST if job.kind is JobKind.EXPORT else Operation.UPDATE
    resource = next(
        (
            r
            for r in model.api.resources
            if r.entity.raw == job.entity and operation in r.operations
        ),
        None,
    )
    if entity is None or resource is None:
        what = "does not exist" if entity is None else f"has no API resource with `{operation}`"
        ctx.report(
            "SF390",
            f"job '{job.name}' names entity '{job.entity}', which {what}",
            ctx.at(*path, "entity"),
            f"a job of kind `{job.kind}` works on an entity the API serves with `{operation}`",
        )
        return
    for item in job.input:
        field = entity.field(item.name)
        accepted = _FILTER_TYPES.get(field.type) if field is not None else None
        if field is None or accepted is None:
            why = (
                f"entity '{entity.name}' has no field '{item.name}'"
                if field is None
                else f"'{entity.name}.{item.name}' is a `{field.type}` field"
            )
            ctx.report(
                "SF391",
                f"input '{item.name}' of job '{job.name}' is a filter, but {why} to filter on",
                item.location,
                "each input field of an export or bulk update filters the entity field of the "
                "same name (not json fields)",
            )
        elif item.type not in accepted:
            ctx.report(
                "SF391",
                f"input '{item.name}' of job '{job.name}' is a `{item.type}`, but field "
                f"'{entity.name}.{item.name}' is a `{field.type}`",
                item.location,
                f"use type: {sorted(accepted)[0]}",
            )
    fields = {f.name.raw: f for f in entity.fields}
    for n, column in enumerate(job.columns):
        if column not in fields and column not in STANDARD_COLUMNS:
            ctx.report(
                "SF390",
                f"column '{column}' of job '{job.name}' is not a field of '{entity.name}'",
                ctx.at(*path, "columns", n),
                "columns: id, created_at, updated_at or a field of the entity",
            )
        elif column in fields and fields[column].hidden_sometimes:
            ctx.report(
                "SF396",
                f"column '{column}' of job '{job.name}' has a `read:` rule: "
                "an export would show it to callers who may not see it",
                ctx.at(*path, "columns", n),
                "leave it out of `columns` (an export without `columns` leaves such fields out)",
            )
    for name, _ in job.set:
        field = entity.field(name)
        if field is None or not field.updatable:
            why = "does not exist" if field is None else "cannot be changed through the API"
            ctx.report(
                "SF392",
                f"job '{job.name}' sets '{entity.name}.{name}', which {why}",
                ctx.key(*path, "set", name),
                "a bulk update sets fields the update route accepts; states change through "
                "transitions",
            )


def _timers(ctx: CheckContext) -> None:
    for machine in ctx.model.state_machines:
        for t in machine.transitions:
            if t.after_seconds is None:
                continue
            tpath = transition_path(machine.name.raw, t.name.raw)
            if t.by is not Driver.SYSTEM:
                ctx.report(
                    "SF397",
                    f"transition '{t.name}' has `after:` (a timer) but is run by the {t.by}",
                    ctx.key(*tpath, "after"),
                    "add `by: system` (and drop `roles`): the worker runs timers, no caller does",
                )
            if len(t.sources) != 1:
                ctx.report(
                    "SF398",
                    f"timer transition '{t.name}' has {len(t.sources)} source states; a timer "
                    "counts from entering exactly one",
                    ctx.key(*tpath, "from"),
                    "write one transition per source state, each with its own `after:`",
                )
            elif t.after_seconds <= 0:
                ctx.report(
                    "SF398",
                    f"timer transition '{t.name}' has a zero delay",
                    ctx.key(*tpath, "after"),
                    "after: 10m (a positive duration)",
                )
