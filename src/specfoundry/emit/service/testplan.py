"""The generated test suite: expectation tables computed from the IR, rendered as data.

Nothing here asks the generated code what it would do: sample payloads respect the spec's
types and constraints, and every expected status comes from the permission rules, conditions
(evaluated by :func:`.conditions.evaluate`) and state machines of the model. The test files
then check the running app against these tables.
"""

from __future__ import annotations

import dataclasses
import pprint
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from specfoundry.emit.render import render
from specfoundry.emit.service.conditions import evaluate
from specfoundry.emit.service.jobs_view import jobs_view
from specfoundry.emit.service.views import ServiceView
from specfoundry.lower.http import lower_http
from specfoundry.model import (
    Access,
    Entity,
    Field,
    FieldType,
    Operation,
    Resource,
    Service,
    StateMachine,
)
from specfoundry.model.http import HttpSurface
from specfoundry.model.nesting import resolve_nesting
from specfoundry.write.tree import EmittedFile

CREATOR = "creator"
STRANGER = "stranger"
NAMESPACE = uuid.UUID("6f1c1b1e-5a1d-4c55-9a3e-5f0c0ffee000")


class TestPlanError(ValueError):
    """A spec feature the generated tests cannot build sample data for."""


# -- sample payloads ------------------------------------------------------------------------
def _string(field: Field, n: int) -> str:
    candidates = [f"sample-{n}", f"sample{n}", f"s{n}", f"{n}", f"Sample {n}"]
    low = field.min_length or 0
    high = field.max_length
    for text in candidates:
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if high is not None and len(text) > high:
            continue
        if field.pattern is None or re.search(field.pattern, text):
            return text
    raise TestPlanError(f"no sample value satisfies {field.name}'s pattern {field.pattern!r}")


def _items(item: Field, count: int, start: int = 0) -> list[Any]:
    """``count`` distinct valid items of a list field (enum items cycle through the values)."""
    if item.type is FieldType.ENUM:
        values = item.enum_values
        return [values[(start + i) % len(values)] for i in range(count)]
    return [sample_value(item, start + i + 1) for i in range(count)]


def sample_value(field: Field, n: int) -> Any:
    """A valid JSON value for ``field``; ``n`` varies it (unique fields)."""
    if field.type is FieldType.LIST:
        return _items(field.item, max(1, field.min_items or 0))
    match field.type:
        case FieldType.STRING:
            return _string(field, n)
        case FieldType.TEXT:
            text = f"Sample text {n}."
            return text[: field.max_length] if field.max_length else text
        case FieldType.EMAIL:
            return f"user{n}@example.com"
        case FieldType.URL:
            return f"https://example.com/hooks/{n}"
        case FieldType.INTEGER:
            low = int(field.minimum) if field.minimum is not None else None
            high = int(field.maximum) if field.maximum is not None else None
            value = (
                n if low is None else max(low, min(low + n, high if high is not None else low + n))
            )
            return min(value, high) if high is not None else value
        case FieldType.DECIMAL | FieldType.MONEY:
            value = Decimal("12.50")
            if field.minimum is not None and value < field.minimum:
                value = field.minimum
            if field.maximum is not None and value > field.maximum:
                value = field.maximum
            return str(value)
        case FieldType.BOOLEAN:
            return bool(field.default) if field.has_default else False
        case FieldType.DATE:
            return "2026-01-15"
        case FieldType.DATETIME:
            return "2026-01-15T10:00:00+00:00"
        case FieldType.UUID:
            return str(uuid.uuid5(NAMESPACE, f"{field.name}-{n}"))
        case FieldType.ENUM:
            return field.default if field.has_default else field.enum_values[0]
        case FieldType.JSON:
            return {"sample": n}
        case FieldType.REF:
            assert field.ref_entity is not None
            return {"$ref": field.ref_entity.raw}
        case FieldType.PRINCIPAL:
            return CREATOR  # the suite's default caller: a member when the suite makes it one
    raise TestPlanError(f"no sample for {field.type}")  # pragma: no cover


def sample_payload(entity: Entity) -> dict[str, Any]:
    """Create body template: every client-writable field anyone may write (refs as markers).

    ``{n}`` is substituted at run time by formatting strings with the sequence number.
    """
    out: dict[str, Any] = {}
    for field in entity.fields:
        if not field.client_writable:
            continue
        if field.writers is not None and (field.has_default or not field.required):
            continue  # reserved fields are tested on their own
        if field.type is FieldType.REF and not field.required:
            continue  # optional references may form cycles (a tree); tested on their own
        if field.type is FieldType.PRINCIPAL and not field.required:
            continue  # names a member of the tenant; tested on their own (PRINCIPALS)
        out[field.name.raw] = sample_value(field, 0)
    return out


def varying(entity: Entity) -> dict[str, int | None]:
    """Fields whose sample must change per object (unique ones, and strings, for sorting),
    with their ``max_length``: a varied sample never grows past it."""
    return {
        f.name.raw: f.max_length
        for f in entity.fields
        if f.client_writable
        and f.type in (FieldType.STRING, FieldType.TEXT, FieldType.EMAIL, FieldType.URL)
    }


def _resource_values(
    model: Service, entity: Entity, creator: str, _seen: tuple[str, ...] = ()
) -> dict[str, Any]:
    """What the stored object looks like after a create with the sample payload.

    A reference the sample sets holds the referenced object's own values (the suite creates it
    first, as its creator), so relation conditions (``resource.project.owner_id``) evaluate as
    the service will; an id when the suite cannot create it, None when not set."""
    payload = sample_payload(entity)
    seen = (*_seen, entity.name.raw)
    values: dict[str, Any] = {}
    machines = {m.field.raw: m for m in model.machine_for(entity.name.raw)}
    for field in entity.fields:
        name = field.name.raw
        if name in machines:
            values[name] = machines[name].initial.raw
        elif field.auto is not None and field.auto.value == "principal":
            values[name] = creator
        elif name in payload and field.type is FieldType.REF:
            values[name] = _referenced_values(model, field, seen)
        elif name in payload:
            values[name] = payload[name]
        elif field.has_default:
            values[name] = field.default
        else:
            values[name] = None
    return values


