"""RFC 9457 problem details for every error, and the handlers that produce them.

The types are the registry of :mod:`.problem_types` (docs/problems.md in specfoundry); ``detail``
never carries a stack trace, SQL or another tenant's data. :func:`install` wires the handlers
into an app; unhandled errors are logged on the logger it is given (the service's name).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problem_types import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES

MEDIA_TYPE = PROBLEM_MEDIA_TYPE

# slug -> (status, title, type URI)
TYPES: dict[str, tuple[int, str, str]] = {
    p.slug: (p.status, p.title, p.type_uri) for p in PROBLEM_TYPES
}
_BY_STATUS = {status: slug for slug, (status, _, _) in reversed(TYPES.items())}


class Problem(Exception):
    """Raise to answer with a problem document: ``Problem("not-found", "No such note.")``."""

    def __init__(
        self,
        slug: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.slug = slug
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = extensions


def not_found(noun: str) -> Problem:
    # The same answer for a missing object and another tenant's object (T-15).
    return Problem("not-found", f"No {noun} with this id.")


def problem_body(slug: str, detail: str, instance: str, **extensions: Any) -> dict[str, Any]:
    status, title, uri = TYPES[slug]
    body: dict[str, Any] = {
        "type": uri,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update(extensions)
    return body


def problem_response(
    slug: str,
    detail: str,
    instance: str,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = problem_body(slug, detail, instance, **extensions)
    return JSONResponse(
        body, status_code=body["status"], headers=dict(headers or {}), media_type=MEDIA_TYPE
    )


def instance_of(path: str) -> str:
    """The request path as a URI reference (percent-encoded), for ``instance``."""
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def _pointer(loc: Sequence[Any]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return "/" + "/".join(parts) if parts else ""


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    on_denial = getattr(request.app.state, "on_denial", None)
    if exc.slug == "forbidden" and on_denial is not None:
        # The audit log records the denial in a transaction of its own (runtime/audit.py).
        await run_in_threadpool(on_denial, request, exc)
    return problem_response(
        exc.slug, exc.detail, instance_of(request.url.path), exc.headers, **exc.extensions
    )


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem_response(
            "bad-request", "The body is not valid JSON.", instance_of(request.url.path)
        )
    items = [
        {"pointer": _pointer(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
        for e in errors
    ]
    return problem_response(
        "validation-error",
        "The request is invalid; see `errors`.",
        instance_of(request.url.path),
        errors=items,
    )


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = _BY_STATUS.get(exc.status_code)
    headers = dict(exc.headers or {})
    if slug is None:
        body = {
            "type": "about:blank",
            "title": str(exc.detail),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": instance_of(request.url.path),
        }
        return JSONResponse(
            body, status_code=exc.status_code, headers=headers, media_type=MEDIA_TYPE
        )
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    detail = {
        404: "No route matches this path.",
        405: "This path does not accept this method.",
    }.get(exc.status_code, str(exc.detail))
    return problem_response(slug, detail, instance_of(request.url.path), headers)


def api_routes(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """Every leaf route with its full path, through included routers (FastAPI >= 0.130 nests)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from api_routes(inner.routes, prefix + getattr(context, "prefix", ""))
        else:
            yield prefix + getattr(route, "path", ""), route


def _allowed_methods(request: Request) -> list[str]:
    """Every method any route accepts on this path (Starlette reports only the first route's)."""
    methods: set[str] = set()
    for _, route in api_routes(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        route_methods = getattr(route, "methods", None)
        if regex is not None and route_methods and regex.match(request.url.path):
            methods |= set(route_methods)
    return sorted(methods)


class CatchAll:
    """Turn any unhandled exception into a 500 problem; the traceback goes to the log only."""

    def __init__(self, app: ASGIApp, *, logger: logging.Logger) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            self.logger.exception(
                "unhandled error on %s %s", scope.get("method"), scope.get("path")
            )
            if started:
                raise
            response = problem_response(
                "internal-error",
                "The server failed to handle this request.",
                instance_of(scope["path"]),
            )
            await response(scope, receive, send)


def install(app: FastAPI, *, logger: logging.Logger) -> None:
    """Answer every error of ``app`` with a problem document; log unhandled ones on ``logger``."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_middleware(CatchAll, logger=logger)
