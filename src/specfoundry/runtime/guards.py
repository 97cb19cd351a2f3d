"""HTTP guards around the app: request size, JSON screening, security headers, the docs.

Plain ASGI and Python, independent of the spec:

- ``RequestGuard`` reads the body while it streams in and answers 413 as soon as it passes
  ``MAX_BODY_BYTES`` (``Content-Length`` or chunked alike); it refuses JSON that no field may
  hold (NaN, Infinity, numbers that overflow to infinity, lone surrogates in strings or keys,
  nesting deeper than ``MAX_JSON_DEPTH``) with a 422 problem, before any route sees it; it adds
  ``X-Content-Type-Options: nosniff`` to every response and ``Cache-Control: no-store`` to every
  response to a request that carries credentials.
- ``check_storable`` refuses, before a flush, any value the database could store but JSON could
  not carry back: a write that succeeds is always readable.
- ``install_docs`` serves ``/docs`` with Swagger UI from the installed ``swagger-ui-bundle-v2``
  package (no CDN), unless ``API_DOCS=false``.
- ``server_options`` are the uvicorn options of ``<service> serve``: no ``server`` header, and
  HTTP-level rejections (malformed requests, headers over h11's limit) as problem documents.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterator
from email.message import Message as MimeMessage
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import TYPES, Problem, instance_of, problem_response

MAX_JSON_DEPTH = 64  # the body; a `json` field has its own, lower bound (schemas.JSON_MAX_DEPTH)


class _Unacceptable(ValueError):
    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


def _reject_constant(name: str) -> Any:
    raise _Unacceptable("", f"`{name}` is not a JSON number this API accepts")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Unacceptable("", f"the number {text[:40]} is out of range")
    return value


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def screen_json(value: Any) -> None:
    """Raise ``_Unacceptable`` (with a JSON pointer) for a lone surrogate or too deep nesting."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        item, pointer, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _Unacceptable(pointer, f"nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, str):
            if not _encodable(item):
                raise _Unacceptable(pointer, "must be valid Unicode (no lone surrogates)")
        elif isinstance(item, dict):
            for key, inner in item.items():
                if not _encodable(key):
                    raise _Unacceptable(pointer, "keys must be valid Unicode (no lone surrogates)")
                stack.append((inner, f"{pointer}/{_escape(key)}", depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, f"{pointer}/{i}", depth + 1) for i, inner in enumerate(item))


def parse_json(body: bytes) -> Any:
    """The body as JSON, refusing what no field may hold; ``ValueError`` if it is not JSON."""
    try:
        value = json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise _Unacceptable("", f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    screen_json(value)
    return value


def _is_json(content_type: str | None) -> bool:
    # The bodies FastAPI parses as JSON: no content type, application/json, application/*+json.
    if not content_type:
        return True
    message = MimeMessage()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        credentials = "authorization" in headers or "cookie" in headers

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["X-Content-Type-Options"] = "nosniff"
                if credentials:
                    out["Cache-Control"] = "no-store"
            await send(message)

        async def answer(slug: str, detail: str, **extensions: Any) -> None:
            response = problem_response(slug, detail, instance_of(scope["path"]), **extensions)
            await response(scope, receive, guarded_send)

        too_large = f"The request body is larger than {self.max_body_bytes} bytes."
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await answer("bad-request", "`Content-Length` is not a number.")
                return
            if int(declared) > self.max_body_bytes:
                await answer("payload-too-large", too_large, max_bytes=self.max_body_bytes)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await answer("payload-too-large", too_large, max_bytes=self.max_body_bytes)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and _is_json(headers.get("content-type")):
            try:
                parse_json(body)
            except _Unacceptable as exc:
                await answer(
                    "validation-error",
                    "The body holds a value this API does not accept; see `errors`.",
                    errors=[{"pointer": exc.pointer, "message": exc.message}],
                )
                return
            except ValueError:
                pass  # not JSON at all: the app answers 400 as for any malformed body
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, guarded_send)


def _column_values(obj: Any) -> Iterator[tuple[str, Any]]:
    state = sa_inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in state.dict:
            yield attr.key, state.dict[attr.key]


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" not in value and _encodable(value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict | list):
        try:
            json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (ValueError, TypeError):
            return False
    return True


def check_storable(session: Session) -> None:
    """Refuse a flush that would store a value no response could carry (422)."""
    errors = [
        {"pointer": f"/{key}", "message": "cannot be stored: not valid Unicode or not finite"}
        for obj in (*session.new, *session.dirty)
        for key, value in _column_values(obj)
        if not _storable(value)
    ]
    if errors:
        session.rollback()
        raise Problem("validation-error", "A value cannot be stored; see `errors`.", errors=errors)


DOCS_ASSETS = "/docs/assets"


def install_docs(app: FastAPI, title: str) -> None:
    """``/docs``: Swagger UI with its assets from the installed package, never a CDN."""
    from starlette.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{title} - API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)


def server_options() -> dict[str, Any]:
    """uvicorn options: no ``server`` banner; HTTP-level rejections as problem documents."""
    options: dict[str, Any] = {"server_header": False}
    protocol = _problem_h11_protocol()
    if protocol is not None:
        options["http"] = protocol
    return options


@functools.cache
def _problem_h11_protocol() -> type | None:
    try:
        import h11
        from uvicorn.protocols.http.h11_impl import H11Protocol
    except ImportError:  # pragma: no cover - another server or a uvicorn without h11
        return None

    class ProblemH11Protocol(H11Protocol):
        """uvicorn's h11 protocol, answering requests it cannot parse with problem+json.

        h11 refuses a request whose head (request line and headers) passes its limit (16 KiB by
        default) or is malformed before any app code runs; uvicorn then writes a plain-text 400.
        This writes the same status as a problem document.
        """

        def send_400_response(self, msg: str) -> None:
            status, title, uri = TYPES["bad-request"]
            detail = "The request cannot be read: malformed, or its headers are too large."
            body = json.dumps(
                {"type": uri, "title": title, "status": status, "detail": detail}
            ).encode()
            headers = [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"connection", b"close"),
            ]
            event = h11.Response(status_code=status, headers=headers, reason=title.encode())
            self.transport.write(self.conn.send(event))
            self.transport.write(self.conn.send(h11.Data(data=body)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
            self.transport.close()

    # Found by name on this module (``__getattr__`` below), so that ``serve --workers N`` can
    # pickle the server config into its worker processes.
    ProblemH11Protocol.__qualname__ = "ProblemH11Protocol"
    return ProblemH11Protocol


def __getattr__(name: str) -> Any:
    if name == "ProblemH11Protocol":
        protocol = _problem_h11_protocol()
        if protocol is not None:
            return protocol
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
