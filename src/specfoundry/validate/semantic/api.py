"""SF35x: the HTTP surface: resources, exposed transitions, rules, pagination, rate limits."""

from __future__ import annotations

from specfoundry.model import Deprecation, FieldType, Operation, Resource
from specfoundry.validate.semantic.context import CheckContext
from specfoundry.validate.semantic.references import did_you_mean


def check(ctx: CheckContext) -> None:
    exposed: dict[str, str] = {}
    for resource in ctx.model.api.resources:
        rpath = ("api", "resources", resource.path)
        first = exposed.get(resource.entity.raw)
        if first is not None:
            ctx.report(
                "SF351",
                f"entity '{resource.entity}' is exposed twice, as '{first}' and '{resource.path}'",
                ctx.at(*rpath, "entity"),
                "expose each entity as one resource; list every operation there",
            )
        else:
            exposed[resource.entity.raw] = resource.path
        _deprecations(ctx, resource)
        if ctx.model.entity(resource.entity.raw) is None:
            continue  # SF301
        _transitions(ctx, resource)
        _rules(ctx, resource)
        _creatable(ctx, resource)
    _pagination(ctx)
    _rate_limits(ctx)
    _sla(ctx)


def _deprecations(ctx: CheckContext, resource: Resource) -> None:
    rpath = ("api", "resources", resource.path)
    items: list[tuple[tuple[str, ...], Deprecation]] = []
    if resource.deprecated is not None:
        items.append(((*rpath, "deprecated"), resource.deprecated))
    for op, dep in resource.deprecated_operations:
        path = (*rpath, "deprecated_operations", op)
        items.append((path, dep))
        if op not in resource.operations:
            ctx.report(
                "SF359",
                f"resource '{resource.path}' deprecates {op}, which it does not expose",
                ctx.key(*path),
                f"remove it, or add {op} to `operations`",
            )
    for path, dep in items:
        if dep.sunset is not None and dep.sunset <= dep.since:
            ctx.report(
                "SF350",
                f"sunset date {dep.sunset} is not after the deprecation date {dep.since}",
                ctx.at(*path, "sunset"),
                "clients need time between deprecation and removal; move the sunset later",
            )


def _transitions(ctx: CheckContext, resource: Resource) -> None:
    rpath = ("api", "resources", resource.path)
    known = [t.name.raw for m in ctx.model.machine_for(resource.entity.raw) for t in m.transitions]
    if ctx.raw(*rpath, "transitions") == "all":
        return
    for i, name in enumerate(resource.transitions):
        if name.raw not in known:
            ctx.report(
                "SF352",
                f"resource '{resource.path}' exposes transition '{name}', which entity "
                f"'{resource.entity}' does not have",
                ctx.at(*rpath, "transitions", i),
                did_you_mean(name.raw, known, f"transitions of '{resource.entity}'")
                or f"'{resource.entity}' has no state machine with transitions",
            )


def _rules(ctx: CheckContext, resource: Resource) -> None:
    rpath = ("api", "resources", resource.path)
    permissions = ctx.model.permissions
    for op in resource.operations:
        rule = permissions.rule(resource.entity.raw, op.value)
        if rule is None or not rule.grants:
            ctx.report(
                "SF353",
                f"nobody may call {op} on resource '{resource.path}': no permission rule "
                f"grants {resource.entity}.{op}",
                ctx.item(*rpath, "operations", value=op.value),
                f"add `permissions.rules.{resource.entity}.{op}: [<role>]`, or stop exposing it",
            )
    known = {t.name.raw for m in ctx.model.machine_for(resource.entity.raw) for t in m.transitions}
    listed = ctx.raw(*rpath, "transitions") != "all"
    for i, name in enumerate(resource.transitions):
        if name.raw not in known:
            continue  # SF352
        rule = permissions.rule(resource.entity.raw, name.raw)
        if rule is None or not rule.grants:
            ctx.report(
                "SF353",
                f"nobody may run transition '{name}' on resource '{resource.path}': it has no "
                "`roles` and no permission rule",
                ctx.at(*rpath, "transitions", i) if listed else ctx.at(*rpath, "transitions"),
                f"add `roles: [<role>]` to the transition, or a rule "
                f"`permissions.rules.{resource.entity}.{name}`",
            )


