"""The webhook routes (``runtime/webhook_api.py``) on the event engine, in process: endpoints
with a secret shown once, signed deliveries to a local receiver, secret rotation, SSRF refusals,
tenant isolation, delivery listing and redelivery (stub broker, SQLite)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from events_fixtures import Outbox, Processed
from fastapi import FastAPI
from fastapi.testclient import TestClient
from runtime_db_fixtures import Org, factory, sqlite_engine
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker
from standardwebhooks.webhooks import Webhook
from test_runtime_webhooks import Receiver

from specfoundry.runtime import problems, routing
from specfoundry.runtime.auth import TokenVerifier
from specfoundry.runtime.db import (
    Base,
    TenantScoped,
    TenantSession,
    UTCDateTime,
    open_session,
    utcnow,
)
from specfoundry.runtime.relay import Relay
from specfoundry.runtime.settings import ServiceIdentity, Settings
from specfoundry.runtime.tasks import Engine, Worker, make_broker
from specfoundry.runtime.webhook_api import WebhookPolicy, install
from specfoundry.runtime.webhook_delivery import WebhookDispatcher
from specfoundry.runtime.worker import Delivery as DeliverySetup
from specfoundry.runtime.worker import Webhooks, build

__all__ = ["factory", "sqlite_engine"]

SECRET = "w" * 40
EVENTS = ("project.created", "project.deleted")
PUBLIC = {"hooks.example.com": ["93.184.216.34"], "internal.example.com": ["10.0.0.5"]}


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4, sort_order=-2)


class Endpoint(TenantScoped, Base):
    __tablename__ = "wa_webhook_endpoints"
    id: Mapped[uuid.UUID] = _id()
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    event_types: Mapped[Any] = mapped_column(sa.JSON(), nullable=True)
    secret: Mapped[str] = mapped_column(sa.String(100))
    previous_secret: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime(), nullable=True
    )
    enabled: Mapped[bool] = mapped_column(sa.Boolean(), default=True)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delivery(TenantScoped, Base):
    __tablename__ = "wa_webhook_deliveries"
    id: Mapped[uuid.UUID] = _id()
    endpoint_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    event_type: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text())
    status: Mapped[str] = mapped_column(sa.String(20))
    attempts: Mapped[int] = mapped_column(sa.Integer(), default=0)
    last_response_code: Mapped[int | None] = mapped_column(sa.Integer(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text(), nullable=True)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(sa.Integer(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True, slots=True)
class HookSettings(Settings):
    identity: ClassVar[ServiceIdentity] = ServiceIdentity(name="hooks", env_prefix="HOOKS")


class Tenants:
    def cached(self, tenant_id: uuid.UUID) -> bool | None:
        return True

    def exists(self, tenant_id: uuid.UUID) -> bool:
        return True


def _resolver(host: str, port: int) -> list[str]:
    if host not in PUBLIC:
        raise OSError("no such host")
    return PUBLIC[host]


@dataclass
class Hooks:
    app: FastAPI
    factory: sessionmaker[TenantSession]
    dispatcher: WebhookDispatcher
    relay: Relay
    worker: Worker

    def caller(self, tenant: uuid.UUID, roles: tuple[str, ...] = ("admin",)) -> TestClient:
        client = TestClient(self.app, raise_server_exceptions=False)
        token = self.app.state.verifier.issue("alice", tenant, roles)
        client.headers["Authorization"] = f"Bearer {token}"
        return client

    def tenant(self) -> uuid.UUID:
        tid = uuid.uuid4()
        with open_session(self.factory, tid) as session:
            session.add(Org(id=tid))
            session.commit()
        return tid

    def emit(self, tenant: uuid.UUID, event_type: str = "project.created") -> uuid.UUID:
        with open_session(self.factory, tenant) as session:
            row = Outbox(event_type=event_type, payload={"project_id": "p1"})
            session.add(row)
            session.commit()
            event_id: uuid.UUID = row.id
        self.relay.run_once()
        self.worker.join()
        return event_id


def _app(
    factory: sessionmaker[TenantSession],
    *,
    environment: str = "development",
    allow: str = "development",
    sender: Any = None,
) -> FastAPI:
    settings = HookSettings(database_url="sqlite://", jwt_secret=SECRET, environment=environment)
    app = FastAPI(redirect_slashes=False)
    app.state.settings = settings
    app.state.session_factory = factory
    app.state.tenants = Tenants()
    app.state.verifier = TokenVerifier(settings)
    problems.install(app, logger=__import__("logging").getLogger("hooks"))
    policy = WebhookPolicy(
        endpoint=Endpoint,
        delivery=Delivery,
        manager_roles=frozenset({"admin"}),
        event_types=EVENTS,
        base_path="/v1",
        allow_private_targets=allow,
        rotation_overlap_hours=24,
        resolver=_resolver,
    )
    install(app, policy, routing.session_dependency(open_session), sender)
    return app


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def hooks(factory: sessionmaker[TenantSession]) -> Iterator[Hooks]:
    broker = make_broker(None, namespace="wa")
    dispatcher = WebhookDispatcher(
        broker, factory, Endpoint, Delivery, allow_private=True, schedule=(0, 0, 0), timeout=5
    )
    engine = Engine(broker, factory, Processed, (dispatcher.handler(),))
    worker = Worker(broker, engine.queues, threads=2)
    worker.start()
    app = _app(factory, sender=lambda: dispatcher.redeliver)
    yield Hooks(app, factory, dispatcher, Relay(factory, Outbox, engine.publish), worker)
    worker.stop()


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_the_secret_is_shown_once_and_events_arrive_signed(
    hooks: Hooks, receiver: Receiver
) -> None:
    tenant = hooks.tenant()
    client = hooks.caller(tenant)
    created = client.post(
        "/v1/webhook-endpoints", json={"url": receiver.url, "event_types": ["project.created"]}
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    endpoint = created.json()
    secret = endpoint["secret"]
    assert secret.startswith("whsec_") and endpoint["secret_prefix"] == secret[:10]
    assert created.headers["location"] == f"/v1/webhook-endpoints/{endpoint['id']}"
    read = client.get(f"/v1/webhook-endpoints/{endpoint['id']}").json()
    assert "secret" not in read and read["event_types"] == ["project.created"]
    (listed,) = client.get("/v1/webhook-endpoints").json()["data"]
    assert "secret" not in listed
    event_id = hooks.emit(tenant)
    hooks.emit(tenant, "project.deleted")  # not subscribed
    ((headers, body),) = receiver.requests
    assert headers["webhook-id"] == str(event_id)
    assert Webhook(secret).verify(body, headers)["data"] == {"project_id": "p1"}
    page = client.get("/v1/webhook-deliveries", params={"status": "succeeded"}).json()
    (delivery,) = page["data"]
    assert (delivery["attempts"], delivery["last_response_code"]) == (1, 204)
    assert delivery["event_id"] == str(event_id) and delivery["delivered_at"]
    assert delivery["duration_ms"] is not None
    one = client.get(f"/v1/webhook-deliveries/{delivery['id']}").json()
    assert one["status"] == "succeeded" and one["endpoint_id"] == endpoint["id"]
    assert client.get("/v1/webhook-deliveries", params={"status": "failed"}).json()["data"] == []
    other = client.get("/v1/webhook-deliveries", params={"endpoint_id": str(uuid.uuid4())})
    assert other.json()["data"] == []


def test_rotation_signs_with_both_secrets_during_the_overlap(
    hooks: Hooks, receiver: Receiver
) -> None:
    tenant = hooks.tenant()
    client = hooks.caller(tenant)
    endpoint = client.post("/v1/webhook-endpoints", json={"url": receiver.url}).json()
    rotated = client.post(f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret")
    assert rotated.status_code == 200 and rotated.headers["cache-control"] == "no-store"
    new = rotated.json()["secret"]
    assert new != endpoint["secret"] and rotated.json()["previous_secret_expires_at"]
    hooks.emit(tenant)
    ((headers, body),) = receiver.requests
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint["secret"], new):
        Webhook(secret).verify(body, headers)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://hooks.example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://internal.example.com/hook",  # resolves to a private address
        "https://nowhere.example.com/hook",  # does not resolve
        "https://user:pw@hooks.example.com/hook",
        "not a url",
        "https://a\x00b.example.com/hook",  # NUL in the host (ValueError in the resolver)
        "https://" + "a" * 70 + ".example.com/hook",  # a label too long for IDNA
    ],
)
def test_unsafe_destinations_are_refused_with_422(
    factory: sessionmaker[TenantSession], url: str
) -> None:
    app = _app(factory, environment="production")
    hooks = Hooks(app, factory, None, None, None)  # type: ignore[arg-type]
    tenant = hooks.tenant()
    client = hooks.caller(tenant)
    body = _problem(client.post("/v1/webhook-endpoints", json={"url": url}), 422)
    assert body["errors"][0]["pointer"] == "/url"
    good = client.post("/v1/webhook-endpoints", json={"url": "https://hooks.example.com/hook"})
    assert good.status_code == 201, good.text
    patched = client.patch(f"/v1/webhook-endpoints/{good.json()['id']}", json={"url": url})
    _problem(patched, 422)


def test_private_targets_need_development_and_the_spec_allowing_them(
    factory: sessionmaker[TenantSession],
) -> None:
    for environment, allow, status in (
        ("development", "development", 201),
        ("production", "development", 422),
        ("development", "never", 422),
    ):
        app = _app(factory, environment=environment, allow=allow)
        hooks = Hooks(app, factory, None, None, None)  # type: ignore[arg-type]
        client = hooks.caller(hooks.tenant())
        response = client.post("/v1/webhook-endpoints", json={"url": "http://127.0.0.1:9/h"})
        assert response.status_code == status, (environment, allow, response.text)


def test_event_types_must_be_declared_and_bodies_strict(hooks: Hooks) -> None:
    client = hooks.caller(hooks.tenant())
    body = _problem(
        client.post(
            "/v1/webhook-endpoints",
            json={"url": "http://127.0.0.1:9/h", "event_types": ["project.created", "nope.x"]},
        ),
        422,
    )
    assert body["errors"] == [{"pointer": "/event_types/1", "message": "no event 'nope.x'"}]
    _problem(
        client.post("/v1/webhook-endpoints", json={"url": "http://127.0.0.1:9/h", "x": 1}), 422
    )
    created = client.post("/v1/webhook-endpoints", json={"url": "http://127.0.0.1:9/h"}).json()
    path = f"/v1/webhook-endpoints/{created['id']}"
    _problem(client.patch(path, json={"enabled": None}), 422)
    _problem(client.get("/v1/webhook-deliveries", params={"status": "lost"}), 422)
    _problem(client.get("/v1/webhook-deliveries", params={"endpoint_id": "x"}), 422)
    _problem(client.get("/v1/webhook-endpoints/not-a-uuid"), 404)
    # NUL never reaches the database (PostgreSQL refuses it in text: a 500 otherwise).
    for body in (
        {"url": "http://127.0.0.1:9/h\x00"},
        {"url": "http://127.0.0.1:9/h", "description": "a\x00b"},
        {"url": "http://127.0.0.1:9/h", "event_types": ["project.created\x00"]},
    ):
        _problem(client.post("/v1/webhook-endpoints", json=body), 422)
    _problem(client.patch(path, json={"description": "\x00"}), 422)


def test_another_tenant_sees_nothing_and_other_roles_are_refused(
    hooks: Hooks, receiver: Receiver
) -> None:
    owner = hooks.tenant()
    client = hooks.caller(owner)
    endpoint = client.post("/v1/webhook-endpoints", json={"url": receiver.url}).json()
    hooks.emit(owner)
    (delivery,) = client.get("/v1/webhook-deliveries").json()["data"]
    stranger = hooks.caller(hooks.tenant())
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    _problem(stranger.get(path), 404)
    _problem(stranger.patch(path, json={"enabled": False}), 404)
    _problem(stranger.post(f"{path}/rotate-secret"), 404)
    _problem(stranger.delete(path), 404)
    _problem(stranger.get(f"/v1/webhook-deliveries/{delivery['id']}"), 404)
    _problem(stranger.post(f"/v1/webhook-deliveries/{delivery['id']}/redeliver"), 404)
    assert stranger.get("/v1/webhook-endpoints").json()["data"] == []
    assert stranger.get("/v1/webhook-deliveries").json()["data"] == []
    viewer = hooks.caller(owner, ("viewer",))
    _problem(viewer.get("/v1/webhook-endpoints"), 403)
    _problem(viewer.get(path), 403)
    _problem(viewer.get("/v1/webhook-deliveries"), 403)
    assert client.get(path).status_code == 200  # untouched


def test_redeliver_after_failures_and_disable_then_delete(hooks: Hooks, receiver: Receiver) -> None:
    receiver.answers = [(500, {}), (500, {}), (503, {})]
    tenant = hooks.tenant()
    client = hooks.caller(tenant)
    endpoint = client.post("/v1/webhook-endpoints", json={"url": receiver.url}).json()
    hooks.emit(tenant)
    (delivery,) = client.get("/v1/webhook-deliveries").json()["data"]
    assert (delivery["status"], delivery["attempts"]) == ("failed", 3)
    assert delivery["last_response_code"] == 503 and delivery["last_error"] == "HTTP 503"
    again = client.post(f"/v1/webhook-deliveries/{delivery['id']}/redeliver")
    assert again.status_code == 202, again.text
    hooks.worker.join()
    done = client.get(f"/v1/webhook-deliveries/{delivery['id']}").json()
    assert (done["status"], done["attempts"], done["last_response_code"]) == ("succeeded", 4, 204)
    ids = {h["webhook-id"] for h, _ in receiver.requests}
    assert len(receiver.requests) == 4 and len(ids) == 1  # the same webhook-id every time
    # A delivered one may be sent again (the manual replay).
    assert client.post(f"/v1/webhook-deliveries/{delivery['id']}/redeliver").status_code == 202
    hooks.worker.join()
    assert len(receiver.requests) == 5
    # Disabled: no new deliveries, and no redelivery (409).
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    assert client.patch(path, json={"enabled": False}).json()["enabled"] is False
    hooks.emit(tenant)
    assert len(receiver.requests) == 5
    _problem(client.post(f"/v1/webhook-deliveries/{delivery['id']}/redeliver"), 409)
    assert client.delete(path).status_code == 204
    _problem(client.get(path), 404)
    assert client.get("/v1/webhook-deliveries").json()["data"] == []


def test_redeliver_without_a_worker_is_503(factory: sessionmaker[TenantSession]) -> None:
    app = _app(factory, sender=lambda: None)
    hooks = Hooks(app, factory, None, None, None)  # type: ignore[arg-type]
    tenant = hooks.tenant()
    client = hooks.caller(tenant)
    endpoint = client.post("/v1/webhook-endpoints", json={"url": "http://127.0.0.1:9/h"}).json()
    with open_session(factory, tenant) as session:
        row = Delivery(
            endpoint_id=uuid.UUID(endpoint["id"]),
            event_id=uuid.uuid4(),
            event_type="project.created",
            body="{}",
            status="failed",
        )
        session.add(row)
        session.commit()
    response = client.post(f"/v1/webhook-deliveries/{row.id}/redeliver")
    assert _problem(response, 503)["type"].endswith("/service-unavailable")


def test_the_worker_runtime_includes_webhook_delivery(tmp_path: Any) -> None:
    settings = HookSettings(database_url=f"sqlite:///{tmp_path}/w.db", jwt_secret=SECRET)
    setup = DeliverySetup(
        namespace="wa",
        outbox=Outbox,
        processed=Processed,
        webhooks=Webhooks(Endpoint, Delivery, attempts=3, allow_private_targets="never"),
    )
    assert setup.queues == ("webhooks",)
    runtime = build(setup, settings, broker=make_broker(None, namespace="wa"))
    assert runtime.webhooks is not None and list(runtime.webhooks.schedule) == [0, 5, 300]
    assert runtime.webhooks.allow_private is False
    assert [h.name for h in runtime.engine.subscribers("project.created")] == ["webhooks.fanout"]
    dev = HookSettings(
        database_url=f"sqlite:///{tmp_path}/w.db", jwt_secret=SECRET, environment="development"
    )
    assert Webhooks(Endpoint, Delivery).allow_private(dev)
    assert not Webhooks(Endpoint, Delivery, allow_private_targets="never").allow_private(dev)


def test_hosts_the_resolver_cannot_take_are_refused_not_raised() -> None:
    """The real resolver raises ValueError (not OSError) on a NUL byte or a label too long for
    IDNA: a refusal (422), never a 500."""
    from specfoundry.runtime import webhooks as wh

    for url in ("https://a\x00b.example.com/hook", "https://" + "a" * 70 + ".example.com/h"):
        why = wh.check_destination(url)
        assert why is not None and "does not resolve" in why
