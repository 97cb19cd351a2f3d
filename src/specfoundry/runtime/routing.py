"""Shared request plumbing of the resource routers: authorization dependency, sessions, ids,
ETags and preconditions, commits that map database conflicts to problems.

Two things are the service's and come in as arguments: the permission table (``holds``, for
:class:`Authorize`) and the data layer's ``open_session`` (for :func:`session_dependency`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AfterValidator, AwareDatetime, BeforeValidator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import idempotency, ratelimit
from .auth import Principal, authenticate
from .guards import check_storable
from .problems import Problem

# ``holds(principal, entity, action)``: whether some role of the caller holds the action at all.
Holds = Callable[[Principal, str, str], bool]
# ``open_session(session_factory, tenant_id)``: a session bound to the tenant (the data layer's).
OpenSession = Callable[[Any, uuid.UUID], Session]

CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


class RoleSource:
    """``tenancy.roles_from``: the caller's tenant-level roles from a membership row.

    ``resolve`` reads the row of ``model`` whose ``subject`` column is the caller's subject
    (its ``role`` column: one spec role) once per request (kept on ``request.state``) and
    combines it with the token's roles as ``prefer`` says: ``membership`` (the row only; the
    token's roles are ignored), ``token`` (the token's roles when it carries any, else the
    row's) or ``union``. Roles the spec does not define are dropped from either side.
    """

    __slots__ = ("known", "model", "open_session", "prefer", "role", "subject")

    def __init__(
        self,
        model: Any,
        subject: str,
        role: str,
        *,
        prefer: str,
        known: Iterable[str],
        open_session: OpenSession,
    ) -> None:
        if prefer not in ("membership", "token", "union"):
            raise ValueError(f"prefer must be membership, token or union, not {prefer!r}")
        self.model = model
        self.subject = subject
        self.role = role
        self.prefer = prefer
        self.known = frozenset(known)
        self.open_session = open_session

    def membership_roles(self, factory: Any, principal: Principal) -> frozenset[str]:
        session = self.open_session(factory, principal.tenant_id)
        try:
            column = getattr(self.model, self.role)
            rows: list[Any] = list(
                session.scalars(
                    sa.select(column).where(getattr(self.model, self.subject) == principal.subject)
                ).all()
            )
        finally:
            session.close()
        return frozenset(str(r) for r in rows if r is not None) & self.known

    def combine(self, token: frozenset[str], membership: frozenset[str]) -> frozenset[str]:
        token = token & self.known
        if self.prefer == "membership":
            return membership
        if self.prefer == "token":
            return token or membership
        return token | membership

    async def resolve(self, request: Request, principal: Principal) -> Principal:
        cached: frozenset[str] | None = getattr(request.state, "membership_roles", None)
        if cached is None:
            factory = request.app.state.session_factory
            cached = await run_in_threadpool(self.membership_roles, factory, principal)
            request.state.membership_roles = cached
        roles = self.combine(principal.roles, cached)
        return dataclasses.replace(principal, roles=roles)


class Authorize:
    """The dependency every route declares: who is calling, and which action the route performs.

    Collection routes (list, create) answer 403 here when no role of the caller holds the action
    at all; object routes decide after loading the object (404 when the caller may not read it,
    403 when it may read it but not act on it).
    """

    def __init__(
        self,
        entity: str,
        action: str,
        *,
        holds: Holds,
        collection: bool = False,
        roles: RoleSource | None = None,
    ) -> None:
        self.entity = entity
        self.action = action
        self.collection = collection
        self.holds = holds
        self.roles = roles

    async def __call__(self, request: Request, principal: CurrentPrincipal) -> Principal:
        # async: no I/O here, so no worker-thread round trip per request.
        await ratelimit.enforce(request, principal.tenant_id, principal.subject)
        reject_unknown_query_parameters(request)
        await reject_unexpected_body(request)
        if self.roles is not None:
            principal = await self.roles.resolve(request, principal)
        if self.collection and not self.holds(principal, self.entity, self.action):
            raise forbidden(self.action, self.entity)
        return principal


def reject_unknown_query_parameters(request: Request) -> None:
    """Strict requests: a query parameter the operation does not declare is a 400."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = {param.alias for param in dependant.query_params}
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        raise Problem(
            "bad-request",
            "Unknown query parameters: " + ", ".join(f"`{name}`" for name in unknown) + ".",
        )


async def reject_unexpected_body(request: Request) -> None:
    """Strict requests: an operation whose contract has no request body (reads, deletes,
    transitions) refuses one with 400 instead of ignoring it."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or dependant.body_params:
        return
    if await request.body():
        raise Problem("bad-request", "This operation takes no request body.")


def _iso_string(value: object) -> object:
    """RFC 3339 text only: pydantic would otherwise read ``0.5`` as a Unix timestamp."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 date-time string")
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an RFC 3339 date-time string") from None
    return value


def _utc_representable(value: dt.datetime) -> dt.datetime:
    try:
        value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValueError("must be between years 1 and 9999 in UTC") from None
    return value


# A date-time as the contract's ``format: date-time``: text with an offset, never a number.
IsoDateTime = Annotated[
    AwareDatetime, BeforeValidator(_iso_string), AfterValidator(_utc_representable)
]


