"""Conditional field write rules (``runtime/write_rules.py``) and principals that must be
members of a related object (``runtime/principals.py``: ``MemberOf``): the checks the
generated routes run on the row before the write (create: the row as it would be, pending in
the session and not flushed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from runtime_db_fixtures import Org
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from specfoundry.compiler import load_model
from specfoundry.emit.service.conditions import python_source
from specfoundry.lower.conditions import parse_condition
from specfoundry.runtime.auth import Principal
from specfoundry.runtime.db import (
    Base,
    TenantScoped,
    TenantSession,
    make_engine,
    make_session_factory,
    open_session,
)
from specfoundry.runtime.permissions import member_of, related
from specfoundry.runtime.principals import MemberOf, check_members_of
from specfoundry.runtime.problems import Problem
from specfoundry.runtime.write_rules import check_write_conditions


class WrProject(TenantScoped, Base):
    __tablename__ = "wr_projects"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[str | None] = mapped_column(sa.String(), nullable=True)


class WrTask(TenantScoped, Base):
    __tablename__ = "wr_tasks"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    wr_project_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid(), nullable=True)
    estimate: Mapped[int | None] = mapped_column(sa.Integer(), nullable=True)
    assignee_id: Mapped[str | None] = mapped_column(sa.String(), nullable=True)


class WrMember(TenantScoped, Base):
    __tablename__ = "wr_members"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(sa.String())
    wr_project_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    role: Mapped[str] = mapped_column(sa.String())
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(), nullable=True)


SPEC = """
service: {name: wr, version: 0.1.0}
tenancy: {tenant_entity: wr_org}
entities:
  wr_org:
    tenant_scoped: false
    fields:
      name: {type: string}
  wr_project:
    fields:
      owner_id: {type: string}
  wr_task:
    fields:
      wr_project_id: {type: ref, entity: wr_project}
      estimate: {type: integer}
  wr_member:
    membership: {subject: user_id, object: wr_project_id, role: role}
    fields:
      user_id: {type: string, required: true}
      wr_project_id: {type: ref, entity: wr_project, required: true}
      role: {type: enum, values: [lead, contributor], required: true}
permissions:
  roles:
    member: {}
  rules:
    wr_task:
      read: [member]
api:
  resources:
    tasks: {entity: wr_task, operations: [read]}
"""
# Only the project's owner or its lead may write a task's estimate.
ESTIMATE = (
    "resource.wr_project.owner_id == principal.id "
    "or principal.role_in(resource.wr_project) == 'lead'"
)


def _who(subject: str, tenant: uuid.UUID) -> Principal:
    return Principal(subject, tenant, frozenset({"member"}))


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[TenantSession]]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('wrdb')}/wr.db")
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def estimate_check(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The write condition as the generated permissions.py renders it."""
    path = tmp_path_factory.mktemp("wr") / "spec.yaml"
    path.write_text(SPEC, encoding="utf-8")
    model = load_model(path)
    entity = model.entity("wr_task")
    assert entity is not None
    py = python_source(parse_condition(ESTIMATE).expr, entity, service=model)
    namespace: dict[str, Any] = {
        "related": related,
        "member_of": member_of,
        "WrProject": WrProject,
        "WrMember": WrMember,
    }
    exec(f"def check(principal, obj):\n    return {py}\n", namespace)
    return namespace["check"]


@pytest.fixture(scope="module")
def world(factory: sessionmaker[TenantSession]) -> tuple[uuid.UUID, uuid.UUID]:
    """A tenant with a project owned by ``olga``: ``lena`` its lead, ``carl`` a contributor,
    ``gone`` a removed (soft-deleted) lead."""
    tenant = uuid.uuid4()
    with open_session(factory, tenant) as s:
        s.add(Org(id=tenant))
        s.flush()
        project = WrProject(owner_id="olga")
        s.add(project)
        s.flush()
        s.add_all(
            [
                WrMember(user_id="lena", wr_project_id=project.id, role="lead"),
                WrMember(user_id="carl", wr_project_id=project.id, role="contributor"),
                WrMember(
                    user_id="gone",
                    wr_project_id=project.id,
                    role="lead",
                    deleted_at=datetime(2026, 1, 1),
                ),
            ]
        )
        s.commit()
        return tenant, project.id


def test_a_field_sent_against_its_condition_is_refused_by_name() -> None:
    tenant = uuid.uuid4()
    rules = {"estimate": lambda principal, obj: obj.open, "title": lambda principal, obj: True}
    closed = type("Row", (), {"open": False})()
    with pytest.raises(Problem) as refused:
        check_write_conditions(_who("ann", tenant), closed, {"estimate", "title"}, rules)
    assert refused.value.slug == "forbidden"
    assert "`estimate`" in str(refused.value) and "`title`" not in str(refused.value)
    # Fields not sent are not checked; a true condition allows.
    check_write_conditions(_who("ann", tenant), closed, {"title", "done"}, rules)
    check_write_conditions(
        _who("ann", tenant), type("Row", (), {"open": True})(), {"estimate"}, rules
    )


