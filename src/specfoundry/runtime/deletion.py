"""Deletes that honour the spec's ``on_delete`` rules, for soft and hard deletes alike.

A soft-deleted object keeps its row, so the database's foreign keys see nothing: this module
does what they would. Before anything changes it walks the live objects that reference the
one being deleted: ``restrict`` raises :class:`DeleteRestricted` (the generated ``deletion``
module answers 409 ``conflict``) while any exists, ``set_null`` clears the reference through
the ORM (so the referrer's version and ETag change), ``cascade`` soft-deletes soft-deletable
referrers (and applies their own rules, recursively) and deletes the others. A hard delete
checks ``restrict`` and clears ``set_null`` references the same way, then leaves ``cascade`` to
the database's ``ON DELETE CASCADE``.

What references what is the spec's: the generated ``<service>/deletion.py`` builds the
:class:`DeletionRules` table and calls :func:`delete` with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .db import utcnow

__all__ = ["DeleteRestricted", "DeletionRules", "Referrer", "delete"]

Action = Literal["restrict", "set_null", "soft_delete", "delete"]


class DeleteRestricted(Exception):
    """A ``restrict`` reference blocks the delete; nothing was changed."""

    def __init__(self, table: str, column: str) -> None:
        self.table = table
        self.column = column
        super().__init__(
            f"Other objects still reference it ({table}.{column}, on_delete: restrict); "
            "delete or change them first. Nothing was deleted."
        )


@dataclass(frozen=True, slots=True)
class Referrer:
    model: Any  # the referencing model class
    field: str  # its reference column
    action: Action
    soft_delete: bool  # the referencing model has `deleted_at`: only live rows count


@dataclass(frozen=True, slots=True)
class DeletionRules:
    """The spec's table: which models soft-delete, and per referenced model what deleting one
    of its objects does to the objects referencing it."""

    soft_deleted: tuple[Any, ...]
    referrers: Mapping[Any, tuple[Referrer, ...]]


@dataclass
class _Plan:
    soft: list[Any] = field(default_factory=list)
    hard: list[Any] = field(default_factory=list)
    nulls: list[tuple[Any, str]] = field(default_factory=list)
    seen: set[Any] = field(default_factory=set)


def delete(
    session: Session, obj: Any, rules: DeletionRules, *, now: dt.datetime | None = None
) -> None:
    """Delete ``obj`` (soft when its model is in ``rules.soft_deleted``) with the ``on_delete``
    rules of the spec. Raises :class:`DeleteRestricted`, having changed nothing, when a
    ``restrict`` reference blocks it."""
    plan = _Plan()
    _collect(session, obj, plan, rules, soft=type(obj) in rules.soft_deleted)
    for child, name in plan.nulls:
        setattr(child, name, None)
    stamp = now or utcnow()
    for item in plan.soft:
        item.deleted_at = stamp
    for item in plan.hard:
        session.delete(item)


def _live(session: Session, ref: Referrer, parent_id: Any) -> list[Any]:
    model = ref.model
    statement = sa.select(model).where(getattr(model, ref.field) == parent_id)
    if ref.soft_delete:
        statement = statement.where(model.deleted_at.is_(None))
    return list(session.scalars(statement.order_by(model.id)))


def _collect(session: Session, obj: Any, plan: _Plan, rules: DeletionRules, *, soft: bool) -> None:
    plan.seen.add(obj.id)
    (plan.soft if soft else plan.hard).append(obj)
    for ref in rules.referrers.get(type(obj), ()):
        children = [c for c in _live(session, ref, obj.id) if c.id not in plan.seen]
        if not children:
            continue
        if ref.action == "restrict":
            raise DeleteRestricted(ref.model.__tablename__, ref.field)
        if ref.action == "set_null":
            plan.nulls += [(child, ref.field) for child in children]
            continue
        for child in children:
            if child.id not in plan.seen:
                _collect(session, child, plan, rules, soft=ref.action == "soft_delete")
