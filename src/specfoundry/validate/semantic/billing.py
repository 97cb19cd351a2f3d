"""SF38x: who runs a transition (``by``), and the ``billing:`` section's references."""

from __future__ import annotations

from specfoundry.model import Billing, FieldType, Service
from specfoundry.validate.semantic.context import CheckContext, transition_path


def check(ctx: CheckContext) -> None:
    _drivers(ctx)
    billing = ctx.model.platform.billing
    if billing is not None:
        _billing(ctx, ctx.model, billing)


def _drivers(ctx: CheckContext) -> None:
    """provider/system transitions take no roles, no rule and no public route."""
    rules = {(r.entity.raw, r.action.raw): r for r in ctx.model.permissions.rules}
    for machine in ctx.model.state_machines:
        for t in machine.transitions:
            if t.public:
                continue
            tpath = transition_path(machine.name.raw, t.name.raw)
            if t.roles:
                ctx.report(
                    "SF380",
                    f"transition '{t.name}' is run by the {t.by} and also lists `roles`",
                    ctx.at(*tpath, "roles"),
                    f"drop `roles`: no caller may run a `by: {t.by}` transition",
                )
            rule = rules.get((machine.entity.raw, t.name.raw))
            if rule is not None:
                ctx.report(
                    "SF380",
                    f"transition '{t.name}' is run by the {t.by} and also has a rule in "
                    f"permissions.rules.{machine.entity}",
                    rule.location,
                    f"drop the rule: no caller may run a `by: {t.by}` transition",
                )
            for resource in ctx.model.api.resources:
                if resource.entity.raw == machine.entity.raw and t.name in resource.transitions:
                    ctx.report(
                        "SF381",
                        f"resource '{resource.path}' exposes transition '{t.name}', which is run "
                        f"by the {t.by}",
                        ctx.item(
                            "api", "resources", resource.path, "transitions", value=t.name.raw
                        ),
                        "leave it out of `transitions` (`all` leaves it out by itself)",
                    )


def _billing(ctx: CheckContext, model: Service, billing: Billing) -> None:
    def bad(message: str, *path: str | int, hint: str | None = None) -> None:
        ctx.report("SF382", message, ctx.at("billing", *path), hint)

    entity = model.entity(billing.entity.raw)
    if entity is None:
        bad(f"billing names entity '{billing.entity}', which does not exist", "subscription")
        return
    machine = next(
        (m for m in model.machine_for(entity.name.raw) if m.name == billing.machine), None
    )
    if machine is None:
        bad(
            f"no state machine '{billing.machine}' drives entity '{entity.name}'",
            "subscription",
            hint="add a state machine bound to the entity, or name it in `subscription.machine`",
        )
        return
    states = {s.name.raw for s in machine.states}
    for label, name in (("id_field", billing.id_field), ("plan_field", billing.plan_field)):
        if name is not None and entity.field(name.raw) is None:
            bad(f"'{entity.name}' has no field '{name}'", "subscription", label)
    for name, _ in billing.fields:
        field = entity.field(name.raw)
        if field is None:
            bad(f"'{entity.name}' has no field '{name}'", "subscription", "fields", name.raw)
        elif field.type is FieldType.STATE:
            bad(
                f"'{entity.name}.{name}' is the machine's state; `statuses` maps it",
                "subscription",
                "fields",
                name.raw,
            )
    for provider_status, state in billing.statuses:
        if state not in states:
            bad(
                f"provider status '{provider_status}' maps to '{state}', not a state of "
                f"'{machine.name}'",
                "statuses",
                provider_status,
            )
    objects = {kind for kind, _ in billing.objects}
    for rule in billing.events:
        if rule.to is not None and rule.to not in states:
            bad(f"event '{rule.type}' goes to '{rule.to}', not a state", "events", rule.type)
        if rule.source not in objects:
            bad(
                f"event '{rule.type}' carries a '{rule.source}', which `objects` does not describe",
                "events",
                rule.type,
                hint=f"add `objects: {{{rule.source}: {{id: ..., tenant: ...}}}}`",
            )
        if rule.to is None and not any(
            what == "status"
            for kind, paths in billing.objects
            if kind == rule.source
            for what, _ in paths
        ):
            bad(
                f"event '{rule.type}' has no `to` and its object has no `status` path",
                "events",
                rule.type,
            )
    if not any(not t.public for t in machine.transitions):
        bad(
            f"state machine '{machine.name}' has no `by: provider` transition for the "
            "provider's events to run",
            "subscription",
        )
    features = {name for name, _ in billing.features}
    resources = {r.path for r in model.api.resources}
    for fname, paths in billing.features:
        for path in paths:
            if path not in resources:
                bad(
                    f"feature '{fname}' names resource '{path}', which the API does not have",
                    "features",
                    fname,
                )
    plan_values: tuple[str, ...] = ()
    if billing.plan_field is not None and (pf := entity.field(billing.plan_field.raw)):
        plan_values = pf.enum_values
    for plan in billing.plans:
        if plan_values and plan.name not in plan_values:
            bad(
                f"plan '{plan.name}' is not a value of '{entity.name}.{billing.plan_field}'",
                "plans",
                plan.name,
            )
        for feature in plan.features:
            if feature not in features:
                bad(
                    f"plan '{plan.name}' grants feature '{feature}', which `features` does not "
                    "define",
                    "plans",
                    plan.name,
                )
        for ename, _ in plan.quotas:
            if model.entity(ename) is None:
                bad(
                    f"plan '{plan.name}' limits entity '{ename}', which does not exist",
                    "plans",
                    plan.name,
                    "quotas",
                    ename,
                )
    if billing.default_plan is not None and billing.plan(billing.default_plan) is None:
        bad(f"default_plan '{billing.default_plan}' is not one of `plans`", "default_plan")
