"""SF33x: conditions (rule `when`, transition `guard`) read real fields, with values that fit.

The parser (:mod:`specfoundry.lower.conditions`) already rejected what is not in the language
(SF330); here every ``resource.<field>`` must be a field of the entity the condition is about,
``principal.<name>`` one of id, tenant_id, roles, and every comparison must be between values
of one kind, e.g. an enum field against one of its values.
"""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.diagnostics import Location
from specfoundry.model import Condition, Entity, FieldType
from specfoundry.model.expressions import (
    Attribute,
    Compare,
    CompareOp,
    Expr,
    Literal,
    Logical,
    MemberOf,
    Membership,
    Not,
    Scope,
)
from specfoundry.model.relations import PathError, PathProblem, membership_for, resolve_path
from specfoundry.validate.semantic.context import CheckContext, transition_path
from specfoundry.validate.semantic.references import did_you_mean
from specfoundry.validate.semantic.values import (
    CHOICE_TYPES,
    ID_TYPES,
    NUMBER_TYPES,
    ORDERED_TYPES,
    SYSTEM_COLUMN_TYPES,
    TEXT_TYPES,
    describe,
    value_problem,
)

PRINCIPAL_ATTRIBUTES = {"id": FieldType.STRING, "tenant_id": FieldType.UUID, "roles": None}


@dataclass(frozen=True, slots=True)
class _Kind:
    """What an operand holds: a field type (with enum/state choices) or the caller's roles."""

    label: str
    type: FieldType | None  # None: principal.roles
    choices: tuple[str, ...] = ()


@dataclass(slots=True)
class _Site:
    ctx: CheckContext
    condition: Condition
    entity: Entity | None
    where: str
    location: Location | None
    # Relation paths compile to SQL only in permission rules (a guard is a Python check).
    relations: bool = True

    def report(self, code: str, message: str, hint: str | None = None) -> None:
        self.ctx.report(
            code, f"{message} in {self.where}: `{self.condition.source}`", self.location, hint
        )


def check(ctx: CheckContext) -> None:
    _membership_declarations(ctx)
    _parent_permissions(ctx)
    for rule in ctx.model.permissions.rules:
        path = ("permissions", "rules", rule.entity.raw, rule.action.raw)
        if not ctx.written(*path):
            continue
        entity = ctx.model.entity(rule.entity.raw)
        for i, grant in enumerate(rule.grants):
            if grant.condition is not None:
                site = _Site(
                    ctx,
                    grant.condition,
                    entity,
                    f"the rule for {rule.entity}.{rule.action}",
                    ctx.at(*path, i, "when"),
                )
                _check(site, grant.condition.expr, top=True)
    _field_reads(ctx)
    for machine in ctx.model.state_machines:
        entity = ctx.model.entity(machine.entity.raw)
        for t in machine.transitions:
            if t.guard is not None:
                site = _Site(
                    ctx,
                    t.guard,
                    entity,
                    f"the guard of transition '{t.name}'",
                    ctx.at(*transition_path(machine.name.raw, t.name.raw), "guard"),
                    relations=False,
                )
                _check(site, t.guard.expr, top=True)


def _check(site: _Site, node: Expr, top: bool = False) -> None:
    match node:
        case MemberOf():
            _member_of(site, node)
        case Logical(operands=operands):
            for operand in operands:
                _check(site, operand)
        case Not(operand=operand):
            _check(site, operand)
        case Compare(op=op, left=left, right=right):
            _compare(site, op, left, right)
        case Membership(left=left, values=values):
            _membership(site, left, values)
        case Attribute():
            kind = _kind(site, node)
            if kind is not None and kind.type is not FieldType.BOOLEAN:
                site.report(
                    "SF333",
                    f"{kind.label} is not a boolean, so it cannot stand alone",
                    "compare it, e.g. `resource.x == 'value'`",
                )
        case Literal(value=value):
            if isinstance(value, bool):
                site.report(
                    "SF335",
                    f"the condition part `{str(value).lower()}` never changes",
                    "remove it" if not top else "remove the condition",
                )
            else:
                site.report(
                    "SF333",
                    f"{describe(value)} is not a condition",
                    "write a comparison such as `resource.x == 'value'`",
                )


