"""Deprecated operations: RFC 9745 ``Deprecation`` and RFC 8594 ``Sunset`` headers, 410 after.

A resource module lists its deprecated operations in a table (operation id to
:class:`Deprecation`) and builds its router with ``route_class=deprecating_route(TABLE)``: each
route whose operation id is in the table is marked deprecated, answers 410 ``gone`` from the
sunset day on (checked after authentication, before the route runs), and carries the headers on
every successful (non-error) response. Routes not in the table are plain ``APIRoute``\\ s.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute

from .auth import Principal, authenticate
from .problems import Problem


def today() -> dt.date:
    """The current UTC date; tests replace it to move past a sunset."""
    return dt.datetime.now(dt.UTC).date()


def check(sunset: dt.date | None) -> None:
    if sunset is not None and today() >= sunset:
        raise Problem(
            "gone", f"This operation was retired on {sunset.isoformat()}; see the API changelog."
        )


def _epoch(day: dt.date) -> int:
    return calendar.timegm(day.timetuple())


@dataclass(frozen=True, slots=True)
class Deprecation:
    """An operation deprecated since ``since`` (ISO date), retired on ``sunset`` if given."""

    since: str
    sunset: str | None = None

    @property
    def sunset_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.sunset) if self.sunset else None

    @property
    def headers(self) -> dict[str, str]:
        out = {"Deprecation": f"@{_epoch(dt.date.fromisoformat(self.since))}"}
        sunset = self.sunset_date
        if sunset is not None:
            out["Sunset"] = formatdate(_epoch(sunset), usegmt=True)
        return out

    def dependency(self) -> Callable[[Principal], None]:
        sunset = self.sunset_date

        def not_retired(principal: Principal = Depends(authenticate)) -> None:
            # Depends on authenticate (cached per request) so a caller without a valid token
            # still gets 401, not 410.
            check(sunset)

        return not_retired


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def deprecating_route(table: Mapping[str, Deprecation]) -> type[APIRoute]:
    """An ``APIRoute`` class that applies ``table`` (operation id to deprecation)."""

    class DeprecatingRoute(APIRoute):
        def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
            deprecation = table.get(kwargs.get("operation_id") or "")
            self.deprecation_headers: dict[str, str] = {}
            if deprecation is not None:
                kwargs["deprecated"] = True
                kwargs["dependencies"] = [
                    *(kwargs.get("dependencies") or []),
                    Depends(deprecation.dependency()),
                ]
                self.deprecation_headers = deprecation.headers
            super().__init__(path, endpoint, **kwargs)

        def get_route_handler(self) -> Handler:
            handler = super().get_route_handler()
            headers = self.deprecation_headers
            if not headers:
                return handler

            async def deprecated_handler(request: Request) -> Response:
                response = await handler(request)
                if response.status_code < 400:
                    response.headers.update(headers)
                return response

            return deprecated_handler

    return DeprecatingRoute
