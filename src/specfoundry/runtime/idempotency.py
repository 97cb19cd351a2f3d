"""``Idempotency-Key`` (``api.idempotency``; IETF draft-ietf-httpapi-idempotency-key-header).

- The header is accepted on the methods the spec lists (POST, and PATCH when enabled) in the
  draft's sf-string form (``"abc"``) and in the unquoted form (``abc``); both name the same key.
  An empty key or one over 255 characters is a 400. A request without the header runs normally.
- A key is scoped to (tenant, principal, method, route template, key); the same key from
  another tenant or caller is independent.
- The first response (status, headers, body) is stored in the built-in ``idempotency_keys``
  table **in the same database transaction as the request's effect**: while a key is active
  the runtime's ``commit()`` only flushes, and :class:`IdempotencyMiddleware` stores the
  response and commits once the route has produced it. An exception before that commit leaves
  neither the effect nor the key. Error responses (problems: validation failures, conflicts,
  permission denials) are not stored; a retry with the same key runs again.
- A retry with the same key and the same request (method, path, canonical JSON body) replays
  the stored response byte for byte with ``Idempotent-Replayed: true``; a different request is
  a 422 ``idempotency-key-reused``; a retry while the first request is still running waits up
  to ``wait_seconds`` for it and is then a 409 ``idempotency-key-in-use``.
- Keys expire after ``ttl`` (24 h by default, from the spec); an expired key is a new key. The
  tenant's expired rows are purged on write (at most every ``purge_interval`` per tenant and
  process), and :func:`purge_expired` removes them for one tenant on demand.

Concurrency: on PostgreSQL a transaction-scoped advisory lock on the key's scope serializes
requests with one key across processes; elsewhere (SQLite, one process) a process-local lock
does. The table's unique constraint is the last line of defence either way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import Problem, problem_response

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
STATE_KEY = "idempotency"
DEFER_COMMIT = "idempotency_defer_commit"
# Not stored: set again on every response by outer layers, or meaningless on a replay.
_UNSTORED_HEADERS = frozenset({"content-length", "date", "server"})


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class IdempotencyConfig:
    """``app.state.idempotency``: the spec's settings and the built-in model."""

    model: Any  # the ORM class of ``idempotency_keys``
    methods: frozenset[str] = frozenset({"POST"})
    ttl: dt.timedelta = dt.timedelta(hours=24)
    wait_seconds: float = 2.0
    purge_interval: float = 600.0
    clock: Callable[[], dt.datetime] = utcnow
    _purged: dict[uuid.UUID, float] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)

    def local_lock(self, scope_key: str) -> threading.Lock:
        with self._locks_guard:
            lock = self._locks.get(scope_key)
            if lock is None:
                if len(self._locks) > 10_000:
                    self._locks = {k: v for k, v in self._locks.items() if v.locked()}
                lock = self._locks[scope_key] = threading.Lock()
            return lock


class IdempotentReplay(Exception):
    """Raised by :func:`begin` to answer with a stored response."""

    def __init__(self, response: Response) -> None:
        super().__init__("replay")
        self.response = response


@dataclass
class Active:
    """A request that runs under a key; ``request.state.idempotency``."""

    config: IdempotencyConfig
    session: Session
    tenant_id: uuid.UUID
    principal: str
    method: str
    route: str
    key: str
    fingerprint: str
    release: Callable[[], None] | None = None
    finished: bool = False

    def store_and_commit(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """Write the first response next to the effect and commit both (worker thread)."""
        model, session, now = self.config.model, self.session, self.config.clock()
        session.execute(
            delete(model).where(*self._where(model), model.expires_at <= now),
            execution_options={"synchronize_session": False},
        )
        session.add(
            model(
                tenant_id=self.tenant_id,
                key=self.key,
                principal=self.principal,
                method=self.method,
                route=self.route,
                fingerprint=self.fingerprint,
                status=status,
                headers=[[k, v] for k, v in headers],
                body=body.decode("utf-8"),
                expires_at=now + self.config.ttl,
            )
        )
        session.flush()
        last = self.config._purged.get(self.tenant_id)
        if last is None or time.monotonic() - last > self.config.purge_interval:
            self.config._purged[self.tenant_id] = time.monotonic()
            purge_expired(session, model, self.tenant_id, now)
        session.info.pop(DEFER_COMMIT, None)
        session.commit()

    def _where(self, model: Any) -> tuple[Any, ...]:
        return (
            model.tenant_id == self.tenant_id,
            model.principal == self.principal,
            model.method == self.method,
            model.route == self.route,
            model.key == self.key,
        )

    def done(self) -> None:
        if not self.finished:
            self.finished = True
            if self.release is not None:
                self.release()


def parse_key(raw: str) -> str:
    """The key of an ``Idempotency-Key`` value: ``"abc"`` (sf-string) and ``abc`` are equal."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not value:
        raise Problem("bad-request", f"`{HEADER}` is empty.")
    if len(value) > MAX_KEY_LENGTH:
        raise Problem("bad-request", f"`{HEADER}` is longer than {MAX_KEY_LENGTH} characters.")
    return value


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request's identity: method, path and the body as canonical JSON (raw if not JSON)."""
    try:
        canonical = json.dumps(
            json.loads(body or b"null"), sort_keys=True, separators=(",", ":")
        ).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256(f"{method} {path}\n".encode() + canonical)
    return digest.hexdigest()


def _lock_id(scope_key: str) -> int:
    return int.from_bytes(hashlib.sha256(scope_key.encode()).digest()[:8], "big", signed=True)


def _acquire(active: Active) -> None:
    """Serialize requests with one key; 409 while another is still running (worker thread)."""
    config, session = active.config, active.session
    scope_key = "\x1f".join(
        (str(active.tenant_id), active.principal, active.method, active.route, active.key)
    )
    deadline = time.monotonic() + config.wait_seconds
    if session.get_bind().dialect.name == "postgresql":
        statement = text("SELECT pg_try_advisory_xact_lock(:id)")
        lock_id = _lock_id(scope_key)
        while not session.scalar(statement, {"id": lock_id}):
            if time.monotonic() >= deadline:
                raise _in_use()
            time.sleep(0.02)
        return  # released when the transaction ends
    lock = config.local_lock(scope_key)
    if not lock.acquire(timeout=max(0.0, config.wait_seconds)):
        raise _in_use()
    active.release = lock.release


def _in_use() -> Problem:
    return Problem(
        "idempotency-key-in-use",
        f"A request with this `{HEADER}` is still being processed; retry later.",
        headers={"Retry-After": "1"},
    )


def _lookup(active: Active) -> Any:
    model = active.config.model
    row = active.session.scalars(
        select(model).where(*active._where(model), model.expires_at > active.config.clock())
    ).one_or_none()
    return row


def replay_response(row: Any) -> Response:
    headers = [(str(k), str(v)) for k, v in row.headers]
    response = Response(content=row.body.encode("utf-8"), status_code=int(row.status))
    response.raw_headers = [
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers),
        (b"content-length", str(len(row.body.encode("utf-8"))).encode()),
        (REPLAYED.lower().encode(), b"true"),
    ]
    return response