def _membership_declarations(ctx: CheckContext) -> None:
    """``membership: {subject, object, role}``: a string subject, a reference object and an
    enum role, each a field of the entity (SF345)."""
    for entity in ctx.model.entities:
        link = entity.membership
        if link is None:
            continue
        wanted = (
            ("subject", link.subject.raw, (FieldType.STRING,), "a string field"),
            ("object", link.object.raw, (FieldType.REF,), "a reference field"),
        ) + ((("role", link.role.raw, (FieldType.ENUM,), "an enum field"),) if link.role else ())
        for key, name, types, what in wanted:
            field = entity.field(name)
            if field is None or field.type not in types:
                found = "no such field" if field is None else f"type {field.type}"
                ctx.report(
                    "SF345",
                    f"membership {key} '{name}' of entity '{entity.name}' must be {what} ({found})",
                    ctx.at("entities", entity.name.raw, "membership", key),
                    did_you_mean(
                        name,
                        [f.name.raw for f in entity.fields if f.type in types],
                        f"{what}s of '{entity.name}'",
                    ),
                )


def _parent_permissions(ctx: CheckContext) -> None:
    """``parent_permission`` sits on a reference and names read, update or a transition of
    the referenced entity (SF342)."""
    for entity in ctx.model.entities:
        for field in entity.fields:
            wanted = field.parent_permission
            if wanted is None:
                continue
            where = ctx.at(
                "entities", entity.name.raw, "fields", field.name.raw, "parent_permission"
            )
            if field.type is not FieldType.REF or field.ref_entity is None:
                ctx.report(
                    "SF342",
                    f"parent_permission on '{entity.name}.{field.name}', which is not a reference",
                    where,
                    "remove it, or make the field `type: ref`",
                )
                continue
            target = field.ref_entity.raw
            actions = ["read", "update"] + [
                t.name.raw for m in ctx.model.machine_for(target) for t in m.transitions
            ]
            if wanted.raw not in actions:
                ctx.report(
                    "SF342",
                    f"parent_permission '{wanted}' of '{entity.name}.{field.name}' is not an "
                    f"action of '{target}' (read, update or one of its transitions)",
                    where,
                    did_you_mean(wanted.raw, actions, f"actions of '{target}'"),
                )


def _member_of(site: _Site, node: MemberOf) -> None:
    """``principal in resource.<path>.members`` / ``principal.role_in(...)``: the path leads
    to an entity some membership entity links to (SF344), with roles among its values."""
    if site.entity is None:
        return
    target = site.entity
    if node.path:
        if not site.relations:
            site.report(
                "SF339",
                f"the membership test of {node.dotted} cannot be used here",
                "membership tests are allowed in permission rules (`when`), not in guards",
            )
            return
        try:
            target = resolve_path(site.ctx.model, site.entity, node.path)[-1].target
        except PathError as exc:
            site.report(_PATH_CODES[exc.problem], f"{exc} ({node.dotted})", None)
            return
    members = membership_for(site.ctx.model, target)
    if members is None or members.membership is None:
        site.report(
            "SF344",
            f"no membership entity links principals to '{target.name}' ({node.dotted})",
            f"mark an entity with `membership: {{subject: <string field>, object: <ref to "
            f"{target.name}>, role: <enum field>}}`",
        )
        return
    if node.roles is None:
        return
    link = members.membership
    role_field = members.field(link.role.raw) if link.role else None
    if role_field is None:
        site.report(
            "SF344",
            f"the membership entity '{members.name}' has no role, so role_in({node.dotted}) "
            "means nothing",
            "add `role: <enum field>` to its `membership:`",
        )
        return
    for role in node.roles:
        if role not in role_field.enum_values:
            site.report(
                "SF333",
                f"'{role}' is not a role of {members.name}.{role_field.name}",
                did_you_mean(role, role_field.enum_values, "roles"),
            )


