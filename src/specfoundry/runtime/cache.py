"""The tenant-scoped read cache: GET of one object (and, where the spec allows it, list pages)
served from Redis (``REDIS_URL``).

Opt-in per API resource (``cache.resources``; ``lists: true`` adds its list pages). A cached
answer is the exact response the route produced (body, ETag and route headers), stored under a
key that carries everything deciding what the caller may see::

    <service>:cache:<tenant>:<resource>:<id>       a Redis hash, one field per visibility class
    field = sha256(sorted roles [+ subject when a read or list rule looks at the caller])

    <service>:cache:<tenant>:<resource>:lists      the resource's list generation (a counter)
    <service>:cache:<tenant>:<resource>:lists:<generation>:<visibility>:<sha256(query)>
                                                   one list page (a string with its own TTL)

The query string is normalized first (decoded, parameters ordered by name, the order of a
repeated parameter's values kept), so ``?a=1&b=2`` and ``?b=2&a=1`` share a page and any other
difference (filters, sort, limit, cursors) makes another page.

The caller is always authenticated first (a revoked key or expired token never gets a cached
answer), a hit still counts against the caller's rate limit and passes the billing gate, and only
a 200 is stored. Every write to a cached entity invalidates after its transaction commits (a
session ``after_commit`` listener), before the response goes out, so a client never reads its
own write stale: the object's key is deleted, and the resource's list generation is incremented,
so every list page of the tenant's resource is left behind at once (no scan of keys; the old
pages expire by their TTL). A read racing a write cannot store a stale answer: an answer is
stored only if the generation it started under is still current (one Lua script). A delete of an
object whose removal the database carries to a cached resource's rows (``ON DELETE CASCADE`` or
``SET NULL``) moves that resource's list generation too; other changes the ORM does not see (SQL
run by hand; such a cascade for GET of one object) are bounded by ``ttl_seconds``.

Without ``REDIS_URL`` the cache is off: an in-process cache would serve stale answers as soon as
a second worker process writes. Redis errors are never a 5xx: a failed lookup is a miss, a failed
store is skipped, a failed invalidation is logged (and bounded by the TTL).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import ratelimit
from .auth import Principal, authenticate
from .problems import Problem, instance_of, problem_response

log = logging.getLogger(__name__)

DIRTY_KEY = "cache_dirty"
LISTS_DIRTY_KEY = "cache_lists_dirty"
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
# A list page: KEYS[1] is the resource's list generation, ARGV[1] the rest of the page's key.
_LOOKUP_PAGE = """
local g = redis.call('GET', KEYS[1]) or '0'
return {redis.call('GET', KEYS[1] .. ':' .. g .. ':' .. ARGV[1]), g}
"""
_STORE_PAGE = """
local current = redis.call('GET', KEYS[1]) or '0'
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1] .. ':' .. ARGV[1] .. ':' .. ARGV[2], ARGV[3], 'EX', tonumber(ARGV[4]))
return 1
"""
# (key, field or page) -> (answer or None, generation); (key, field or page, generation, answer)
Lookup = Callable[[str, str], Awaitable[tuple[bytes | None, str]]]
Store = Callable[[str, str, str, bytes], Awaitable[bool]]
_SKIPPED_HEADERS = frozenset({b"content-length", b"date", b"server"})


@dataclass(frozen=True, slots=True)
class CachedResource:
    """A cached resource: its path (``dashboards``), whether its reads depend on the caller's
    subject (a read or list rule that compares with ``principal.id``), whether its list pages
    are cached too."""

    resource: str
    per_subject: bool = False
    lists: bool = False


@dataclass(frozen=True, slots=True)
class CachePolicy:
    service: str
    base_path: str  # ``/v1``
    ttl_seconds: int
    cached: Mapping[type[Any], CachedResource]  # ORM class -> resource
    # ORM class -> cached resources whose list pages a delete of it changes in the database
    # (a reference to it with ``ON DELETE CASCADE`` or ``SET NULL``).
    cascades: Mapping[type[Any], tuple[str, ...]] = field(default_factory=dict)

    @property
    def by_path(self) -> dict[str, CachedResource]:
        return {c.resource: c for c in self.cached.values()}


class TenantCache:
    """Keys, lookups, conditional stores and invalidation on one Redis client (its own
    connection pool, thread-safe); the async methods run it in a worker thread, so the cache
    works under any event loop."""

    def __init__(self, policy: CachePolicy, client: Any) -> None:
        self.policy = policy
        self.client = client
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
        return await run_in_threadpool(self.lookup_sync, key, variant)

    def lookup_sync(self, key: str, variant: str) -> tuple[bytes | None, str]:
        answer, generation = self.client.execute_command(
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
        return await run_in_threadpool(self.store_sync, key, variant, generation, answer)

    def store_sync(self, key: str, variant: str, generation: str, answer: bytes) -> bool:
        stored = self.client.execute_command(
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

    def invalidate(self, keys: set[str], lists: Iterable[str] = ()) -> None:
        """Forget objects (their keys) and move list generations (their keys), in one round
        trip."""
        pipe = self.client.pipeline(transaction=False)
        for key in sorted(keys):
            pipe.execute_command(
                "EVAL",
                _INVALIDATE,
                2,
                key,
                self.generation_key(key),
                str(self.generation_ttl),
            )
        for key in sorted(set(lists)):
            pipe.incr(key)
            pipe.expire(key, self.generation_ttl)
        pipe.execute()

    # -- list pages --------------------------------------------------------------------------
    def lists_key(self, tenant_id: uuid.UUID, resource: str) -> str:
        """The resource's list generation in the tenant (a page key starts with it)."""
        return f"{self.policy.service}:cache:{tenant_id}:{resource}:lists"

    @staticmethod
    def page(variant: str, query: str) -> str:
        """The rest of a page's key: the caller's visibility and the normalized query."""
        return f"{variant}:{hashlib.sha256(query.encode()).hexdigest()[:32]}"

    async def lookup_page(self, lists_key: str, page: str) -> tuple[bytes | None, str]:
        return await run_in_threadpool(self.lookup_page_sync, lists_key, page)

    def lookup_page_sync(self, lists_key: str, page: str) -> tuple[bytes | None, str]:
        """(the stored page or None, the list generation it is looked up under)."""
        answer, generation = self.client.execute_command("EVAL", _LOOKUP_PAGE, 1, lists_key, page)
        gen = generation.decode() if isinstance(generation, bytes) else str(generation)
        return (answer if isinstance(answer, bytes) else None), gen

    async def store_page(self, lists_key: str, page: str, generation: str, answer: bytes) -> bool:
        return await run_in_threadpool(self.store_page_sync, lists_key, page, generation, answer)

    def store_page_sync(self, lists_key: str, page: str, generation: str, answer: bytes) -> bool:
        stored = self.client.execute_command(
            "EVAL",
            _STORE_PAGE,
            1,
            lists_key,
            generation,
            page,
            answer,
            str(self.policy.ttl_seconds),
        )
        return bool(stored)


