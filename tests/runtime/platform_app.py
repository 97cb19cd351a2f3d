"""A tiny service with the platform features on (API keys, audit log, cache), built directly on
:mod:`specfoundry.runtime`: notes with a sensitive field, SQLite in memory."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Header, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from specfoundry.runtime import apikeys, audit, cache, problems, routing
from specfoundry.runtime.auth import Principal, TokenVerifier
from specfoundry.runtime.db import UTCDateTime
from specfoundry.runtime.settings import ServiceIdentity, Settings

SECRET = "p" * 40
IDENTITY = ServiceIdentity(name="notes", env_prefix="NOTES")
REDIS_URL = os.environ.get("SPECFOUNDRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
PREFIX = "notes_sk_"


@dataclass(frozen=True, slots=True)
class NotesSettings(Settings):
    identity: ClassVar[ServiceIdentity] = IDENTITY


class Base(DeclarativeBase):
    pass


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)


def _stamp() -> Mapped[dt.datetime]:
    return mapped_column(UTCDateTime(), default=lambda: dt.datetime.now(dt.UTC))


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[uuid.UUID] = _id()
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    title: Mapped[str] = mapped_column(sa.String(100))
    secret: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    owner: Mapped[str] = mapped_column(sa.String(100))
    private: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[dt.datetime] = _stamp()
    updated_at: Mapped[dt.datetime] = _stamp()
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[uuid.UUID] = _id()
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(48))
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    created_by: Mapped[str] = mapped_column(sa.String(255))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = _stamp()
    updated_at: Mapped[dt.datetime] = _stamp()
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "seq"),)
    id: Mapped[uuid.UUID] = _id()
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    seq: Mapped[int] = mapped_column(sa.Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_subject: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    actor_kind: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(80))
    resource_type: Mapped[str | None] = mapped_column(sa.String(63), nullable=True)
    resource_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(sa.String(16))
    request_id: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    ip: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(sa.String(512), nullable=True)
    changes: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = _stamp()
    updated_at: Mapped[dt.datetime] = _stamp()
    version: Mapped[int] = mapped_column(sa.Integer, default=1)


class NoteIn(BaseModel):
    title: str
    secret: str | None = None
    private: bool = False


class Tenants:
    def cached(self, tenant_id: uuid.UUID) -> bool | None:
        return True

    def exists(self, tenant_id: uuid.UUID) -> bool:
        return True


def open_session(factory: sessionmaker[Session], tenant_id: uuid.UUID) -> Session:
    session = factory()
    session.info["tenant_id"] = tenant_id
    return session


session_scope = routing.session_dependency(open_session)
SessionDep = Annotated[Session, Depends(session_scope)]
Caller_ = Annotated[Principal, Depends(routing.authenticate)]
WRITERS = frozenset({"editor", "admin"})


def _visible(note: Note, principal: Principal) -> bool:
    """Private notes: their owner and admins only (a read rule that looks at the caller)."""
    return not note.private or note.owner == principal.subject or "admin" in principal.roles


router = APIRouter(prefix="/v1/notes", tags=["notes"])


def _load(session: Session, principal: Principal, raw: str) -> Note:
    note = session.get(Note, routing.parse_id(raw, "note"))
    if note is None or note.tenant_id != principal.tenant_id or not _visible(note, principal):
        raise problems.not_found("note")
    return note


def _dump(note: Note) -> dict[str, Any]:
    return {"id": str(note.id), "title": note.title, "secret": note.secret}


@router.post("", status_code=201, operation_id="create_note")
def create_note(
    body: NoteIn,
    session: SessionDep,
    principal: Annotated[Principal, Depends(routing.authenticate)],
) -> dict[str, Any]:
    if not principal.roles & WRITERS:
        raise routing.forbidden("create", "note")
    note = Note(tenant_id=principal.tenant_id, owner=principal.subject, **body.model_dump())
    session.add(note)
    routing.commit(session)
    return _dump(note)


@router.get("", operation_id="list_notes")
def list_notes(
    session: SessionDep,
    principal: Annotated[Principal, Depends(routing.authenticate)],
    title: str | None = None,
    limit: int = 10,
) -> dict[str, Any]:
    """Visible notes, newest first (``title`` filters)."""
    statement = sa.select(Note).where(Note.tenant_id == principal.tenant_id)
    if title is not None:
        statement = statement.where(Note.title == title)
    notes = session.scalars(statement.order_by(Note.created_at.desc(), Note.id.desc())).all()
    visible = [n for n in notes if _visible(n, principal)][:limit]
    return {"object": "list", "data": [_dump(n) for n in visible]}


@router.get("/{id}", operation_id="get_note")
def get_note(
    id: str,
    session: SessionDep,
    principal: Annotated[Principal, Depends(routing.authenticate)],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    note = _load(session, principal, id)
    headers = {"ETag": routing.etag(note.version)}
    if routing.not_modified(note.version, if_none_match):
        return Response(status_code=304, headers=headers)
    body = f'{{"title": "{note.title}"}}'
    return Response(body, media_type="application/json", headers=headers)


@router.patch("/{id}", operation_id="update_note")
def update_note(
    id: str,
    body: NoteIn,
    session: SessionDep,
    principal: Annotated[Principal, Depends(routing.authenticate)],
) -> dict[str, Any]:
    note = _load(session, principal, id)
    if not principal.roles & WRITERS:
        raise routing.forbidden("update", "note")
    for name in body.model_fields_set:
        setattr(note, name, getattr(body, name))
    routing.commit(session)
    return _dump(note)


@router.delete("/{id}", status_code=204, operation_id="delete_note")
def delete_note(
    id: str, session: SessionDep, principal: Annotated[Principal, Depends(routing.authenticate)]
) -> Response:
    note = _load(session, principal, id)
    if "admin" not in principal.roles:
        raise routing.forbidden("delete", "note")
    session.delete(note)
    routing.commit(session)
    return Response(status_code=204)


IMPLIED = {
    "admin": frozenset({"admin", "editor", "viewer"}),
    "editor": frozenset({"editor", "viewer"}),
    "viewer": frozenset({"viewer"}),
}


def build_app(
    *,
    with_cache: bool = False,
    redis_url: str = REDIS_URL,
    max_lifetime_days: int | None = None,
    outbox: list[tuple[uuid.UUID, str, dict[str, Any]]] | None = None,
) -> FastAPI:
    settings = NotesSettings(database_url="sqlite://", jwt_secret=SECRET, redis_url=redis_url)
    app = FastAPI(redirect_slashes=False)
    engine = sa.create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    Base.metadata.create_all(engine)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    app.state.tenants = Tenants()
    app.state.verifier = TokenVerifier(settings)
    problems.install(app, logger=__import__("logging").getLogger("notes"))
    app.include_router(router)
    key_policy = apikeys.ApiKeyPolicy(
        model=ApiKey,
        prefix=PREFIX,
        manager_roles=frozenset({"admin"}),
        implied=IMPLIED,
        base_path="/v1",
        max_lifetime_days=max_lifetime_days,
    )

    def emit(session: Session, tenant: uuid.UUID, kind: str, payload: Any) -> None:
        if outbox is not None:  # what an outbox row would hold, recorded on commit
            sa.event.listen(
                session,
                "after_commit",
                lambda s: outbox.append((tenant, kind, dict(payload))),
                once=True,
            )

    apikeys.install(app, key_policy, open_session, session_scope, pepper=b"pepper", emit=emit)
    audit_policy = audit.AuditPolicy(
        model=AuditEvent,
        audited={
            Note: audit.Audited("note", frozenset({"secret"})),
            ApiKey: audit.Audited("api_key", frozenset({"secret_hash"})),
        },
        reader_roles=frozenset({"admin"}),
        base_path="/v1",
    )
    audit.install(app, audit_policy, open_session, session_scope)
    if with_cache:
        policy = cache.CachePolicy(
            service="notes-test",
            base_path="/v1",
            ttl_seconds=60,
            cached={Note: cache.CachedResource("notes", per_subject=True, lists=True)},
        )
        cache.install(app, policy)
    return app


class Caller:
    """A client acting as ``subject`` with ``roles`` in ``tenant``."""

    def __init__(
        self,
        app: FastAPI,
        roles: tuple[str, ...] = ("admin",),
        *,
        subject: str = "alice",
        tenant: uuid.UUID | None = None,
        token: str | None = None,
    ) -> None:
        self.app = app
        self.tenant = tenant or uuid.uuid4()
        self.token = token or app.state.verifier.issue(subject, self.tenant, roles)
        self.client = TestClient(app, raise_server_exceptions=False)
        self.client.headers["Authorization"] = f"Bearer {self.token}"
        self.client.headers["User-Agent"] = "notes-test/1.0"

    def as_key(self, key: str) -> Caller:
        return Caller(self.app, tenant=self.tenant, token=key)
