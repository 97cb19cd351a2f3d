"""Generated tests of `effects:` and `hooks:` of writes (create, update, delete).

Effects: for each effect, a write whose object makes its ``when`` hold and, when the spec's
fields allow one, a write that makes it false; the referenced object is read back through the
API (the effect's field set, or still null). With ``once``, a second write leaves the value the
first one set.

Hooks: the user's hook is replaced by one that refuses the write (raises a ``Problem``); the
write must then answer that problem and leave nothing behind, which shows the hook runs inside
the write's transaction, once, with the object written.
"""

from __future__ import annotations

import itertools
from typing import Any

from specfoundry.emit.service.conditions import evaluate
from specfoundry.emit.service.testplan import (
    CREATOR,
    _allowed,
    _creatable,
    _resource_values,
    other_value,
    sample_payload,
    sample_value,
    update_payload,
)
from specfoundry.model import Entity, Field, FieldType, Operation, Service
from specfoundry.model.entities import WriteEffect
from specfoundry.model.expressions import Scope

# At most this many fields of a `when` condition are varied (their values combined).
_MAX_VARIED = 3


def _candidates(field: Field) -> list[Any]:
    if field.type is FieldType.BOOLEAN:
        return [True, False]
    if field.type is FieldType.ENUM:
        return list(field.enum_values)
    values = [sample_value(field, 0), other_value(field)]
    return [v for v in values if v is not None]


def _variants(
    model: Service, entity: Entity, effect: WriteEffect, base: dict[str, Any]
) -> list[tuple[dict[str, Any], bool]]:
    """(field values the write sends, whether the effect's `when` then holds): one where it
    holds and, when some values make it false, one where it does not."""
    when = effect.when
    if when is None:
        return [({}, True)]
    names = sorted(
        {a.name for a in when.attributes() if a.scope is Scope.RESOURCE and not a.related}
    )
    fields = [
        f
        for f in (entity.field(n) for n in names)
        if f is not None and f.client_writable and (effect.action != "update" or f.updatable)
    ][:_MAX_VARIED]
    principal = {"id": CREATOR, "roles": [r.name.raw for r in model.permissions.roles]}
    found: dict[bool, dict[str, Any]] = {}
    for combo in itertools.product(*(_candidates(f) for f in fields)):
        values = {f.name.raw: v for f, v in zip(fields, combo, strict=True)}
        holds = evaluate(when.expr, {**base, **values}, principal)
        found.setdefault(holds, values)
    return [(found[holds], holds) for holds in (True, False) if holds in found]


def effect_cases(model: Service) -> list[tuple[Any, ...]]:
    """(resource, action, reference field, referenced resource, field the effect sets, values
    of the create body, update body (update only), effect applies?, once?)."""
    rows: list[tuple[Any, ...]] = []
    all_roles = {r.name.raw for r in model.permissions.roles}
    for resource, entity in _creatable(model):
        stored = _resource_values(model, entity, CREATOR)
        for effect in entity.effects:
            ref = entity.field(effect.target.raw) or entity.field(f"{effect.target.raw}_id")
            if ref is None or ref.ref_entity is None or ref.name.raw not in sample_payload(entity):
                continue  # the sample names no referenced object
            target = model.api.resource_for(ref.ref_entity.raw)
            target_entity = model.entity(ref.ref_entity.raw)
            if target is None or target_entity is None or Operation.READ not in target.operations:
                continue
            set_field = target_entity.field(effect.field.raw)
            if set_field is None or not set_field.nullable:
                continue  # set or not is told apart by null
            if Operation(effect.action) not in resource.operations:
                continue
            if effect.action != "create" and not (
                _allowed(model, entity, "read", all_roles, stored, CREATOR)
                and _allowed(model, entity, effect.action, all_roles, stored, CREATOR)
            ):
                continue
            update = update_payload(entity) if effect.action == "update" else None
            if effect.action == "update" and not update:
                continue
            base = {**stored, **(update or {})}
            for values, applies in _variants(model, entity, effect, base):
                create = values if effect.action != "update" else {}
                body = {**update, **values} if update is not None else None
                rows.append(
                    (
                        resource.path,
                        effect.action,
                        ref.name.raw,
                        target.path,
                        effect.field.raw,
                        create,
                        body,
                        applies,
                        effect.once,
                    )
                )
    return rows


def hook_cases(model: Service) -> list[tuple[Any, ...]]:
    """(resource, action, hook function) for each write hook the suite can trigger as the
    creator holding every role."""
    rows: list[tuple[Any, ...]] = []
    all_roles = {r.name.raw for r in model.permissions.roles}
    for resource, entity in _creatable(model):
        stored = _resource_values(model, entity, CREATOR)
        for action, hook in entity.hooks:
            if Operation(action) not in resource.operations:
                continue
            if action == "update" and not update_payload(entity):
                continue
            if action != "create" and not (
                _allowed(model, entity, "read", all_roles, stored, CREATOR)
                and _allowed(model, entity, action, all_roles, stored, CREATOR)
            ):
                continue
            rows.append((resource.path, action, hook.raw))
    return rows