def _referenced_values(model: Service, field: Field, seen: tuple[str, ...]) -> Any:
    assert field.ref_entity is not None
    target = model.entity(field.ref_entity.raw)
    if target is None or target.name.raw in seen or _creating_resource(model, target) is None:
        return "<id>"  # known to exist, but not followed: a relation condition is false
    return _resource_values(model, target, CREATOR, seen)


# -- expectation tables -----------------------------------------------------------------------
def _allowed(
    model: Service, entity: Entity, action: str, roles: set[str], resource: dict[str, Any], sub: str
) -> bool:
    principal = {"id": sub, "roles": sorted(roles), "tenant_id": None}
    for holder in model.permissions.holders(entity.name.raw, action):
        if holder.role.name.raw not in roles:
            continue
        if holder.unconditional or any(
            evaluate(c.expr, resource, principal) for c in holder.conditions
        ):
            return True
    return False


def _holds(model: Service, entity: Entity, action: str, roles: set[str]) -> bool:
    return any(h.role.name.raw in roles for h in model.permissions.holders(entity.name.raw, action))


def _mentions_principal(model: Service, entity: Entity) -> bool:
    for rule in model.permissions.rules:
        if rule.entity.raw != entity.name.raw:
            continue
        for grant in rule.grants:
            if grant.condition and any(
                a.scope.value == "principal" for a in grant.condition.attributes()
            ):
                return True
    return False


def other_value(field: Field) -> Any:
    """A valid value for ``field`` that differs from every sample the suite creates (the
    sample of :func:`sample_value` with its first "0" replaced by a sequence number), or None
    when the field allows no other value."""
    sample = sample_value(field, 0)
    candidates: list[Any]
    if field.type is FieldType.LIST:
        count = max(1, field.min_items or 0)
        candidates = [_items(field.item, count, start=1)]
        return next((c for c in candidates if c != sample), None)
    match field.type:
        case FieldType.STRING | FieldType.TEXT:
            candidates = ["Updated", "updated", "upd", "u", "U", "x", "updated-x", "9"]
            low, high = field.min_length or 0, field.max_length
            candidates = [c + "u" * max(0, low - len(c)) for c in candidates]
            candidates = [
                c
                for c in candidates
                if (high is None or len(c) <= high)
                and (field.pattern is None or re.search(field.pattern, c))
            ]
        case FieldType.EMAIL:
            candidates = ["updated@example.com"]
        case FieldType.URL:
            candidates = ["https://example.com/updated"]
        case FieldType.INTEGER:
            low = int(field.minimum) if field.minimum is not None else None
            high = int(field.maximum) if field.maximum is not None else None
            candidates = [
                v
                for v in (sample + 1, sample - 1)
                if (low is None or v >= low) and (high is None or v <= high)
            ]
        case FieldType.DECIMAL | FieldType.MONEY:
            options = [Decimal(sample) + 1, Decimal(sample) - 1, field.minimum, field.maximum]
            candidates = [
                str(v)
                for v in options
                if v is not None
                and (field.minimum is None or v >= field.minimum)
                and (field.maximum is None or v <= field.maximum)
            ]
        case FieldType.BOOLEAN:
            candidates = [not sample]
        case FieldType.DATE:
            candidates = ["2026-02-16"]
        case FieldType.DATETIME:
            candidates = ["2026-02-16T11:00:00+00:00"]
        case FieldType.UUID:
            candidates = [str(uuid.uuid5(NAMESPACE, f"{field.name}-updated"))]
        case FieldType.ENUM:
            candidates = list(field.enum_values)
        case FieldType.JSON:
            candidates = [{"updated": True}]
        case _:
            candidates = []
    return next((c for c in candidates if c != sample), None)


def update_payload(entity: Entity) -> dict[str, Any]:
    """A body changing one field to a value different from the sample (so the ETag changes)."""
    for field in entity.fields:
        if (
            field.updatable
            and field.writers is None
            and not field.unique
            and field.type is not FieldType.REF
        ):
            value = other_value(field)
            if value is not None:
                return {field.name.raw: value}
    return {}


def _guard_ok(
    model: Service,
    entity: Entity,
    transition: Any,
    resource: dict[str, Any],
    sub: str,
    roles: set[str],
) -> bool:
    if transition.guard is None:
        return True
    principal = {"id": sub, "roles": sorted(roles), "tenant_id": None}
    return evaluate(transition.guard.expr, resource, principal)


def _nested_only_parent(model: Service, resource: Resource) -> Entity | None:
    """The parent entity of a resource with nested routes only (``parent:`` without ``flat``)."""
    if resource.parent is None:
        return None
    nesting = resolve_nesting(model, resource)
    if nesting is None or nesting.flat:
        return None
    return nesting.parent_entity