def normalized_query(query_string: bytes) -> str:
    """The query as a page key sees it: decoded, parameters ordered by name (a repeated
    parameter keeps the order of its values, which may decide its meaning)."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return urlencode(sorted(pairs, key=lambda pair: pair[0]))


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


class CacheMiddleware:
    """Innermost middleware: answers ``GET {base}/{resource}/{id}`` of cached resources (and
    ``GET {base}/{resource}?...`` of those whose lists are cached) from Redis after
    authenticating the caller; on a miss runs the route and stores a 200."""

    def __init__(self, app: ASGIApp, cache: TenantCache) -> None:
        self.app = app
        self.cache = cache
        self.prefix = cache.policy.base_path.rstrip("/") + "/"
        self.resources = cache.policy.by_path

    def match(self, scope: Scope) -> tuple[CachedResource, str | None] | None:
        """(the resource, the object id; None for a list page), or None: not cached."""
        if scope["type"] != "http" or scope.get("method") != "GET":
            return None
        path: str = scope.get("path", "")
        if not path.startswith(self.prefix):
            return None
        parts = path[len(self.prefix) :].split("/")
        resource = self.resources.get(parts[0])
        if resource is None:
            return None
        if len(parts) == 1:
            return (resource, None) if resource.lists else None
        if len(parts) != 2 or not 0 < len(parts[1]) <= 64 or scope.get("query_string"):
            return None
        return resource, parts[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.match(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        resource, object_id = found
        request = Request(scope, receive)
        try:
            principal = await authenticate(request)
        except Exception:  # the route answers 401 itself, as a problem document
            await self.app(scope, receive, send)
            return
        try:
            # Counted once: the route's ``Authorize`` sees the outcome and does not count again.
            await ratelimit.enforce(request, principal.tenant_id, principal.subject)
        except Problem as exc:
            await _problem(exc, request, send)
            return
        cache = self.cache
        variant = cache.variant(principal, resource.per_subject)
        lookup: Lookup
        store: Store
        if object_id is None:
            key = cache.lists_key(principal.tenant_id, resource.resource)
            page = cache.page(variant, normalized_query(scope.get("query_string", b"")))
            lookup, store = cache.lookup_page, cache.store_page
        else:
            key = cache.key(principal.tenant_id, resource.resource, object_id)
            page = variant
            lookup, store = cache.lookup, cache.store
        try:
            answer, generation = await lookup(key, page)
        except Exception:  # Redis down: a miss, and no store
            log.warning("cache lookup failed", exc_info=True)
            await self.app(scope, receive, send)
            return
        if answer is not None:
            try:
                await _entitled(request, principal)
            except Problem as exc:
                await _problem(exc, request, send)
                return
            await _replay(answer, request, send)
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

        await self.app(scope, receive, capture)
        if captured.get("status") != 200:
            return
        try:
            await store(key, page, generation, _encode(200, captured["headers"], captured["body"]))
        except Exception:
            log.warning("cache store failed", exc_info=True)


async def _entitled(request: Request, principal: Principal) -> None:
    """The billing gate a route would have run (402), when the service has billing."""
    if getattr(request.app.state, "billing", None) is None:
        return
    from .billing import EntitlementGate

    await EntitlementGate()(request, principal)


async def _problem(exc: Problem, request: Request, send: Send) -> None:
    response = problem_response(
        exc.slug, exc.detail, instance_of(request.url.path), exc.headers, **exc.extensions
    )
    await response(request.scope, request.receive, send)


async def _replay(answer: bytes, request: Request, send: Send) -> None:
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


def listen(session_factory: Any, cache: TenantCache) -> None:
    """Invalidate, after commit, every cached object the session's flushes wrote and the list
    pages of their resources."""
    cached = cache.policy.cached
    cascades = cache.policy.cascades

    def after_flush(session: Session, flush_context: Any) -> None:
        tenant = session.info.get("tenant_id")
        if not isinstance(tenant, uuid.UUID):
            return
        dirty: set[str] = session.info.setdefault(DIRTY_KEY, set())
        lists: set[str] = session.info.setdefault(LISTS_DIRTY_KEY, set())
        for obj in (*session.new, *session.dirty, *session.deleted):
            resource = cached.get(type(obj))
            if resource is None:
                continue
            if getattr(obj, "id", None) is not None:
                dirty.add(cache.key(tenant, resource.resource, str(obj.id)))
            if resource.lists:
                lists.add(cache.lists_key(tenant, resource.resource))
        for obj in session.deleted:
            for name in cascades.get(type(obj), ()):
                lists.add(cache.lists_key(tenant, name))

    def after_commit(session: Session) -> None:
        dirty: set[str] = session.info.pop(DIRTY_KEY, set())
        lists: set[str] = session.info.pop(LISTS_DIRTY_KEY, set())
        if not dirty and not lists:
            return
        try:
            cache.invalidate(dirty, lists)
        except Exception:
            log.exception("cache invalidation failed; stale answers expire after the TTL")

    def after_rollback(session: Session) -> None:
        session.info.pop(DIRTY_KEY, None)
        session.info.pop(LISTS_DIRTY_KEY, None)

    event.listen(session_factory, "after_flush", after_flush)
    event.listen(session_factory, "after_commit", after_commit)
    event.listen(session_factory, "after_soft_rollback", lambda s, t: after_rollback(s))


def connect(redis_url: str) -> Any:
    """A Redis client for ``redis_url`` with short timeouts (a slow Redis is a miss)."""
    import redis

    return redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)


def install(
    app: FastAPI,
    policy: CachePolicy,
    *,
    client: Any = None,
    on_ready: Callable[[TenantCache], None] | None = None,
) -> TenantCache | None:
    """Serve the policy's GET-one routes (and list pages) from Redis; off (None) without
    ``REDIS_URL``."""
    redis_url = app.state.settings.redis_url
    if client is None:
        if not redis_url:
            app.state.cache = None
            return None
        client = connect(redis_url)
    cache = TenantCache(policy, client)
    app.state.cache = cache
    listen(app.state.session_factory, cache)
    # Innermost (after the request guard, before routing): hits get the security headers.
    app.user_middleware.append(Middleware(CacheMiddleware, cache=cache))
    if on_ready is not None:
        on_ready(cache)
    return cache
