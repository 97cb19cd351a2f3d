"""A condition rendered as a Python check and as an SQL filter selects the same rows, NULLs
included: the property that makes a list return exactly what a read allows."""

from __future__ import annotations

import itertools
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from specfoundry.diagnostics import Location
from specfoundry.emit.service.conditions import evaluate, python_source, sql_source
from specfoundry.model import Entity, Field, FieldType
from specfoundry.model.expressions import (
    Attribute,
    BoolOp,
    Compare,
    CompareOp,
    Literal,
    Logical,
    Membership,
    Not,
    Scope,
)
from specfoundry.model.names import Name

HERE = Location("spec.yaml", 1, 1)


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str | None]
    owner_id: Mapped[str | None]
    size: Mapped[int | None]
    flag: Mapped[bool | None]


ENTITY = Entity(
    name=Name("thing"),
    table="things",
    location=HERE,
    fields=(
        Field(Name("status"), FieldType.STRING, HERE),
        Field(Name("owner_id"), FieldType.STRING, HERE),
        Field(Name("size"), FieldType.INTEGER, HERE),
        Field(Name("flag"), FieldType.BOOLEAN, HERE),
    ),
)


def res(name: str) -> Attribute:
    return Attribute(Scope.RESOURCE, name)


ME = Attribute(Scope.PRINCIPAL, "id")
CONDITIONS = [
    Compare(CompareOp.EQ, res("status"), Literal("draft")),
    Compare(CompareOp.NE, res("status"), Literal("draft")),
    Compare(CompareOp.NE, res("status"), Literal(None)),
    Compare(CompareOp.EQ, Literal(None), res("status")),
    Compare(CompareOp.EQ, res("owner_id"), ME),
    Compare(CompareOp.NE, ME, res("owner_id")),
    Compare(CompareOp.LT, res("size"), Literal(5)),
    Compare(CompareOp.GE, Literal(5), res("size")),
    Not(Compare(CompareOp.LT, res("size"), Literal(5))),
    Not(Compare(CompareOp.EQ, res("status"), Literal("draft"))),
    Membership(res("status"), (Literal("draft"), Literal("paused"))),
    Membership(res("status"), (Literal("draft"), Literal(None))),
    Membership(res("status"), (Literal("draft"),), negated=True),
    Not(Membership(res("status"), (Literal("draft"), Literal(None)), negated=True)),
    res("flag"),
    Not(res("flag")),
    Compare(CompareOp.EQ, res("flag"), Literal(False)),
    Logical(
        BoolOp.OR,
        (
            Compare(CompareOp.EQ, res("status"), Literal("public")),
            Compare(CompareOp.EQ, res("owner_id"), ME),
        ),
    ),
    Not(
        Logical(
            BoolOp.AND,
            (Compare(CompareOp.GT, res("size"), Literal(2)), Not(res("flag"))),
        )
    ),
    Compare(CompareOp.EQ, res("status"), res("owner_id")),
    Not(Compare(CompareOp.LE, res("size"), Attribute(Scope.RESOURCE, "size"))),
    Compare(CompareOp.EQ, ME, Literal("alice")),
    Literal(True),
]
ROWS = list(
    itertools.product(
        ["draft", "paused", "public", "alice", None],
        ["alice", "bob", None],
        [1, 5, 9, None],
        [True, False, None],
    )
)


@pytest.fixture(scope="module")
def session() -> Any:
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        for i, (status, owner, size, flag) in enumerate(ROWS):
            s.add(Thing(id=i, status=status, owner_id=owner, size=size, flag=flag))
        s.commit()
        yield s


@pytest.mark.parametrize("expr", CONDITIONS, ids=[str(i) for i in range(len(CONDITIONS))])
def test_python_and_sql_agree(session: Session, expr: Any) -> None:
    principal = SimpleNamespace(subject="alice", tenant_id=uuid.uuid4(), roles=frozenset())
    scope = {"sa": sa, "Thing": Thing, "principal": principal, "uuid": uuid}
    check = eval(f"lambda obj: {python_source(expr, ENTITY)}", scope)
    where = eval(sql_source(expr, ENTITY, model="Thing"), scope)
    selected = set(session.scalars(sa.select(Thing.id).where(where)))
    expected = set()
    for obj in session.scalars(sa.select(Thing)):
        in_python = bool(check(obj))
        values = {
            "status": obj.status,
            "owner_id": obj.owner_id,
            "size": obj.size,
            "flag": obj.flag,
        }
        assert in_python == evaluate(expr, values, {"id": "alice"}), (expr, values)
        if in_python:
            expected.add(obj.id)
    assert selected == expected
