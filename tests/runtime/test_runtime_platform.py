"""API keys, the audit log and the tenant-scoped cache of the runtime, against the platform
fixture app (tests/runtime/platform_app.py): SQLite in memory, Redis db 2 for the cache."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
import sqlalchemy as sa

from specfoundry.runtime import apikeys, audit
from specfoundry.runtime.auth import Principal
from tests.runtime.platform_app import PREFIX, REDIS_URL, AuditEvent, Caller, Note, build_app


@pytest.fixture
def admin() -> Caller:
    return Caller(build_app(), ("admin",))


def _events(caller: Caller) -> list[dict]:
    response = caller.client.get("/v1/audit-events", params={"limit": 100})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _key(caller: Caller, **body) -> dict:
    response = caller.client.post("/v1/api-keys", json={"name": "ci", **body})
    assert response.status_code == 201, response.text
    return response.json()


# -- API keys --------------------------------------------------------------------------------


def test_key_format_hash_and_parse() -> None:
    tenant, key_id = uuid.uuid4(), uuid.uuid4()
    key, secret = apikeys.new_key(PREFIX, tenant, key_id)
    assert key.startswith(PREFIX) and not key.startswith("eyJ")
    assert apikeys.parse_key(key, PREFIX) == (tenant, key_id, secret)
    assert apikeys.parse_key(key[:-1], PREFIX) is None
    assert apikeys.parse_key("eyJhbGciOi.x.y", PREFIX) is None
    digest = apikeys.hash_secret(secret, b"pepper")
    assert secret not in digest and len(digest) == 64
    assert digest != apikeys.hash_secret(secret, b"other pepper")


def test_a_key_is_shown_once_stored_hashed_and_authenticates(admin: Caller) -> None:
    created = _key(admin, scopes=["viewer"])
    secret = created["secret"]
    assert secret.startswith(PREFIX)
    assert created["scopes"] == ["viewer"]
    assert admin.client.post("/v1/api-keys", json={"name": "x"}).headers["cache-control"] == (
        "no-store"
    )
    listed = admin.client.get("/v1/api-keys").json()["data"]
    assert all("secret" not in item for item in listed)
    one = admin.client.get(f"/v1/api-keys/{created['id']}").json()
    assert "secret" not in one and one["prefix"].startswith(PREFIX)
    with admin.app.state.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT secret_hash FROM api_keys")).scalars().all()
    assert secret not in " ".join(stored)
    keyed = admin.as_key(secret)
    note = Caller(admin.app, ("editor",), tenant=admin.tenant).client.post(
        "/v1/notes", json={"title": "t"}
    )
    assert keyed.client.get(f"/v1/notes/{note.json()['id']}").status_code == 200
    # viewer scope: no writes, and no key management
    assert keyed.client.post("/v1/notes", json={"title": "t"}).status_code == 403
    assert keyed.client.get("/v1/api-keys").status_code == 403


def test_the_tenant_comes_from_the_key_record(admin: Caller) -> None:
    secret = _key(admin)["secret"]
    other = uuid.uuid4()
    forged = PREFIX + other.hex + secret[len(PREFIX) + 32 :]
    response = admin.as_key(forged).client.get("/v1/api-keys")
    assert response.status_code == 401
    assert "invalid_token" in response.headers["www-authenticate"]


def test_revoked_and_expired_keys_are_401_on_the_next_request(admin: Caller) -> None:
    created = _key(admin)
    keyed = admin.as_key(created["secret"])
    assert keyed.client.get("/v1/api-keys").status_code == 200  # admin scope
    assert keyed.client.post("/v1/api-keys", json={"name": "x"}).status_code == 403, "no minting"
    revoked = admin.client.post(f"/v1/api-keys/{created['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert keyed.client.get("/v1/api-keys").status_code == 401
    assert admin.client.post(f"/v1/api-keys/{created['id']}/revoke").status_code == 200
    soon = _key(admin, expires_at=(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).isoformat())
    with admin.app.state.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE api_keys SET expires_at = :t WHERE id = :i"),
            {
                "t": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
                "i": uuid.UUID(soon["id"]).hex,
            },
        )
    assert admin.as_key(soon["secret"]).client.get("/v1/notes/x").status_code == 401


def test_scopes_never_exceed_the_creator(admin: Caller) -> None:
    editor_admin = Caller(admin.app, ("admin",), tenant=admin.tenant)
    assert _key(editor_admin)["scopes"] == ["admin", "editor", "viewer"]
    limited = Caller(admin.app, ("editor",), tenant=admin.tenant)
    assert limited.client.post("/v1/api-keys", json={"name": "x"}).status_code == 403
    response = admin.client.post("/v1/api-keys", json={"name": "x", "scopes": ["root"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/scopes"
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    expired = _key(admin, expires_at=past)
    assert admin.as_key(expired["secret"]).client.get("/v1/api-keys").status_code == 401
    # RFC 3339 text only (a number is not read as a timestamp), and at least one scope
    for bad in ({"scopes": []}, {"expires_at": 4102444800}):
        assert admin.client.post("/v1/api-keys", json={"name": "x", **bad}).status_code == 422


def test_max_lifetime_gives_keys_an_expiry() -> None:
    caller = Caller(build_app(max_lifetime_days=30))
    created = _key(caller)
    expires = dt.datetime.fromisoformat(created["expires_at"])
    assert dt.timedelta(days=29) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=30)
    far = (dt.datetime.now(dt.UTC) + dt.timedelta(days=31)).isoformat()
    shortened = dt.datetime.fromisoformat(_key(caller, expires_at=far)["expires_at"])
    assert shortened - dt.datetime.now(dt.UTC) <= dt.timedelta(days=30)


def test_last_used_at_is_written_at_most_once_a_minute(admin: Caller) -> None:
    created = _key(admin)
    keyed = admin.as_key(created["secret"])
    writes: list[str] = []
    engine = admin.app.state.engine

    def count(conn, cursor, statement, *args) -> None:
        if statement.startswith("UPDATE api_keys"):
            writes.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    for _ in range(5):
        keyed.client.get("/v1/notes/00000000-0000-0000-0000-000000000000")
    sa.event.remove(engine, "before_cursor_execute", count)
    assert len(writes) == 1
    assert admin.client.get(f"/v1/api-keys/{created['id']}").json()["last_used_at"]


# -- the audit log -----------------------------------------------------------------------------


def test_writes_are_audited_with_actor_request_and_redacted_changes(admin: Caller) -> None:
    editor = Caller(admin.app, ("editor",), subject="bob", tenant=admin.tenant)
    note = editor.client.post(
        "/v1/notes", json={"title": "a", "secret": "hunter2"}, headers={"X-Request-ID": "req-1"}
    ).json()
    editor.client.patch(f"/v1/notes/{note['id']}", json={"title": "b", "secret": "hunter3"})
    admin.client.delete(f"/v1/notes/{note['id']}")
    events = _events(admin)
    actions = [e["action"] for e in reversed(events)]
    assert actions == ["note.create", "note.update", "note.delete"]
    created = events[-1]
    assert created["actor"] == {"subject": "bob", "kind": "user"}
    assert created["request_id"] == "req-1"
    assert created["user_agent"] == "notes-test/1.0" and created["ip"]
    assert created["resource"] == {"type": "note", "id": note["id"]}
    assert created["changes"]["title"] == {"before": None, "after": "a"}
    assert "hunter2" not in str(events) and "hunter3" not in str(events)
    assert events[1]["changes"]["secret"] == {"before": "[redacted]", "after": "[redacted]"}
    assert events[1]["changes"]["title"] == {"before": "a", "after": "b"}


def test_denials_and_key_events_are_audited(admin: Caller) -> None:
    viewer = Caller(admin.app, ("viewer",), subject="val", tenant=admin.tenant)
    assert viewer.client.post("/v1/notes", json={"title": "x"}).status_code == 403
    created = _key(admin)
    admin.client.post(f"/v1/api-keys/{created['id']}/revoke")
    events = _events(admin)
    by_action = {e["action"]: e for e in events}
    denial = by_action["POST /v1/notes"]
    assert denial["outcome"] == "denied" and denial["actor"]["subject"] == "val"
    assert by_action["api_key.create"]["changes"]["secret_hash"]["after"] == "[redacted]"
    assert created["secret"] not in str(events)
    assert by_action["api_key.revoke"]["resource"]["id"] == created["id"]
    # a key's actions are the key's
    keyed = admin.as_key(_key(admin, scopes=["editor"])["secret"])
    keyed.client.post("/v1/notes", json={"title": "k"})
    assert _events(admin)[0]["actor"]["kind"] == "api_key"


def test_a_rolled_back_write_leaves_no_record(admin: Caller) -> None:
    factory = admin.app.state.session_factory
    with factory() as session:
        session.info["tenant_id"] = admin.tenant
        session.add(Note(tenant_id=admin.tenant, title="gone", owner="x"))
        session.flush()
        session.rollback()
    assert _events(admin) == []


def test_audit_filters_pagination_and_roles(admin: Caller) -> None:
    editor = Caller(admin.app, ("editor",), subject="bob", tenant=admin.tenant)
    ids = [editor.client.post("/v1/notes", json={"title": str(i)}).json()["id"] for i in range(3)]
    page = admin.client.get("/v1/audit-events", params={"limit": 2}).json()
    assert len(page["data"]) == 2 and page["has_more"]
    rest = admin.client.get(
        "/v1/audit-events", params={"limit": 2, "starting_after": page["next_cursor"]}
    ).json()
    assert [e["seq"] for e in page["data"] + rest["data"]] == [3, 2, 1]
    one = admin.client.get("/v1/audit-events", params={"resource_id": ids[0]}).json()["data"]
    assert [e["resource"]["id"] for e in one] == [ids[0]]
    assert admin.client.get("/v1/audit-events", params={"actor": "nobody"}).json()["data"] == []
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    assert admin.client.get("/v1/audit-events", params={"since": future}).json()["data"] == []
    assert editor.client.get("/v1/audit-events").status_code == 403
    assert admin.client.get("/v1/audit-events", params={"until": "0.5"}).status_code == 422
    other = Caller(admin.app, ("admin",))
    assert _events(other) == [e for e in _events(other) if e["action"].startswith("GET")]


def test_the_chain_verifies_and_detects_tampering(admin: Caller) -> None:
    for i in range(3):
        admin.client.post("/v1/notes", json={"title": str(i)})
    table = AuditEvent.__table__
    engine = admin.app.state.engine
    with engine.connect() as conn:
        report = audit.verify_chain(conn, table, admin.tenant)
        assert report.ok and report.records == 3
        assert [r.ok for r in audit.verify_all(conn, table)] == [True]
    with engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.seq == 2).values(action="note.read"))
    with engine.connect() as conn:
        report = audit.verify_chain(conn, table, admin.tenant)
    assert not report.ok and "seq 2" in report.problems[0]
    with engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.seq == 2))
    with engine.connect() as conn:
        problems = audit.verify_chain(conn, table, admin.tenant).problems
    assert any("missing" in p for p in problems)


def test_actor_kinds() -> None:
    tenant = uuid.uuid4()
    assert audit.actor_kind(Principal("a", tenant, frozenset({"x"}))) == "user"
    assert audit.actor_kind(Principal("k", tenant, frozenset(), kind="api_key")) == "api_key"
    assert audit.actor_kind(
        Principal("s", tenant, frozenset({"support"})), frozenset({"support"})
    ) == ("operator")


# -- the tenant-scoped cache ---------------------------------------------------------------------


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running (required in CI)")


@pytest.fixture
def cached() -> Caller:
    _redis_or_skip()
    return Caller(build_app(with_cache=True), ("editor",), subject="bob")


def _poke(caller: Caller, note_id: str, title: str) -> None:
    """Change the row behind the API's back (no invalidation): tells a hit from a miss."""
    with caller.app.state.engine.begin() as conn:
        conn.execute(sa.update(Note).where(Note.id == uuid.UUID(note_id)).values(title=title))


