"""The permission table of a service: RBAC with inheritance already resolved, plus conditions.

The service's ``permissions.py`` is data: one :class:`Rule` per (entity, action) naming the
roles that hold the action always and the roles that hold it under a spec condition
(:class:`When`), and one small function pair per condition (:class:`Condition`: the check of one
loaded object, and the same condition as a SQL filter for lists, both generated from one syntax
tree so a list returns exactly what a read allows). :class:`PermissionTable` evaluates it.

Default deny: an (entity, action) the table does not list is allowed to nobody, and so is an
action whose rule names none of the caller's roles. Any allowing path wins (saas-standards P-02):
a role held unconditionally allows, whatever the conditions of the caller's other roles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, object_session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Exists

from .auth import Principal

# ``check(principal, obj)``: whether the condition holds for one loaded object.
Check = Callable[[Principal, Any], bool]
# ``where(principal)``: the condition as a WHERE clause over the entity's table.
Where = Callable[[Principal], ColumnElement[bool]]


# One hop of a relation path: the referenced model and the reference field that names its row.
Hop = tuple[Any, str]


def _reach(obj: Any, hops: Sequence[Hop]) -> Any:
    """The object ``hops`` lead to from ``obj`` (``obj`` itself without hops), or None.

    A soft-deleted row on the way (``deleted_at`` set) is a missing link: the API answers 404
    for it, so it must not lend its owner or its members to the objects that still name it."""
    session = object_session(obj)
    if session is None:
        return None
    current = obj
    with session.no_autoflush:
        for model, field in hops:
            key = getattr(current, field)
            if key is None:
                return None
            current = session.get(model, key)
            if current is None or getattr(current, "deleted_at", None) is not None:
                return None
    return current


def member_of(
    principal: Principal,
    obj: Any,
    hops: Sequence[Hop],
    membership: Any,
    link: tuple[str, str, str | None],
    roles: Iterable[str] | None = None,
) -> bool:
    """Whether the caller is a member of the object ``hops`` lead to from ``obj``: a row of
    the ``membership`` model whose object field (``link[0]``) names it and whose subject field
    (``link[1]``) is the caller's subject, with a role (field ``link[2]``) among ``roles``
    when given. The SQL side is an ``EXISTS`` over the same rows."""
    target = _reach(obj, hops)
    session = object_session(obj)
    if target is None or session is None or target.id is None:
        return False
    object_field, subject_field, role_field = link
    clauses = [
        getattr(membership, object_field) == target.id,
        getattr(membership, subject_field) == principal.subject,
    ]
    if roles is not None and role_field is not None:
        clauses.append(getattr(membership, role_field).in_(list(roles)))
    deleted_at = getattr(membership, "deleted_at", None)
    if deleted_at is not None:  # a soft-deleted membership row grants nothing
        clauses.append(deleted_at.is_(None))
    with session.no_autoflush:
        found = session.scalar(sa.select(membership.id).where(*clauses).limit(1))
    return found is not None


def aliased_exists(
    model: Any, where: Callable[[Any], Sequence[ColumnElement[bool]]], *columns: Any
) -> Exists:
    """``EXISTS`` over the rows of a fresh alias of ``model`` that ``where(alias)`` selects
    (with ``columns`` of the relation path): the SQL side of a membership condition whose
    membership entity is also the listed entity or on the path. Without the alias, SQL would
    correlate the subquery's table to the outer query's and test the listed row itself."""
    alias = aliased(model)
    return sa.select(*columns, alias.id).where(*where(alias)).exists()


def related(obj: Any, hops: Sequence[Hop], check: Callable[[Any], bool]) -> bool:
    """Whether ``check`` holds of the object reached from ``obj`` through ``hops`` (a relation
    path such as ``resource.project.owner_id``): the Python side of a relation condition, whose
    SQL side is an ``EXISTS`` over the same chain.

    Each hop loads the referenced row through ``obj``'s session (the identity map first, then
    a primary-key SELECT under the session's tenant filter); a missing link (a null reference,
    a row of another tenant, an object not in a session) makes the condition false, as the
    ``EXISTS`` finds no row. Loading never flushes the caller's pending changes.
    """
    target = _reach(obj, hops)
    return target is not None and check(target)


@dataclass(frozen=True, slots=True)
class Condition:
    """One spec condition (``when:``), as an object check and as a list filter."""

    check: Check
    where: Where


class When:
    """Roles that hold an action when any of ``conditions`` is true of the object."""

    __slots__ = ("conditions", "roles")

    def __init__(self, roles: Iterable[str], *conditions: Condition) -> None:
        if not conditions:
            raise ValueError("a conditional grant needs at least one condition")
        self.roles = frozenset(roles)
        self.conditions = conditions

    def __repr__(self) -> str:
        return f"When({sorted(self.roles)!r}, {len(self.conditions)} condition(s))"


class Rule:
    """Who may perform one action on one entity: ``always`` roles, then conditional grants."""

    __slots__ = ("always", "holders", "when")

    def __init__(self, always: Iterable[str] = (), *when: When) -> None:
        self.always = frozenset(always)
        self.when = when
        self.holders = self.always.union(*(w.roles for w in when))

    def __repr__(self) -> str:
        return f"Rule({sorted(self.always)!r}, *{list(self.when)!r})"

    def allows(self, principal: Principal, obj: Any) -> bool:
        roles = principal.roles
        if roles & self.always:
            return True
        return any(
            condition.check(principal, obj)
            for grant in self.when
            if roles & grant.roles
            for condition in grant.conditions
        )

    def where(self, principal: Principal) -> ColumnElement[bool]:
        roles = principal.roles
        if roles & self.always:
            return sa.true()
        clauses = [
            condition.where(principal)
            for grant in self.when
            if roles & grant.roles
            for condition in grant.conditions
        ]
        return sa.or_(sa.false(), *clauses) if clauses else sa.false()


NOBODY = Rule()


class PermissionTable:
    """A service's rules by (entity, action), and the roles it defines (in spec order)."""

    def __init__(self, roles: Iterable[str], rules: Mapping[tuple[str, str], Rule]) -> None:
        self.roles = tuple(roles)
        self.rules = dict(rules)
        known = set(self.roles)
        for key, rule in self.rules.items():
            strangers = rule.holders - known
            if strangers:
                raise ValueError(f"rule {key} names undefined roles: {sorted(strangers)}")

    def rule(self, entity: str, action: str) -> Rule:
        return self.rules.get((entity, action), NOBODY)

    def holders(self, entity: str, action: str) -> frozenset[str]:
        """Every role that may perform ``action`` on ``entity``, under some condition or none."""
        return self.rule(entity, action).holders

    def holds(self, principal: Principal, entity: str, action: str) -> bool:
        """Whether any role of ``principal`` may perform ``action`` on some ``entity``."""
        return bool(principal.roles & self.holders(entity, action))

    def allows(self, principal: Principal, entity: str, action: str, obj: Any) -> bool:
        """Whether ``principal`` may perform ``action`` on the loaded object ``obj``."""
        return self.rule(entity, action).allows(principal, obj)

    def where(self, principal: Principal, entity: str, action: str) -> ColumnElement[bool]:
        """The rows of ``entity`` on which ``principal`` may perform ``action``, as SQL."""
        return self.rule(entity, action).where(principal)

    def check_roles(self, roles: Iterable[str]) -> None:
        """Refuse roles the spec does not define (``ValueError`` naming them and the valid ones)."""
        unknown = sorted({role for role in roles if role not in self.roles})
        if unknown:
            raise ValueError(
                "unknown role"
                + ("s" if len(unknown) > 1 else "")
                + ": "
                + ", ".join(unknown)
                + "; valid roles: "
                + ", ".join(self.roles)
            )
