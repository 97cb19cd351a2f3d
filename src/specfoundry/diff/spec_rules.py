"""Rules only a spec can answer: lifecycles, permissions, conditions, tenancy, field flags.

They compare the two compiled models (:mod:`specfoundry.model`), not the OpenAPI documents,
so they see what OpenAPI cannot express: which states and transitions exist, which role may do
what (through inheritance), under which condition, and how tenants are isolated and resolved.
Locations come straight from the IR. Each finding's pointer names the one thing it is about,
under the entity schema the emitter generates, so an ignore entry acknowledges exactly one
finding (``x-`` segments name spec items; they are not nodes of the generated document):

- a permission of a role: ``/components/schemas/<Entity>/x-permissions/<action>/<role>``
  (``action`` is an entity action or a transition, wherever its roles are written);
- a state or a transition: ``/components/schemas/<Entity>/properties/<field>/x-states/<state>``
  and ``.../x-transitions/<transition>``;
- a role: ``/x-roles/<role>``; a cross-tenant role: ``/info/x-tenancy/cross_tenant_roles/<role>``;
- a field flag: ``/components/schemas/<Entity>/properties/<field>``; the tenancy model and
  tenant resolution: the document root.
"""

from __future__ import annotations

from collections.abc import Iterator

from specfoundry.diagnostics import Location
from specfoundry.diff.findings import Change
from specfoundry.diff.pointer import join
from specfoundry.model import (
    ActionRule,
    Condition,
    Entity,
    Field,
    FieldType,
    Grant,
    Name,
    Permissions,
    Service,
    StateMachine,
    Transition,
)
from specfoundry.model.access import Holder
from specfoundry.model.expressions import BoolOp, Expr, Logical


def _entity_pointer(entity: str) -> str:
    return join("/components/schemas", "".join(p.capitalize() for p in entity.split("_")))


def _permission_pointer(entity: str, action: str, role: str) -> str:
    return join(_entity_pointer(entity), "x-permissions", action, role)


def _change(
    rule: str,
    message: str,
    pointer: str,
    base: Location | None,
    revision: Location | None,
    removed: bool = False,
) -> Change:
    return Change(
        rule,
        message,
        pointer if base is not None else None,
        pointer if revision is not None else None,
        "base" if removed else "revision",
        base,
        revision,
    )


def compare_models(a: Service, b: Service) -> Iterator[Change]:
    yield from _tenancy(a, b)
    yield from _cross_tenant(a, b)
    yield from _roles(a, b)
    yield from _permissions(a, b)
    yield from _machines(a, b)
    yield from _fields(a, b)


def _tenancy(a: Service, b: Service) -> Iterator[Change]:
    ta, tb = a.tenancy, b.tenancy
    if ta.model != tb.model:
        yield _change(
            "tenancy-model-changed",
            f"tenancy model changed from {ta.model.value} to {tb.model.value}",
            "",
            ta.location,
            tb.location,
        )
    resolution_a = (ta.source, ta.claims, ta.tenant_entity.raw)
    resolution_b = (tb.source, tb.claims, tb.tenant_entity.raw)
    if resolution_a != resolution_b:
        parts = []
        if ta.source != tb.source:
            parts.append(f"source {ta.source.value} -> {tb.source.value}")
        for claim in ("subject", "tenant", "roles"):
            old, new = getattr(ta.claims, claim), getattr(tb.claims, claim)
            if old != new:
                parts.append(f"{claim} claim {old} -> {new}")
        if ta.tenant_entity != tb.tenant_entity:
            parts.append(f"tenant entity {ta.tenant_entity.raw} -> {tb.tenant_entity.raw}")
        yield _change(
            "tenant-resolution-changed",
            f"tenant resolution changed: {', '.join(parts)}",
            "",
            ta.location,
            tb.location,
        )


def _cross_tenant(a: Service, b: Service) -> Iterator[Change]:
    """Roles listed in ``tenancy.cross_tenant_roles`` reach every tenant's data."""
    before = {r.raw for r in a.tenancy.cross_tenant_roles}
    after = {r.raw for r in b.tenancy.cross_tenant_roles}
    roles_b = {r.name.raw for r in b.permissions.roles}
    la, lb = a.tenancy.location, b.tenancy.location
    for role in sorted(before - after):
        if role in roles_b:  # a removed role is role-removed
            yield _change(
                "cross-tenant-role-removed",
                f"role {role} may no longer act across tenants",
                join("/info/x-tenancy/cross_tenant_roles", role),
                la,
                lb,
            )
    for role in sorted(after - before):
        yield _change(
            "cross-tenant-role-added",
            f"role {role} may now act across tenants",
            join("/info/x-tenancy/cross_tenant_roles", role),
            la,
            lb,
        )


