"""The tenant-scoped read cache: GET of one object served from Redis (``REDIS_URL``).

Opt-in per API resource (``cache.resources``). A cached answer is the exact response the route
produced (body, ETag and route headers), stored under a key that carries everything deciding
what the caller may see::

    <service>:cache:<tenant>:<resource>:<id>       a Redis hash, one field per visibility class
    field = sha256(sorted roles [+ subject when a read rule of the entity looks at the caller])

The caller is always authenticated first (a revoked key or expired token never gets a cached
answer), and only a 200 is stored. Every write to a cached entity invalidates the object's key
after its transaction commits (a session ``after_commit`` listener), before the response goes
out, so a client never reads its own write stale. A read racing a write cannot store a stale
answer: each object has a generation counter that the write increments, and an answer is stored
only if the generation it started under is still current (one Lua script). Changes the ORM does
not see (a database ``ON DELETE`` cascade, SQL run by hand) are bounded by ``ttl_seconds``.

Without ``REDIS_URL`` the cache is off: an in-process cache would serve stale answers as soon as
a second worker process writes. Redis errors are never a 5xx: a failed lookup is a miss, a failed
store is skipped, a failed invalidation is logged (and bounded by the TTL).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import Principal, authenticate

log = logging.getLogger(__name__)

DIRTY_KEY = "cache_dirty"
# Sets the answer only if the object's generation is still the one the read started under.
_STORE = """
local current = redis.call('GET', KEYS[2])
if (current or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return 1
"""
_INVALIDATE = """
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[1]))
redis.call('DEL', KEYS[1])
return 1
"""
_SKIPPED_HEADERS = frozenset({b"content-length", b"date", b"server"})


@dataclass(frozen=True, slots=True)
class CachedResource:
    """A cached resource: its path, its GET-one operation, whether reads depend on the caller."""

    resource: str
    operation_id: str
    per_subject: bool = False


@dataclass(frozen=True, slots=True)
class CachePolicy:
    service: str
    ttl_seconds: int
    cached: Mapping[type[Any], CachedResource]  # ORM class -> resource

    @property
    def by_operation(self) -> dict[str, CachedResource]:
        return {c.operation_id: c for c in self.cached.values()}


class TenantCache:
    """Keys, lookups, conditional stores and invalidation (sync and asyncio Redis clients)."""

    def __init__(self, policy: CachePolicy, client: Any, async_client: Any) -> None:
        self.policy = policy
        self.client = client
        self.async_client = async_client
        # Generations outlive the answers they guard.
        self.generation_ttl = max(policy.ttl_seconds * 10, 3600)

    def key(self, tenant_id: uuid.UUID, resource: str, object_id: str) -> str:
        return f"{self.policy.service}:cache:{tenant_id}:{resource}:{object_id}"

    @staticmethod
    def generation_key(key: str) -> str:
        return key + ":gen"

    @staticmethod
    def variant(principal: Principal, per_subject: bool) -> str:
        parts = sorted(principal.roles)
        if per_subject:
            parts = [f"subject={principal.subject}", *parts]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    async def lookup(self, key: str, variant: str) -> tuple[bytes | None, str]:
        """(the stored answer or None, the object's current generation)."""
        answer, generation = await self.async_client.execute_command(
            "EVAL",
            "return {redis.call('HGET', KEYS[1], ARGV[1]), redis.call('GET', KEYS[2])}",
            2,
            key,
            self.generation_key(key),
            variant,
        )
        gen = generation.decode() if isinstance(generation, bytes) else str(generation or "0")
        return (answer if isinstance(answer, bytes) else None), gen

    async def store(self, key: str, variant: str, generation: str, answer: bytes) -> bool:
        stored = await self.async_client.execute_command(
            "EVAL",
            _STORE,
            2,
            key,
            self.generation_key(key),
            generation,
            variant,
            answer,
            str(self.policy.ttl_seconds),
        )
        return bool(stored)

    def invalidate(self, keys: set[str]) -> None:
        for key in sorted(keys):
            self.client.execute_command(
                "EVAL",
                _INVALIDATE,
                2,
                key,
                self.generation_key(key),
                str(self.generation_ttl),
            )


def _encode(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    kept = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers]
    return json.dumps({"status": status, "headers": kept, "body": body.decode()}).encode()


def _decode(answer: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    data = json.loads(answer)
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in data["headers"]]
    return int(data["status"]), headers, str(data["body"]).encode()


def _etag_matches(etag: str | None, header: str | None) -> bool:
    if etag is None or header is None:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]
    return "*" in tags or etag in tags


