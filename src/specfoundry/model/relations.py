"""Relation paths of the condition language: ``resource.<ref>...<ref>.<field>``.

One resolver for the semantic checks and the emitters: each hop names a reference field of the
entity reached so far (``project`` or ``project_id``), and leads to the entity it references.
A path may not come back to an entity it has already visited (a cycle: the SQL filter would
need aliases and the intent is rarely what the spec means) and has at most :data:`MAX_HOPS`
hops, so every relation condition is a bounded chain of primary-key joins.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from specfoundry.model.entities import Entity, Field, FieldType

if TYPE_CHECKING:
    from specfoundry.model.service import Service

MAX_HOPS = 3


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a path: ``field`` (a reference of ``source``) leads to ``target``."""

    source: Entity
    field: Field
    target: Entity


class PathProblem(enum.StrEnum):
    UNKNOWN = "unknown"  # no such field on the entity reached so far
    NOT_REF = "not_ref"  # the field exists but is not a reference
    CYCLE = "cycle"  # the path comes back to an entity it has visited
    TOO_LONG = "too_long"  # more than MAX_HOPS hops


class PathError(ValueError):
    def __init__(self, problem: PathProblem, message: str, entity: Entity, hop: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.entity = entity
        self.hop = hop


def hop_field(entity: Entity, hop: str) -> Field | None:
    """The field a hop names: ``hop`` itself, else ``hop`` + ``_id`` (``project`` ->
    ``project_id``)."""
    return entity.field(hop) or entity.field(f"{hop}_id")


def resolve_path(model: Service, entity: Entity, path: tuple[str, ...]) -> tuple[Hop, ...]:
    """The hops of ``path`` from ``entity``; raises :class:`PathError` on the first problem."""
    if len(path) > MAX_HOPS:
        raise PathError(
            PathProblem.TOO_LONG,
            f"the relation path has {len(path)} hops; at most {MAX_HOPS} are allowed",
            entity,
            path[MAX_HOPS],
        )
    hops: list[Hop] = []
    visited = [entity.name.raw]
    current = entity
    for hop in path:
        field = hop_field(current, hop)
        if field is None:
            raise PathError(
                PathProblem.UNKNOWN,
                f"unknown relation '{hop}' of entity '{current.name}'",
                current,
                hop,
            )
        if field.type is not FieldType.REF or field.ref_entity is None:
            raise PathError(
                PathProblem.NOT_REF,
                f"'{field.name}' of entity '{current.name}' is a {field.type} field, not a "
                "reference, so a path cannot go through it",
                current,
                hop,
            )
        target = model.entity(field.ref_entity.raw)
        if target is None:
            raise PathError(
                PathProblem.UNKNOWN,
                f"relation '{hop}' of entity '{current.name}' references the unknown entity "
                f"'{field.ref_entity}'",
                current,
                hop,
            )
        if target.name.raw in visited:
            raise PathError(
                PathProblem.CYCLE,
                "the relation path comes back to entity '"
                + target.name.raw
                + "' ("
                + " -> ".join([*visited, target.name.raw])
                + ")",
                current,
                hop,
            )
        visited.append(target.name.raw)
        hops.append(Hop(current, field, target))
        current = target
    return tuple(hops)


def membership_for(model: Service, target: Entity) -> Entity | None:
    """The entity whose ``membership:`` links principals to objects of ``target`` (the first
    one, in spec order), or None."""
    for entity in model.entities:
        link = entity.membership
        if link is None:
            continue
        field = entity.field(link.object.raw)
        if (
            field is not None
            and field.ref_entity is not None
            and field.ref_entity.raw == target.name.raw
        ):
            return entity
    return None