@pytest.mark.parametrize(
    ("subject", "allowed"),
    [("olga", True), ("lena", True), ("carl", False), ("gone", False), ("stranger", False)],
)
def test_a_relation_write_condition_reads_the_would_be_row(
    factory: sessionmaker[TenantSession],
    world: tuple[uuid.UUID, uuid.UUID],
    estimate_check: Any,
    subject: str,
    allowed: bool,
) -> None:
    """On create the task is pending in the session (not flushed): the condition reaches its
    project through the reference the body set, as it does for a stored row on update."""
    tenant, project_id = world
    rules = {"estimate": estimate_check}
    with open_session(factory, tenant) as s:
        pending = WrTask(wr_project_id=project_id, estimate=5)
        s.add(pending)
        for obj in (pending,):
            if allowed:
                check_write_conditions(_who(subject, tenant), obj, {"estimate"}, rules)
            else:
                with pytest.raises(Problem):
                    check_write_conditions(_who(subject, tenant), obj, {"estimate"}, rules)
        assert not s.new or pending in s.new  # nothing was flushed by the check
        s.rollback()


def test_a_principal_must_be_a_member_of_the_related_object(
    factory: sessionmaker[TenantSession], world: tuple[uuid.UUID, uuid.UUID]
) -> None:
    tenant, project_id = world
    rules = {
        "assignee_id": MemberOf(
            ((WrProject, "wr_project_id"),), WrMember, "wr_project_id", "user_id"
        )
    }
    with open_session(factory, tenant) as s:
        for assignee, ok in (("carl", True), ("lena", True), ("olga", False), ("gone", False)):
            task = WrTask(wr_project_id=project_id, assignee_id=assignee)
            s.add(task)
            if ok:
                check_members_of(s, task, {"assignee_id", "wr_project_id"}, rules)
            else:
                with pytest.raises(Problem) as refused:
                    check_members_of(s, task, {"assignee_id"}, rules)
                assert refused.value.slug == "validation-error"
                assert refused.value.extensions["errors"][0]["pointer"] == "/assignee_id"
            s.expunge(task)
        # Not sent (neither the field nor the reference leading to the project): unchecked;
        # re-pointing the task re-checks the assignee it keeps.
        task = WrTask(wr_project_id=project_id, assignee_id="olga")
        s.add(task)
        check_members_of(s, task, {"estimate"}, rules)
        with pytest.raises(Problem):
            check_members_of(s, task, {"wr_project_id"}, rules)
        # No project (a null reference) means no member.
        task.wr_project_id = None
        with pytest.raises(Problem):
            check_members_of(s, task, {"assignee_id"}, rules)
        s.rollback()


def test_member_of_with_roles_needs_one_of_them(
    factory: sessionmaker[TenantSession], world: tuple[uuid.UUID, uuid.UUID]
) -> None:
    """``member_of: {path, roles: [lead]}``: a contributor of the project is refused like a
    non-member, with a message naming the roles; the lead is accepted."""
    tenant, project_id = world
    rules = {
        "assignee_id": MemberOf(
            ((WrProject, "wr_project_id"),),
            WrMember,
            "wr_project_id",
            "user_id",
            role_field="role",
            roles=("lead",),
        )
    }
    with open_session(factory, tenant) as s:
        lead = WrTask(wr_project_id=project_id, assignee_id="lena")
        s.add(lead)
        check_members_of(s, lead, {"assignee_id"}, rules)
        contributor = WrTask(wr_project_id=project_id, assignee_id="carl")
        s.add(contributor)
        with pytest.raises(Problem) as refused:
            check_members_of(s, contributor, {"assignee_id"}, rules)
        error = refused.value.extensions["errors"][0]
        assert error["pointer"] == "/assignee_id" and "lead" in error["message"]
        s.rollback()


@pytest.mark.parametrize(
    ("source", "admin", "member"),
    [
        ("principal.roles in ['admin']", True, False),
        ("principal.roles in ['admin', 'owner']", True, False),
        ("principal.roles not in ['admin']", False, True),
        ("principal.roles == 'admin'", True, False),
        ("'admin' != principal.roles", False, True),
    ],
)
def test_principal_roles_tests_whether_the_caller_holds_a_role(
    tmp_path: Any, source: str, admin: bool, member: bool
) -> None:
    """``principal.roles`` is a set: ``in [...]`` holds when the caller holds any of the roles
    (it compared the set with each string, so it was always false), ``==`` when it holds the
    one. The object check, the list filter and the generation-time evaluation agree."""
    from specfoundry.emit.service.conditions import evaluate, sql_source

    path = tmp_path / "spec.yaml"
    path.write_text(SPEC, encoding="utf-8")
    model = load_model(path)
    entity = model.entity("wr_task")
    assert entity is not None
    expr = parse_condition(source).expr
    namespace: dict[str, Any] = {"sa": sa}
    py = python_source(expr, entity, service=model)
    sql = sql_source(expr, entity, model="WrTask", service=model)
    exec(f"def check(principal, obj):\n    return {py}\n", namespace)
    exec(f"def where(principal):\n    return {sql}\n", namespace)
    tenant = uuid.uuid4()
    for roles, expected in (({"admin", "member"}, admin), ({"member"}, member)):
        principal = Principal("ann", tenant, frozenset(roles))
        assert namespace["check"](principal, None) is expected
        clause = namespace["where"](principal)
        assert str(clause.compile()) == ("true" if expected else "false")
        assert evaluate(expr, {}, {"roles": roles}) is expected