def cached_route(inner: ASGIApp, cache: TenantCache, resource: CachedResource) -> ASGIApp:
    """Wrap a GET-one route: authenticate, answer from the cache, or run it and store a 200."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        object_id = scope.get("path_params", {}).get("id")
        if scope.get("query_string") or not isinstance(object_id, str) or len(object_id) > 64:
            await inner(scope, receive, send)  # the route answers (400, 404) as usual
            return
        principal = await authenticate(request)  # raises 401: never a cached answer first
        key = cache.key(principal.tenant_id, resource.resource, object_id)
        variant = cache.variant(principal, resource.per_subject)
        try:
            answer, generation = await cache.lookup(key, variant)
        except Exception:  # Redis down: a miss, and no store
            log.warning("cache lookup failed", exc_info=True)
            await inner(scope, receive, send)
            return
        if answer is not None:
            status, headers, body = _decode(answer)
            etag = next((v.decode() for k, v in headers if k == b"etag"), None)
            if _etag_matches(etag, request.headers.get("if-none-match")):
                kept = [(k, v) for k, v in headers if k in (b"etag", b"cache-control")]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            headers = [*headers, (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        captured: dict[str, Any] = {"body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = [
                    (k.lower(), v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in _SKIPPED_HEADERS
                ]
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        await inner(scope, receive, capture)
        if captured.get("status") != 200:
            return
        try:
            await cache.store(
                key,
                variant,
                generation,
                _encode(200, captured["headers"], captured["body"]),
            )
        except Exception:
            log.warning("cache store failed", exc_info=True)

    return app


def listen(session_factory: Any, cache: TenantCache) -> None:
    """Invalidate, after commit, every cached object the session's flushes wrote."""
    cached = cache.policy.cached

    def after_flush(session: Session, flush_context: Any) -> None:
        tenant = getattr(session, "tenant_id", None)
        if not isinstance(tenant, uuid.UUID):
            return
        dirty: set[str] = session.info.setdefault(DIRTY_KEY, set())
        for obj in (*session.new, *session.dirty, *session.deleted):
            resource = cached.get(type(obj))
            if resource is not None and getattr(obj, "id", None) is not None:
                dirty.add(cache.key(tenant, resource.resource, str(obj.id)))

    def after_commit(session: Session) -> None:
        dirty: set[str] = session.info.pop(DIRTY_KEY, set())
        if not dirty:
            return
        try:
            cache.invalidate(dirty)
        except Exception:
            log.exception("cache invalidation failed; stale answers expire after the TTL")

    def after_rollback(session: Session) -> None:
        session.info.pop(DIRTY_KEY, None)

    event.listen(session_factory, "after_flush", after_flush)
    event.listen(session_factory, "after_commit", after_commit)
    event.listen(session_factory, "after_soft_rollback", lambda s, t: after_rollback(s))


def connect(redis_url: str) -> tuple[Any, Any]:
    """(sync client, asyncio client) for ``redis_url``."""
    import redis
    import redis.asyncio

    options: dict[str, Any] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    return redis.Redis.from_url(redis_url, **options), redis.asyncio.Redis.from_url(
        redis_url, **options
    )


def install(
    app: FastAPI,
    policy: CachePolicy,
    *,
    clients: tuple[Any, Any] | None = None,
    on_ready: Callable[[TenantCache], None] | None = None,
) -> TenantCache | None:
    """Serve the policy's GET-one routes from Redis; off (None) without ``REDIS_URL``."""
    redis_url = app.state.settings.redis_url
    if clients is None:
        if not redis_url:
            app.state.cache = None
            return None
        clients = connect(redis_url)
    cache = TenantCache(policy, *clients)
    app.state.cache = cache
    listen(app.state.session_factory, cache)
    by_operation = policy.by_operation
    for route in app.router.routes:
        if isinstance(route, APIRoute) and route.operation_id in by_operation:
            route.app = cached_route(route.app, cache, by_operation[route.operation_id])
    if on_ready is not None:
        on_ready(cache)
    return cache