def test_get_one_is_served_from_the_cache_and_writes_invalidate(cached: Caller) -> None:
    note = cached.client.post("/v1/notes", json={"title": "one"}).json()
    url = f"/v1/notes/{note['id']}"
    first = cached.client.get(url)
    assert first.json() == {"title": "one"}
    _poke(cached, note["id"], "behind")
    hit = cached.client.get(url)
    assert hit.json() == {"title": "one"}, "a hit"
    assert hit.headers["etag"] == first.headers["etag"]
    assert cached.client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == (
        304
    )
    cached.client.patch(url, json={"title": "two"})
    assert cached.client.get(url).json() == {"title": "two"}, "no stale read after a write"
    admin = Caller(cached.app, ("admin",), tenant=cached.tenant)
    admin.client.delete(url)
    assert cached.client.get(url).status_code == 404


def test_no_hit_across_tenants_or_visibility(cached: Caller) -> None:
    private = cached.client.post("/v1/notes", json={"title": "mine", "private": True}).json()
    url = f"/v1/notes/{private['id']}"
    assert cached.client.get(url).status_code == 200  # cached for bob
    same_roles = Caller(cached.app, ("editor",), subject="eve", tenant=cached.tenant)
    assert same_roles.client.get(url).status_code == 404, "another subject, same roles"
    other_tenant = Caller(cached.app, ("editor",), subject="bob")
    assert other_tenant.client.get(url).status_code == 404, "another tenant"
    assert (
        Caller(cached.app, ("editor",), subject="bob", tenant=cached.tenant)
        .client.get(url)
        .status_code
        == 200
    )
    assert cached.client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_read_racing_a_write_stores_nothing(cached: Caller) -> None:
    import asyncio

    cache = cached.app.state.cache
    key = cache.key(cached.tenant, "notes", "x")
    _, generation = cache.lookup_sync(key, "v")
    cache.invalidate({key})  # a write commits while the read runs
    assert cache.store_sync(key, "v", generation, b"{}") is False
    _, fresh = cache.lookup_sync(key, "v")
    assert cache.store_sync(key, "v", fresh, b"{}") is True
    assert asyncio.run(cache.lookup(key, "v")) == (b"{}", fresh)