def role_matrix(model: Service) -> list[tuple[Any, ...]]:
    """(resource, role or None, owner?, action, expected status, listed?) for every case.

    A resource with nested routes only is exercised under a parent the suite's creator made
    (``Api.create``, ``Api.url``): the route first answers 404 when the caller may not read
    that parent (after a collection route's 403 for a role without the action), then as the
    flat routes do."""
    rows: list[tuple[Any, ...]] = []
    role_names = [r.name.raw for r in model.permissions.roles]
    for resource in model.api.resources:
        entity = model.entity(resource.entity.raw)
        assert entity is not None
        ops = set(resource.operations)
        if entity.is_tenant or Operation.CREATE not in ops:
            continue
        parent = _nested_only_parent(model, resource)
        if parent is not None and _creating_resource(model, parent) is None:
            continue  # the suite cannot make a parent (nested_table leaves it out too)
        owners = (True, False) if _mentions_principal(model, entity) else (True,)
        machine = next(iter(model.machine_for(entity.name.raw)), None)
        for role in [*role_names, None]:
            roles = {role} if role else set()
            for owner in owners:
                sub = CREATOR if owner else STRANGER
                stored = _resource_values(model, entity, CREATOR)
                reached = parent is None or _allowed(
                    model, parent, "read", roles, _resource_values(model, parent, CREATOR), sub
                )
                readable = reached and _allowed(model, entity, "read", roles, stored, sub)

                def on_object(
                    action: str,
                    readable: bool = readable,
                    entity: Entity = entity,
                    roles: set[str] = roles,
                    stored: dict[str, Any] = stored,
                    sub: str = sub,
                ) -> int:
                    if not readable:
                        return 404
                    allowed = _allowed(model, entity, action, roles, stored, sub)
                    return 200 if allowed else 403

                if Operation.READ in ops:
                    rows.append(
                        (resource.path, role, owner, "read", 200 if readable else 404, None)
                    )
                if Operation.LIST in ops:
                    if not _holds(model, entity, "list", roles):
                        rows.append((resource.path, role, owner, "list", 403, None))
                    elif not reached:
                        rows.append((resource.path, role, owner, "list", 404, None))
                    else:
                        listed = readable and _allowed(model, entity, "list", roles, stored, sub)
                        rows.append((resource.path, role, owner, "list", 200, listed))
                if Operation.UPDATE in ops:
                    rows.append((resource.path, role, owner, "update", on_object("update"), None))
                if Operation.DELETE in ops:
                    status = on_object("delete")
                    rows.append(
                        (
                            resource.path,
                            role,
                            owner,
                            "delete",
                            204 if status == 200 else status,
                            None,
                        )
                    )
                if owner:
                    mine = _resource_values(model, entity, sub)
                    if not _holds(model, entity, "create", roles):
                        status = 403
                    elif not reached:
                        status = 404  # the parent in the path, as a missing one
                    elif not _may_write_sample(model, entity, roles):
                        status = 403
                    elif not _refs_readable(model, entity, roles, sub):
                        status = 422  # a reference it may not read is no reference at all
                    elif not _refs_permitted(model, entity, roles, sub):
                        status = 403  # readable, but without the stated parent_permission
                    else:
                        status = 201 if _allowed(model, entity, "create", roles, mine, sub) else 403
                    rows.append((resource.path, role, owner, "create", status, None))
                for name in resource.transitions:
                    if machine is None:
                        continue
                    t = machine.transition(name.raw)
                    assert t is not None
                    status = on_object(t.name.raw)
                    if status == 200 and (
                        machine.initial not in t.sources
                        or not _guard_ok(model, entity, t, stored, sub, roles)
                    ):
                        status = 409
                    rows.append((resource.path, role, owner, t.name.raw, status, None))
    return rows


def _lineage(model: Service, roles: set[str]) -> set[str]:
    """``roles`` and every role they inherit (directly or not)."""
    out = set(roles)
    for role in model.permissions.roles:
        if role.name.raw in roles:
            out |= {n.raw for n in role.includes}
    return out


def _may_write(model: Service, field: Field, roles: set[str]) -> bool:
    if field.writers is None:
        return True
    return bool(_lineage(model, roles) & {r.raw for r in field.writers})


def _may_write_sample(model: Service, entity: Entity, roles: set[str]) -> bool:
    """Whether ``roles`` may write every field of the sample create body (``writable_by``)."""
    sample = sample_payload(entity)
    return all(_may_write(model, f, roles) for f in entity.fields if f.name.raw in sample)


def _refs_readable(model: Service, entity: Entity, roles: set[str], sub: str) -> bool:
    """Whether the caller may read the objects the sample body references (each created by
    the suite's creator holding every role)."""
    sample = sample_payload(entity)
    for field in entity.fields:
        if field.type is not FieldType.REF or field.name.raw not in sample:
            continue
        assert field.ref_entity is not None
        target = model.entity(field.ref_entity.raw)
        assert target is not None
        if not _exposed(model, target):
            continue
        stored = _resource_values(model, target, CREATOR)
        if not _allowed(model, target, "read", roles, stored, sub):
            return False
    return True


def _refs_permitted(model: Service, entity: Entity, roles: set[str], sub: str) -> bool:
    """Whether the caller holds each ``parent_permission`` other than read on the objects the
    sample body references."""
    sample = sample_payload(entity)
    for field in entity.fields:
        if field.parent_permission is None or field.name.raw not in sample:
            continue
        assert field.ref_entity is not None
        target = model.entity(field.ref_entity.raw)
        if target is None or not _exposed(model, target):
            continue
        stored = _resource_values(model, target, CREATOR)
        if not _allowed(model, target, field.parent_permission.raw, roles, stored, sub):
            return False
    return True


def _exposed(model: Service, entity: Entity) -> bool:
    return model.api.resource_for(entity.name.raw) is not None


def _creating_resource(model: Service, entity: Entity) -> Resource | None:
    """The resource the suite creates objects of ``entity`` through (``Api.resource_of``)."""
    return next(
        (
            r
            for r in model.api.resources
            if r.entity.raw == entity.name.raw and Operation.CREATE in r.operations
        ),
        None,
    )


def _references(model: Service) -> Iterator[tuple[Resource, Entity, Field, Resource, Entity]]:
    """(child resource, child entity, reference field, parent resource, parent entity) for each
    client-writable reference whose both ends the suite can create."""
    for child_resource, child in _creatable(model):
        if _creating_resource(model, child) is not child_resource:
            continue
        for field in child.fields:
            if field.type is not FieldType.REF or not field.client_writable:
                continue
            assert field.ref_entity is not None
            parent = model.entity(field.ref_entity.raw)
            assert parent is not None
            parent_resource = _creating_resource(model, parent)
            if parent_resource is not None:
                yield child_resource, child, field, parent_resource, parent


