"""SF37x: each field's own options: ranges, defaults, enum values, options that do not apply."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from specfoundry.model import AutoValue, Entity, Field, FieldType, OnDelete
from specfoundry.model.entities import WriteEffect
from specfoundry.model.relations import PathError, membership_for, resolve_path
from specfoundry.validate.semantic.context import CheckContext, field_path
from specfoundry.validate.semantic.references import did_you_mean
from specfoundry.validate.semantic.values import NUMBER_TYPES, TEXT_TYPES, value_problem

# Which types each type-specific option applies to.
_OPTION_TYPES: dict[str, frozenset[FieldType]] = {
    "values": frozenset({FieldType.ENUM}),
    "entity": frozenset({FieldType.REF}),
    "on_delete": frozenset({FieldType.REF}),
    "currency": frozenset({FieldType.MONEY}),
    "min_length": TEXT_TYPES,
    "max_length": TEXT_TYPES,
    "pattern": TEXT_TYPES,
    "minimum": NUMBER_TYPES,
    "maximum": NUMBER_TYPES,
    "items": frozenset({FieldType.LIST}),
    "min_items": frozenset({FieldType.LIST}),
    "max_items": frozenset({FieldType.LIST}),
    "roles": frozenset({FieldType.PRINCIPAL}),
}
# Options of the field itself, never of a list's items.
_NOT_ON_ITEMS = frozenset({"entity", "on_delete", "currency", "roles"})
_AUTO_TYPES = {
    AutoValue.NOW: (FieldType.DATE, FieldType.DATETIME),
    AutoValue.PRINCIPAL: (FieldType.STRING, FieldType.UUID, FieldType.PRINCIPAL),
}


def check(ctx: CheckContext) -> None:
    _members(ctx)
    for entity in ctx.model.entities:
        for i, effect in enumerate(entity.effects):
            _write_effect(ctx, entity, effect, i)
        for field in entity.fields:
            _field(ctx, entity, field)
            _principal(ctx, entity, field)
            _write_rule(ctx, entity, field)
            _member_of(ctx, entity, field)


def _field(ctx: CheckContext, entity: Entity, field: Field) -> None:
    path = field_path(entity.name.raw, field.name.raw)
    label = f"'{entity.name}.{field.name}'"

    for option, types in _OPTION_TYPES.items():
        # On a list, the value options constrain each item: they follow the item type.
        on_items = field.type is FieldType.LIST and option not in _NOT_ON_ITEMS
        applies = field.type in types or (on_items and field.item_type in types)
        if field.type is FieldType.LIST and field.item_type is None:
            applies = True  # SF400 says what is missing; no second message about the options
        if ctx.written(*path, option) and not applies:
            hint = f"`{option}` applies to {', '.join(sorted(types))} fields; remove it"
            if option == "values" and field.type is FieldType.STATE:
                hint = "a state field's values are the states of its state machine; remove it"
            what = f"field {label} of type {field.type}"
            if on_items and field.item_type is not None:
                what = f"the {field.item_type} items of list field {label}"
            ctx.report(
                "SF374",
                f"`{option}` does not apply to {what}",
                ctx.key(*path, option),
                hint,
            )

    if field.type is FieldType.LIST:
        _list(ctx, path, label, field)
    if field.type is FieldType.ENUM and not field.enum_values:
        ctx.report(
            "SF373",
            f"enum field {label} has no `values`",
            ctx.at(*path, "type"),
            "list its values, e.g. `values: [draft, published]`",
        )
    if field.type is FieldType.REF and field.ref_entity is None:
        ctx.report(
            "SF375",
            f"ref field {label} does not say which entity it points at",
            ctx.at(*path, "type"),
            "add `entity: <name>`, e.g. `entity: project`",
        )

    if (
        field.min_length is not None
        and field.max_length is not None
        and field.min_length > field.max_length
    ):
        ctx.report(
            "SF370",
            f"field {label} has min_length {field.min_length} above max_length {field.max_length}",
            ctx.at(*path, "min_length"),
            "no value could be valid; swap or fix the bounds",
        )
    if field.minimum is not None and field.maximum is not None and field.minimum > field.maximum:
        ctx.report(
            "SF370",
            f"field {label} has minimum {field.minimum} above maximum {field.maximum}",
            ctx.at(*path, "minimum"),
            "no value could be valid; swap or fix the bounds",
        )

    if field.pattern is not None and ctx.written(*path, "pattern"):
        try:
            re.compile(field.pattern)
        except (re.error, RecursionError, OverflowError) as exc:
            ctx.report(
                "SF378",
                f"the pattern of field {label} is not a valid regular expression: {exc}",
                ctx.at(*path, "pattern"),
                "check brackets and escapes; in YAML, quote patterns with single quotes",
            )

    if (
        field.auto is not None
        and field.type is not FieldType.LIST  # a list's `auto` is SF401
        and field.type not in _AUTO_TYPES[field.auto]
    ):
        allowed = " or ".join(_AUTO_TYPES[field.auto])
        ctx.report(
            "SF376",
            f"`auto: {field.auto}` cannot fill field {label} of type {field.type}",
            ctx.at(*path, "auto"),
            f"`auto: {field.auto}` fills {allowed} fields",
        )

    if field.unique and field.type in (FieldType.JSON, FieldType.TEXT):
        ctx.report(
            "SF377",
            f"field {label} of type {field.type} cannot be unique",
            ctx.at(*path, "unique"),
            "unique needs an indexable value; use a string with max_length",
        )

    _default(ctx, path, label, field)
    _contradictions(ctx, path, label, field)


def _default(ctx: CheckContext, path: tuple[str, ...], label: str, field: Field) -> None:
    if not field.has_default or not ctx.written(*path, "default") or field.type is FieldType.LIST:
        return  # a list's default is SF401
    where = ctx.at(*path, "default")
    if field.type is FieldType.STATE:
        ctx.report(
            "SF372",
            f"state field {label} has a default",
            where,
            "a state field starts in its machine's `initial` state; remove `default`",
        )
        return
    value = field.default
    if value is None:
        if field.required and field.type not in (FieldType.DECIMAL, FieldType.MONEY):
            ctx.report(
                "SF372",
                f"required field {label} has the default null",
                where,
                "give a value, or remove `default`",
            )
        return
    problem = value_problem(field.type, value, field.enum_values)
    if problem is not None:
        hint = (
            did_you_mean(value, field.enum_values, "allowed values")
            if field.type is FieldType.ENUM and isinstance(value, str)
            else f"write a {field.type} value"
        )
        ctx.report("SF372", f"the default of field {label} is invalid: {problem}", where, hint)
        return
    if isinstance(value, str) and field.type in TEXT_TYPES:
        if field.max_length is not None and len(value) > field.max_length:
            ctx.report(
                "SF372",
                f"the default of field {label} is longer than max_length {field.max_length}",
                where,
                "shorten the default",
            )
        elif field.min_length is not None and len(value) < field.min_length:
            ctx.report(
                "SF372",
                f"the default of field {label} is shorter than min_length {field.min_length}",
                where,
                "lengthen the default",
            )
    number = _number(value)
    if number is not None:
        if field.minimum is not None and number < field.minimum:
            ctx.report(
                "SF372",
                f"the default of field {label} is below its minimum {field.minimum}",
                where,
                "pick a default within the bounds",
            )
        elif field.maximum is not None and number > field.maximum:
            ctx.report(
                "SF372",
                f"the default of field {label} is above its maximum {field.maximum}",
                where,
                "pick a default within the bounds",
            )


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _contradictions(ctx: CheckContext, path: tuple[str, ...], label: str, field: Field) -> None:
    def clash(first: str, second: str, key: str, hint: str) -> None:
        ctx.report(
            "SF379",
            f"field {label} has both {first} and {second}, which contradict each other",
            ctx.key(*path, key),
            hint,
        )

    if field.required and field.on_delete is OnDelete.SET_NULL:
        clash(
            "`required: true`",
            "`on_delete: set_null`",
            "on_delete",
            "set_null needs an optional field; use restrict or cascade, or drop `required`",
        )
    if field.read_only and field.write_once:
        clash(
            "`read_only`",
            "`write_once`",
            "write_once",
            "read_only fields are never written by clients; keep one of the two",
        )
    if field.read_only and field.writable_by is not None and field.write_key == "writable_by":
        clash(
            "`read_only`",
            "`writable_by`",
            "writable_by",
            "no role can write a read-only field; keep one",
        )
    if (
        field.auto is not None
        and field.writable_by is not None
        and field.write_key == "writable_by"
    ):
        clash(
            f"`auto: {field.auto}`",
            "`writable_by`",
            "writable_by",
            "the service fills auto fields; remove writable_by",
        )
    if field.auto is not None and field.has_default:
        clash(
            f"`auto: {field.auto}`",
            "`default`",
            "default",
            "the service fills auto fields; remove the default",
        )


def _list(ctx: CheckContext, path: tuple[str, ...], label: str, field: Field) -> None:
    """A ``list`` field: its item type, item count bounds, and options a list cannot have."""
    if field.item_type is None:
        ctx.report(
            "SF400",
            f"list field {label} does not say what its items are",
            ctx.at(*path, "type"),
            "add `items: <type>` (string, integer, uuid, enum, email or url), e.g. `items: string`",
        )
    elif field.item_type is FieldType.ENUM and not field.enum_values:
        ctx.report(
            "SF373",
            f"list field {label} of enum items has no `values`",
            ctx.at(*path, "items"),
            "list the items' values, e.g. `values: [bug, question]`",
        )
    if (
        field.min_items is not None
        and field.max_items is not None
        and field.min_items > field.max_items
    ):
        ctx.report(
            "SF370",
            f"field {label} has min_items {field.min_items} above max_items {field.max_items}",
            ctx.at(*path, "min_items"),
            "no list could be valid; swap or fix the bounds",
        )
    for option, what, why in (
        ("sortable", "be `sortable`", "a list has no order to sort objects by"),
        ("default", "have a `default`", "a list starts empty (or null when optional)"),
        ("auto", "be filled by `auto`", "the service fills no list; remove `auto`"),
    ):
        if ctx.written(*path, option):
            ctx.report(
                "SF401",
                f"list field {label} cannot {what}",
                ctx.key(*path, option),
                why,
            )


def _members(ctx: CheckContext) -> None:
    """``tenancy.members``: an entity of the tenant with a string subject and an enum role."""
    members = ctx.model.tenancy.members
    if members is None:
        return
    path = ("tenancy", "members")
    if members.role is None and ctx.written(*path, "roles"):
        ctx.report(
            "SF403",
            "tenancy.members.roles reads roles from the member rows, but tenancy.members has "
            "no `role`",
            ctx.key(*path, "roles"),
            "add `role: <enum field of role names>` to tenancy.members, or remove `roles`",
        )
    entity = ctx.model.entity(members.entity.raw)
    if entity is None or not entity.tenant_scoped or entity.is_tenant:
        names = [e.name.raw for e in ctx.model.entities if e.tenant_scoped and not e.is_tenant]
        ctx.report(
            "SF403",
            f"tenancy.members names '{members.entity}', which is not a tenant-scoped entity",
            ctx.at(*path, "entity"),
            did_you_mean(members.entity.raw, names, "tenant-scoped entities"),
        )
        return
    wanted = (
        ("subject", members.subject, (FieldType.STRING, FieldType.PRINCIPAL)),
        ("role", members.role, (FieldType.ENUM,)),
    )
    for key, name, types in wanted:
        if name is None:
            continue
        field = entity.field(name.raw)
        if field is None or field.type not in types:
            kinds = " or ".join(types)
            ctx.report(
                "SF403",
                f"tenancy.members.{key} names '{name}', which is not {_a(kinds)} field of "
                f"'{entity.name}'",
                ctx.at(*path, key),
                did_you_mean(
                    name.raw,
                    [f.name.raw for f in entity.fields if f.type in types],
                    f"{kinds} fields of '{entity.name}'",
                ),
            )


def _principal(ctx: CheckContext, entity: Entity, field: Field) -> None:
    """``roles`` of a principal field and ``on_behalf_of`` of an ``auto: principal`` field."""
    path = field_path(entity.name.raw, field.name.raw)
    label = f"'{entity.name}.{field.name}'"
    known = {r.name.raw for r in ctx.model.permissions.roles}
    _read_rule(ctx, path, label, field, known)
    for option in ("roles", "on_behalf_of"):
        for i, role in enumerate(
            getattr(field, "principal_roles" if option == "roles" else option) or ()
        ):
            if role.raw not in known:
                ctx.report(
                    "SF304",
                    f"unknown role '{role}' in {option} of {label}",
                    ctx.at(*path, option, i),
                    did_you_mean(role.raw, sorted(known), "roles"),
                )
    members = ctx.model.tenancy.members
    if field.principal_roles and (members is None or members.role is None):
        ctx.report(
            "SF402",
            f"principal field {label} needs members with a role, but tenancy.members "
            + ("is not declared" if members is None else "has no `role`"),
            ctx.key(*path, "roles"),
            "declare `tenancy.members: {entity: member, subject: user_id, role: role}`, "
            "or remove `roles`",
        )
    if field.on_behalf_of is not None and field.auto is not AutoValue.PRINCIPAL:
        ctx.report(
            "SF402",
            f"field {label} has `on_behalf_of` but is not filled by `auto: principal`",
            ctx.key(*path, "on_behalf_of"),
            "`on_behalf_of` lets roles name another member in an `auto: principal` field; "
            "remove it or add `auto: principal`",
        )


def _write_rule(ctx: CheckContext, entity: Entity, field: Field) -> None:
    """``write:``: not together with ``writable_by`` (SF417), only on a field clients write
    (SF418). Its roles are checked with ``writable_by``'s, its condition with the others."""
    path = field_path(entity.name.raw, field.name.raw)
    label = f"'{entity.name}.{field.name}'"
    if not ctx.written(*path, "write"):
        return
    if ctx.written(*path, "writable_by"):
        ctx.report(
            "SF417",
            f"field {label} has both `write` and `writable_by`",
            ctx.key(*path, "write"),
            "`writable_by: [r]` is the shorthand of `write: {roles: [r]}`; keep `write` and "
            "move the roles into it",
        )
    if not field.client_writable or field.auto is not None:
        why = (
            "read-only"
            if field.read_only
            else "a state field"
            if field.type is FieldType.STATE
            else f"filled by `auto: {field.auto}`"
        )
        ctx.report(
            "SF418",
            f"field {label} has a `write` rule but clients never write it ({why})",
            ctx.key(*path, "write"),
            "remove the `write` rule, or let clients write the field",
        )


