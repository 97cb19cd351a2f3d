"""The audit log: one append-only, hash-chained record per audited action.

What is recorded (saas-standards L-01..L-06): every create, update, delete and state transition
of an audited entity, API-key events and permission denials, with the tenant, the actor
(subject and kind: ``user``, ``api_key``, ``system``, ``operator``), the action, the resource
type and id, the outcome, the request id, IP address and user agent, the time, and the changed
fields before and after (fields the spec marks ``sensitive`` are redacted: the record says that
they changed, never their values).

How:

- Writes are recorded by a session ``after_flush`` listener, in the same transaction as the
  change: a rolled-back change leaves no record, a committed one always has one. The request's
  context (actor, request id, IP, user agent) reaches the session through ``session.info``
  (:func:`bind_request`, called by the request's session dependency).
- A denial (403) is recorded in a short transaction of its own, since the request fails.
- Each record carries ``seq`` (its position in the tenant's chain), ``prev_hash`` (the hash of
  the tenant's previous record) and ``hash`` (SHA-256 over ``prev_hash`` and the record's
  canonical JSON). Records of one tenant are serialized (a transaction-scoped advisory lock on
  PostgreSQL; SQLite has one writer at a time), so the chain has no forks. :func:`verify_chain`
  recomputes it: an edited, deleted or inserted record breaks it. The app role has no UPDATE,
  DELETE or TRUNCATE on the table (PostgreSQL grants, ``db_setup``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import event
from sqlalchemy.orm import Session, attributes

from .auth import Principal
from .events import jsonable
from .pagination import SortKey, forward_page
from .problems import Problem
from .routing import Authorize, IsoDateTime

log = logging.getLogger(__name__)

CONTEXT_KEY = "audit_context"
ACTIONS_KEY = "audit_actions"
# Columns every entity has that say nothing about the change itself.
SYSTEM_COLUMNS = frozenset({"id", "tenant_id", "created_at", "updated_at", "version"})
REDACTED = "[redacted]"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
ACTOR_KINDS = ("user", "api_key", "system", "operator")
# Fields of a record that its hash covers, in a fixed order.
HASHED = (
    "tenant_id",
    "seq",
    "occurred_at",
    "actor_subject",
    "actor_kind",
    "action",
    "resource_type",
    "resource_id",
    "outcome",
    "request_id",
    "ip",
    "user_agent",
    "changes",
    "prev_hash",
)


@dataclass(frozen=True, slots=True)
class Audited:
    """An entity whose writes are recorded: its name and its ``sensitive`` fields."""

    resource_type: str
    sensitive: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AuditContext:
    """Who acts and from where; ``system`` when no request is behind the session."""

    actor_subject: str | None = None
    actor_kind: str = "system"
    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None


@dataclass(slots=True)
class AuditPolicy:
    """The service's audit settings: the record model, the audited entities, the readers."""

    model: type[Any]
    audited: Mapping[type[Any], Audited]
    reader_roles: frozenset[str]
    base_path: str
    operator_roles: frozenset[str] = frozenset()

    def for_object(self, obj: Any) -> Audited | None:
        return self.audited.get(type(obj))


# -- request context ---------------------------------------------------------------------------


# Text filters compare with stored strings: PostgreSQL text cannot hold NUL (422, never a 500).
_NO_NUL = r"^[^\x00]*$"


def request_id(request: Request) -> str:
    """The client's ``X-Request-ID`` when it is a plain token, else a new one (per request)."""
    state = request.state
    known = getattr(state, "request_id", None)
    if isinstance(known, str):
        return known
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    value = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
    state.request_id = value
    return value


def actor_kind(principal: Principal, operator_roles: frozenset[str] = frozenset()) -> str:
    if principal.kind == "api_key":
        return "api_key"
    if principal.roles & operator_roles:
        return "operator"
    return "user"


def context_of(
    request: Request, principal: Principal | None, operator_roles: frozenset[str] = frozenset()
) -> AuditContext:
    client = request.client
    agent = request.headers.get("user-agent")
    return AuditContext(
        actor_subject=principal.subject if principal else None,
        actor_kind=actor_kind(principal, operator_roles) if principal else "system",
        request_id=request_id(request),
        ip=client.host[:64] if client else None,
        user_agent=agent[:512] if agent else None,
    )