def delete_cases(model: Service) -> list[tuple[Any, ...]]:
    """(parent resource, child resource, reference field, on_delete, expected status, what
    becomes of the child: kept | null | gone) when the parent is deleted by its creator."""
    rows: list[tuple[Any, ...]] = []
    all_roles = {r.name.raw for r in model.permissions.roles}
    for child_resource, _child, field, parent_resource, parent in _references(model):
        if Operation.DELETE not in parent_resource.operations:
            continue
        stored = _resource_values(model, parent, CREATOR)
        if not _allowed(model, parent, "read", all_roles, stored, CREATOR):
            continue
        if not _allowed(model, parent, "delete", all_roles, stored, CREATOR):
            continue
        expected, outcome = {
            "restrict": (409, "kept"),
            "set_null": (204, "null"),
            "cascade": (204, "gone"),
        }[field.on_delete.value]
        rows.append(
            (
                parent_resource.path,
                child_resource.path,
                field.name.raw,
                field.on_delete.value,
                expected,
                outcome,
            )
        )
    return rows


def hidden_references(model: Service) -> list[tuple[Any, ...]]:
    """(child resource, reference field, parent resource, role, create | update) where a
    single-role caller (not the parent's creator) may write the child but not read the
    parent: naming that parent must be answered like naming a missing one."""
    rows: list[tuple[Any, ...]] = []
    for child_resource, child, field, parent_resource, parent in _references(model):
        stored_parent = _resource_values(model, parent, CREATOR)
        own_child = _resource_values(model, child, STRANGER)
        for role in model.permissions.roles:
            roles = {role.name.raw}
            if _allowed(model, parent, "read", roles, stored_parent, STRANGER):
                continue
            if not _may_write(model, field, roles):
                continue
            if _holds(model, child, "create", roles) and _may_write_sample(model, child, roles):
                rows.append(
                    (
                        child_resource.path,
                        field.name.raw,
                        parent_resource.path,
                        role.name.raw,
                        "create",
                    )
                )
            if (
                field.updatable
                and Operation.UPDATE in child_resource.operations
                and _refs_readable(
                    model, child, {r.name.raw for r in model.permissions.roles}, STRANGER
                )
                and _allowed(model, child, "read", roles, own_child, STRANGER)
                and _allowed(model, child, "update", roles, own_child, STRANGER)
            ):
                rows.append(
                    (
                        child_resource.path,
                        field.name.raw,
                        parent_resource.path,
                        role.name.raw,
                        "update",
                    )
                )
    return rows


def _transition_subjects(
    model: Service,
) -> Iterator[tuple[Resource, Entity, StateMachine, dict[str, Any]]]:
    """(resource, entity, machine, creator's stored values) for each resource whose
    transitions the generated tests can exercise: it has transitions, and objects to run them
    on can be created through the API."""
    for resource, entity in _creatable(model):
        parent = _nested_only_parent(model, resource)
        if parent is not None and _creating_resource(model, parent) is None:
            continue  # nested only, under a parent the suite cannot make
        if resource.transitions:
            machine = model.machine_for(entity.name.raw)[0]
            yield resource, entity, machine, _resource_values(model, entity, CREATOR)


def _creatable(model: Service) -> Iterator[tuple[Resource, Entity]]:
    """Resources whose objects the generated tests can create through the API."""
    for resource in model.api.resources:
        entity = model.entity(resource.entity.raw)
        assert entity is not None
        if Operation.CREATE in resource.operations:
            yield resource, entity


def _runnable(
    model: Service,
    resource: Resource,
    entity: Entity,
    machine: StateMachine,
    here: dict[str, Any],
    roles: set[str],
    sub: str,
) -> list[str]:
    """The transitions from ``here``'s state a caller may run: exposed and permitted."""
    exposed = {t.raw for t in resource.transitions}
    state = here[machine.field.raw]
    return [
        t.name.raw
        for t in machine.allowed_from(state)
        if t.name.raw in exposed and _allowed(model, entity, t.name.raw, roles, here, sub)
    ]


def transition_table(model: Service) -> list[tuple[Any, ...]]:
    """(resource, state, transition, expected status, target or problem, allowed to the caller).

    The caller holds every role and created the object."""
    rows: list[tuple[Any, ...]] = []
    all_roles = {r.name.raw for r in model.permissions.roles}
    for resource, entity, machine, stored in _transition_subjects(model):
        for state in machine.states:
            for name in resource.transitions:
                t = machine.transition(name.raw)
                assert t is not None
                here = {**stored, machine.field.raw: state.name.raw}
                allowed = _runnable(model, resource, entity, machine, here, all_roles, CREATOR)
                if state.name not in t.sources:
                    rows.append(
                        (
                            resource.path,
                            state.name.raw,
                            t.name.raw,
                            409,
                            "invalid-transition",
                            allowed,
                        )
                    )
                elif not _guard_ok(model, entity, t, here, CREATOR, all_roles):
                    rows.append(
                        (resource.path, state.name.raw, t.name.raw, 409, "guard-failed", allowed)
                    )
                else:
                    rows.append(
                        (resource.path, state.name.raw, t.name.raw, 200, t.target.raw, allowed)
                    )
    return rows


def transition_roles(model: Service) -> list[tuple[Any, ...]]:
    """(resource, role, state, transition, transitions the role may run from the state).

    One row per (role, state) where a single-role caller may run some transition that the
    state does not allow: its 409 must list only what that caller may run."""
    rows: list[tuple[Any, ...]] = []
    for resource, entity, machine, stored in _transition_subjects(model):
        parent = _nested_only_parent(model, resource)
        for role in model.permissions.roles:
            roles = {role.name.raw}
            if parent is not None and not _allowed(
                model, parent, "read", roles, _resource_values(model, parent, CREATOR), CREATOR
            ):
                continue  # 404 under a parent it may not read, before any state
            for state in machine.states:
                here = {**stored, machine.field.raw: state.name.raw}
                if not _allowed(model, entity, "read", roles, here, CREATOR):
                    continue
                refused = next(
                    (
                        t.name.raw
                        for t in (machine.transition(n.raw) for n in resource.transitions)
                        if t is not None
                        and state.name not in t.sources
                        and _allowed(model, entity, t.name.raw, roles, here, CREATOR)
                    ),
                    None,
                )
                if refused is None:
                    continue
                allowed = _runnable(model, resource, entity, machine, here, roles, CREATOR)
                rows.append((resource.path, role.name.raw, state.name.raw, refused, allowed))
    return rows