def _member_of(ctx: CheckContext, entity: Entity, field: Field) -> None:
    """``member_of``: on a principal field (SF419), a path to an object with a membership
    entity (SF420)."""
    if not field.member_of:
        return
    path = field_path(entity.name.raw, field.name.raw)
    label = f"'{entity.name}.{field.name}'"
    where = ctx.at(*path, "member_of")
    if field.type is not FieldType.PRINCIPAL:
        ctx.report(
            "SF419",
            f"field {label} has `member_of` but is a {field.type} field, not a principal",
            where,
            "`member_of` checks the principal a `type: principal` field names; make the "
            "field `type: principal` or remove `member_of`",
        )
        return
    dotted = ".".join(field.member_of)
    try:
        hops = resolve_path(ctx.model, entity, field.member_of)
    except PathError as exc:
        refs = [f.name.raw for f in entity.fields if f.type is FieldType.REF]
        ctx.report(
            "SF420",
            f"`member_of: {dotted}` of {label} does not lead to an object: {exc}",
            where,
            did_you_mean(exc.hop, refs, "reference fields") or "name a reference field",
        )
        return
    target = hops[-1].target
    members = membership_for(ctx.model, target)
    if members is None or members.membership is None:
        ctx.report(
            "SF420",
            f"`member_of: {dotted}` of {label} leads to '{target.name}', which no membership "
            "entity links principals to",
            where,
            f"mark an entity `membership: {{subject, object}}` whose object references "
            f"'{target.name}'",
        )
        return
    if field.member_of_roles is None:
        return
    role = members.membership.role
    role_field = members.field(role.raw) if role is not None else None
    values = tuple(role_field.enum_values) if role_field is not None else ()
    for n, name in enumerate(field.member_of_roles):
        if name in values:
            continue
        ctx.report(
            "SF422",
            f"`member_of` of {label} requires the role '{name}' in '{target.name}', but "
            + (
                f"'{members.name}' has no role field"
                if not values
                else f"it is not a value of '{members.name}.{role.raw if role else ''}'"
            ),
            ctx.at(*path, "member_of", "roles", n),
            f"roles: {', '.join(values)}"
            if values
            else f"add `role: <enum field>` to the `membership:` of '{members.name}'",
        )