def _kind(site: _Site, attribute: Attribute) -> _Kind | None:
    """The kind of ``attribute``; reports unknown names and returns None for them."""
    label = f"{attribute.scope}.{attribute.name}"
    if attribute.scope is Scope.PRINCIPAL:
        if attribute.name not in PRINCIPAL_ATTRIBUTES:
            site.report(
                "SF332",
                f"unknown principal attribute '{attribute.name}'",
                did_you_mean(attribute.name, PRINCIPAL_ATTRIBUTES, "principal attributes"),
            )
            return None
        return _Kind(label, PRINCIPAL_ATTRIBUTES[attribute.name])
    if site.entity is None:
        return None  # SF301 says the entity is unknown
    entity = site.entity
    if attribute.related:
        label = attribute.dotted
        if not site.relations:
            site.report(
                "SF339",
                f"the relation path {label} cannot be used here",
                "relation paths are allowed in permission rules (`when`), not in guards; "
                "copy what the guard needs onto the entity or move the check into a rule",
            )
            return None
        try:
            hops = resolve_path(site.ctx.model, entity, attribute.path)
        except PathError as exc:
            code = _PATH_CODES[exc.problem]
            refs = [f.name.raw for f in exc.entity.fields if f.type is FieldType.REF]
            if exc.problem is PathProblem.CYCLE:
                hint: str | None = (
                    "a path visits each entity once (a reference to the same entity cannot be "
                    "followed)"
                )
            elif exc.problem is PathProblem.TOO_LONG:
                hint = "shorten the path, e.g. copy the field onto a nearer entity"
            else:
                hint = did_you_mean(exc.hop, refs, f"references of '{exc.entity.name}'")
            site.report(code, f"{exc} ({label})", hint)
            return None
        entity = hops[-1].target
    field = entity.field(attribute.name)
    if field is not None:
        return _Kind(label, field.type, field.enum_values)
    if attribute.name in SYSTEM_COLUMN_TYPES:
        return _Kind(label, SYSTEM_COLUMN_TYPES[attribute.name])
    names = [f.name.raw for f in entity.fields] + list(SYSTEM_COLUMN_TYPES)
    site.report(
        "SF331",
        f"unknown field '{attribute.name}' of entity '{entity.name}'",
        did_you_mean(attribute.name, names, f"fields of '{entity.name}'"),
    )
    return None


_PATH_CODES = {
    PathProblem.UNKNOWN: "SF336",
    PathProblem.NOT_REF: "SF337",
    PathProblem.CYCLE: "SF338",
    PathProblem.TOO_LONG: "SF338",
}


def _sql_translatable(site: _Site, left: Attribute | Literal, right: Attribute | Literal) -> bool:
    """A relation path compares with a literal or a principal attribute: the comparison
    becomes one ``EXISTS`` over the related rows. Anything else is reported (SF339)."""
    sides = [s for s in (left, right) if isinstance(s, Attribute)]
    related = [s for s in sides if s.related]
    if not related:
        return True
    other = [s for s in sides if not s.related]
    if len(related) == 2 or any(s.scope is Scope.RESOURCE for s in other):
        site.report(
            "SF339",
            f"{related[0].dotted} is compared with another resource attribute, which the "
            "list filter cannot express",
            "compare a relation path with a literal or a principal attribute only",
        )
        return False
    return True


def _family(kind: _Kind) -> str:
    if kind.type is None:
        return "roles"
    if kind.type in TEXT_TYPES or kind.type in CHOICE_TYPES or kind.type in ID_TYPES:
        return "text"
    if kind.type in NUMBER_TYPES:
        return "number"
    return str(kind.type)


def _literal_problem(kind: _Kind, value: object, roles: set[str]) -> str | None:
    if value is None:
        return None
    if kind.type is None:  # principal.roles
        if not isinstance(value, str):
            return f"{describe(value)} is not a role name"
        if value not in roles:
            return f"'{value}' is not a role"
        return None
    return value_problem(kind.type, value, kind.choices)


