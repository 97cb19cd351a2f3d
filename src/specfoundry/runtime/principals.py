"""``principal`` fields: a subject id that must name a member of the caller's tenant.

A resource module lists, per principal field, the membership rows it may name
(``PRINCIPALS``: the ``tenancy.members`` entity's subject column, and the role condition when
the field requires roles). The session is the tenant's, so another tenant's member is never
found: the answer is the same 422 as for a subject that is no member at all.

A principal field with ``member_of`` (``MEMBERS_OF``: field -> ``MemberOf``) must also name a
member of a related object (a task's assignee, of the task's project): a row of that object's
membership entity. It is checked on the object as it will be stored (create: the new object;
update: after the changes are set), whenever the field or the reference leading to the object
was sent; a principal who is no member is the same 422.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .permissions import Hop, _reach
from .problems import Problem


class Members:
    """The members a principal field may name: rows whose ``subject`` column holds the value
    and that meet ``where`` (SQLAlchemy conditions: the roles the field requires)."""

    __slots__ = ("subject", "where")

    def __init__(self, subject: Any, *where: Any) -> None:
        self.subject = subject
        self.where = where


def check_principals(
    session: Session, values: Mapping[str, object], rules: Mapping[str, Members]
) -> None:
    """Every principal field sent must name a member of the tenant (with the roles it needs);
    422 problem+json listing the fields that do not."""
    wrong: list[dict[str, str]] = []
    for field, members in rules.items():
        value = values.get(field)
        if value is None:
            continue
        statement = sa.select(members.subject).where(members.subject == value, *members.where)
        if session.scalar(statement.limit(1)) is None:
            wrong.append(
                {"pointer": f"/{field}", "message": "no such member (with the roles it needs)"}
            )
    if wrong:
        raise Problem(
            "validation-error", "A principal field names no member of the tenant.", errors=wrong
        )


class MemberOf:
    """The object a principal field's value must be a member of: reached from the object
    through ``hops`` (as relation conditions do), its members the rows of ``membership``
    whose ``object_field`` names it and whose ``subject_field`` holds the principal."""

    __slots__ = ("hops", "membership", "object_field", "role_field", "roles", "subject_field")

    def __init__(
        self,
        hops: Sequence[Hop],
        membership: Any,
        object_field: str,
        subject_field: str,
        role_field: str | None = None,
        roles: Sequence[str] = (),
    ) -> None:
        self.hops = tuple(hops)
        self.membership = membership
        self.object_field = object_field
        self.subject_field = subject_field
        # ``member_of: {path, roles}``: the membership row's ``role_field`` holds one of them.
        self.role_field = role_field
        self.roles = tuple(roles)

    def holds(self, session: Session, obj: Any, subject: object) -> bool:
        target = _reach(obj, self.hops)
        if target is None or target.id is None:
            return False
        m = self.membership
        clauses = [
            getattr(m, self.object_field) == target.id,
            getattr(m, self.subject_field) == subject,
        ]
        if self.role_field is not None:
            clauses.append(getattr(m, self.role_field).in_(self.roles))
        deleted_at = getattr(m, "deleted_at", None)
        if deleted_at is not None:  # a soft-deleted membership row makes no member
            clauses.append(deleted_at.is_(None))
        with session.no_autoflush:
            return session.scalar(sa.select(m.id).where(*clauses).limit(1)) is not None


def check_members_of(
    session: Session, obj: Any, sent: Iterable[str], rules: Mapping[str, MemberOf]
) -> None:
    """Each principal field with ``member_of`` whose value or path was sent names a member of
    the related object; else 422 problem+json listing the fields."""
    written = set(sent)
    wrong: list[dict[str, str]] = []
    for field, rule in rules.items():
        value = getattr(obj, field)
        if value is None:
            continue
        if field not in written and (not rule.hops or rule.hops[0][1] not in written):
            continue
        if not rule.holds(session, obj, value):
            message = "not a member of the related object" + (
                f" with a role among {', '.join(rule.roles)}" if rule.role_field else ""
            )
            wrong.append({"pointer": f"/{field}", "message": message})
    if wrong:
        raise Problem(
            "validation-error",
            "A principal field names no member of the object it must belong to.",
            errors=wrong,
        )