def test_redis_down_is_a_miss_never_a_500() -> None:
    caller = Caller(build_app(with_cache=True, redis_url="redis://127.0.0.1:1/0"), ("editor",))
    note = caller.client.post("/v1/notes", json={"title": "one"})
    assert note.status_code == 201
    assert caller.client.get(f"/v1/notes/{note.json()['id']}").json() == {"title": "one"}


def test_without_redis_url_the_cache_is_off() -> None:
    app = build_app(with_cache=True, redis_url="")
    assert app.state.cache is None


# -- list pages ------------------------------------------------------------------------------


def test_list_pages_are_cached_and_every_write_leaves_them_behind(cached: Caller) -> None:
    first = cached.client.post("/v1/notes", json={"title": "one"}).json()
    titles = lambda r: [n["title"] for n in r.json()["data"]]  # noqa: E731
    assert titles(cached.client.get("/v1/notes")) == ["one"]
    _poke(cached, first["id"], "behind")
    assert titles(cached.client.get("/v1/notes")) == ["one"], "a hit"
    second = cached.client.post("/v1/notes", json={"title": "two"}).json()
    assert titles(cached.client.get("/v1/notes")) == ["two", "behind"], "no stale list: create"
    _poke(cached, first["id"], "behind again")
    assert titles(cached.client.get("/v1/notes")) == ["two", "behind"], "a hit"
    cached.client.patch(f"/v1/notes/{second['id']}", json={"title": "2"})
    assert titles(cached.client.get("/v1/notes")) == ["2", "behind again"], "update"
    admin = Caller(cached.app, ("admin",), tenant=cached.tenant)
    assert admin.client.delete(f"/v1/notes/{second['id']}").status_code == 204
    assert titles(cached.client.get("/v1/notes")) == ["behind again"], "delete"