async def begin(request: Request, principal: str, tenant_id: uuid.UUID, session: Session) -> None:
    """Called by ``session_scope`` for every request: no-op unless the method takes a key and
    one was sent. Raises 400 (bad key), 409 (in flight), 422 (other request), or
    :class:`IdempotentReplay`; otherwise defers the route's commit to the middleware."""
    config: IdempotencyConfig | None = getattr(request.app.state, "idempotency", None)
    if config is None or request.method not in config.methods:
        return
    raw = request.headers.get(HEADER)
    if raw is None:
        return
    route = getattr(request.scope.get("route"), "path", request.url.path)
    active = Active(
        config,
        session,
        tenant_id,
        principal,
        request.method,
        route,
        parse_key(raw),
        fingerprint(request.method, request.url.path, await request.body()),
    )

    def claim() -> Any:
        _acquire(active)
        return _lookup(active)

    try:
        row = await run_in_threadpool(claim)
    except BaseException:
        active.done()
        raise
    if row is not None:
        active.done()
        if row.fingerprint != active.fingerprint:
            raise Problem(
                "idempotency-key-reused",
                f"This `{HEADER}` was used with a different request; use a new key.",
                errors=[{"pointer": HEADER, "message": "used with a different request"}],
            )
        raise IdempotentReplay(replay_response(row))
    session.info[DEFER_COMMIT] = True
    setattr(request.state, STATE_KEY, active)


def end(request: Request) -> None:
    """Called by ``session_scope`` when the request's session closes: releases the key."""
    active = request.scope.get("state", {}).get(STATE_KEY)
    if isinstance(active, Active):
        active.done()


def commit_deferred(session: Session) -> bool:
    """Whether the request's commit waits for the stored response (``routing.commit``)."""
    return bool(session.info.get(DEFER_COMMIT))


class IdempotencyMiddleware:
    """Stores the first (successful) response of a keyed request and commits the transaction
    before the response leaves; a failed commit answers a problem instead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            active = scope.get("state", {}).get(STATE_KEY)
            if not isinstance(active, Active) or active.finished:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert start is not None
            await self._finish(scope, active, start, b"".join(chunks), send)

        await self.app(scope, receive, capture)

    async def _finish(
        self, scope: Scope, active: Active, start: Message, body: bytes, send: Send
    ) -> None:
        status = int(start["status"])
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in start.get("headers", [])
            if k.decode("latin-1").lower() not in _UNSTORED_HEADERS
        ]
        try:
            if status < 400 and active.session.in_transaction():
                await run_in_threadpool(active.store_and_commit, status, headers, body)
        except IntegrityError:
            await run_in_threadpool(active.session.rollback)
            active.done()
            problem = _in_use()
            response = problem_response(
                problem.slug, problem.detail, scope.get("path", ""), problem.headers
            )
            await response(scope, _no_receive, send)
            return
        active.done()
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def purge_expired(
    session: Session, model: Any, tenant_id: uuid.UUID, now: dt.datetime | None = None
) -> int:
    """Delete the tenant's expired keys; returns how many went."""
    result = session.execute(
        delete(model).where(model.tenant_id == tenant_id, model.expires_at <= (now or utcnow())),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def install(
    app: Any, model: Any, *, methods: tuple[str, ...], ttl_hours: int, wait_seconds: float = 2.0
) -> None:
    """``app.state.idempotency`` (None when the spec has no ``api.idempotency``), the
    middleware and the replay handler. Install before the rate-limit headers (so stored
    responses do not carry another request's budget)."""
    if model is None or not methods:
        app.state.idempotency = None
        return
    app.state.idempotency = IdempotencyConfig(
        model, frozenset(methods), dt.timedelta(hours=ttl_hours), wait_seconds
    )
    app.add_middleware(IdempotencyMiddleware)

    async def replay(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IdempotentReplay)
        return exc.response

    app.add_exception_handler(IdempotentReplay, replay)
