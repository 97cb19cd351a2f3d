"""A tiny service built directly on :mod:`specfoundry.runtime`: one tenant-less table of items,
one router, SQLite in memory. The runtime's unit tests run against it in well under a second."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from specfoundry.runtime import problems, routing
from specfoundry.runtime.auth import Principal, TokenVerifier
from specfoundry.runtime.guards import RequestGuard
from specfoundry.runtime.pagination import SortKey, paginate
from specfoundry.runtime.settings import ServiceIdentity, Settings

SECRET = "s" * 40
IDENTITY = ServiceIdentity(name="shop", env_prefix="SHOP", subject_claim="sub", tenant_claim="org")


@dataclass(frozen=True, slots=True)
class ShopSettings(Settings):
    identity: ClassVar[ServiceIdentity] = IDENTITY


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "item"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(100))
    rank: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ItemIn(BaseModel):
    name: str
    rank: int | None = None


class Tenants:
    """Stands in for the data layer's TenantDirectory."""

    def __init__(self) -> None:
        self.known: set[uuid.UUID] = set()

    def cached(self, tenant_id: uuid.UUID) -> bool | None:
        return True if tenant_id in self.known else None

    def exists(self, tenant_id: uuid.UUID) -> bool:
        return tenant_id in self.known


def open_session(factory: sessionmaker[Session], tenant_id: uuid.UUID) -> Session:
    session = factory()
    session.info["tenant_id"] = tenant_id
    return session


HOLDERS = {("item", "list"): frozenset({"reader"}), ("item", "create"): frozenset({"writer"})}


def holds(principal: Principal, entity: str, action: str) -> bool:
    return bool(principal.roles & HOLDERS.get((entity, action), frozenset()))


def authorize(action: str, *, collection: bool = False) -> Any:
    return Depends(routing.Authorize("item", action, holds=holds, collection=collection))


session_scope = routing.session_dependency(open_session)
SessionDep = Annotated[Session, Depends(session_scope)]
SORT_KEYS = {
    "name": SortKey(Item.name, "str", False),
    "rank": SortKey(Item.rank, "int", True),
}

router = APIRouter(prefix="/items")


@router.get("")
def list_items(
    session: SessionDep,
    principal: Annotated[Principal, authorize("list", collection=True)],
    limit: int = Query(default=10, ge=1, le=100),
    sort: str = Query(default="name"),
    starting_after: str | None = Query(default=None),
    ending_before: str | None = Query(default=None),
) -> dict[str, Any]:
    statement = sa.select(Item).where(Item.tenant_id == principal.tenant_id)
    page = paginate(
        session,
        statement,
        sort=sort,
        key=SORT_KEYS[sort.lstrip("-")],
        id_column=Item.id,
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
        dump=lambda item: {"id": str(item.id), "name": item.name, "rank": item.rank},
        max_bytes=1_000_000,
    )
    return {"data": page.data, "has_more": page.has_more, "next_cursor": page.next_cursor}


@router.post("", status_code=201)
def create_item(
    body: ItemIn,
    session: SessionDep,
    principal: Annotated[Principal, authorize("create", collection=True)],
    response: Response,
) -> dict[str, Any]:
    item = Item(tenant_id=principal.tenant_id, **body.model_dump())
    session.add(item)
    routing.commit(session)
    response.headers["ETag"] = routing.etag(item.version)
    return {"id": str(item.id), "name": item.name}


@router.get("/{id}")
def read_item(
    id: str,
    session: SessionDep,
    principal: Annotated[Principal, authorize("read")],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    item = session.get(Item, routing.parse_id(id, "item"))
    if item is None or item.tenant_id != principal.tenant_id:
        raise problems.not_found("item")
    headers = {"ETag": routing.etag(item.version)}
    if routing.not_modified(item.version, if_none_match):
        return Response(status_code=304, headers=headers)
    return Response(f'{{"name": "{item.name}"}}', media_type="application/json", headers=headers)


@router.patch("/{id}")
def update_item(
    id: str,
    body: ItemIn,
    session: SessionDep,
    principal: Annotated[Principal, authorize("update")],
    if_match: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    item = session.get(Item, routing.parse_id(id, "item"))
    if item is None or item.tenant_id != principal.tenant_id:
        raise problems.not_found("item")
    routing.check_if_match(item.version, if_match, required=True)
    routing.check_writable(principal, body.model_fields_set, {"rank": frozenset({"admin"})})
    item.name = body.name
    routing.commit(session)
    return {"name": item.name, "version": item.version}


@router.get("/boom/now")
def boom(principal: Annotated[Principal, authorize("read")]) -> None:
    raise RuntimeError("secret internals")


def build_app(settings: ShopSettings | None = None, *, max_body_bytes: int = 2048) -> FastAPI:
    settings = settings or ShopSettings(database_url="sqlite://", jwt_secret=SECRET)
    app = FastAPI(redirect_slashes=False)
    engine = sa.create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    Base.metadata.create_all(engine)
    app.state.settings = settings
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    app.state.tenants = Tenants()
    app.state.verifier = TokenVerifier(settings)
    problems.install(app, logger=__import__("logging").getLogger("shop"))
    app.add_middleware(RequestGuard, max_body_bytes=max_body_bytes)
    app.include_router(router)
    return app


class Caller:
    """A test client with a known tenant and a token for it."""

    def __init__(self, app: FastAPI, roles: tuple[str, ...] = ("reader", "writer")) -> None:
        self.app = app
        self.tenant = uuid.uuid4()
        app.state.tenants.known.add(self.tenant)
        self.token = app.state.verifier.issue("alice", self.tenant, roles)
        self.client = TestClient(app, raise_server_exceptions=False)
        self.client.headers["Authorization"] = f"Bearer {self.token}"


def caller(roles: tuple[str, ...] = ("reader", "writer")) -> Iterator[Caller]:
    yield Caller(build_app(), roles)
