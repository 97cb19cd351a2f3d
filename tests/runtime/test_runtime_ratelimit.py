"""runtime.ratelimit: per-plan budgets with the ``limits`` library, the IETF RateLimit fields,
429/503, the plan cache; memory storage with a frozen clock, and real Redis (db 1)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import http_sfv
import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from limits.aio.storage import MemoryStorage
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from specfoundry.runtime import problems, ratelimit, routing
from specfoundry.runtime.auth import Principal, TokenVerifier
from tests.runtime.fixture_app import SECRET, ShopSettings, Tenants

REDIS_URL = os.environ.get("SPECFOUNDRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
CONFIG = ratelimit.RateLimitConfig(
    plans={"free": {"all": "5/minute"}, "team": {"read": "4/minute", "write": "2/minute"}},
    default_plan="free",
)


class Base(DeclarativeBase):
    pass


class Subscription(Base):
    __tablename__ = "subscriptions"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    plan: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class Clock:
    """A frozen ``time.time`` the test moves by hand (the limits storage reads it)."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


def make_app(
    config: ratelimit.RateLimitConfig = CONFIG,
    *,
    storage: Any = None,
    plans: dict[uuid.UUID, str] | None = None,
    legacy: bool = False,
) -> tuple[FastAPI, dict[str, int]]:
    app = FastAPI()
    settings = ShopSettings(database_url="sqlite://", jwt_secret=SECRET)
    app.state.settings = settings
    app.state.verifier = TokenVerifier(settings)
    app.state.tenants = Tenants()
    problems.install(app, logger=logging.getLogger("shop"))
    calls = {"lookups": 0}
    stored = plans or {}

    def lookup(tenant_id: uuid.UUID) -> str | None:
        calls["lookups"] += 1
        return stored.get(tenant_id)

    directory = ratelimit.PlanDirectory(lookup, frozenset(config.plans), config.default_plan)
    app.state.rate_limiter = ratelimit.RateLimiter(
        config, directory, storage or MemoryStorage(), legacy
    )
    app.add_middleware(ratelimit.RateLimitHeaders, legacy=legacy)
    allow = routing.Authorize("item", "read", holds=lambda *_: True)

    @app.get("/things")
    def read(principal: Principal = Depends(allow)) -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/things")
    def write(principal: Principal = Depends(allow)) -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/boom")
    def boom(principal: Principal = Depends(allow)) -> dict[str, str]:
        raise problems.not_found("thing")

    return app, calls


def headers(app: FastAPI, tenant: uuid.UUID, sub: str = "u1") -> dict[str, str]:
    app.state.tenants.known.add(tenant)
    token = app.state.verifier.issue(sub, tenant, ["reader"])
    return {"Authorization": f"Bearer {token}"}


def field(raw: str) -> tuple[str, dict[str, int]]:
    parsed = http_sfv.List()
    parsed.parse(raw.encode())
    return str(parsed[0].value), {k: int(v) for k, v in parsed[0].params.items()}


def test_plain_plan_counts_every_operation_then_429(clock: Clock) -> None:
    app, _ = make_app(legacy=True)
    tenant = uuid.uuid4()
    with TestClient(app) as client:
        got = [
            client.request(m, "/things", headers=headers(app, tenant))
            for m in ["GET", "POST"] * 2 + ["GET"]
        ]
        assert [r.status_code for r in got] == [200] * 5
        assert [field(r.headers["ratelimit"])[1]["r"] for r in got] == [4, 3, 2, 1, 0]
        assert field(got[0].headers["ratelimit-policy"]) == ("free", {"q": 5, "w": 60})
        assert got[0].headers["x-ratelimit-limit"] == "5"
        assert int(got[0].headers["x-ratelimit-reset"]) > clock.now
        over = client.get("/things", headers=headers(app, tenant))
        assert over.status_code == 429
        assert over.headers["content-type"] == "application/problem+json"
        body = over.json()
        assert body["type"] == "https://iana.org/assignments/http-problem-types#quota-exceeded"
        assert body["violated-policies"] == ["free"]
        name, state = field(over.headers["ratelimit"])
        assert name == "free" and state["r"] == 0 and 1 <= state["t"] <= 60
        assert int(over.headers["retry-after"]) >= state["t"]
        # Errors carry the fields too; another tenant has its own budget.
        assert "ratelimit" in client.get("/boom", headers=headers(app, tenant)).headers
        assert client.get("/things", headers=headers(app, uuid.uuid4())).status_code == 200
        # Unauthenticated requests count against nobody and carry no fields.
        assert "ratelimit" not in client.get("/things").headers
        clock.now += 121  # two windows later: the budget is back
        assert client.get("/things", headers=headers(app, tenant)).status_code == 200


