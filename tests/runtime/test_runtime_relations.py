"""Relation conditions (``resource.<ref>.<field>``): the generated object check (which loads
the related rows through the session) and the generated ``EXISTS`` filter select the same rows,
for missing links, nulls, negation, two hops and a reference into another tenant; and the
filter runs under the session's tenant filter (the subquery's tables are covered, not refused).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from runtime_db_fixtures import Org  # the runtime Base's one tenant root
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from specfoundry.compiler import load_model
from specfoundry.emit.service.conditions import evaluate, python_source, sql_source
from specfoundry.lower.conditions import parse_condition
from specfoundry.model import Service
from specfoundry.runtime.auth import Principal
from specfoundry.runtime.db import (
    Base,
    TenantContextMissing,
    TenantScoped,
    TenantSession,
    make_engine,
    make_session_factory,
    open_session,
)
from specfoundry.runtime.permissions import aliased_exists, member_of, related


class RelProject(TenantScoped, Base):
    __tablename__ = "rel_projects"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[str | None] = mapped_column(sa.String(), nullable=True)
    status: Mapped[str | None] = mapped_column(sa.String(), nullable=True)
    archived: Mapped[bool | None] = mapped_column(sa.Boolean(), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(), nullable=True)


class RelTask(TenantScoped, Base):
    __tablename__ = "rel_tasks"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    rel_project_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid(), nullable=True)
    owner_id: Mapped[str | None] = mapped_column(sa.String(), nullable=True)


class RelMember(TenantScoped, Base):
    __tablename__ = "rel_members"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(sa.String())
    rel_project_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    role: Mapped[str] = mapped_column(sa.String())
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(), nullable=True)


class RelComment(TenantScoped, Base):
    __tablename__ = "rel_comments"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    rel_task_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid(), nullable=True)


SPEC = """
service: {name: rel, version: 0.1.0}
tenancy: {tenant_entity: rel_org}
entities:
  rel_org:
    tenant_scoped: false
    fields:
      name: {type: string}
  rel_project:
    soft_delete: true
    fields:
      owner_id: {type: string}
      status: {type: enum, values: [open, closed]}
      archived: {type: boolean}
  rel_task:
    fields:
      rel_project_id: {type: ref, entity: rel_project, on_delete: set_null}
      owner_id: {type: string}
  rel_comment:
    fields:
      rel_task_id: {type: ref, entity: rel_task, on_delete: set_null}
  rel_member:
    soft_delete: true
    membership: {subject: user_id, object: rel_project_id, role: role}
    fields:
      user_id: {type: string, required: true}
      rel_project_id: {type: ref, entity: rel_project, required: true}
      role: {type: enum, values: [lead, guest], required: true}
permissions:
  roles:
    member: {}
  rules:
    rel_task:
      read: [member]
    rel_comment:
      read: [member]
api:
  resources:
    tasks: {entity: rel_task, operations: [read]}
    comments: {entity: rel_comment, operations: [read]}
