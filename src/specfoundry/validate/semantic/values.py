"""Which values fit which field types; shared by the default, effect and condition checks."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from specfoundry.model import FieldType

TEXT_TYPES = frozenset(
    {FieldType.STRING, FieldType.TEXT, FieldType.EMAIL, FieldType.URL, FieldType.PRINCIPAL}
)
NUMBER_TYPES = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY})
CHOICE_TYPES = frozenset({FieldType.ENUM, FieldType.STATE})
ID_TYPES = frozenset({FieldType.UUID, FieldType.REF})
TIME_TYPES = frozenset({FieldType.DATE, FieldType.DATETIME})
# Types whose values have a meaningful order for < <= > >=.
ORDERED_TYPES = TEXT_TYPES | NUMBER_TYPES | TIME_TYPES

# Columns every row has; conditions may read them like fields.
SYSTEM_COLUMN_TYPES = {
    "id": FieldType.UUID,
    "tenant_id": FieldType.UUID,
    "created_at": FieldType.DATETIME,
    "updated_at": FieldType.DATETIME,
    "version": FieldType.INTEGER,
    "deleted_at": FieldType.DATETIME,
}


def describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float | Decimal):
        return f"the number {value}"
    return f"the string '{value}'"


def value_problem(ftype: FieldType, value: object, choices: tuple[str, ...] = ()) -> str | None:
    """Why ``value`` cannot be stored in a field of type ``ftype``; None when it can.

    ``null`` is left to the caller (it depends on ``required``); ``choices`` are the values of
    an enum or state field.
    """
    if value is None or ftype is FieldType.JSON:
        return None
    what = describe(value)
    if isinstance(value, bool):
        return None if ftype is FieldType.BOOLEAN else f"{what} is not a {ftype} value"
    if isinstance(value, int | float | Decimal):
        if ftype not in NUMBER_TYPES:
            return f"{what} is not a {ftype} value"
        if ftype is FieldType.INTEGER and value != int(value):
            return f"{what} is not a whole number"
        return None
    if not isinstance(value, str):
        return f"{what} is not a {ftype} value"
    if ftype in CHOICE_TYPES:
        if choices and value not in choices:
            return f"'{value}' is not one of {', '.join(choices)}"
        return None
    if ftype in TEXT_TYPES:
        return None
    if ftype in ID_TYPES:
        try:
            uuid.UUID(value)
        except ValueError:
            return f"{what} is not a UUID"
        return None
    if ftype is FieldType.DATE:
        return _parses(dt.date.fromisoformat, value, f"{what} is not a date (YYYY-MM-DD)")
    if ftype is FieldType.DATETIME:
        return _parses(dt.datetime.fromisoformat, value, f"{what} is not an ISO 8601 datetime")
    if ftype in (FieldType.DECIMAL, FieldType.MONEY):
        try:
            Decimal(value)
        except InvalidOperation:
            return f"{what} is not a number"
        return None
    return f"{what} is not a {ftype} value"


def _parses(parse: object, value: str, message: str) -> str | None:
    try:
        parse(value)  # type: ignore[operator]
    except ValueError:
        return message
    return None