def test_read_and_write_budgets_are_separate_and_plan_comes_from_lookup(clock: Clock) -> None:
    tenant = uuid.uuid4()
    app, calls = make_app(plans={tenant: "team"})
    with TestClient(app) as client:
        h = headers(app, tenant)
        writes = [client.post("/things", headers=h).status_code for _ in range(3)]
        assert writes == [200, 200, 429]
        reads = [client.get("/things", headers=h) for _ in range(5)]
        assert [r.status_code for r in reads] == [200] * 4 + [429]
        assert field(reads[0].headers["ratelimit-policy"]) == ("team-read", {"q": 4, "w": 60})
        assert calls["lookups"] == 1  # cached
        assert "x-ratelimit-limit" not in reads[0].headers  # legacy fields are opt-in
        # A plan change is seen after invalidation (billing calls invalidate_plan).
        app.state.rate_limiter.plans.lookup = lambda _t: "free"
        ratelimit.invalidate_plan(app, tenant)
        assert field(client.get("/things", headers=h).headers["ratelimit-policy"])[0] == "free"


def test_unknown_or_missing_plan_is_the_default() -> None:
    directory = ratelimit.PlanDirectory(lambda _t: "platinum", frozenset({"free"}), "free")
    assert directory.plan(uuid.uuid4()) == "free"
    assert ratelimit.PlanDirectory(None, frozenset({"free"}), "free").plan(uuid.uuid4()) == "free"


def test_plan_cache_expires_after_ttl() -> None:
    now = [0.0]
    answers = iter(["free", "team"])
    directory = ratelimit.PlanDirectory(
        lambda _t: next(answers), frozenset({"free", "team"}), "free", ttl=60, clock=lambda: now[0]
    )
    tenant = uuid.uuid4()
    assert directory.plan(tenant) == "free"
    now[0] = 59
    assert directory.plan(tenant) == "free"
    now[0] = 61
    assert directory.plan(tenant) == "team"


def test_principal_key_gives_each_caller_a_budget(clock: Clock) -> None:
    config = ratelimit.RateLimitConfig(
        plans={"free": {"all": "2/minute"}}, default_plan="free", key="principal"
    )
    app, _ = make_app(config)
    tenant = uuid.uuid4()
    with TestClient(app) as client:
        alice = [client.get("/things", headers=headers(app, tenant, "alice")) for _ in range(3)]
        assert [r.status_code for r in alice] == [200, 200, 429]
        assert client.get("/things", headers=headers(app, tenant, "bob")).status_code == 200


@pytest.mark.parametrize(
    ("strategy", "expected"),
    # 10/minute, 10 hits at 0:59, then 6 tries at 1:30. Moving window: the hits of 0:59 are
    # still inside 0:30-1:30, so none pass. Sliding window counter: the previous window's 10
    # hits weigh 10 * 30/60 = 5, so 5 pass.
    [("moving-window", 0), ("sliding-window-counter", 5)],
)
def test_strategy_burst_at_the_window_boundary(clock: Clock, strategy: str, expected: int) -> None:
    config = ratelimit.RateLimitConfig(
        plans={"free": {"all": "10/minute"}}, default_plan="free", strategy=strategy
    )
    app, _ = make_app(config)
    tenant = uuid.uuid4()
    clock.now = 1_700_000_040.0 + 59  # 1_700_000_040 is a multiple of 60
    with TestClient(app) as client:
        h = headers(app, tenant)
        assert all(client.get("/things", headers=h).status_code == 200 for _ in range(10))
        clock.now += 31
        passed = sum(client.get("/things", headers=h).status_code == 200 for _ in range(6))
    assert passed == expected


