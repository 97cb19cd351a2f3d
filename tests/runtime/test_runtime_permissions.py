"""The permission table (runtime/permissions.py): default deny, any allowing path wins, and
the list filter selects exactly the rows the object check allows."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.elements import ColumnElement

from specfoundry.runtime.auth import Principal
from specfoundry.runtime.permissions import Condition, PermissionTable, Rule, When
from tests.runtime.fixture_app import Base, Item

TENANT = uuid.uuid4()


def _ranked(principal: Principal, obj: Item) -> bool:
    return obj.rank is not None and obj.rank > 5


def _ranked_where(principal: Principal) -> ColumnElement[bool]:
    return sa.and_(Item.rank.is_not(None), Item.rank > 5)


def _named_by_caller(principal: Principal, obj: Item) -> bool:
    return obj.name == principal.subject


def _named_by_caller_where(principal: Principal) -> ColumnElement[bool]:
    return Item.name == principal.subject


RANKED = Condition(_ranked, _ranked_where)
MINE = Condition(_named_by_caller, _named_by_caller_where)

TABLE = PermissionTable(
    ("reader", "editor", "admin", "auditor"),
    {
        ("item", "read"): Rule(("admin",), When(("reader", "editor"), RANKED, MINE)),
        ("item", "update"): Rule(("admin",), When(("editor",), MINE)),
        ("item", "delete"): Rule(()),
        ("item", "archive"): Rule((), When(("auditor",), RANKED)),
    },
)


def who(*roles: str, subject: str = "alice") -> Principal:
    return Principal(subject=subject, tenant_id=TENANT, roles=frozenset(roles))


def item(name: str = "bob", rank: int | None = None) -> Item:
    return Item(id=uuid.uuid4(), tenant_id=TENANT, name=name, rank=rank, version=1)


def test_default_deny_for_unlisted_actions_and_roles() -> None:
    assert not TABLE.holds(who("admin"), "item", "delete")
    assert not TABLE.allows(who("admin"), "item", "delete", item())
    assert not TABLE.allows(who("admin"), "item", "never_declared", item())
    assert not TABLE.allows(who(), "item", "read", item(rank=9))
    assert not TABLE.allows(who("stranger"), "item", "read", item(rank=9))
    assert TABLE.holders("other", "read") == frozenset()


def test_holds_names_every_role_conditional_or_not() -> None:
    assert TABLE.holders("item", "read") == {"admin", "reader", "editor"}
    assert TABLE.holds(who("editor"), "item", "update")
    assert not TABLE.holds(who("reader"), "item", "update")
    assert TABLE.holds(who("auditor"), "item", "archive")


def test_conditions_are_alternatives_and_any_allowing_role_wins() -> None:
    assert TABLE.allows(who("reader"), "item", "read", item(rank=9))
    assert TABLE.allows(who("reader"), "item", "read", item(name="alice"))
    assert not TABLE.allows(who("reader"), "item", "read", item(rank=1))
    assert not TABLE.allows(who("reader"), "item", "read", item(rank=None))
    # editor's condition fails, admin's unconditional grant still allows
    assert TABLE.allows(who("editor", "admin"), "item", "update", item(name="carol"))
    assert not TABLE.allows(who("editor", "reader"), "item", "update", item(name="carol"))
    # a condition of one action does not leak into another
    assert not TABLE.allows(who("editor"), "item", "update", item(rank=9))


@pytest.fixture
def session() -> Session:
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        for name in ("alice", "bob"):
            for rank in (None, 1, 5, 6, 9):
                s.add(item(name=name, rank=rank))
        s.commit()
        yield s


@pytest.mark.parametrize(
    "principal",
    [
        who("reader"),
        who("editor"),
        who("admin"),
        who("auditor"),
        who(),
        who("reader", "auditor", subject="bob"),
        who("stranger"),
    ],
    ids=lambda p: "+".join(sorted(p.roles)) + f"@{p.subject}",
)
@pytest.mark.parametrize("action", ["read", "update", "delete", "archive", "unknown"])
def test_list_filter_selects_what_the_object_check_allows(
    session: Session, principal: Principal, action: str
) -> None:
    rows = session.scalars(sa.select(Item)).all()
    allowed = {i.id for i in rows if TABLE.allows(principal, "item", action, i)}
    filtered = set(
        session.scalars(sa.select(Item.id).where(TABLE.where(principal, "item", action))).all()
    )
    assert filtered == allowed


def test_unknown_roles_are_refused_with_the_valid_ones() -> None:
    TABLE.check_roles(["reader", "admin"])
    with pytest.raises(ValueError, match=r"^unknown role: boss; valid roles: reader, editor"):
        TABLE.check_roles(["reader", "boss"])
    with pytest.raises(ValueError, match=r"^unknown roles: a, b;"):
        TABLE.check_roles(["b", "a"])


def test_a_table_naming_undefined_roles_or_an_empty_grant_is_refused() -> None:
    with pytest.raises(ValueError, match="undefined roles"):
        PermissionTable(("reader",), {("item", "read"): Rule(("writer",))})
    with pytest.raises(ValueError, match="at least one condition"):
        When(("reader",))