def _roles(a: Service, b: Service) -> Iterator[Change]:
    names_b = {r.name.raw for r in b.permissions.roles}
    for role in a.permissions.roles:
        if role.name.raw not in names_b:
            yield _change(
                "role-removed",
                f"role {role.name.raw} removed",
                join("/x-roles", role.name.raw),
                role.location,
                None,
                True,
            )


def _conditions(conditions: tuple[Condition, ...]) -> frozenset[object]:
    return frozenset(c.expr for c in conditions)


def _implies(x: Expr, y: Expr) -> bool:
    """Whether ``x`` provably implies ``y`` by structure alone: equal trees; ``x`` an ``or``
    whose every alternative implies ``y``; ``y`` an ``and`` whose every part ``x`` implies;
    ``y`` an ``or`` with an alternative ``x`` implies; ``x`` an ``and`` with a part that
    implies ``y``."""
    if x == y:
        return True
    x_or = isinstance(x, Logical) and x.op is BoolOp.OR
    if x_or and all(_implies(o, y) for o in x.operands):  # type: ignore[union-attr]
        return True
    y_and = isinstance(y, Logical) and y.op is BoolOp.AND
    if y_and and all(_implies(x, o) for o in y.operands):  # type: ignore[union-attr]
        return True
    if isinstance(y, Logical) and y.op is BoolOp.OR and any(_implies(x, o) for o in y.operands):
        return True
    return isinstance(x, Logical) and x.op is BoolOp.AND and any(_implies(o, y) for o in x.operands)


def _widened(before: tuple[Condition, ...], after: tuple[Condition, ...]) -> bool:
    """Every old alternative implies a new one: whatever was allowed still is, and more."""
    return all(any(_implies(b.expr, a.expr) for a in after) for b in before)


def _condition_change(
    subject: str,
    before: tuple[Condition, ...],
    after: tuple[Condition, ...],
    pointer: str,
    base: Location | None,
    revision: Location | None,
) -> Iterator[Change]:
    """No condition means always; a changed condition is a warning unless the trees are equal."""
    if not before and not after:
        return
    if not before:
        shown = " or ".join(c.source for c in after)
        yield _change(
            "condition-added", f"{subject} now only when {shown}", pointer, base, revision
        )
    elif not after:
        shown = " or ".join(c.source for c in before)
        yield _change(
            "condition-removed", f"{subject} no longer requires {shown}", pointer, base, revision
        )
    elif _conditions(before) != _conditions(after) and _widened(before, after):
        old = " or ".join(c.source for c in before)
        new = " or ".join(c.source for c in after)
        yield _change(
            "condition-widened",
            f"{subject}: condition widened from `{old}` to `{new}`",
            pointer,
            base,
            revision,
        )
    elif _conditions(before) != _conditions(after):
        old = " or ".join(c.source for c in before)
        new = " or ".join(c.source for c in after)
        yield _change(
            "condition-changed",
            f"{subject}: condition changed from `{old}` to `{new}`",
            pointer,
            base,
            revision,
        )


def _transitions(service: Service) -> dict[tuple[str, str], tuple[str, Transition]]:
    """(entity, transition) -> (machine name, transition), for every machine."""
    found: dict[tuple[str, str], tuple[str, Transition]] = {}
    for machine in service.state_machines:
        for t in machine.transitions:
            found.setdefault((machine.entity.raw, t.name.raw), (machine.name.raw, t))
    return found


def _holders(
    service: Service, entity: str, action: str, transition: Transition | None
) -> tuple[dict[str, Holder], Location | None]:
    """Who may perform an entity action or run a transition, and where that is written.

    Asked of the model's permission logic (inheritance, conditions), so the answer does not
    depend on where the roles are written: a compiled model holds a transition's own
    ``roles`` as a permission rule like ``permissions.rules.<entity>.<transition>``. A model
    built without the compiler may carry them on the transition only; they count the same.
    """
    permissions = service.permissions
    rule = permissions.rule(entity, action)
    if rule is None and transition is not None and transition.roles:
        grants = tuple(Grant(r, transition.location) for r in transition.roles)
        rule = ActionRule(Name(entity), transition.name, grants, transition.location)
        permissions = Permissions(permissions.roles, (rule,))
    if rule is None:
        return {}, None
    held = {h.role.name.raw: h for h in permissions.holders(entity, action)}
    return held, rule.location