def guard_failures(model: Service) -> list[tuple[Any, ...]]:
    """(resource, transition, source state, fields to null) making a guard false."""
    rows: list[tuple[Any, ...]] = []
    for resource, entity, machine, stored in _transition_subjects(model):
        for name in resource.transitions:
            t = machine.transition(name.raw)
            if t is None or t.guard is None:
                continue
            nulls = sorted(
                {a.name for a in t.guard.attributes() if a.scope.value == "resource"}
                & {f.name.raw for f in entity.fields if f.nullable}
            )
            variant = {**stored, **dict.fromkeys(nulls)}
            if nulls and not evaluate(
                t.guard.expr, variant, {"id": CREATOR, "roles": [], "tenant_id": None}
            ):
                rows.append((resource.path, t.name.raw, t.sources[0].raw, nulls))
    return rows


def writable_cases(model: Service) -> list[tuple[Any, ...]]:
    """(resource, field, role, expected status) for update bodies carrying a reserved field."""
    rows: list[tuple[Any, ...]] = []
    for resource in model.api.resources:
        entity = model.entity(resource.entity.raw)
        assert entity is not None
        if (
            Operation.UPDATE not in resource.operations
            or Operation.CREATE not in resource.operations
        ):
            continue
        stored = _resource_values(model, entity, CREATOR)
        for field in entity.fields:
            if field.writers is None or not field.updatable:
                continue
            writers = {r.raw for r in field.writers}
            for role in model.permissions.roles:
                roles = {role.name.raw}
                lineage = {role.name.raw, *(n.raw for n in role.includes)}
                if not _allowed(model, entity, "read", roles, stored, CREATOR):
                    continue
                if not _allowed(model, entity, "update", roles, stored, CREATOR):
                    continue
                status = 200 if lineage & writers else 403
                rows.append((resource.path, field.name.raw, role.name.raw, status))
    return rows


def resources_table(model: Service, surface: HttpSurface) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for resource, http in zip(model.api.resources, surface.resources, strict=True):
        entity = model.entity(resource.entity.raw)
        assert entity is not None
        machine = next(iter(model.machine_for(entity.name.raw)), None)
        out[resource.path] = {
            "entity": entity.name.raw,
            "class_name": entity.name.pascal,
            "path": http.collection_path,
            "operations": [op.action.raw for op in http.crud],
            "transitions": [op.action.raw for op in http.transitions],
            "is_tenant": entity.is_tenant,
            "require_precondition": resource.require_precondition,
            "sample": sample_payload(entity),
            "varying": varying(entity),
            "update": update_payload(entity),
            "state_field": machine.field.raw if machine else None,
            "sorts": [f.name.raw for f in entity.sortable_fields] + ["created_at"],
            "members": _members_of(model, entity),
            "members_resource": _members_resource(model),
        }
    return out


def _members_of(model: Service, entity: Entity) -> dict[str, Any] | None:
    """For the tenancy.members entity: its subject and role fields, and a role value."""
    members = model.tenancy.members
    if members is None or members.entity.raw != entity.name.raw:
        return None
    role = entity.field(members.role.raw) if members.role is not None else None
    return {
        "subject": members.subject.raw,
        "role": role.name.raw if role is not None else None,
        "any_role": role.enum_values[0] if role is not None and role.enum_values else None,
    }


def _members_resource(model: Service) -> str | None:
    """The resource the suite makes members through, if the spec has one."""
    members = model.tenancy.members
    target = model.entity(members.entity.raw) if members is not None else None
    resource = _creating_resource(model, target) if target is not None else None
    return resource.path if resource is not None else None


def _bad_items(field: Field) -> Iterator[tuple[str, list[Any]]]:
    """Lists a request must be refused (422) for: (what is wrong, the list)."""
    item = field.item
    good = _items(item, 1)
    if field.items_bound < 1000:
        yield "too many items", _items(item, field.items_bound + 1)
    if field.min_items:
        yield "too few items", _items(item, field.min_items - 1)
    if field.unique_items:
        yield "a repeated item", good + good
    yield "an item of the wrong type", [{"not": "an item"}]
    if item.type is FieldType.INTEGER:
        yield "a string item", ["1"]
    elif item.type is FieldType.ENUM:
        yield "an item outside the values", ["not-one-of-the-values"]
    elif item.type is FieldType.UUID:
        yield "an item that is no uuid", ["not-a-uuid"]
    elif item.max_length is not None:
        yield "an item longer than max_length", ["x" * (item.max_length + 1)]
    if item.type is FieldType.INTEGER and item.maximum is not None:
        yield "an item above the maximum", [int(item.maximum) + 1]


def _list_fields(model: Service) -> Iterator[tuple[Resource, Entity, Field]]:
    for resource, entity in _creatable(model):
        for field in entity.fields:
            if field.type is FieldType.LIST and field.client_writable:
                yield resource, entity, field


def list_cases(model: Service) -> list[tuple[Any, ...]]:
    """(resource, list field, what is wrong, the list sent on create, expected status): the
    item type, the item constraints and the length bounds of every writable list field."""
    rows: list[tuple[Any, ...]] = []
    for resource, _entity, field in _list_fields(model):
        if not _may_write(model, field, {r.name.raw for r in model.permissions.roles}):
            continue
        rows.append((resource.path, field.name.raw, "the sample", sample_value(field, 0), 201))
        for why, items in _bad_items(field):
            rows.append((resource.path, field.name.raw, why, items, 422))
    return rows


