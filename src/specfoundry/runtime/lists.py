"""``list`` fields: the item checks of the request models and the ``contains`` list filter.

A list field is stored as a JSON array of strings or integers: ``JSON`` on SQLite, ``JSONB`` on
PostgreSQL. ``contains(column, value)`` is the list filter (``?labels=bug``: objects whose
``labels`` hold ``bug``). It compiles per dialect from one expression:

* PostgreSQL: ``labels @> jsonb_build_array(CAST(:item AS VARCHAR))``, which the GIN index
  (``jsonb_path_ops``) on the column serves;
* SQLite: ``EXISTS (SELECT 1 FROM json_each(labels) WHERE json_each.value = :item)``.

The value is always a bound parameter, never text in the SQL.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

Item = TypeVar("Item", str, int)


def unique_items(value: list[Item]) -> list[Item]:
    """A list field with ``unique: true``: no item may appear twice."""
    if len(set(value)) != len(value):
        raise ValueError("items must not repeat")
    return value


def uuid_item(value: str) -> str:
    """A uuid item: any spelling ``uuid.UUID`` accepts, stored in its canonical form."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("must be a UUID") from None


class ListContains(ColumnElement[bool]):
    """``column`` (a JSON array) holds ``value``: see the module docstring for the SQL."""

    __visit_name__ = "list_contains"
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("value", InternalTraversal.dp_clauseelement),
    ]
    type = sa.Boolean()

    def __init__(self, column: ColumnElement[Any], value: BindParameter[Any]) -> None:
        self.column = column
        self.value = value


def contains(column: Any, value: str | int | uuid.UUID) -> ListContains:
    """The list filter: objects whose list ``column`` holds ``value`` (a uuid as its text)."""
    item: str | int = str(value) if isinstance(value, uuid.UUID) else value
    kind: sa.types.TypeEngine[Any] = sa.Integer() if isinstance(item, int) else sa.String()
    return ListContains(column, sa.bindparam("item", item, type_=kind, unique=True))


@compiles(ListContains)
def _contains_sqlite(element: ListContains, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    value = compiler.process(element.value, **kw)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"


@compiles(ListContains, "postgresql")
def _contains_postgresql(element: ListContains, compiler: SQLCompiler, **kw: Any) -> str:
    item = sa.func.jsonb_build_array(sa.cast(element.value, element.value.type))
    return compiler.process(element.column.op("@>")(item), **kw)
