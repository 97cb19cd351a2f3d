"""runtime/lists.py: the item checks of list fields and the `contains` filter on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from runtime_db_fixtures import pg_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from specfoundry.runtime.db import make_engine
from specfoundry.runtime.lists import contains, unique_items, uuid_item

__all__ = ["pg_url"]  # fixture used here


class _Base(DeclarativeBase):
    pass


class Item(_Base):
    __tablename__ = "list_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    labels: Mapped[list[Any] | None] = mapped_column(
        sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True
    )
    __table_args__ = (
        sa.Index(
            "ix_list_items_labels",
            "labels",
            postgresql_using="gin",
            postgresql_ops={"labels": "jsonb_path_ops"},
        ),
    )


ROWS = {1: ["bug", "ui"], 2: ["ui"], 3: [7, 8], 4: [str(uuid.UUID(int=5))], 5: None, 6: []}


def test_unique_items_refuses_a_repeated_item() -> None:
    assert unique_items(["a", "b"]) == ["a", "b"]
    with pytest.raises(ValueError, match="must not repeat"):
        unique_items(["a", "a"])


def test_uuid_item_is_stored_canonical() -> None:
    assert uuid_item("00000000000000000000000000000005") == str(uuid.UUID(int=5))
    with pytest.raises(ValueError, match="must be a UUID"):
        uuid_item("nope")


def test_the_filter_is_a_bound_parameter_on_both_dialects() -> None:
    clause = contains(Item.labels, "x'; drop table list_items; --")
    pg = str(clause.compile(dialect=postgresql.dialect()))
    lite = str(clause.compile(dialect=sqlite.dialect()))
    assert "@>" in pg and "jsonb_build_array" in pg and "drop" not in pg
    assert "json_each" in lite and "drop" not in lite


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    url = "sqlite://" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Item(id=k, labels=v) for k, v in ROWS.items()])
        session.commit()
    yield engine
    engine.dispose()


CASES: list[tuple[str | int | uuid.UUID, list[int]]] = [
    ("ui", [1, 2]),
    ("bug", [1]),
    ("nothing", []),
    (7, [3]),
    ("7", []),  # items keep their JSON type: the string "7" is not the integer 7
    (uuid.UUID(int=5), [4]),
    ("%", []),  # no pattern matching
]


def test_contains_finds_the_rows_holding_the_item(engine: sa.Engine) -> None:
    with Session(engine) as session:
        for value, expected in CASES:
            statement = sa.select(Item.id).where(contains(Item.labels, value)).order_by(Item.id)
            assert list(session.scalars(statement)) == expected, value