def list_filters(model: Service) -> list[tuple[Any, ...]]:
    """(resource, filterable list field, an item, another item): `?field=item` lists the
    objects whose list holds the item, and only those."""
    rows: list[tuple[Any, ...]] = []
    for resource, _entity, field in _list_fields(model):
        if not field.filterable or Operation.LIST not in resource.operations:
            continue
        first, second = _items(field.item, 2)
        if first != second:
            rows.append((resource.path, field.name.raw, first, second))
    return rows


def principal_cases(model: Service) -> list[tuple[Any, ...]]:
    """(resource, principal field, members resource, the named subject's member role or None
    for no member at all, expected status of a create naming it)."""
    members = model.tenancy.members
    if members is None:
        return []
    target = model.entity(members.entity.raw)
    members_resource = _creating_resource(model, target) if target is not None else None
    if target is None or members_resource is None:
        return []
    found = target.field(members.role.raw) if members.role is not None else None
    role_values: tuple[str, ...] = found.enum_values if found is not None else ()
    rows: list[tuple[Any, ...]] = []
    for resource, entity in _creatable(model):
        for field in entity.fields:
            if field.type is not FieldType.PRINCIPAL or not field.client_writable:
                continue
            if field.writers is not None:
                continue
            if field.member_of:
                continue  # also a member of a related object: the `member-of` scenario
            path = (resource.path, field.name.raw, members_resource.path)
            rows.append((*path, None, 422))
            wanted = set(_expand_roles(model, field.principal_roles))
            for value in role_values:
                ok = not field.principal_roles or value in wanted
                rows.append((*path, value, 201 if ok else 422))
    return rows


def on_behalf_cases(model: Service) -> list[tuple[Any, ...]]:
    """(resource, auto-principal field, role of the caller, expected status) of a create that
    names another principal: 201 for the `on_behalf_of` roles, 403 for the others."""
    rows: list[tuple[Any, ...]] = []
    for resource, entity in _creatable(model):
        for field in entity.fields:
            if field.on_behalf_of is None or not field.client_writable:
                continue
            for role in model.permissions.roles:
                if not _holds(model, entity, "create", {role.name.raw}):
                    continue
                if not _may_write_sample(model, entity, {role.name.raw}):
                    continue
                ok = _may_write(model, field, {role.name.raw})
                rows.append((resource.path, field.name.raw, role.name.raw, 201 if ok else 403))
    return rows


def _expand_roles(model: Service, roles: tuple[Any, ...]) -> list[str]:
    wanted = {r.raw for r in roles}
    return [
        r.name.raw
        for r in model.permissions.roles
        if r.name.raw in wanted or wanted & {n.raw for n in r.includes}
    ]


def visibility_cases(model: Service) -> list[tuple[Any, ...]]:
    """(resource, field with a read rule, role of the reader, reader is the creator?, shown?):
    for every role that may read the suite's sample object, whether the field is in its
    responses (the rule's roles with inheritance, and its condition on the stored values)."""
    rows: list[tuple[Any, ...]] = []
    for resource, entity in _creatable(model):
        if Operation.READ not in resource.operations:
            continue
        stored = _resource_values(model, entity, CREATOR)
        for field in entity.fields:
            if not field.hidden_sometimes:
                continue
            for role in model.permissions.roles:
                for sub in (CREATOR, STRANGER):
                    roles = {role.name.raw}
                    if not _allowed(model, entity, "read", roles, stored, sub):
                        continue
                    shown = field.read_roles is None or bool(
                        _lineage(model, roles) & {r.raw for r in field.read_roles}
                    )
                    if shown and field.read_condition is not None:
                        principal = {"id": sub, "roles": sorted(roles), "tenant_id": None}
                        shown = bool(evaluate(field.read_condition.expr, stored, principal))
                    rows.append(
                        (resource.path, field.name.raw, role.name.raw, sub == CREATOR, shown)
                    )
    return rows


def hidden_probes(model: Service) -> list[tuple[Any, ...]]:
    """(resource, field restricted by read roles, role of the caller, how: filter | sort, the
    query, expected status): a hidden field cannot be probed through a list."""
    rows: list[tuple[Any, ...]] = []
    for resource, entity in _creatable(model):
        if Operation.LIST not in resource.operations:
            continue
        stored = _resource_values(model, entity, CREATOR)
        for field in entity.fields:
            if field.read_roles is None or field.read_condition is not None:
                continue
            readers = {r.raw for r in field.read_roles}
            for role in model.permissions.roles:
                if not _holds(model, entity, "list", {role.name.raw}):
                    continue
                shown = bool(_lineage(model, {role.name.raw}) & readers)
                value = stored.get(field.name.raw)
                if field.filterable and value is not None and field.type is not FieldType.LIST:
                    query = {
                        field.name.raw: str(value).lower()
                        if isinstance(value, bool)
                        else str(value)
                    }
                    rows.append(
                        (
                            resource.path,
                            field.name.raw,
                            role.name.raw,
                            "filter",
                            query,
                            200 if shown else 400,
                        )
                    )
                if field.sortable:
                    query = {"sort": field.name.raw}
                    rows.append(
                        (
                            resource.path,
                            field.name.raw,
                            role.name.raw,
                            "sort",
                            query,
                            200 if shown else 422,
                        )
                    )
    return rows


def events_table(model: Service) -> list[tuple[Any, ...]]:
    """(resource, action, event types written to the outbox) for every action that emits."""
    rows: list[tuple[Any, ...]] = []
    for resource, entity in _creatable(model):
        for action, event in entity.emits:
            if action in {op.value for op in resource.operations}:
                rows.append((resource.path, action, [str(event)]))
        for machine in model.machine_for(entity.name.raw):
            for name in resource.transitions:
                t = machine.transition(name.raw)
                if t is not None:
                    rows.append((resource.path, t.name.raw, [str(e) for e in t.events]))
    return rows