def _permissions(a: Service, b: Service) -> Iterator[Change]:
    """One finding per role and action (entity actions and transitions alike).

    A transition that exists on one side only is transition-removed / transition-added; who
    could run it is not repeated per role.
    """
    roles_b = {r.name.raw for r in b.permissions.roles}
    trans_a, trans_b = _transitions(a), _transitions(b)
    keys = sorted(
        {(r.entity.raw, r.action.raw) for r in a.permissions.rules}
        | {(r.entity.raw, r.action.raw) for r in b.permissions.rules}
        | set(trans_a)
        | set(trans_b)
    )
    for entity, action in keys:
        ta, tb = trans_a.get((entity, action)), trans_b.get((entity, action))
        if (ta is None) != (tb is None):
            continue
        held_a, loc_a = _holders(a, entity, action, ta[1] if ta else None)
        held_b, loc_b = _holders(b, entity, action, tb[1] if tb else None)
        subject = f"transition {tb[0]}.{action}" if tb else f"{action} {entity}"
        for role in sorted(set(held_a) | set(held_b)):
            what = f"role {role}: {subject}"
            pointer = _permission_pointer(entity, action, role)
            if role in held_a and role not in held_b:
                if role in roles_b:
                    yield _change(
                        "role-permission-removed",
                        f"{what} no longer allowed",
                        pointer,
                        loc_a,
                        loc_b,
                    )
            elif role in held_b and role not in held_a:
                yield _change("role-permission-added", f"{what} now allowed", pointer, loc_a, loc_b)
            else:
                yield from _condition_change(
                    what, held_a[role].conditions, held_b[role].conditions, pointer, loc_a, loc_b
                )


def _machines(a: Service, b: Service) -> Iterator[Change]:
    by_name_b = {m.name.raw: m for m in b.state_machines}
    for ma in a.state_machines:
        mb = by_name_b.get(ma.name.raw)
        if mb is None:
            for state in ma.states:
                yield _change(
                    "state-removed",
                    f"state machine {ma.name.raw} removed with state {state.name.raw}",
                    _state_pointer(ma, state.name.raw),
                    state.location,
                    None,
                    True,
                )
            continue
        yield from _machine(ma, mb)
    names_a = {m.name.raw for m in a.state_machines}
    for mb in b.state_machines:
        if mb.name.raw not in names_a:
            for state in mb.states:
                yield _change(
                    "state-added",
                    f"{mb.name.raw}: state {state.name.raw} added",
                    _state_pointer(mb, state.name.raw),
                    None,
                    state.location,
                )


def _field_pointer(machine: StateMachine) -> str:
    return join(_entity_pointer(machine.entity.raw), "properties", machine.field.raw)


def _state_pointer(machine: StateMachine, state: str) -> str:
    return join(_field_pointer(machine), "x-states", state)


def _transition_pointer(machine: StateMachine, transition: str) -> str:
    return join(_field_pointer(machine), "x-transitions", transition)


