"""The one renderer of spec values as Python source in the generated service.

Defaults (the ORM's in ``models.py``, pydantic's in ``schemas.py``), effect values of
transitions and initial states all go through :func:`python_literal`, so a value of a given
field type reads the same everywhere. The modules that use these literals import ``dt``,
``uuid`` and ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from specfoundry.model import FieldType

_DECIMAL = (FieldType.DECIMAL, FieldType.MONEY)


def python_literal(value: Any, field_type: FieldType | None = None) -> str:
    """Python source of ``value``, a value of a field of ``field_type`` (None: untyped)."""
    if value is None:
        return "None"
    if isinstance(value, Decimal) or field_type in _DECIMAL:
        return f'Decimal("{Decimal(str(value))}")'
    if isinstance(value, dt.datetime) or field_type is FieldType.DATETIME:
        text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
        return f"dt.datetime.fromisoformat({text!r})"
    if isinstance(value, dt.date) or field_type is FieldType.DATE:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        return f"dt.date.fromisoformat({text!r})"
    if isinstance(value, uuid.UUID) or field_type is FieldType.UUID:
        return f"uuid.UUID({str(value)!r})"
    return repr(value)
