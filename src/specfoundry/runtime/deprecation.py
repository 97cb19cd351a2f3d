"""Deprecated operations: RFC 9745 `Deprecation` and RFC 8594 `Sunset` headers, 410 after."""

from __future__ import annotations

import datetime as dt

from .problems import Problem


def today() -> dt.date:
    """The current UTC date; tests replace it to move past a sunset."""
    return dt.datetime.now(dt.UTC).date()


def check(sunset: dt.date | None) -> None:
    if sunset is not None and today() >= sunset:
        raise Problem(
            "gone", f"This operation was retired on {sunset.isoformat()}; see the API changelog."
        )