class BrokenStorage(MemoryStorage):
    async def acquire_sliding_window_entry(self, *args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("storage down")


@pytest.mark.parametrize(("behaviour", "status"), [("allow", 200), ("deny", 503)])
def test_storage_failure_follows_the_spec(behaviour: str, status: int) -> None:
    config = ratelimit.RateLimitConfig(
        plans={"free": {"all": "5/minute"}}, default_plan="free", on_storage_error=behaviour
    )
    app, _ = make_app(config, storage=BrokenStorage())
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/things", headers=headers(app, uuid.uuid4()))
    assert response.status_code == status
    if status == 503:
        assert response.json()["type"].endswith("/service-unavailable")
        assert int(response.headers["retry-after"]) >= 1
    else:
        assert "ratelimit" not in response.headers  # nothing counted, nothing promised
        assert field(response.headers["ratelimit-policy"])[0] == "free"


# -- real Redis ---------------------------------------------------------------------------
def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture()
def redis_db() -> Iterator[str]:
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip("Redis is not running")
    yield REDIS_URL


@pytest.mark.redis
def test_two_instances_share_one_budget_on_redis(redis_db: str) -> None:
    """R-05: two apps (separate limiter and storage objects, as two processes have) sharing
    Redis together allow exactly N."""
    config = ratelimit.RateLimitConfig(plans={"free": {"all": "7/minute"}}, default_plan="free")
    tenant = uuid.uuid4()  # a fresh key: no other run's counts
    first, _ = make_app(config, storage=ratelimit.make_storage(redis_db))
    second, _ = make_app(config, storage=ratelimit.make_storage(redis_db))
    statuses = []
    with TestClient(first) as a, TestClient(second) as b:
        for i in range(12):
            app, client = (first, a) if i % 2 else (second, b)
            statuses.append(client.get("/things", headers=headers(app, tenant)).status_code)
    assert statuses.count(200) == 7 and statuses.count(429) == 5


@pytest.mark.redis
@pytest.mark.parametrize(("behaviour", "status"), [("allow", 200), ("deny", 503)])
def test_redis_down_is_never_a_500(behaviour: str, status: int) -> None:
    config = ratelimit.RateLimitConfig(
        plans={"free": {"all": "5/minute"}}, default_plan="free", on_storage_error=behaviour
    )
    # A port nothing listens on: connection refused, as when Redis is down.
    app, _ = make_app(config, storage=ratelimit.make_storage("redis://127.0.0.1:1/1"))
    with TestClient(app, raise_server_exceptions=False) as client:
        started = time.monotonic()
        response = client.get("/things", headers=headers(app, uuid.uuid4()))
    assert response.status_code == status
    assert time.monotonic() - started < 3


def test_plan_is_read_from_the_newest_row_and_dropped_on_commit() -> None:
    """plan_lookup + watch_plan_changes: a committed change to the plan entity invalidates the
    tenant's cached plan in this process (what billing relies on)."""
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine)

    def open_session(f: Any, tenant_id: uuid.UUID) -> Session:
        session: Session = f()
        return session

    tenant, other = uuid.uuid4(), uuid.uuid4()
    lookup = ratelimit.plan_lookup(factory, open_session, Subscription, "plan")
    directory = ratelimit.PlanDirectory(lookup, frozenset({"free", "team"}), "free")
    ratelimit.watch_plan_changes(Subscription, factory, directory)
    assert directory.plan(tenant) == "free"  # no row: the default, now cached
    with factory() as session:
        start = dt.datetime(2026, 1, 1)
        session.add(Subscription(tenant_id=tenant, plan="team", created_at=start))
        session.commit()
    assert directory.cached(tenant) is None  # dropped on commit
    assert directory.plan(tenant) == "team"
    with factory() as session:  # a rolled-back change drops nothing
        session.add(Subscription(tenant_id=other, plan="free", created_at=start))
        session.flush()
        session.rollback()
    assert directory.cached(tenant) == "team"
    engine.dispose()