def _a(words: str) -> str:
    return ("an " if words[0] in "aeiou" else "a ") + words


def _read_rule(
    ctx: CheckContext, path: tuple[str, ...], label: str, field: Field, known: set[str]
) -> None:
    """``read:``: known roles; a conditional field is neither filterable nor sortable."""
    for i, role in enumerate(field.read_roles or ()):
        if role.raw not in known:
            ctx.report(
                "SF304",
                f"unknown role '{role}' in the read rule of {label}",
                ctx.at(*path, "read", "roles", i),
                did_you_mean(role.raw, sorted(known), "roles"),
            )
    if field.read_condition is None:
        return
    for option in ("filterable", "sortable"):
        if ctx.written(*path, option) and getattr(field, option):
            ctx.report(
                "SF404",
                f"field {label} is read under a condition and cannot be {option}",
                ctx.key(*path, option),
                "a filter or sort on it would tell callers about objects where it is hidden; "
                "restrict it by `read.roles` only, or remove the option",
            )


def _write_effect(ctx: CheckContext, entity: Entity, effect: WriteEffect, i: int) -> None:
    """An ``effects:`` entry: a reference of the entity, a settable field of its target, a
    value that fits it."""
    at = ("entities", entity.name.raw, "effects", effect.action)
    index = sum(1 for e in entity.effects[:i] if e.action == effect.action)
    ref = entity.field(effect.target.raw) or entity.field(f"{effect.target.raw}_id")
    if ref is None or ref.type is not FieldType.REF or ref.ref_entity is None:
        refs = [f.name.raw for f in entity.fields if f.type is FieldType.REF]
        ctx.report(
            "SF405",
            f"effect of {entity.name}.{effect.action} targets '{effect.target}', which is not "
            f"a reference field of '{entity.name}'",
            ctx.at(*at, index, "set", "target"),
            did_you_mean(effect.target.raw, refs, "reference fields"),
        )
        return
    target = ctx.model.entity(ref.ref_entity.raw)
    field = target.field(effect.field.raw) if target is not None else None
    if target is None or field is None or field.type in (FieldType.STATE, FieldType.LIST):
        names = [f.name.raw for f in target.fields] if target is not None else []
        ctx.report(
            "SF405",
            f"effect of {entity.name}.{effect.action} sets '{effect.field}', which is not a "
            f"settable field of '{ref.ref_entity}'",
            ctx.at(*at, index, "set", "field"),
            did_you_mean(effect.field.raw, names, f"fields of '{ref.ref_entity}'"),
        )
        return
    if effect.special is not None:
        problem = (
            None
            if field.type in _AUTO_TYPES[effect.special]
            else f"`{effect.special}` cannot fill a {field.type} field"
        )
    elif effect.value is None:
        problem = "the field is required" if field.required else None
    else:
        problem = value_problem(field.type, effect.value, field.enum_values)
    if problem is not None:
        ctx.report(
            "SF405",
            f"effect of {entity.name}.{effect.action} sets '{ref.ref_entity}.{field.name}' to "
            f"a value it cannot hold: {problem}",
            ctx.at(*at, index, "set", "value"),
            f"write a {field.type} value",
        )
