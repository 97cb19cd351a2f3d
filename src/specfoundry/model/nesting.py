"""Nested resources (``api.resources.<r>.parent``): the parent a resource's routes nest under.

One resolution shared by the semantic checks, the HTTP lowering, the service emitter, the test
plan and ``explain``: the parent resource, its entity, and the child's reference field that
names the parent object (the one given as ``field``, else the only reference to the parent's
entity).
"""

from __future__ import annotations

from dataclasses import dataclass

from specfoundry.model.api import Resource
from specfoundry.model.entities import Entity, Field, FieldType
from specfoundry.model.service import Service


@dataclass(frozen=True, slots=True)
class ResolvedNesting:
    parent: Resource  # the parent resource
    parent_entity: Entity
    field: Field  # the child's reference field naming the parent object
    flat: bool  # the flat routes stay as well

    @property
    def param(self) -> str:
        """The path parameter of the parent's id: ``task_id`` in ``/v1/tasks/{task_id}/...``."""
        return f"{self.parent_entity.name.raw}_id"


def refs_to(entity: Entity, target: str) -> tuple[Field, ...]:
    """The reference fields of ``entity`` naming ``target`` objects."""
    return tuple(
        f
        for f in entity.fields
        if f.type is FieldType.REF and f.ref_entity is not None and f.ref_entity.raw == target
    )


def resolve_nesting(model: Service, resource: Resource) -> ResolvedNesting | None:
    """The parent of ``resource``; None when it has none or the nesting is invalid (the
    semantic checks report why: SF410-SF416)."""
    nesting = resource.parent
    if nesting is None:
        return None
    parent = model.api.resource(nesting.resource)
    child = model.entity(resource.entity.raw)
    if parent is None or child is None or parent.parent is not None or parent is resource:
        return None
    parent_entity = model.entity(parent.entity.raw)
    if parent_entity is None or parent_entity.name == child.name:
        return None
    refs = refs_to(child, parent_entity.name.raw)
    if nesting.field is not None:
        field = child.field(nesting.field.raw)
        if field is None or field not in refs:
            return None
    elif len(refs) == 1:
        field = refs[0]
    else:
        return None
    return ResolvedNesting(parent, parent_entity, field, nesting.flat)


__all__ = ["ResolvedNesting", "refs_to", "resolve_nesting"]
