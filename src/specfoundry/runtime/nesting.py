"""Nested routes (``/v1/tasks/{task_id}/comments``): the parent named in the path.

A nested route first finds the parent with :func:`parent_id`: a live object of the caller's
tenant that the caller may read, under the same rule (``Reference``: the parent entity's read
conditions, relation and membership tests included) as a reference field naming it. Missing,
another tenant's, soft-deleted and unreadable parents all answer the same 404 as a missing one.
An object reached under a parent must be that parent's child (:func:`check_parent`); a child of
another parent is not found either.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .auth import Principal
from .problems import Problem
from .routing import ReferenceRule


def _not_found(noun: str) -> Problem:
    return Problem("not-found", f"No {noun} with this id.")


def parent_id(
    session: Session, principal: Principal, raw_id: str, rule: ReferenceRule, noun: str
) -> uuid.UUID:
    """The id of the parent named in the path, once the caller may reach it; else 404.

    ``rule`` is the reference rule of the child's parent field (the resource module's
    ``REFERENCES``): the parent's model and what a readable, live parent meets. The session is
    bound to the caller's tenant, so another tenant's parent is never found."""
    try:
        wanted = uuid.UUID(raw_id)
    except ValueError:
        raise _not_found(noun) from None
    reference = rule(principal)
    model = reference.model
    found = session.scalar(sa.select(model.id).where(model.id == wanted, *reference.where))
    if found is None:
        raise _not_found(noun)
    return wanted


def check_parent(obj: Any, field: str, parent: uuid.UUID, noun: str) -> None:
    """``obj`` (reached under ``parent``) must be its child: another parent's is not found."""
    if getattr(obj, field) != parent:
        raise _not_found(noun)


__all__ = ["check_parent", "parent_id"]