def _machine(ma: StateMachine, mb: StateMachine) -> Iterator[Change]:
    """States and transitions; who may run a transition is compared with the permissions."""
    name = mb.name.raw
    states_a = {s.name.raw: s for s in ma.states}
    states_b = {s.name.raw: s for s in mb.states}
    for state in sorted(set(states_a) - set(states_b)):
        yield _change(
            "state-removed",
            f"{name}: state {state} removed",
            _state_pointer(mb, state),
            states_a[state].location,
            mb.location,
            True,
        )
    for state in sorted(set(states_b) - set(states_a)):
        yield _change(
            "state-added",
            f"{name}: state {state} added",
            _state_pointer(mb, state),
            None,
            states_b[state].location,
        )
    trans_a = {t.name.raw: t for t in ma.transitions}
    trans_b = {t.name.raw: t for t in mb.transitions}
    for t in sorted(set(trans_a) - set(trans_b)):
        yield _change(
            "transition-removed",
            f"{name}: transition {t} removed",
            _transition_pointer(mb, t),
            trans_a[t].location,
            mb.location,
            True,
        )
    for t in sorted(set(trans_b) - set(trans_a)):
        yield _change(
            "transition-added",
            f"{name}: transition {t} added",
            _transition_pointer(mb, t),
            None,
            trans_b[t].location,
        )
    for t in sorted(set(trans_a) & set(trans_b)):
        ta, tb = trans_a[t], trans_b[t]
        la, lb = ta.location, tb.location
        pointer = _transition_pointer(mb, t)
        src_a, src_b = {s.raw for s in ta.sources}, {s.raw for s in tb.sources}
        if lost := sorted(src_a - src_b):
            yield _change(
                "transition-sources-narrowed",
                f"{name}: transition {t} can no longer start from {', '.join(lost)}",
                pointer,
                la,
                lb,
            )
        elif gained := sorted(src_b - src_a):
            yield _change(
                "transition-sources-widened",
                f"{name}: transition {t} can now start from {', '.join(gained)}",
                pointer,
                la,
                lb,
            )
        if ta.target != tb.target:
            yield _change(
                "transition-target-changed",
                f"{name}: transition {t} now leads to {tb.target.raw} instead of {ta.target.raw}",
                pointer,
                la,
                lb,
            )
        guard_a = (ta.guard,) if ta.guard else ()
        guard_b = (tb.guard,) if tb.guard else ()
        yield from _condition_change(f"{name}: transition {t}", guard_a, guard_b, pointer, la, lb)


def _unique(entity: Entity, field: str) -> bool:
    found = entity.field(field)
    if found is not None and found.unique:
        return True
    return any(i.unique and tuple(n.raw for n in i.fields) == (field,) for i in entity.indexes)


def _holding(service: Service, roles: tuple[Name, ...] | None) -> frozenset[str]:
    """``roles`` and every role that includes one of them; every role when ``roles`` is None
    (no rule)."""
    if roles is None:
        return frozenset(r.name.raw for r in service.permissions.roles)
    wanted = {r.raw for r in roles}
    return frozenset(
        r.name.raw
        for r in service.permissions.roles
        if r.name.raw in wanted or wanted & {n.raw for n in r.includes}
    )


def _readers(service: Service, field: Field) -> frozenset[str]:
    """Roles that may see ``field`` (inheritance applied), before its condition."""
    return _holding(service, field.read_roles)


def _visibility(a: Service, b: Service, fa: Field, fb: Field) -> tuple[str, str] | None:
    """(rule, what changed) when the ``read:`` rule of a field shows it to more or fewer.
    Only roles both specs define count (a role added or removed is a finding of its own)."""
    if not (fa.hidden_sometimes or fb.hidden_sometimes):
        return None
    both = {r.name.raw for r in a.permissions.roles} & {r.name.raw for r in b.permissions.roles}
    ra, rb = _readers(a, fa) & both, _readers(b, fb) & both
    ca = fa.read_condition.source.split() if fa.read_condition else None
    cb = fb.read_condition.source.split() if fb.read_condition else None
    gained, lost = sorted(rb - ra), sorted(ra - rb)
    if gained or (ca is not None and ca != cb):
        what = f"roles {', '.join(gained)} now see it" if gained else "its condition changed"
        if ca is not None and cb is None:
            what = "its condition was removed"
        return "field-visibility-widened", what
    if lost or (ca is None and cb is not None):
        what = f"roles {', '.join(lost)} no longer see it" if lost else "a condition was added"
        return "field-visibility-narrowed", what
    return None


def _writers(service: Service, field: Field) -> frozenset[str]:
    """Roles that may write ``field`` (inheritance applied), before its condition."""
    return _holding(service, field.writers)


def _write_rule(a: Service, b: Service, fa: Field, fb: Field) -> tuple[str, str] | None:
    """(rule, what changed) when a field's ``write`` rule (roles, condition) lets more or
    fewer callers write it. Only roles both specs define count."""
    if fa.writers is None and fb.writers is None and not (fa.write_condition or fb.write_condition):
        return None
    both = {r.name.raw for r in a.permissions.roles} & {r.name.raw for r in b.permissions.roles}
    wa, wb = _writers(a, fa) & both, _writers(b, fb) & both
    ca = fa.write_condition.source.split() if fa.write_condition else None
    cb = fb.write_condition.source.split() if fb.write_condition else None
    gained, lost = sorted(wb - wa), sorted(wa - wb)
    if gained or (ca is not None and ca != cb):
        what = f"roles {', '.join(gained)} may now write it" if gained else "its condition changed"
        if ca is not None and cb is None:
            what = "its write condition was removed"
        return "field-write-widened", what
    if lost or (ca is None and cb is not None):
        what = (
            f"roles {', '.join(lost)} may no longer write it" if lost else "a condition was added"
        )
        return "field-write-narrowed", what
    return None


