"""``/dead-letters``: a tenant's top role sees the handler messages of its tenant that gave up,
and retries one after a fix; other tenants and roles see nothing of them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from events_fixtures import Outbox, Processed
from fastapi import FastAPI
from fastapi.testclient import TestClient
from runtime_db_fixtures import Org, factory, sqlite_engine
from sqlalchemy.orm import sessionmaker
from test_runtime_webhook_api import SECRET, HookSettings, Tenants

from specfoundry.runtime import problems
from specfoundry.runtime.auth import TokenVerifier
from specfoundry.runtime.db import TenantSession, open_session
from specfoundry.runtime.dead_letter_api import DeadLetterPolicy, install
from specfoundry.runtime.relay import Event, Relay
from specfoundry.runtime.tasks import DeadLetters, Engine, Handler, RetryPolicy, Worker, make_broker

__all__ = ["factory", "sqlite_engine"]


@dataclass
class Setup:
    app: FastAPI
    factory: sessionmaker[TenantSession]
    relay: Relay
    worker: Worker
    failing: list[bool]
    handled: list[uuid.UUID]

    def tenant(self) -> uuid.UUID:
        tid = uuid.uuid4()
        with open_session(self.factory, tid) as session:
            session.add(Org(id=tid))
            session.commit()
        return tid

    def emit(self, tenant: uuid.UUID) -> uuid.UUID:
        with open_session(self.factory, tenant) as session:
            row = Outbox(event_type="project.created", payload={"project_id": "p1"})
            session.add(row)
            session.commit()
            event_id: uuid.UUID = row.id
        self.relay.run_once()
        self.worker.join()
        return event_id

    def caller(self, tenant: uuid.UUID, roles: tuple[str, ...] = ("owner",)) -> TestClient:
        client = TestClient(self.app, raise_server_exceptions=False)
        token = self.app.state.verifier.issue("alice", tenant, roles)
        client.headers["Authorization"] = f"Bearer {token}"
        return client


def _app(factory: sessionmaker[TenantSession], source: Any) -> FastAPI:
    settings = HookSettings(database_url="sqlite://", jwt_secret=SECRET)
    app = FastAPI(redirect_slashes=False)
    app.state.settings = settings
    app.state.session_factory = factory
    app.state.tenants = Tenants()
    app.state.verifier = TokenVerifier(settings)
    problems.install(app, logger=__import__("logging").getLogger("dead-letters"))
    install(app, DeadLetterPolicy(manager_roles=frozenset({"owner"})), source)
    return app


@pytest.fixture
def setup(factory: sessionmaker[TenantSession]) -> Iterator[Setup]:
    failing = [True]
    handled: list[uuid.UUID] = []

    def notify(event: Event, session: TenantSession) -> None:
        if failing[0]:
            raise RuntimeError("the mail server said no")
        handled.append(event.id)

    broker = make_broker(None, namespace="dl")
    policy = RetryPolicy(attempts=2, backoff_seconds=0.001)
    engine = Engine(broker, factory, Processed, (Handler("notify", "*", notify, policy),))
    worker = Worker(broker, engine.queues, threads=2)
    worker.start()
    app = _app(factory, lambda: DeadLetters(broker, engine.queues))
    yield Setup(app, factory, Relay(factory, Outbox, engine.publish), worker, failing, handled)
    worker.stop()


def test_the_top_role_sees_its_tenants_dead_letters_and_retries_one_after_a_fix(
    setup: Setup,
) -> None:
    tenant, other = setup.tenant(), setup.tenant()
    event_id = setup.emit(tenant)
    setup.emit(other)
    client = setup.caller(tenant)
    listed = client.get("/v1/dead-letters")
    assert listed.status_code == 200, listed.text
    (letter,) = listed.json()["data"]  # the other tenant's is not listed
    assert (letter["event_id"], letter["event_type"], letter["handler"]) == (
        str(event_id),
        "project.created",
        "notify",
    )
    assert letter["error"] == "RuntimeError: the mail server said no"
    assert "Traceback" not in listed.text
    setup.failing[0] = False  # "fixed"
    retried = client.post(f"/v1/dead-letters/{letter['id']}/retry")
    assert retried.status_code == 202, retried.text
    setup.worker.join()
    assert setup.handled == [event_id]  # ran once, for this tenant only
    assert client.get("/v1/dead-letters").json()["data"] == []
    again = client.post(f"/v1/dead-letters/{letter['id']}/retry")
    assert again.status_code == 404


def test_another_tenants_dead_letter_is_answered_like_a_missing_one(setup: Setup) -> None:
    tenant, other = setup.tenant(), setup.tenant()
    setup.emit(other)
    theirs = setup.caller(other).get("/v1/dead-letters").json()["data"][0]["id"]
    mine = setup.caller(tenant)
    response = mine.post(f"/v1/dead-letters/{theirs}/retry")
    missing = mine.post("/v1/dead-letters/no-such-message/retry")
    assert response.status_code == missing.status_code == 404
    assert response.json()["type"] == missing.json()["type"]
    assert setup.caller(other).get("/v1/dead-letters").json()["data"]  # still there


def test_other_roles_are_refused_and_an_unreachable_broker_is_503(
    setup: Setup, factory: sessionmaker[TenantSession]
) -> None:
    tenant = setup.tenant()
    assert setup.caller(tenant, ("viewer",)).get("/v1/dead-letters").status_code == 403
    assert TestClient(setup.app).get("/v1/dead-letters").status_code == 401

    class Away:
        def entries(self) -> list[Any]:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    away = Setup(_app(factory, lambda: Away()), factory, setup.relay, setup.worker, [], [])
    response = away.caller(tenant).get("/v1/dead-letters")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "60"
    assert "6379" not in response.text


def test_no_queue_in_this_process_means_no_dead_letters(
    setup: Setup, factory: sessionmaker[TenantSession]
) -> None:
    """Without REDIS_URL the only queue is the in-process worker's (per process)."""
    tenant = setup.tenant()
    alone = Setup(_app(factory, lambda: None), factory, setup.relay, setup.worker, [], [])
    client = alone.caller(tenant)
    assert client.get("/v1/dead-letters").json()["data"] == []
    assert client.post("/v1/dead-letters/x/retry").status_code == 404