def forbidden(action: str, entity: str) -> Problem:
    return Problem("forbidden", f"You may not {action} this {entity.replace('_', ' ')}.")


def session_dependency(
    open_session: OpenSession,
) -> Callable[[Request, Principal], AsyncIterator[Session]]:
    """The ``session_scope`` dependency of a service whose data layer opens sessions so."""

    async def session_scope(
        request: Request, principal: CurrentPrincipal
    ) -> AsyncIterator[Session]:
        """One session per request, bound to the caller's tenant (the data layer filters by it).

        Opening a session does no I/O (it connects on first use, in the route's worker thread),
        so it happens on the event loop; closing may roll back and return a connection, so it
        runs in a worker thread unless the session never connected.
        """
        session = open_session(request.app.state.session_factory, principal.tenant_id)
        bind = getattr(request.app.state, "bind_session", None)
        if bind is not None:  # e.g. the audit log's request context (runtime/audit.py)
            bind(session, request, principal)
        try:
            await idempotency.begin(request, principal.subject, principal.tenant_id, session)
            yield session
        finally:
            idempotency.end(request)
            if session.in_transaction():
                await run_in_threadpool(session.close)
            else:
                session.close()

    return session_scope


def parse_id(raw: str, noun: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Problem("not-found", f"No {noun} with this id.") from None


def etag(version: int) -> str:
    return f'"{version}"'


def _tags(header: str) -> list[str]:
    return [t.strip() for t in header.split(",") if t.strip()]


def check_if_match(version: int, header: str | None, *, required: bool) -> None:
    """Strong comparison (RFC 9110 13.1.1): a weak tag never matches; ``*`` matches any."""
    if header is None:
        if required:
            raise Problem(
                "precondition-required", "Send `If-Match` with the object's current ETag."
            )
        return
    tags = _tags(header)
    if "*" in tags or etag(version) in tags:
        return
    raise Problem("precondition-failed", "`If-Match` does not match the current ETag.")


def not_modified(version: int, header: str | None) -> bool:
    """Weak comparison for ``If-None-Match`` (RFC 9110 13.1.2)."""
    if header is None:
        return False
    tags = [t.removeprefix("W/") for t in _tags(header)]
    return "*" in tags or etag(version) in tags


def check_writable(
    principal: Principal, sent: Iterable[str], restricted: Mapping[str, frozenset[str]]
) -> None:
    """Fields reserved to some roles are rejected, never silently dropped (P-08)."""
    denied = sorted(f for f in sent if f in restricted and not principal.roles & restricted[f])
    if denied:
        raise Problem(
            "forbidden",
            "Your roles may not write: " + ", ".join(f"`{f}`" for f in denied) + ".",
        )


def flush(session: Session) -> None:
    check_storable(session)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Problem(
            "conflict", "The change conflicts with stored data (a duplicate or a reference)."
        ) from None
    except StaleDataError:
        session.rollback()
        raise Problem(
            "precondition-failed", "The object changed meanwhile; fetch it again."
        ) from None


def commit(session: Session) -> None:
    """Commit the request's work; under an ``Idempotency-Key`` only flush: the middleware
    commits together with the stored response."""
    flush(session)
    if idempotency.commit_deferred(session):
        return
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Problem(
            "conflict", "The change conflicts with stored data (a duplicate or a reference)."
        ) from None


class Reference:
    """What a reference field may name: a row of ``model`` (the referenced entity's ORM class)
    with that id and meeting the SQLAlchemy conditions ``where`` (alive, readable).

    ``permission`` (``(action, conditions)``), when the spec states a ``parent_permission``
    other than read: naming the object also needs that action on it (e.g. ``update`` of the
    project a task is created in); a readable object without it is a 403, while an unreadable
    one stays indistinguishable from a missing one (422)."""

    __slots__ = ("model", "permission", "where")

    def __init__(self, model: Any, *where: Any, permission: tuple[str, Any] | None = None) -> None:
        self.model = model
        self.where = where
        self.permission = permission


# A resource module's table: reference field -> what it may name, for this caller.
ReferenceRule = Callable[[Principal], Reference]


def check_references(
    session: Session,
    principal: Principal,
    values: Mapping[str, object],
    rules: Mapping[str, ReferenceRule],
) -> None:
    """Every reference in ``values`` must name an object its rule allows for the caller.

    One answer (422) for a missing object and for one the caller may not read: the two are
    indistinguishable, as they are on reads.
    """
    missing: list[dict[str, str]] = []
    denied: list[tuple[str, str]] = []
    for field, rule in rules.items():
        value = values.get(field)
        if value is None:
            continue
        reference = rule(principal)
        model = reference.model
        found = session.scalar(sa.select(model.id).where(model.id == value, *reference.where))
        if found is None:
            missing.append({"pointer": f"/{field}", "message": "no such object"})
        elif reference.permission is not None:
            action, condition = reference.permission
            allowed = session.scalar(
                sa.select(model.id).where(model.id == value, *reference.where, condition)
            )
            if allowed is None:
                denied.append((field, action))
    if missing:
        raise Problem("validation-error", "A reference names no object.", errors=missing)
    if denied:
        field, action = denied[0]
        raise Problem(
            "forbidden", f"You may not {action} the object `{field}` names, so you may not name it."
        )
