"""``principal`` fields: a subject id that must name a member of the caller's tenant.

A resource module lists, per principal field, the membership rows it may name
(``PRINCIPALS``: the ``tenancy.members`` entity's subject column, and the role condition when
the field requires roles). The session is the tenant's, so another tenant's member is never
found: the answer is the same 422 as for a subject that is no member at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

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
