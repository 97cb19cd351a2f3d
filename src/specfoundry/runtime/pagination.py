"""Opaque keyset cursors: ``sort`` key, the sort value and the id of the last row seen.

Ordering is deterministic: the sort column (NULLs last ascending, first descending), ties broken
by ``id``. A cursor is only a position; every query still carries the tenant filter, so a
cursor forged from another tenant's data reveals nothing. A cursor is client input: anything in
it that does not decode to a value of the sort column's type is a 400, never a 500.

A page is bounded in rows (``limit``) and in bytes: it stops early, with ``has_more: true``,
once its rows pass ``max_bytes`` of JSON (``LIST_PAGE_MAX_BYTES``); it always holds at least
one row, so paging always moves on.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from .problems import Problem


@dataclass(frozen=True, slots=True)
class SortKey:
    column: InstrumentedAttribute[Any]
    kind: str  # str int decimal bool date datetime uuid
    nullable: bool


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _dump(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return _utc(value).isoformat()
    if kind in ("date", "decimal", "uuid"):
        return str(value)
    return value


INT64 = 2**63
DECIMAL_BOUND = Decimal(10) ** 18


def _text(value: Any) -> str:
    """A string the database can compare: no NUL, no lone surrogate."""
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not a text value")
    value.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    return value


def _load_datetime(value: Any) -> dt.datetime:
    loaded = _utc(dt.datetime.fromisoformat(_text(value)))
    loaded.astimezone(dt.UTC)  # OverflowError near years 1 and 9999
    return loaded


def _load_decimal(value: Any) -> Decimal:
    loaded = Decimal(_text(value))
    if not loaded.is_finite() or abs(loaded) >= DECIMAL_BOUND:
        raise ValueError("not a storable decimal")
    return loaded


def _load_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -INT64 <= value < INT64:
        raise ValueError("not an integer")
    return int(value)


def _load_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("not a boolean")
    return value


_LOAD: dict[str, Callable[[Any], Any]] = {
    "datetime": _load_datetime,
    "date": lambda v: dt.date.fromisoformat(_text(v)),
    "decimal": _load_decimal,
    "uuid": lambda v: uuid.UUID(_text(v)),
    "int": _load_int,
    "bool": _load_bool,
    "str": _text,
}


def encode(sort: str, kind: str, value: Any, row_id: uuid.UUID) -> str:
    raw = json.dumps([sort, _dump(kind, value), str(row_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, sort: str, kind: str) -> tuple[Any, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(data, list) or len(data) != 3:
            raise ValueError("not a cursor")
        cursor_sort, value, row_id = data
        if cursor_sort != sort:
            raise ValueError("cursor of another sort order")
        loaded = None if value is None else _LOAD[kind](value)
        return loaded, uuid.UUID(_text(row_id))
    except (
        ValueError,
        TypeError,
        KeyError,
        OverflowError,
        RecursionError,
        InvalidOperation,
        binascii.Error,
        UnicodeError,
    ):
        raise Problem(
            "bad-request", "The cursor is not valid for this list and sort order."
        ) from None


def _after(
    key: SortKey, id_column: Any, value: Any, row_id: uuid.UUID, descending: bool
) -> ColumnElement[bool]:
    """Rows strictly after (value, row_id) in the order (column, id), both ``descending``."""
    col = key.column
    if not key.nullable:
        # A row-value comparison: PostgreSQL and SQLite use the (column, id) index as a range.
        row, bound = (
            sa.tuple_(col, id_column),
            sa.tuple_(sa.literal(value, col.type), sa.literal(row_id, id_column.type)),
        )
        return row < bound if descending else row > bound
    if descending:
        if value is None:
            return sa.or_(sa.and_(col.is_(None), id_column < row_id), col.is_not(None))
        return sa.or_(col < value, sa.and_(col == value, id_column < row_id))
    if value is None:
        return sa.and_(col.is_(None), id_column > row_id)
    clause = sa.or_(col > value, sa.and_(col == value, id_column > row_id))
    return sa.or_(clause, col.is_(None)) if key.nullable else clause


def _order(key: SortKey, id_column: Any, descending: bool) -> list[Any]:
    if descending:
        first = key.column.desc().nulls_first() if key.nullable else key.column.desc()
        return [first, id_column.desc()]
    first = key.column.asc().nulls_last() if key.nullable else key.column.asc()
    return [first, id_column.asc()]


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Any]
    has_more: bool
    next_cursor: str | None
    data: list[dict[str, Any]] = field(default_factory=list)  # the rows, dumped


def _json_size(item: Any) -> int:
    # The bytes this item adds to the response (the separator included); fails, as the
    # response itself would, on a value JSON cannot carry.
    return len(json.dumps(item, ensure_ascii=False, allow_nan=False).encode("utf-8")) + 1


def paginate(
    session: Session,
    statement: Select[Any],
    *,
    sort: str,
    key: SortKey,
    id_column: Any,
    limit: int,
    starting_after: str | None,
    ending_before: str | None,
    dump: Callable[[Any], dict[str, Any]],
    max_bytes: int,
) -> Page:
    if starting_after is not None and ending_before is not None:
        raise Problem("bad-request", "Use `starting_after` or `ending_before`, not both.")
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    backwards = ending_before is not None
    cursor = ending_before if backwards else starting_after
    if cursor is not None:
        value, row_id = decode(cursor, sort, key.kind)
        statement = statement.where(_after(key, id_column, value, row_id, descending != backwards))
    statement = statement.order_by(*_order(key, id_column, descending != backwards))
    rows = list(session.scalars(statement.limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    data: list[dict[str, Any]] = []
    size = 0
    for row in rows:  # nearest the cursor first
        item = dump(row)
        size += _json_size(item)
        if data and size > max_bytes:
            has_more = True
            break
        data.append(item)
    rows = rows[: len(data)]
    if backwards:
        rows.reverse()
        data.reverse()
    last = rows[-1] if rows else None
    next_cursor = None
    if last is not None and (has_more or backwards):
        next_cursor = encode(sort, key.kind, getattr(last, name), last.id)
    return Page(rows=rows, has_more=has_more, next_cursor=next_cursor, data=data)


def forward_page(
    request: Any,
    session: Session,
    statement: Select[Any],
    *,
    sort: str,
    key: SortKey,
    id_column: Any,
    limit: int,
    starting_after: str | None,
    dump: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """One page of a platform feature's list route (API keys, audit events, jobs, webhooks),
    forward only (``starting_after``), bounded by the service's ``list_page_max_bytes``; the
    session is closed before the answer is sent. The body is the list envelope of every route:
    ``object``, ``url``, ``has_more``, ``next_cursor``, ``data``."""
    page = paginate(
        session,
        statement,
        sort=sort,
        key=key,
        id_column=id_column,
        limit=limit,
        starting_after=starting_after,
        ending_before=None,
        dump=dump,
        max_bytes=request.app.state.settings.list_page_max_bytes,
    )
    session.close()
    return {
        "object": "list",
        "url": request.url.path,
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
        "data": page.data,
    }