def bind_request(session: Session, request: Request, principal: Principal) -> None:
    """Attach the request's audit context to ``session`` (used by its flushes)."""
    policy: AuditPolicy | None = getattr(request.app.state, "audit", None)
    operators = policy.operator_roles if policy else frozenset()
    session.info[CONTEXT_KEY] = context_of(request, principal, operators)


def label(session: Session, obj: Any, action: str) -> None:
    """Record the next flush of ``obj`` as ``action`` (e.g. ``revoke``) instead of ``update``."""
    session.info.setdefault(ACTIONS_KEY, {})[id(obj)] = action


# -- the chain ---------------------------------------------------------------------------------


def canonical(record: Mapping[str, Any]) -> bytes:
    values = {name: jsonable(record.get(name)) for name in HASHED}
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(record: Mapping[str, Any]) -> str:
    prev = record.get("prev_hash") or ""
    return hashlib.sha256(prev.encode() + b"\n" + canonical(record)).hexdigest()


def _lock_key(tenant_id: uuid.UUID) -> int:
    """A signed 64-bit advisory-lock key for the tenant's chain."""
    digest = hashlib.sha256(b"audit:" + tenant_id.bytes).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def append(
    connection: sa.Connection,
    table: sa.Table,
    tenant_id: uuid.UUID,
    entries: list[dict[str, Any]],
) -> None:
    """Append ``entries`` to the tenant's chain on ``connection`` (inside its transaction)."""
    if not entries:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(tenant_id))))
    last = connection.execute(
        sa.select(table.c.seq, table.c.hash)
        .where(table.c.tenant_id == tenant_id)
        .order_by(table.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last[0], last[1]) if last is not None else (0, None)
    rows = []
    for entry in entries:
        seq += 1
        now = _utc_now()
        record = {
            "tenant_id": tenant_id,
            "seq": seq,
            "occurred_at": now,
            "outcome": "success",
            **entry,
            "prev_hash": prev,
        }
        record["changes"] = jsonable_tree(record.get("changes"))
        record["hash"] = chain_hash(record)
        prev = record["hash"]
        rows.append(
            {
                **record,
                "id": uuid.uuid4(),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
    connection.execute(sa.insert(table), rows)


def jsonable_tree(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): jsonable_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable_tree(v) for v in value]
    return jsonable(value)


@dataclass(frozen=True, slots=True)
class ChainReport:
    tenant_id: uuid.UUID
    records: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(connection: sa.Connection, table: sa.Table, tenant_id: uuid.UUID) -> ChainReport:
    """Recompute the tenant's chain; every broken link is a problem (seq and what is wrong)."""
    problems: list[str] = []
    prev: str | None = None
    expected = 1
    count = 0
    columns = [table.c[name] for name in (*HASHED, "hash")]
    rows = connection.execute(
        sa.select(*columns).where(table.c.tenant_id == tenant_id).order_by(table.c.seq)
    ).mappings()
    for row in rows:
        count += 1
        record = dict(row)
        if record["seq"] != expected:
            problems.append(f"seq {expected}: missing (next is {record['seq']})")
            expected = record["seq"]
        if record["prev_hash"] != prev:
            problems.append(f"seq {record['seq']}: prev_hash does not match the previous record")
        if chain_hash(record) != record["hash"]:
            problems.append(f"seq {record['seq']}: the record was altered (hash mismatch)")
        prev = record["hash"]
        expected += 1
    return ChainReport(tenant_id, count, tuple(problems))


def verify_all(connection: sa.Connection, table: sa.Table) -> Iterator[ChainReport]:
    tenants: list[uuid.UUID] = list(
        connection.execute(sa.select(table.c.tenant_id).distinct()).scalars()
    )
    for tenant_id in sorted(tenants, key=str):
        yield verify_chain(connection, table, tenant_id)


# -- recording writes --------------------------------------------------------------------------


def _changes(obj: Any, audited: Audited, *, new: bool) -> dict[str, Any]:
    state = sa.inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        name = attr.key
        if name in SYSTEM_COLUMNS:
            continue
        history = attributes.get_history(obj, name)
        if new:
            after = getattr(obj, name)
            if after is None:
                continue
            before = None
        elif history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
        else:
            continue
        if name in audited.sensitive:
            out[name] = {
                "before": REDACTED if before is not None else None,
                "after": REDACTED if after is not None else None,
            }
        else:
            out[name] = {"before": before, "after": after}
    return out


def _transitions_of(session: Session) -> dict[tuple[str, Any], str]:
    """(entity, id) -> transition name, from the transition records of this flush."""
    found: dict[tuple[str, Any], str] = {}
    for obj in session.new:
        name = getattr(obj, "transition", None)
        entity = getattr(obj, "entity", None)
        if isinstance(name, str) and isinstance(entity, str) and hasattr(obj, "from_state"):
            found[(entity, getattr(obj, "entity_id", None))] = name
    return found


def _entries(session: Session, policy: AuditPolicy) -> list[dict[str, Any]]:
    context: AuditContext = session.info.get(CONTEXT_KEY) or AuditContext()
    labels: dict[int, str] = session.info.get(ACTIONS_KEY, {})
    transitions = _transitions_of(session)
    base = {
        "actor_subject": context.actor_subject,
        "actor_kind": context.actor_kind,
        "request_id": context.request_id,
        "ip": context.ip,
        "user_agent": context.user_agent,
    }
    entries: list[dict[str, Any]] = []

    def add(obj: Any, audited: Audited, action: str, changes: dict[str, Any] | None) -> None:
        entries.append(
            {
                **base,
                "action": f"{audited.resource_type}.{labels.pop(id(obj), action)}",
                "resource_type": audited.resource_type,
                "resource_id": str(obj.id),
                "changes": changes or None,
            }
        )

    for obj in sorted(session.new, key=lambda o: str(getattr(o, "id", ""))):
        audited = policy.for_object(obj)
        if audited is not None:
            add(obj, audited, "create", _changes(obj, audited, new=True))
    for obj in sorted(session.dirty, key=lambda o: str(getattr(o, "id", ""))):
        audited = policy.for_object(obj)
        if audited is None or not session.is_modified(obj):
            continue
        changes = _changes(obj, audited, new=False)
        if not changes:
            continue
        action = "update"
        deleted_at = changes.get("deleted_at")
        if deleted_at is not None and deleted_at["before"] is None:
            action = "delete"
        transition = transitions.get((audited.resource_type, obj.id))
        if transition is not None:
            action = f"transition.{transition}"
        add(obj, audited, action, changes)
    for obj in sorted(session.deleted, key=lambda o: str(getattr(o, "id", ""))):
        audited = policy.for_object(obj)
        if audited is not None:
            add(obj, audited, "delete", None)
    return entries


def listen(session_factory: Any, policy: AuditPolicy) -> None:
    """Record every audited write of sessions made by ``session_factory``, at flush."""

    def after_flush(session: Session, flush_context: Any) -> None:
        entries = _entries(session, policy)
        tenant_id = session.info.get("tenant_id")
        if not entries or not isinstance(tenant_id, uuid.UUID):
            return
        append(session.connection(), policy.model.__table__, tenant_id, entries)

    event.listen(session_factory, "after_flush", after_flush)


def record(
    session_factory: Any,
    open_session: Callable[[Any, uuid.UUID], Session],
    policy: AuditPolicy,
    tenant_id: uuid.UUID,
    entry: Mapping[str, Any],
) -> None:
    """Append one record in a transaction of its own (denials: the request itself fails)."""
    session = open_session(session_factory, tenant_id)
    with session:
        append(session.connection(), policy.model.__table__, tenant_id, [dict(entry)])
        session.commit()


# -- the HTTP side -----------------------------------------------------------------------------


def dump(row: Any) -> dict[str, Any]:
    return {
        "object": "audit_event",
        "id": str(row.id),
        "seq": row.seq,
        "occurred_at": jsonable(row.occurred_at),
        "actor": {"subject": row.actor_subject, "kind": row.actor_kind},
        "action": row.action,
        "resource": {"type": row.resource_type, "id": row.resource_id},
        "outcome": row.outcome,
        "request_id": row.request_id,
        "ip": row.ip,
        "user_agent": row.user_agent,
        "changes": row.changes,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def router(
    policy: AuditPolicy,
    session_scope: Callable[..., Any],
) -> APIRouter:
    """``GET {base}/audit-events``: the tenant's records, newest first, cursor-paginated."""
    model = policy.model
    api = APIRouter(prefix=f"{policy.base_path}/audit-events", tags=["audit-events"])

    def holds(principal: Principal, entity: str, action: str) -> bool:
        return bool(principal.roles & policy.reader_roles)

    read = Depends(Authorize("audit_event", "list", holds=holds, collection=True))
    sort_key = SortKey(model.seq, "int", False)

    @api.get("", operation_id="list_audit_events")
    def list_audit_events(
        request: Request,
        limit: int = Query(default=20, ge=1, le=100),
        starting_after: str | None = Query(default=None),
        resource_type: str | None = Query(default=None, max_length=63, pattern=_NO_NUL),
        resource_id: str | None = Query(default=None, max_length=64, pattern=_NO_NUL),
        actor: str | None = Query(default=None, max_length=255, pattern=_NO_NUL),
        action: str | None = Query(default=None, max_length=80, pattern=_NO_NUL),
        since: IsoDateTime | None = Query(default=None),
        until: IsoDateTime | None = Query(default=None),
        principal: Principal = read,
        session: Session = Depends(session_scope),
    ) -> JSONResponse:
        statement = sa.select(model).where(model.tenant_id == principal.tenant_id)
        for column, value in (
            (model.resource_type, resource_type),
            (model.resource_id, resource_id),
            (model.actor_subject, actor),
            (model.action, action),
        ):
            if value is not None:
                statement = statement.where(column == value)
        if since is not None:
            statement = statement.where(model.occurred_at >= _aware(since))
        if until is not None:
            statement = statement.where(model.occurred_at < _aware(until))
        return JSONResponse(
            forward_page(
                request,
                session,
                statement,
                sort="-seq",
                key=sort_key,
                id_column=model.id,
                limit=limit,
                starting_after=starting_after,
                dump=dump,
            )
        )

    return api


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def install(
    app: FastAPI,
    policy: AuditPolicy,
    open_session: Callable[[Any, uuid.UUID], Session],
    session_scope: Callable[..., Any],
) -> None:
    """Record writes of the app's sessions, denials, and serve ``/audit-events``."""
    app.state.audit = policy
    app.state.bind_session = bind_request
    listen(app.state.session_factory, policy)

    def on_denial(request: Request, problem: Problem) -> None:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            return
        context = context_of(request, principal, policy.operator_roles)
        entry = {
            "actor_subject": context.actor_subject,
            "actor_kind": context.actor_kind,
            "request_id": context.request_id,
            "ip": context.ip,
            "user_agent": context.user_agent,
            "action": f"{request.method} {_route_path(request)}",
            "resource_type": _route_tag(request),
            "resource_id": str(request.path_params.get("id", ""))[:64] or None,
            "outcome": "denied",
            "changes": {"detail": problem.detail},
        }
        try:
            record(app.state.session_factory, open_session, policy, principal.tenant_id, entry)
        except Exception:  # the 403 stands; a lost denial record is logged, never a 500
            log.exception("could not record a permission denial")

    app.state.on_denial = on_denial
    app.include_router(router(policy, session_scope))


def _route_tag(request: Request) -> str | None:
    tags = getattr(request.scope.get("route"), "tags", None) or [None]
    tag = tags[0]
    return tag[:63] if isinstance(tag, str) else None


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else request.url.path


async def record_denial(request: Request, problem: Problem) -> None:
    """Called by the problem handler on a 403: the app's denial recorder, if any."""
    hook = getattr(request.app.state, "on_denial", None)
    if hook is not None:
        await run_in_threadpool(hook, request, problem)