def access_table(model: Service) -> list[tuple[Any, ...]]:
    """(resource, state, granted|denied|grace, grace days) of machines with entitlements."""
    rows: list[tuple[Any, ...]] = []
    for resource, entity in _creatable(model):
        for machine in model.machine_for(entity.name.raw):
            for state in machine.states:
                if state.access is not None:
                    rows.append(
                        (resource.path, state.name.raw, state.access.value, state.grace_days or 0)
                    )
    return rows


def _data(value: Any) -> str:
    return pprint.pformat(value, width=96, sort_dicts=False)


def flat_only(model: Service) -> Service:
    """``model`` without the resources nested under a parent without ``flat: true``."""
    kept = tuple(
        r
        for r in model.api.resources
        if r.parent is None or ((n := resolve_nesting(model, r)) is not None and n.flat)
    )
    if len(kept) == len(model.api.resources):
        return model
    return dataclasses.replace(model, api=dataclasses.replace(model.api, resources=kept))


def test_files(model: Service, svc: ServiceView, header: str) -> list[EmittedFile]:
    # Imported here: these modules build on this one's helpers.
    from specfoundry.emit.service.testplan_effects import effect_cases, hook_cases
    from specfoundry.emit.service.testplan_nested import nested_scenarios, nested_table
    from specfoundry.emit.service.testplan_relations import relation_scenarios

    full = model
    # The suite's tables exercise flat routes: a resource nested without them is tested by
    # test_api_nested.py, the role matrix and the state machine tables (under its parent) alone.
    model = flat_only(model)
    roles = [r.name.raw for r in model.permissions.roles]
    surface = lower_http(model)
    tables = {
        "RESOURCES": _data(resources_table(model, surface)),
        "ROLES": _data(roles),
        "ROLE_MATRIX": _data(role_matrix(full)),
        "TRANSITIONS": _data(transition_table(full)),
        "TRANSITION_ROLES": _data(transition_roles(full)),
        "DELETES": _data(delete_cases(model)),
        "HIDDEN_REFERENCES": _data(hidden_references(model)),
        "GUARD_FAILURES": _data(guard_failures(full)),
        "WRITABLE": _data(writable_cases(model)),
        "DEPRECATED": _data(deprecated_table(surface)),
        "EVENTS": _data(events_table(full)),
        "ACCESS": _data(access_table(model)),
        "PLATFORM": _data(platform_table(model)),
        "BILLING": _data(billing_table(model)),
        "LISTS": _data(list_cases(model)),
        "LIST_FILTERS": _data(list_filters(model)),
        "PRINCIPALS": _data(principal_cases(model)),
        "ON_BEHALF": _data(on_behalf_cases(model)),
        "VISIBILITY": _data(visibility_cases(model)),
        "HIDDEN_PROBES": _data(hidden_probes(model)),
        "SCENARIOS": _data(relation_scenarios(model)),
        "EFFECTS": _data(effect_cases(model)),
        "HOOKS": _data(hook_cases(model)),
        "NESTED": _data(nested_table(full)),
        "NESTED_ONLY": _data(
            {row["resource"]: row for row in nested_table(full) if not row["flat"]}
        ),
        "NESTED_SCENARIOS": _data(nested_scenarios(full)),
    }
    files = {
        "tests/conftest.py": "conftest.py.j2",
        "tests/api_support.py": "api_support.py.j2",
        "tests/spec_tables.py": "spec_tables.py.j2",
        "tests/test_api_contract.py": "test_api_contract.py.j2",
        "tests/test_api_isolation.py": "test_api_isolation.py.j2",
        "tests/test_api_permissions.py": "test_api_permissions.py.j2",
        "tests/test_api_pagination.py": "test_api_pagination.py.j2",
        "tests/test_api_concurrency.py": "test_api_concurrency.py.j2",
        "tests/test_api_database.py": "test_api_database.py.j2",
        "tests/test_quickstart.py": "test_quickstart.py.j2",
        "tests/test_api_hardening.py": "test_api_hardening.py.j2",
        "tests/test_api_tokens.py": "test_api_tokens.py.j2",
        "tests/test_events_delivery.py": "test_events_delivery.py.j2",
    }
    if any(r.transitions for r in svc.resources):
        files["tests/test_api_machines.py"] = "test_api_machines.py.j2"
    if tables["ACCESS"] != "[]":
        files["tests/test_api_entitlement.py"] = "test_api_entitlement.py.j2"
    if tables["WRITABLE"] != "[]":
        files["tests/test_api_reserved_fields.py"] = "test_api_reserved_fields.py.j2"
    if any(r.is_tenant for r in svc.resources):
        files["tests/test_api_tenant_resource.py"] = "test_api_tenant_resource.py.j2"
    if any(action in ("create", "update", "delete") for _, action, _ in events_table(model)):
        files["tests/test_api_events.py"] = "test_api_events.py.j2"
    if model.api.rate_limits is not None or model.platform.idempotency.enabled:
        files["tests/test_api_platform.py"] = "test_api_platform.py.j2"
    if model.platform.billing is not None:
        files["tests/test_api_billing.py"] = "test_api_billing.py.j2"
    if svc.has_deprecation:
        files["tests/test_api_deprecation.py"] = "test_api_deprecation.py.j2"
    if tables["LISTS"] != "[]":
        files["tests/test_api_lists.py"] = "test_api_lists.py.j2"
    if any(tables[name] != "[]" for name in ("SCENARIOS", "EFFECTS", "HOOKS", "NESTED")):
        files["tests/scenario_tables.py"] = "scenario_tables.py.j2"
    if tables["SCENARIOS"] != "[]":
        files["tests/test_api_relations.py"] = "test_api_relations.py.j2"
    if tables["NESTED"] != "[]":
        files["tests/test_api_nested.py"] = "test_api_nested.py.j2"
    if tables["EFFECTS"] != "[]":
        files["tests/test_api_effects.py"] = "test_api_effects.py.j2"
    if tables["HOOKS"] != "[]":
        files["tests/test_api_hooks.py"] = "test_api_hooks.py.j2"
    if tables["VISIBILITY"] != "[]":
        files["tests/test_api_visibility.py"] = "test_api_visibility.py.j2"
    if tables["PRINCIPALS"] != "[]" or tables["ON_BEHALF"] != "[]":
        files["tests/test_api_principals.py"] = "test_api_principals.py.j2"
    if tables["DELETES"] != "[]" or tables["HIDDEN_REFERENCES"] != "[]":
        files["tests/test_api_references.py"] = "test_api_references.py.j2"
    out = [EmittedFile(PurePosixPath("tests/__init__.py"), header.encode())]
    for path, template in files.items():
        text = render(f"service/tests/{template}", header=header, svc=svc, tables=tables)
        out.append(EmittedFile(PurePosixPath(path), text.encode()))
    out += _platform_tests(svc, header)
    jobs = jobs_view(model, svc.name, svc.ext)
    if jobs.jobs:
        text = render("service/tests/test_api_jobs.py.j2", header=header, svc=svc, p=jobs)
        out.append(EmittedFile(PurePosixPath("tests/test_api_jobs.py"), text.encode()))
    if jobs.timers:
        text = render("service/tests/test_api_timers.py.j2", header=header, svc=svc, p=jobs)
        out.append(EmittedFile(PurePosixPath("tests/test_api_timers.py"), text.encode()))
    return out


