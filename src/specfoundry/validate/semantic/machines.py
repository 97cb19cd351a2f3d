"""SF32x: state machines: bindings, reachability, terminal states, names, effects."""

from __future__ import annotations

from collections import defaultdict

from specfoundry.model import CRUD_ACTIONS, Access, EffectValue, FieldType, StateMachine
from specfoundry.validate.semantic.context import (
    CheckContext,
    field_path,
    machine_path,
    transition_path,
)
from specfoundry.validate.semantic.values import value_problem


def check(ctx: CheckContext) -> None:
    for machine in ctx.model.state_machines:
        _binding(ctx, machine)
        _graph(ctx, machine)
        _effects(ctx, machine)
        _entitlements(ctx, machine)
    _state_fields(ctx)
    _transition_names(ctx)


def _binding(ctx: CheckContext, machine: StateMachine) -> None:
    entity = ctx.model.entity(machine.entity.raw)
    field = entity.field(machine.field.raw) if entity else None
    if field is not None and field.type is not FieldType.STATE:
        ctx.report(
            "SF320",
            f"state machine '{machine.name}' drives '{machine.entity}.{machine.field}', "
            f"which is of type {field.type}, not state",
            ctx.at(*machine_path(machine.name.raw), "field"),
            f"declare the field as `{machine.field}: {{type: state}}`",
        )


def _state_fields(ctx: CheckContext) -> None:
    bound: dict[tuple[str, str], list[StateMachine]] = defaultdict(list)
    for machine in ctx.model.state_machines:
        bound[(machine.entity.raw, machine.field.raw)].append(machine)
    for entity in ctx.model.entities:
        for field in entity.fields:
            if field.type is not FieldType.STATE:
                continue
            machines = bound.get((entity.name.raw, field.name.raw), [])
            if not machines:
                ctx.report(
                    "SF321",
                    f"state field '{entity.name}.{field.name}' is not driven by any state machine",
                    ctx.at(*field_path(entity.name.raw, field.name.raw), "type"),
                    f"add a state machine with `entity: {entity.name}` and `field: {field.name}`,"
                    " or use `type: enum`",
                )
            for extra in machines[1:]:
                ctx.report(
                    "SF322",
                    f"state field '{entity.name}.{field.name}' is driven by two state machines, "
                    f"'{machines[0].name}' and '{extra.name}'",
                    ctx.at(*machine_path(extra.name.raw), "field"),
                    "a state field follows one machine; merge them or add a second state field",
                )


def _graph(ctx: CheckContext, machine: StateMachine) -> None:
    mpath = machine_path(machine.name.raw)
    states = {s.name.raw: s for s in machine.states}
    # Transitions out of a terminal state.
    for t in machine.transitions:
        tpath = transition_path(machine.name.raw, t.name.raw)
        for i, source in enumerate(t.sources):
            state = states.get(source.raw)
            if state is not None and state.terminal:
                item = (*tpath, "from", i) if ctx.written(*tpath, "from", i) else (*tpath, "from")
                ctx.report(
                    "SF325",
                    f"transition '{t.name}' leaves '{source}', a terminal state",
                    ctx.at(*item),
                    f"nothing leaves a terminal state; remove '{source}' from `from`, "
                    "or drop `terminal: true`",
                )
    # Reachability and exits; skipped when a state name is unknown (SF303), since a typo in
    # one transition would otherwise also report the states it was meant to reach.
    named = [machine.initial, *(n for t in machine.transitions for n in (*t.sources, t.target))]
    if any(n.raw not in states for n in named):
        return
    if machine.initial.raw in states:
        reached = {machine.initial.raw}
        frontier = [machine.initial.raw]
        while frontier:
            current = frontier.pop()
            for t in machine.allowed_from(current):
                if t.target.raw in states and t.target.raw not in reached:
                    reached.add(t.target.raw)
                    frontier.append(t.target.raw)
        for name in states:
            if name not in reached:
                ctx.report(
                    "SF323",
                    f"state '{name}' of state machine '{machine.name}' cannot be reached from "
                    f"the initial state '{machine.initial}'",
                    ctx.key(*mpath, "states", name),
                    "add a transition to it, or remove the state",
                )
    # Non-terminal states with no way out.
    for name, state in states.items():
        if not state.terminal and not machine.allowed_from(name):
            ctx.report(
                "SF324",
                f"state '{name}' of state machine '{machine.name}' is not terminal but no "
                "transition leaves it",
                ctx.key(*mpath, "states", name),
                "add a transition from it, or mark it `terminal: true`",
            )