def _compare(
    site: _Site, op: CompareOp, left: Attribute | Literal, right: Attribute | Literal
) -> None:
    if isinstance(left, Literal) and isinstance(right, Literal):
        site.report(
            "SF335",
            "the comparison of two literals never changes",
            "compare a resource.<field> or principal.<name> with a value",
        )
        return
    if not _sql_translatable(site, left, right):
        return
    kinds = [_kind(site, side) if isinstance(side, Attribute) else None for side in (left, right)]
    if any(
        isinstance(side, Attribute) and kind is None
        for side, kind in zip((left, right), kinds, strict=True)
    ):
        return  # an unknown name, already reported
    ordering = op not in (CompareOp.EQ, CompareOp.NE)
    for kind in kinds:
        if kind is None:
            continue
        if _is_json(site, kind):
            return
        if ordering and kind.type not in ORDERED_TYPES:
            what = "the caller's roles" if kind.type is None else f"of type {kind.type}"
            site.report(
                "SF334",
                f"`{op}` needs ordered values, but {kind.label} is {what}",
                "use == or != (or `in [...]`) for this field",
            )
            return
    if isinstance(left, Attribute) and isinstance(right, Attribute):
        a, b = kinds
        assert a is not None and b is not None
        if _family(a) != _family(b):
            site.report(
                "SF333",
                f"{a.label} ({_describe_kind(a)}) is compared with {b.label} ({_describe_kind(b)})",
                "compare values of the same type",
            )
        return
    attribute_kind = kinds[0] if isinstance(left, Attribute) else kinds[1]
    literal = right if isinstance(right, Literal) else left
    assert attribute_kind is not None and isinstance(literal, Literal)
    if literal.value is None and ordering:
        site.report(
            "SF333",
            f"{attribute_kind.label} is compared with null using `{op}`",
            "use == null or != null",
        )
        return
    roles = {r.name.raw for r in site.ctx.model.permissions.roles}
    problem = _literal_problem(attribute_kind, literal.value, roles)
    if problem is not None:
        site.report(
            "SF333",
            f"{attribute_kind.label} is compared with {describe(literal.value)} ({problem})",
            _choice_hint(attribute_kind, literal.value, roles),
        )


def _is_json(site: _Site, kind: _Kind) -> bool:
    """Report (SF334) and return True when ``kind`` is a json or list field: it has no
    comparison."""
    if kind.type not in (FieldType.JSON, FieldType.LIST):
        return False
    site.report(
        "SF334",
        f"{kind.label} is a {kind.type} field, which cannot be compared",
        "compare a field of another type",
    )
    return True


def _membership(site: _Site, left: Attribute, values: tuple[Literal, ...]) -> None:
    kind = _kind(site, left)
    if kind is None:
        return
    if _is_json(site, kind):
        return
    roles = {r.name.raw for r in site.ctx.model.permissions.roles}
    for literal in values:
        problem = _literal_problem(kind, literal.value, roles)
        if problem is not None:
            site.report(
                "SF333",
                f"{kind.label} is tested against {describe(literal.value)} ({problem})",
                _choice_hint(kind, literal.value, roles),
            )


def _describe_kind(kind: _Kind) -> str:
    return "the caller's roles" if kind.type is None else str(kind.type)


def _choice_hint(kind: _Kind, value: object, roles: set[str]) -> str | None:
    if kind.type is None:
        return did_you_mean(str(value), roles, "roles")
    if kind.type in CHOICE_TYPES and kind.choices and isinstance(value, str):
        return did_you_mean(value, kind.choices, "allowed values")
    return f"write a {kind.type} value"


def _field_reads(ctx: CheckContext) -> None:
    """The ``read.condition`` of each field (field visibility), over the field's entity."""
    for entity in ctx.model.entities:
        for effect in entity.effects:
            if effect.when is not None:
                site = _Site(
                    ctx,
                    effect.when,
                    entity,
                    f"an effect of {entity.name}.{effect.action}",
                    effect.location,
                )
                _check(site, effect.when.expr, top=True)
        for field in entity.fields:
            for rule, condition in (
                ("read", field.read_condition),
                ("write", field.write_condition),
            ):
                if condition is None:
                    continue
                site = _Site(
                    ctx,
                    condition,
                    entity,
                    f"the {rule} rule of field '{entity.name}.{field.name}'",
                    ctx.at(
                        "entities", entity.name.raw, "fields", field.name.raw, rule, "condition"
                    ),
                )
                _check(site, condition.expr, top=True)