def test_list_pages_differ_by_query_tenant_and_visibility(cached: Caller) -> None:
    cached.client.post("/v1/notes", json={"title": "open"})
    cached.client.post("/v1/notes", json={"title": "mine", "private": True})
    titles = lambda c, q="": [n["title"] for n in c.client.get("/v1/notes" + q).json()["data"]]  # noqa: E731
    assert titles(cached) == ["mine", "open"]
    assert titles(cached, "?title=open") == ["open"], "the query decides the page"
    assert titles(cached, "?limit=1") == ["mine"]
    assert titles(cached, "?limit=1&title=open") == titles(cached, "?title=open&limit=1")
    eve = Caller(cached.app, ("editor",), subject="eve", tenant=cached.tenant)
    assert titles(eve) == ["open"], "another subject: another page"
    assert titles(Caller(cached.app, ("admin",), subject="bob", tenant=cached.tenant)) == [
        "mine",
        "open",
    ]
    assert titles(Caller(cached.app, ("editor",), subject="bob")) == [], "another tenant"
    assert cached.client.get("/v1/notes", headers={"Authorization": "Bearer x"}).status_code == 401


def test_page_keys_and_generations(cached: Caller) -> None:
    from specfoundry.runtime.cache import normalized_query

    assert normalized_query(b"b=2&a=1") == normalized_query(b"a=1&b=2") == "a=1&b=2"
    assert normalized_query(b"a=2&a=1") != normalized_query(b"a=1&a=2"), "value order kept"
    assert normalized_query(b"q=a+b") == normalized_query(b"q=a%20b")
    cache = cached.app.state.cache
    lists = cache.lists_key(cached.tenant, "notes")
    page = cache.page("v", "a=1")
    _, generation = cache.lookup_page_sync(lists, page)
    cache.invalidate(set(), [lists])  # a write commits while the list is read
    assert cache.store_page_sync(lists, page, generation, b"{}") is False
    _, fresh = cache.lookup_page_sync(lists, page)
    assert fresh != generation
    assert cache.store_page_sync(lists, page, fresh, b"{}") is True
    assert cache.lookup_page_sync(lists, page) == (b"{}", fresh)
    other = cache.lists_key(uuid.uuid4(), "notes")
    assert cache.lookup_page_sync(other, page)[0] is None, "no hit across tenants"