"""

TASK_CONDITIONS = [
    "resource.rel_project.owner_id == principal.id",
    "resource.rel_project.owner_id != principal.id",
    "not resource.rel_project.owner_id == principal.id",
    "resource.rel_project.archived",
    "not resource.rel_project.archived",
    "resource.rel_project.status in ['open', null]",
    "resource.rel_project.status not in ['open']",
    "resource.rel_project.status == null",
    "resource.rel_project.owner_id == principal.id or resource.owner_id == principal.id",
    "not (resource.rel_project.archived or resource.rel_project.status == 'closed')",
    "principal in resource.rel_project.members",
    "principal not in resource.rel_project.members",
    "not principal in resource.rel_project.members",
    "principal.role_in(resource.rel_project) in ['lead']",
    "principal.role_in(resource.rel_project) != 'lead'",
    "principal in resource.rel_project.members and not resource.rel_project.archived",
]
COMMENT_CONDITIONS = [
    "resource.rel_task.rel_project.owner_id == principal.id",
    "not resource.rel_task.rel_project.owner_id == principal.id",
    "resource.rel_task.owner_id == principal.id and resource.rel_task.rel_project.archived",
    "principal.role_in(resource.rel_task.rel_project) == 'guest'",
]
PROJECT_CONDITIONS = [
    "principal in resource.members",
    "principal.role_in(resource) in ['lead', 'guest'] or resource.archived",
]
# On the membership entity itself: the subquery must read other membership rows (an alias),
# not the listed row (a correlated table would list only the caller's own rows).
MEMBER_CONDITIONS = [
    "principal in resource.rel_project.members",
    "principal.role_in(resource.rel_project) == 'lead'",
    "principal not in resource.rel_project.members",
]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Service:
    path = tmp_path_factory.mktemp("rel") / "spec.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return load_model(path)


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[TenantSession]]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('reldb')}/rel.db")
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def world(factory: sessionmaker[TenantSession]) -> tuple[uuid.UUID, uuid.UUID]:
    return _world(factory)


def _compile(model: Service, entity_name: str, source: str) -> tuple[Any, Any]:
    entity = model.entity(entity_name)
    assert entity is not None
    expr = parse_condition(source).expr
    py = python_source(expr, entity, service=model)
    sql = sql_source(expr, entity, model=entity.name.pascal, service=model)
    namespace: dict[str, Any] = {
        "sa": sa,
        "uuid": uuid,
        "related": related,
        "member_of": member_of,
        "aliased_exists": aliased_exists,
        "RelMember": RelMember,
        "RelProject": RelProject,
        "RelTask": RelTask,
        "RelComment": RelComment,
    }
    exec(f"def check(principal, obj):\n    return {py}\n", namespace)
    exec(f"def where(principal):\n    return {sql}\n", namespace)
    return namespace["check"], namespace["where"]


def _world(factory: sessionmaker[TenantSession]) -> tuple[uuid.UUID, uuid.UUID]:
    """Tenant ``a`` with projects of every shape, tasks on each (and on none, and on a project
    of tenant ``b``), comments on each task (and on none)."""
    a, b = uuid.uuid4(), uuid.uuid4()
    for tenant in (a, b):
        with open_session(factory, tenant) as s:
            s.add(Org(id=tenant))
            s.commit()
    with open_session(factory, b) as s:
        foreign = RelProject(owner_id="alice", status="open", archived=False)
        s.add(foreign)
        s.flush()
        s.add(RelMember(user_id="alice", rel_project_id=foreign.id, role="lead"))
        s.commit()
        foreign_id = foreign.id
    with open_session(factory, a) as s:
        projects = [
            RelProject(owner_id=owner, status=status, archived=archived)
            for owner in ("alice", "bob", None)
            for status in ("open", "closed", None)
            for archived in (True, False, None)
        ]
        s.add_all(projects)
        s.flush()
        # alice leads the first third, is a guest of the second; bob is a guest everywhere.
        third = len(projects) // 3
        s.add_all(
            [RelMember(user_id="alice", rel_project_id=p.id, role="lead") for p in projects[:third]]
            + [
                RelMember(user_id="alice", rel_project_id=p.id, role="guest")
                for p in projects[third : 2 * third]
            ]
            + [RelMember(user_id="bob", rel_project_id=p.id, role="guest") for p in projects]
        )
        targets: list[uuid.UUID | None] = [p.id for p in projects] + [None, foreign_id]
        tasks = [
            RelTask(rel_project_id=target, owner_id=owner)
            for target in targets
            for owner in ("alice", None)
        ]
        s.add_all(tasks)
        s.flush()
        s.add_all([RelComment(rel_task_id=t.id) for t in tasks] + [RelComment(rel_task_id=None)])
        s.commit()
    return a, b


CASES = (
    [("rel_task", c) for c in TASK_CONDITIONS]
    + [("rel_comment", c) for c in COMMENT_CONDITIONS]
    + [("rel_project", c) for c in PROJECT_CONDITIONS]
    + [("rel_member", c) for c in MEMBER_CONDITIONS]
)
CLASSES: dict[str, Any] = {
    "rel_task": RelTask,
    "rel_comment": RelComment,
    "rel_project": RelProject,
    "rel_member": RelMember,
}


@pytest.mark.parametrize(("name", "source"), CASES, ids=[f"{n}: {c}" for n, c in CASES])
def test_check_and_filter_agree(
    model: Service,
    factory: sessionmaker[TenantSession],
    world: tuple[uuid.UUID, uuid.UUID],
    name: str,
    source: str,
) -> None:
    cls = CLASSES[name]
    check, where = _compile(model, name, source)
    a, _ = world
    sizes = set()
    for subject in ("alice", "bob", "carol"):
        principal = Principal(subject, a, frozenset({"member"}))
        with open_session(factory, a) as s:
            rows = s.scalars(sa.select(cls)).all()
            by_check = {row.id for row in rows if check(principal, row)}
            by_filter = set(s.scalars(sa.select(cls.id).where(where(principal))).all())
        assert by_check == by_filter, source
        sizes |= {len(by_filter), len(rows) - len(by_filter)}
    assert 0 not in sizes or len(sizes) > 1, f"{source} selects all or nothing"


def test_a_reference_into_another_tenant_satisfies_nothing(
    model: Service, factory: sessionmaker[TenantSession], world: tuple[uuid.UUID, uuid.UUID]
) -> None:
    check, where = _compile(model, "rel_task", "resource.rel_project.owner_id == principal.id")
    a, b = world
    with open_session(factory, b) as s:
        foreign = s.scalars(sa.select(RelProject.id)).one()
    principal = Principal("alice", a, frozenset({"member"}))
    with open_session(factory, a) as s:
        stray = s.scalars(sa.select(RelTask).where(RelTask.rel_project_id == foreign)).all()
        assert stray and not any(check(principal, t) for t in stray)
        matched = s.scalars(sa.select(RelTask.rel_project_id).where(where(principal))).all()
        assert foreign not in matched
    check, where = _compile(model, "rel_task", "principal in resource.rel_project.members")
    with open_session(factory, a) as s:
        stray = s.scalars(sa.select(RelTask).where(RelTask.rel_project_id == foreign)).all()
        assert not any(check(principal, t) for t in stray)  # alice leads it, in tenant b
        matched = s.scalars(sa.select(RelTask.rel_project_id).where(where(principal))).all()
        assert matched and foreign not in matched


def test_the_check_of_an_object_outside_a_session_is_false() -> None:
    task = RelTask(rel_project_id=uuid.uuid4())
    assert related(task, ((RelProject, "rel_project_id"),), lambda target: True) is False


def test_the_check_does_not_flush_pending_objects(
    factory: sessionmaker[TenantSession], world: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = world
    with open_session(factory, a) as s:
        project = s.scalars(sa.select(RelProject).where(RelProject.owner_id == "alice")).first()
        assert project is not None
        task = RelTask(rel_project_id=project.id)
        s.add(task)
        assert related(task, ((RelProject, "rel_project_id"),), lambda t: t.owner_id == "alice")
        assert task in s.new  # still pending: nothing was flushed


def test_a_hidden_table_is_still_refused(
    factory: sessionmaker[TenantSession], world: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = world
    hidden = sa.select(sa.func.count()).select_from(RelProject).scalar_subquery()
    with open_session(factory, a) as s, pytest.raises(TenantContextMissing):
        s.execute(sa.select(RelTask.id).where(hidden > 0))


def test_generation_time_evaluation_follows_nested_values() -> None:
    expr = parse_condition("resource.project.owner_id == principal.id").expr
    me = {"id": "alice"}
    assert evaluate(expr, {"project_id": {"owner_id": "alice"}}, me)
    assert not evaluate(expr, {"project_id": {"owner_id": "bob"}}, me)
    assert not evaluate(expr, {"project_id": None}, me)
    assert evaluate(parse_condition("not " + "resource.project.owner_id == 'x'").expr, {}, me)


def test_soft_deleted_rows_lend_nothing_to_a_relation(
    model: Service, factory: sessionmaker[TenantSession]
) -> None:
    """A soft-deleted membership grants no membership, and a soft-deleted project no longer
    lends its owner to its tasks: both sides of the condition agree (the API answers 404 for
    such rows, so they must not open anything)."""
    tenant = uuid.uuid4()
    with open_session(factory, tenant) as s:
        s.add(Org(id=tenant))
        s.flush()
        kept, removed = RelProject(owner_id="dora"), RelProject(owner_id="dora")
        s.add_all([kept, removed])
        s.flush()
        removed.deleted_at = datetime(2026, 1, 1)
        s.add_all(
            [
                RelMember(user_id="erin", rel_project_id=kept.id, role="lead"),
                RelMember(
                    user_id="erin",
                    rel_project_id=removed.id,
                    role="lead",
                    deleted_at=datetime(2026, 1, 1),
                ),
                RelMember(user_id="erin", rel_project_id=removed.id, role="guest"),
            ]
        )
        s.add_all([RelTask(rel_project_id=kept.id), RelTask(rel_project_id=removed.id)])
        s.commit()
        kept_id = kept.id
    cases = {
        ("dora", "resource.rel_project.owner_id == principal.id"),
        ("erin", "principal.role_in(resource.rel_project) == 'lead'"),
        ("erin", "principal in resource.rel_project.members"),
    }
    for subject, source in sorted(cases):
        check, where = _compile(model, "rel_task", source)
        principal = Principal(subject, tenant, frozenset({"member"}))
        with open_session(factory, tenant) as s:
            tasks = s.scalars(sa.select(RelTask)).all()
            by_check = {t.rel_project_id for t in tasks if check(principal, t)}
            by_filter = set(
                s.scalars(sa.select(RelTask.rel_project_id).where(where(principal))).all()
            )
        assert by_check == by_filter == {kept_id}, source