def _creatable(ctx: CheckContext, resource: Resource) -> None:
    if Operation.CREATE not in resource.operations:
        return
    entity = ctx.model.entity(resource.entity.raw)
    assert entity is not None
    where = ctx.item("api", "resources", resource.path, "operations", value="create")
    holders = ctx.model.permissions.holders(entity.name.raw, "create")
    for field in entity.fields:
        if not field.required or field.has_default:
            continue
        if field.type is FieldType.STATE or field.auto is not None:
            continue  # filled by the service
        if field.read_only:
            ctx.report(
                "SF357",
                f"resource '{resource.path}' exposes create, but the required field "
                f"'{entity.name}.{field.name}' is read-only and has no default, so no "
                "request can create one",
                where,
                "give the field a default, make it optional, or drop read_only",
            )
        elif field.writable_by is not None and holders:
            writers = {r.raw for r in field.writable_by}
            if not any(
                writers & {h.role.name.raw, *(n.raw for n in h.role.includes)} for h in holders
            ):
                ctx.report(
                    "SF357",
                    f"resource '{resource.path}' exposes create, but no role allowed to create "
                    f"'{entity.name}' may write its required field '{field.name}' "
                    f"(writable_by: {', '.join(sorted(writers))})",
                    where,
                    "widen writable_by, give the field a default, or make it optional",
                )


def _pagination(ctx: CheckContext) -> None:
    pagination = ctx.model.api.pagination
    if pagination.default_limit > pagination.max_limit:
        path = ("api", "pagination")
        at = (
            (*path, "default_limit")
            if ctx.written(*path, "default_limit")
            else (*path, "max_limit")
        )
        ctx.report(
            "SF354",
            f"pagination default_limit {pagination.default_limit} is above max_limit "
            f"{pagination.max_limit}",
            ctx.at(*at),
            "lower default_limit or raise max_limit",
        )


def _rate_limits(ctx: CheckContext) -> None:
    limits = ctx.model.api.rate_limits
    if limits is None:
        return
    path = ("api", "rate_limits")
    plans = [p.plan for p in limits.plans]
    if limits.default_plan not in plans:
        ctx.report(
            "SF355",
            f"default_plan '{limits.default_plan}' is not one of the plans",
            ctx.at(*path, "default_plan"),
            did_you_mean(limits.default_plan, plans, "plans"),
        )
    if limits.plan_entity is None or limits.plan_field is None:
        return
    entity = ctx.model.entity(limits.plan_entity.raw)
    field = entity.field(limits.plan_field.raw) if entity else None
    if field is None:
        return  # SF301 / SF302
    where = ctx.at(*path, "plan_field")
    label = f"'{limits.plan_entity}.{limits.plan_field}'"
    if field.type is not FieldType.ENUM:
        ctx.report(
            "SF356",
            f"plan_field {label} is of type {field.type}; it must be an enum of the plans",
            where,
            f"declare it as `{{type: enum, values: [{', '.join(plans)}]}}`",
        )
        return
    missing = [p for p in plans if p not in field.enum_values]
    if missing:
        ctx.report(
            "SF356",
            f"plan_field {label} cannot hold the plan(s) {', '.join(missing)}",
            where,
            f"add {', '.join(missing)} to the values of {label}, or rename the plans to match",
        )


def _sla(ctx: CheckContext) -> None:
    from specfoundry.model.sla import operation_ids

    operations = operation_ids(ctx.model)
    limits = ctx.model.api.rate_limits
    plans = [p.plan for p in limits.plans] if limits is not None else []
    for n, target in enumerate(ctx.model.platform.sla.targets):
        path = ("sla", "targets", n)
        if target.operation is not None and target.operation not in operations:
            ctx.report(
                "SF358",
                f"SLA target names operation '{target.operation}', which the API does not have",
                ctx.at(*path, "operation"),
                did_you_mean(target.operation, list(operations))
                or "use an operationId such as " + ", ".join(sorted(operations)[:3]),
            )
        if target.plan is not None and target.plan not in plans:
            ctx.report(
                "SF358",
                f"SLA target names plan '{target.plan}', which `api.rate_limits.plans` lacks",
                ctx.at(*path, "plan"),
                did_you_mean(target.plan, plans) or "add the plan to api.rate_limits.plans",
            )