def test_a_hit_still_counts_against_the_rate_limit() -> None:
    from specfoundry.runtime import ratelimit
    from tests.runtime.platform_app import open_session

    _redis_or_skip()
    app = build_app(with_cache=True)
    config = ratelimit.RateLimitConfig(plans={"free": {"all": "3/minute"}}, default_plan="free")
    ratelimit.install(app, config, redis_url=None, legacy_headers=False, open_session=open_session)
    caller = Caller(app, ("editor",), subject="bob")
    note = caller.client.post("/v1/notes", json={"title": "one"}).json()
    answers = [caller.client.get(f"/v1/notes/{note['id']}") for _ in range(2)]
    answers += [caller.client.get("/v1/notes") for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[1].headers["ratelimit"] and answers[2].headers["ratelimit"], "hits carry it"
    assert answers[3].headers["retry-after"]
    assert answers[3].headers["content-type"] == "application/problem+json"


def test_creating_and_revoking_a_key_write_their_events_with_the_change() -> None:
    outbox: list = []
    admin = Caller(build_app(outbox=outbox), ("admin",))
    created = _key(admin, scopes=["viewer"])
    assert [(t, kind) for t, kind, _ in outbox] == [(admin.tenant, "api_key.created")]
    payload = outbox[0][2]
    assert payload["api_key_id"] == uuid.UUID(created["id"]) and payload["actor"] == "alice"
    assert created["secret"] not in repr(payload), "never the secret"
    assert admin.client.post(f"/v1/api-keys/{created['id']}/revoke").status_code == 200
    assert admin.client.post(f"/v1/api-keys/{created['id']}/revoke").status_code == 200
    assert [kind for _, kind, _ in outbox] == ["api_key.created", "api_key.revoked"], "once"
    assert outbox[1][2] == {"api_key_id": uuid.UUID(created["id"]), "name": "ci", "actor": "alice"}