def platform_table(model: Service) -> dict[str, Any]:
    """The API platform features the spec switches on (test_api_platform.py)."""
    limits = model.api.rate_limits
    return {
        "rate_limits": limits is not None,
        "default_plan": limits.default_plan if limits is not None else None,
        "idempotency": model.platform.idempotency.enabled,
    }


def _platform_tests(svc: ServiceView, header: str) -> list[EmittedFile]:
    """One short test file per switched-on platform feature that the suite can exercise."""
    platform = svc.platform
    chosen: list[tuple[str, Any]] = []
    if platform.api_keys is not None and platform.api_keys.manager_roles:
        chosen.append(("test_api_keys", platform.api_keys))
    if platform.audit is not None and platform.audit.probe_resource and platform.audit.reader_roles:
        chosen.append(("test_api_audit", platform.audit))
    if platform.cache is not None and platform.cache.probe_resource:
        chosen.append(("test_api_cache", platform.cache))
        if platform.cache.list_probe:
            chosen.append(("test_api_cache_lists", platform.cache))
    return [
        EmittedFile(
            PurePosixPath(f"tests/{name}.py"),
            render(f"service/tests/{name}.py.j2", header=header, svc=svc, p=view).encode(),
        )
        for name, view in chosen
    ]


def deprecated_table(surface: HttpSurface) -> list[tuple[Any, ...]]:
    """(resource, operation, method, path suffix, sunset date or None)."""
    rows: list[tuple[Any, ...]] = []
    for resource in surface.resources:
        for op in resource.deprecated:
            assert op.deprecation is not None
            sunset = op.deprecation.sunset
            rows.append(
                (
                    resource.path,
                    op.action.raw,
                    op.method,
                    op.suffix,
                    sunset.isoformat() if sunset else None,
                )
            )
    return rows


def billing_table(model: Service) -> dict[str, Any]:
    """What the generated billing tests need from ``billing:`` ({} without it)."""
    billing = model.platform.billing
    if billing is None:
        return {}
    entity = model.entity(billing.entity.raw)
    machine = next(m for m in model.state_machines if m.name == billing.machine)
    assert entity is not None
    resource = model.api.resource_for(entity.name.raw)
    states = machine.states
    granted = [s.name.raw for s in states if s.access is Access.GRANTED]
    denied = [s.name.raw for s in states if s.access is Access.DENIED and not s.terminal]
    # The plan the suite's tenants get: every feature, the fewest quotas.
    plans = sorted(billing.plans, key=lambda p: (-len(p.features), len(p.quotas)))
    status_of: dict[str, str] = {}
    for provider_status, state in billing.statuses:
        status_of.setdefault(state, provider_status)
    objects = {kind: dict(paths) for kind, paths in billing.objects}
    status_event = next(
        (e.type for e in billing.events if e.to is None and e.source == "subscription"), None
    )
    quota = None
    default = billing.plan(billing.default_plan) if billing.default_plan else None
    creatable = {e.name.raw: r.path for r, e in _creatable(model)}
    for name, limit in default.quotas if default else ():
        if name in creatable and limit <= 10:
            quota = {"resource": creatable[name], "entity": name, "limit": limit}
            break
    gated = {p for _, paths in billing.features for p in paths}
    writable = next((r for r in creatable.values() if r not in gated), None)
    public = sorted({t.name.raw for t in machine.transitions if not t.public})
    start = granted[0] if granted else machine.initial.raw
    following = next(
        (
            t.target.raw
            for t in machine.transitions
            if not t.public and start in {s.raw for s in t.sources} and t.target.raw != start
        ),
        start,
    )
    return {
        "provider": billing.provider,
        "resource": resource.path if resource else None,
        "operations": [op.value for op in resource.operations] if resource else [],
        "class_name": entity.name.pascal,
        "state_field": machine.field.raw,
        "plan_field": billing.plan_field.raw if billing.plan_field else None,
        "id_field": billing.id_field.raw,
        "entitled": {"plan": plans[0].name if plans else None, "state": start},
        "next_state": following,  # a state a provider transition takes `entitled` to
        "denied_state": denied[0] if denied else None,
        "provider_transitions": public,
        "provider_fields": sorted({n.raw for n, _ in billing.fields} | {billing.id_field.raw}),
        "status_of": status_of,
        "status_event": status_event,
        "subscription_paths": objects.get("subscription"),
        "reads_without_access": billing.reads_without_access,
        "writable_resource": writable,
        "quota": quota if billing.default_plan else None,
    }