def _principal_rule(a: Service, b: Service, fa: Field, fb: Field) -> tuple[str, str] | None:
    """(rule, what changed) when a ``principal`` field accepts fewer or more principals: its
    tenant ``roles`` (inheritance applied, roles both specs define), its ``member_of`` object
    or that membership's ``roles``. A changed path counts as narrowed (a principal that was a
    member of the old object need not be one of the new)."""
    if fa.type is not FieldType.PRINCIPAL or fb.type is not FieldType.PRINCIPAL:
        return None
    both = {r.name.raw for r in a.permissions.roles} & {r.name.raw for r in b.permissions.roles}

    def accepted(service: Service, field: Field) -> frozenset[str]:
        return _holding(service, field.principal_roles or None) & both

    def member_roles(field: Field) -> frozenset[str] | None:
        return None if field.member_of_roles is None else frozenset(field.member_of_roles)

    narrower: list[str] = []
    wider: list[str] = []
    ra, rb = accepted(a, fa), accepted(b, fb)
    if ra - rb:
        narrower.append(f"members holding {', '.join(sorted(ra - rb))} are no longer accepted")
    if rb - ra:
        wider.append(f"members holding {', '.join(sorted(rb - ra))} are now accepted")
    if fa.member_of != fb.member_of:
        if not fb.member_of:
            wider.append(f"it no longer needs a member of {'.'.join(fa.member_of)}")
        else:
            narrower.append(f"it must now be a member of {'.'.join(fb.member_of)}")
    elif fb.member_of:
        ma, mb = member_roles(fa), member_roles(fb)
        if mb is not None and (ma is None or ma - mb):
            lost = "any role" if ma is None else ", ".join(sorted(ma - mb))
            narrower.append(f"members of {'.'.join(fb.member_of)} as {lost} are no longer accepted")
        elif ma is not None and (mb is None or mb - ma):
            gained = "any role" if mb is None else ", ".join(sorted(mb - ma))
            wider.append(f"members of {'.'.join(fb.member_of)} as {gained} are now accepted")
    if narrower:
        return "principal-field-narrowed", "; ".join(narrower)
    if wider:
        return "principal-field-widened", "; ".join(wider)
    return None


def _fields(a: Service, b: Service) -> Iterator[Change]:
    entities_b = {e.name.raw: e for e in b.entities}
    for ea in a.entities:
        eb = entities_b.get(ea.name.raw)
        if eb is None:
            continue
        for fa in ea.fields:
            fb = eb.field(fa.name.raw)
            if fb is None:
                continue
            pointer = join(_entity_pointer(ea.name.raw), "properties", fa.name.raw)
            what = f"{ea.name.raw}.{fa.name.raw}"
            visibility = _visibility(a, b, fa, fb)
            if visibility is not None:
                rule, detail = visibility
                yield _change(rule, f"{what}: {detail}", pointer, fa.location, fb.location)
            writing = _write_rule(a, b, fa, fb)
            if writing is not None:
                rule, detail = writing
                yield _change(rule, f"{what}: {detail}", pointer, fa.location, fb.location)
            principal = _principal_rule(a, b, fa, fb)
            if principal is not None:
                rule, detail = principal
                yield _change(rule, f"{what}: {detail}", pointer, fa.location, fb.location)
            ua, ub = _unique(ea, fa.name.raw), _unique(eb, fb.name.raw)
            if ub and not ua:
                yield _change(
                    "field-became-unique",
                    f"{what} became unique",
                    pointer,
                    fa.location,
                    fb.location,
                )
            elif ua and not ub:
                yield _change(
                    "field-uniqueness-removed",
                    f"{what} is no longer unique",
                    pointer,
                    fa.location,
                    fb.location,
                )
            if fb.write_once and not fa.write_once:
                yield _change(
                    "field-became-write-once",
                    f"{what} became write-once",
                    pointer,
                    fa.location,
                    fb.location,
                )
            elif fa.write_once and not fb.write_once:
                yield _change(
                    "field-write-once-removed",
                    f"{what} is no longer write-once",
                    pointer,
                    fa.location,
                    fb.location,
                )
