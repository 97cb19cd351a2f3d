"""A hand-written async FastAPI + SQLAlchemy 2 (asyncio, asyncpg) app serving the minimal
example's ``notes`` table: the async twin of ``handwritten_sync.py`` (same operations, same JWT
verification, same ``WHERE tenant_id`` scoping, same response documents).

Configuration: ``BENCH_ASYNC_DATABASE_URL`` (``postgresql+asyncpg://...``), ``BENCH_JWT_SECRET``.
Run: ``uvicorn handwritten_async:app --app-dir bench --workers N``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Literal

import jwt
import sqlalchemy as sa
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE_URL = os.environ.get(
    "BENCH_ASYNC_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/i15_bench"
)
JWT_SECRET = os.environ.get("BENCH_JWT_SECRET", "")
ROLES = {"reader": {"reader"}, "writer": {"reader", "writer"}}

engine = create_async_engine(DATABASE_URL)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid())
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str | None] = mapped_column(sa.Text())
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(sa.Integer())


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=65536)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    title: str
    body: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class NoteList(BaseModel):
    object: Literal["list"] = "list"
    url: str
    has_more: bool
    next_cursor: str | None
    data: list[NoteOut]


@dataclass(frozen=True)
class Principal:
    subject: str
    tenant_id: uuid.UUID
    permissions: frozenset[str]


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


async def current_principal(authorization: Annotated[str | None, Header()] = None) -> Principal:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "Not authenticated", {"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(
            token, JWT_SECRET, algorithms=["HS256"], options={"require": ["exp", "sub", "tid"]}
        )
        tenant_id = uuid.UUID(str(claims["tid"]))
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not isinstance(claims["sub"], str):
            raise ValueError("bad claims")
    except (jwt.PyJWTError, ValueError):
        raise HTTPException(401, "Invalid token", {"WWW-Authenticate": "Bearer"}) from None
    granted: set[str] = set()
    for role in roles:
        granted |= ROLES.get(role, set())
    return Principal(claims["sub"], tenant_id, frozenset(granted))


SessionDep = Annotated[AsyncSession, Depends(get_db)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]

app = FastAPI(title="notes (hand-written, async)")


def _cursor(note: Note) -> str:
    raw = json.dumps([note.created_at.isoformat(), str(note.id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        created, note_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return dt.datetime.fromisoformat(created), uuid.UUID(note_id)
    except (ValueError, TypeError):
        raise HTTPException(400, "Invalid cursor") from None


@app.get("/v1/notes", response_model=NoteList)
async def list_notes(
    db: SessionDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    starting_after: str | None = None,
) -> NoteList:
    if "reader" not in principal.permissions:
        raise HTTPException(403, "Forbidden")
    statement = sa.select(Note).where(Note.tenant_id == principal.tenant_id)
    if starting_after is not None:
        created, note_id = _uncursor(starting_after)
        statement = statement.where(sa.tuple_(Note.created_at, Note.id) < (created, note_id))
    statement = statement.order_by(Note.created_at.desc(), Note.id.desc()).limit(limit + 1)
    notes = list(await db.scalars(statement))
    has_more = len(notes) > limit
    notes = notes[:limit]
    return NoteList(
        url="/v1/notes",
        has_more=has_more,
        next_cursor=_cursor(notes[-1]) if has_more else None,
        data=[NoteOut.model_validate(note) for note in notes],
    )


@app.get("/v1/notes/{note_id}", response_model=NoteOut)
async def get_note(note_id: uuid.UUID, db: SessionDep, principal: PrincipalDep) -> Note:
    note = await db.scalar(
        sa.select(Note).where(Note.id == note_id, Note.tenant_id == principal.tenant_id)
    )
    if note is None or "reader" not in principal.permissions:
        raise HTTPException(404, "Not found")
    return note


@app.post("/v1/notes", response_model=NoteOut, status_code=201)
async def create_note(
    body: NoteCreate, db: SessionDep, principal: PrincipalDep, response: Response
) -> Note:
    if "writer" not in principal.permissions:
        raise HTTPException(403, "Forbidden")
    now = dt.datetime.now(dt.UTC)
    note = Note(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        title=body.title,
        body=body.body,
        created_at=now,
        updated_at=now,
        version=1,
    )
    db.add(note)
    await db.commit()
    response.headers["Location"] = f"/v1/notes/{note.id}"
    return note