def _transition_names(ctx: CheckContext) -> None:
    by_entity: dict[str, dict[str, StateMachine]] = defaultdict(dict)
    for machine in ctx.model.state_machines:
        names = by_entity[machine.entity.raw]
        for t in machine.transitions:
            where = ctx.key(*transition_path(machine.name.raw, t.name.raw))
            if t.name.raw in CRUD_ACTIONS:
                ctx.report(
                    "SF327",
                    f"transition '{t.name}' of state machine '{machine.name}' has the name of "
                    "a CRUD action",
                    where,
                    "its endpoint and permission rule would clash with the built-in "
                    f"{t.name}; pick a verb such as 'archive' or 'approve'",
                )
            other = names.get(t.name.raw)
            if other is not None and other.name != machine.name:
                ctx.report(
                    "SF326",
                    f"transition '{t.name}' is defined by two state machines of entity "
                    f"'{machine.entity}' ('{other.name}' and '{machine.name}')",
                    where,
                    f"both would be POST .../{{id}}/{t.name}; rename one of them",
                )
            else:
                names[t.name.raw] = machine


def _effects(ctx: CheckContext, machine: StateMachine) -> None:
    entity = ctx.model.entity(machine.entity.raw)
    if entity is None:
        return
    for t in machine.transitions:
        tpath = transition_path(machine.name.raw, t.name.raw)
        for effect in t.effects:
            field = entity.field(effect.field.raw)
            if field is None:
                continue  # SF302
            where = ctx.at(*tpath, "effects", effect.field.raw)
            target = f"'{entity.name}.{field.name}'"
            problem: str | None = None
            hint: str | None = None
            if field.type is FieldType.STATE:
                problem = f"transition '{t.name}' sets the state field {target} in `effects`"
                hint = "the state follows from `to:`; remove the effect"
            elif effect.value is EffectValue.NOW:
                if field.type not in (FieldType.DATE, FieldType.DATETIME):
                    problem = f"`now` is a timestamp, but {target} is of type {field.type}"
                    hint = "use `now` on date or datetime fields"
            elif effect.value is EffectValue.PRINCIPAL:
                if field.type not in (FieldType.STRING, FieldType.UUID):
                    problem = (
                        f"`principal` is the caller's id, but {target} is of type {field.type}"
                    )
                    hint = "use `principal` on string or uuid fields"
            elif effect.value is None:
                if field.required:
                    problem = f"transition '{t.name}' sets the required field {target} to null"
                    hint = "set a value, or make the field optional"
            else:
                reason = value_problem(field.type, effect.value, field.enum_values)
                if reason is not None:
                    problem = f"transition '{t.name}' cannot set {target}: {reason}"
                    hint = f"write a {field.type} value"
            if problem is not None:
                ctx.report("SF328", problem, where, hint)


def _entitlements(ctx: CheckContext, machine: StateMachine) -> None:
    mpath = machine_path(machine.name.raw)
    for state in machine.states:
        spath = (*mpath, "states", state.name.raw)
        if state.access is Access.GRACE and state.grace_days is None:
            ctx.report(
                "SF329",
                f"state '{state.name}' grants access during a grace period but has no `grace_days`",
                ctx.at(*spath, "access"),
                "add `grace_days: 7` (or the length you need)",
            )
        if state.grace_days is not None and state.access is not Access.GRACE:
            ctx.report(
                "SF329",
                f"state '{state.name}' has `grace_days` but its access is not `grace`",
                ctx.at(*spath, "grace_days"),
                "write `access: grace`, or remove `grace_days`",
            )
