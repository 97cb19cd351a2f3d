"""``routing.check_references``: a reference names an object its rule allows, else one 422."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fixture_app import Base, Item
from sqlalchemy.orm import Session

from specfoundry.runtime import routing
from specfoundry.runtime.auth import Principal
from specfoundry.runtime.problems import Problem

TENANT = uuid.uuid4()
PRINCIPAL = Principal(subject="alice", tenant_id=TENANT, roles=frozenset({"reader"}))


def _rules() -> dict[str, routing.ReferenceRule]:
    """``item_id`` may name an item of the caller's tenant that is not ranked below zero."""
    return {
        "item_id": lambda principal: routing.Reference(
            Item, Item.tenant_id == principal.tenant_id, sa.func.coalesce(Item.rank, 0) >= 0
        ),
    }


@pytest.fixture
def session() -> Iterator[Session]:
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _item(session: Session, tenant: uuid.UUID, rank: int | None = None) -> uuid.UUID:
    item = Item(tenant_id=tenant, name="x", rank=rank)
    session.add(item)
    session.flush()
    return item.id


def test_allowed_absent_and_null_references_pass(session: Session) -> None:
    mine = _item(session, TENANT)
    routing.check_references(session, PRINCIPAL, {"item_id": mine}, _rules())
    routing.check_references(session, PRINCIPAL, {"item_id": None, "other": 1}, _rules())
    routing.check_references(session, PRINCIPAL, {}, _rules())


def test_missing_foreign_and_filtered_objects_get_one_answer(session: Session) -> None:
    theirs = _item(session, uuid.uuid4())
    hidden = _item(session, TENANT, rank=-1)
    for value in (uuid.uuid4(), theirs, hidden):
        with pytest.raises(Problem) as raised:
            routing.check_references(session, PRINCIPAL, {"item_id": value}, _rules())
        assert raised.value.slug == "validation-error"
        assert raised.value.extensions["errors"] == [
            {"pointer": "/item_id", "message": "no such object"}
        ]


def test_a_stated_parent_permission_is_a_403_only_when_the_object_is_readable(
    session: Session,
) -> None:
    """``parent_permission: update``: naming an object needs that action on it (here: rank at
    least 5); a readable object without it is 403, an unreadable one still the 422 of a
    missing one."""
    rules: dict[str, routing.ReferenceRule] = {
        "item_id": lambda principal: routing.Reference(
            Item,
            Item.tenant_id == principal.tenant_id,
            sa.func.coalesce(Item.rank, 0) >= 0,
            permission=("update", sa.func.coalesce(Item.rank, 0) >= 5),
        ),
    }
    editable, readable = _item(session, TENANT, 7), _item(session, TENANT, 1)
    hidden = _item(session, TENANT, rank=-1)
    routing.check_references(session, PRINCIPAL, {"item_id": editable}, rules)
    with pytest.raises(Problem) as raised:
        routing.check_references(session, PRINCIPAL, {"item_id": readable}, rules)
    assert raised.value.slug == "forbidden"
    assert "update" in raised.value.detail
    for value in (hidden, uuid.uuid4()):
        with pytest.raises(Problem) as raised:
            routing.check_references(session, PRINCIPAL, {"item_id": value}, rules)
        assert raised.value.slug == "validation-error"


@pytest.mark.parametrize(
    ("prefer", "token", "membership", "expected"),
    [
        ("membership", {"admin"}, {"member"}, {"member"}),
        ("membership", {"admin"}, set(), set()),
        ("token", {"admin"}, {"member"}, {"admin"}),
        ("token", set(), {"member"}, {"member"}),
        ("token", {"stranger"}, {"member"}, {"member"}),  # unknown token roles are dropped
        ("union", {"admin", "stranger"}, {"member"}, {"admin", "member"}),
    ],
)
def test_roles_from_a_membership_table_combine_as_the_spec_prefers(
    prefer: str, token: set[str], membership: set[str], expected: set[str]
) -> None:
    source = routing.RoleSource(
        Item,
        "name",
        "name",
        prefer=prefer,
        known=("admin", "member"),
        open_session=None,  # type: ignore[arg-type]
    )
    assert source.combine(frozenset(token), frozenset(membership)) == expected


def test_roles_from_refuses_an_unknown_preference() -> None:
    with pytest.raises(ValueError, match="prefer"):
        routing.RoleSource(Item, "a", "b", prefer="tokens", known=(), open_session=None)  # type: ignore[arg-type]
