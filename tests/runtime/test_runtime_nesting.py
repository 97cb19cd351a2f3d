"""Nested routes (``runtime.nesting``): the parent in the path is found only when it is a live
object of the caller's tenant that the caller may read under the parent's read rule (here a
membership test, as the generated ``permissions.where`` renders one); every other parent
answers the same 404 as a missing one, and a child reached under another parent is not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa
from runtime_db_fixtures import Org  # the runtime Base's one tenant root
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from specfoundry.runtime.auth import Principal
from specfoundry.runtime.db import (
    Base,
    TenantScoped,
    TenantSession,
    make_engine,
    make_session_factory,
    open_session,
)
from specfoundry.runtime.nesting import check_parent, parent_id
from specfoundry.runtime.problems import Problem
from specfoundry.runtime.routing import Reference


class NestTask(TenantScoped, Base):
    __tablename__ = "nest_tasks"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(), nullable=True)


class NestMember(TenantScoped, Base):
    __tablename__ = "nest_members"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    nest_task_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    user_id: Mapped[str] = mapped_column(sa.String())


class NestComment(TenantScoped, Base):
    __tablename__ = "nest_comments"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    nest_task_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())


def task_rule(principal: Principal) -> Reference:
    """The shape of a generated ``REFERENCES`` entry: alive, and readable by a member."""
    member = (
        sa.select(NestMember.id)
        .where(NestMember.nest_task_id == NestTask.id, NestMember.user_id == principal.subject)
        .exists()
    )
    return Reference(NestTask, NestTask.deleted_at.is_(None), member)


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[TenantSession]]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('nestdb')}/nest.db")
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def world(factory: sessionmaker[TenantSession]) -> dict[str, uuid.UUID]:
    """Tenant ``a``: a task alice is a member of (with a comment), one she is not a member
    of, one soft-deleted; tenant ``b``: a task whose member is alice as well."""
    a, b = uuid.uuid4(), uuid.uuid4()
    ids: dict[str, uuid.UUID] = {"a": a, "b": b}
    for tenant in (a, b):
        with open_session(factory, tenant) as s:
            s.add(Org(id=tenant))
            s.commit()
    with open_session(factory, b) as s:
        foreign = NestTask()
        s.add(foreign)
        s.flush()
        s.add(NestMember(nest_task_id=foreign.id, user_id="alice"))
        s.commit()
        ids["foreign"] = foreign.id
    with open_session(factory, a) as s:
        mine, other, removed = NestTask(), NestTask(), NestTask(deleted_at=datetime(2026, 1, 1))
        s.add_all([mine, other, removed])
        s.flush()
        s.add_all(
            [
                NestMember(nest_task_id=mine.id, user_id="alice"),
                NestMember(nest_task_id=removed.id, user_id="alice"),
                NestMember(nest_task_id=other.id, user_id="bob"),
            ]
        )
        comment = NestComment(nest_task_id=mine.id)
        s.add(comment)
        s.commit()
        ids |= {"mine": mine.id, "other": other.id, "removed": removed.id, "comment": comment.id}
    return ids


def _answer(factory: sessionmaker[TenantSession], tenant: uuid.UUID, raw: str) -> object:
    alice = Principal("alice", tenant, frozenset({"member"}))
    with open_session(factory, tenant) as s:
        try:
            return parent_id(s, alice, raw, task_rule, "task")
        except Problem as problem:
            return (problem.slug, problem.detail, problem.extensions)


def test_a_readable_parent_of_the_tenant_is_found(
    factory: sessionmaker[TenantSession], world: dict[str, uuid.UUID]
) -> None:
    assert _answer(factory, world["a"], str(world["mine"])) == world["mine"]


@pytest.mark.parametrize("which", ["missing", "malformed", "foreign", "removed", "other"])
def test_every_unreachable_parent_answers_like_a_missing_one(
    factory: sessionmaker[TenantSession], world: dict[str, uuid.UUID], which: str
) -> None:
    """Another tenant's task (alice is a member there too), a soft-deleted one, one she may
    not read and a malformed id: the same 404 body as an id that names nothing."""
    raw = {
        "missing": str(uuid.uuid4()),
        "malformed": "not-a-uuid",
        "foreign": str(world["foreign"]),
        "removed": str(world["removed"]),
        "other": str(world["other"]),
    }[which]
    missing = ("not-found", "No task with this id.", {})
    assert _answer(factory, world["a"], raw) == missing


def test_a_child_is_reached_only_under_its_own_parent(
    factory: sessionmaker[TenantSession], world: dict[str, uuid.UUID]
) -> None:
    with open_session(factory, world["a"]) as s:
        comment = s.get(NestComment, world["comment"])
        assert comment is not None
        check_parent(comment, "nest_task_id", world["mine"], "comment")  # its own: no answer
        with pytest.raises(Problem) as raised:
            check_parent(comment, "nest_task_id", world["other"], "comment")
    assert (raised.value.slug, raised.value.detail) == ("not-found", "No comment with this id.")
