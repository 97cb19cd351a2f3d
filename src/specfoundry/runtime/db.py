"""Engine, sessions and the always-on tenant filter of a generated service.

Every session comes from :func:`open_session`, which binds it to one tenant:

* a ``do_orm_execute`` listener adds ``tenant_id == <tenant>`` (``id == <tenant>`` for the
  tenant entity itself, the model marked :class:`TenantRoot`) to every ORM SELECT, UPDATE and
  DELETE, including joins, ``aliased()`` entities and relationship loads, and raises
  :class:`TenantContextMissing` when the session has no tenant and was not opened with
  ``cross_tenant=True`` (fail closed);
* ``before_flush`` stamps ``tenant_id`` on new rows and refuses rows of another tenant;
* on PostgreSQL, ``after_begin`` runs ``SELECT set_config('app.tenant_id', :tid, true)`` in every
  transaction, so row-level security holds even where the ORM filter does not (Core queries).

Cross-tenant sessions (``open_session(factory, None, cross_tenant=True)``) lift the ORM filter.
On PostgreSQL they also need a connection logged in as the operator role (the role the
``operator_access`` policies are granted to, ``OPERATOR_DB_ROLE``; connect with
``OPERATOR_DATABASE_URL``): on any other connection they raise :class:`OperatorRoleRequired`.
No setting lifts row-level security: the app role sees one tenant, whatever it sets.

Engines hide SQL parameters (emails, bodies) from logs and error messages
(``hide_parameters=True``) unless the caller asks otherwise. See :func:`make_engine` for how
pooled connections that the server dropped are noticed without a ping per request.

Core execution (``engine.connect()``, ``text()``) bypasses the ORM filter: generated code never
touches tenant tables that way.

Each service has its own copy of this module (``<service>/runtime/db.py``), hence its own
:class:`Base`; ``<service>/db.py`` re-exports what models, routes and user code import.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from .errors import ConfigurationError

__all__ = [
    "CROSS_TENANT_OPTION",
    "OPERATOR_POLICY",
    "SET_NULL_TRIGGER_PREFIX",
    "TENANT_SETTING",
    "Base",
    "ConfigurationError",
    "OperatorRoleRequired",
    "TenantContextMissing",
    "TenantDirectory",
    "TenantMismatch",
    "TenantRoot",
    "TenantScoped",
    "TenantSession",
    "UTCDateTime",
    "include_in_autogenerate",
    "is_operator_connection",
    "make_engine",
    "make_session_factory",
    "normalize_url",
    "open_session",
    "set_null_columns",
    "sqlite_set_null_triggers",
    "utcnow",
]

TENANT_SETTING = "app.tenant_id"
# The policy that lets the operator role (and only it) reach every tenant's rows.
OPERATOR_POLICY = "operator_access"
# Execution option that lifts the tenant filter for one statement (audited by the caller).
CROSS_TENANT_OPTION = "cross_tenant"


class TenantContextMissing(RuntimeError):
    """A tenant table was queried or written with no tenant bound to the session."""


class TenantMismatch(RuntimeError):
    """A row of one tenant was written through a session bound to another tenant."""


class OperatorRoleRequired(PermissionError):
    """A cross-tenant session on PostgreSQL whose connection is not the operator role."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """``DateTime(timezone=True)`` that always returns aware UTC datetimes (SQLite included)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class TenantScoped:
    """Mixin of every tenant-owned model: ``tenant_id UUID NOT NULL``."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), nullable=False, sort_order=-1)


class TenantRoot:
    """Marker of the tenant entity's model: its ``id`` is the tenant id."""


# --- engine ---------------------------------------------------------------------------------


def normalize_url(url: str | None, default: str | None = None) -> str:
    """The URL as SQLAlchemy needs it: ``postgresql://`` uses psycopg 3; ``default`` (the
    service's SQLite file) when ``url`` is empty."""
    if not url:
        if default is None:
            raise ConfigurationError("no database URL: set DATABASE_URL")
        return default
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Seconds a pooled connection may sit idle before its next checkout pings it first.
IDLE_PING_AFTER = 30.0
# Seconds after which a pooled connection is replaced (below common server/proxy idle limits).
POOL_RECYCLE = 1800


def make_engine(
    url: str | None = None,
    *,
    default_url: str | None = None,
    ping_after_idle: float | None = IDLE_PING_AFTER,
    **kwargs: Any,
) -> Engine:
    """An engine for ``url`` (``default_url`` when empty); SQL parameters stay out of logs
    unless ``hide_parameters=False``.

    Dropped connections, without a round trip per request: ``pool_pre_ping=True`` (SQLAlchemy's
    pessimistic check) costs a ``SELECT 1`` before *every* checkout, one extra round trip per
    request although a connection used a moment ago is almost always alive. Instead, on
    PostgreSQL:

    * a connection idle for more than ``ping_after_idle`` seconds is pinged at checkout (that is
      where a server restart, a failover or a proxy's idle timeout bites); a failed ping is a
      :class:`~sqlalchemy.exc.DisconnectionError`, so the pool discards it and connects afresh,
      invisibly to the request. Busy connections are not pinged: under load, no extra round trip;
    * ``pool_recycle`` (default :data:`POOL_RECYCLE` seconds) replaces old connections before
      typical server and proxy limits close them;
    * a connection that fails mid-request anyway (the server went away within the idle window)
      is detected by SQLAlchemy's disconnect handling: that request fails, the whole pool is
      invalidated, and the next checkouts reconnect.

    ``pool_pre_ping=True`` still works (pass it, e.g. from a setting) for a network that drops
    busy connections; ``ping_after_idle=None`` turns the idle ping off.
    """
    normalized = normalize_url(url, default_url)
    kwargs.setdefault("hide_parameters", True)
    postgres = normalized.startswith("postgresql")
    if postgres:
        kwargs.setdefault("pool_recycle", POOL_RECYCLE)
    engine = sa.create_engine(normalized, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    elif postgres and ping_after_idle is not None and not kwargs.get("pool_pre_ping"):
        _ping_idle_connections(engine, ping_after_idle)
    return engine


_CHECKED_IN = "sf_checked_in"


def _ping_idle_connections(
    engine: Engine, idle: float, clock: Callable[[], float] = time.monotonic
) -> None:
    """Ping a pooled connection at checkout when it has been idle longer than ``idle``."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_CHECKED_IN] = clock()

    @event.listens_for(engine, "checkout")
    def _checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
    ) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is None or clock() - since <= idle:
            return  # new, or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError(str(error)) from error
            raise


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# --- SQLite: ON DELETE SET NULL (column) ------------------------------------------------------
#
# A reference is the composite key (tenant_id, ref); a plain SET NULL would empty tenant_id too.
# PostgreSQL 15+ says ``ON DELETE SET NULL (ref)``. SQLite has no column list: there the key is
# rendered as plain SET NULL and a BEFORE DELETE trigger on the parent empties ``ref`` first, so
# the key's own action finds nothing left to do. The triggers are created with the tables
# (``create_all``) and re-created by every ``migrate`` (batch migrations rebuild tables and drop
# their triggers).

_SET_NULL_COLUMNS = re.compile(r"^\s*SET\s+NULL\s*\((.+)\)\s*$", re.IGNORECASE)
SET_NULL_TRIGGER_PREFIX = "sf_set_null_"


def set_null_columns(ondelete: str | None) -> list[str]:
    """The columns of ``SET NULL (a, b)``; ``[]`` for any other action."""
    match = _SET_NULL_COLUMNS.match(ondelete or "")
    if match is None:
        return []
    return [c.strip().strip('"') for c in match.group(1).split(",")]


@compiles(sa.ForeignKeyConstraint, "sqlite")
def _sqlite_foreign_key(constraint: sa.ForeignKeyConstraint, compiler: Any, **kw: Any) -> str:
    ondelete = constraint.ondelete
    if not set_null_columns(ondelete):
        return str(compiler.visit_foreign_key_constraint(constraint, **kw))
    constraint.ondelete = "SET NULL"  # the trigger does the column-list part
    try:
        return str(compiler.visit_foreign_key_constraint(constraint, **kw))
    finally:
        constraint.ondelete = ondelete


def sqlite_set_null_triggers(connection: sa.Connection, metadata: sa.MetaData) -> list[str]:
    """(Re)create the SET NULL (column) triggers of ``metadata`` whose tables exist; return
    their names. Triggers of ours that no longer match a foreign key are dropped."""
    rows = connection.execute(
        sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, :n) = :p"
        ),
        {"n": len(SET_NULL_TRIGGER_PREFIX), "p": SET_NULL_TRIGGER_PREFIX},
    )
    old = [str(row[0]) for row in rows]
    quote = connection.dialect.identifier_preparer.quote
    for name in old:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {quote(name)}")
    existing = set(sa.inspect(connection).get_table_names())
    created = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            emptied = set_null_columns(fk.ondelete)
            parent = fk.referred_table
            if not emptied or table.name not in existing or parent.name not in existing:
                continue
            name = f"{SET_NULL_TRIGGER_PREFIX}{fk.name}"
            assignments = ", ".join(f"{quote(c)} = NULL" for c in emptied)
            matches = " AND ".join(
                f"{quote(e.parent.name)} = OLD.{quote(e.column.name)}" for e in fk.elements
            )
            connection.exec_driver_sql(
                f"CREATE TRIGGER {quote(name)} BEFORE DELETE ON {quote(parent.name)} "
                f"FOR EACH ROW BEGIN UPDATE {quote(table.name)} SET {assignments} "
                f"WHERE {matches}; END"
            )
            created.append(name)
    return created


@event.listens_for(Base.metadata, "after_create")
def _after_create(target: sa.MetaData, connection: sa.Connection, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        sqlite_set_null_triggers(connection, target)


def include_in_autogenerate(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object``: a SET NULL (column) key reads back as plain SET NULL on
    SQLite (the trigger does the rest); that is not drift."""
    if type_ == "foreign_key_constraint" and compare_to is not None:
        actions = {str(obj.ondelete or "").upper(), str(compare_to.ondelete or "").upper()}
        listed = [a for a in actions if set_null_columns(a)]
        if listed and actions == {listed[0], "SET NULL"}:
            return False
    return True


# --- sessions -------------------------------------------------------------------------------


class TenantSession(Session):
    """A session bound to one tenant (``info["tenant_id"]``) or explicitly cross-tenant."""

    @property
    def tenant_id(self) -> uuid.UUID | None:
        return self.info.get("tenant_id")

    @property
    def cross_tenant(self) -> bool:
        return bool(self.info.get("cross_tenant", False))


def make_session_factory(engine: Engine) -> sessionmaker[TenantSession]:
    return sessionmaker(bind=engine, class_=TenantSession, expire_on_commit=False)


def open_session(
    factory: sessionmaker[TenantSession],
    tenant_id: uuid.UUID | str | None,
    *,
    cross_tenant: bool = False,
) -> TenantSession:
    """The only way to get a session: bound to ``tenant_id``, or every tenant when
    ``cross_tenant`` (for audited operator code; the caller logs it).

    On PostgreSQL a cross-tenant session works only when ``factory``'s engine logs in as the
    operator role (``OPERATOR_DATABASE_URL``); otherwise its first query raises
    :class:`OperatorRoleRequired`. On SQLite there are no roles: the ORM filter is lifted."""
    tid = _as_uuid(tenant_id) if tenant_id is not None else None
    if tid is None and not cross_tenant:
        raise TenantContextMissing("open_session needs a tenant id (or cross_tenant=True)")
    session = factory()
    session.info["tenant_id"] = tid
    session.info["cross_tenant"] = cross_tenant
    return session


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _is_tenant_class(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, TenantScoped | TenantRoot)


@event.listens_for(TenantSession, "do_orm_execute")
def _tenant_filter(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria of the parent statement propagate to these loads
    session = state.session
    if state.execution_options.get(CROSS_TENANT_OPTION) or session.info.get("cross_tenant"):
        return
    touched = [m.class_ for m in state.all_mappers if _is_tenant_class(m.class_)]
    tid = session.info.get("tenant_id")
    filtered = bool(touched) and tid is not None
    filtered = filtered and (state.is_select or state.is_update or state.is_delete)
    statement = state.statement
    if filtered:
        statement = statement.options(
            *_tenant_criteria(tid, _tenant_layout(Base.registry.mappers)[1])
        )
    if state.is_select:
        hidden = _tenant_tables_without_entity(state, statement)
        if hidden:
            # e.g. select(func.count()).select_from(Model): no ORM entity, so no criteria would
            # apply. Refuse instead of counting every tenant's rows (fail closed).
            raise TenantContextMissing(
                f"query reads {', '.join(hidden)} without selecting its ORM entity, so the "
                "tenant filter cannot apply; select the entity or one of its columns instead"
            )
    if not touched:
        return
    if tid is None:
        raise TenantContextMissing(
            f"query on {', '.join(sorted(c.__name__ for c in touched))} with no tenant context"
        )
    if state.is_insert:
        raise TenantMismatch("ORM bulk INSERT into tenant tables is refused; use session.add()")
    if filtered:
        state.statement = statement


@functools.lru_cache(maxsize=4096)
def _tenant_criteria(tid: uuid.UUID, roots: tuple[type[Any], ...]) -> tuple[Any, ...]:
    """The loader criteria that confine a statement to tenant ``tid``, built once per tenant
    (recently seen) rather than once per statement.

    The lambdas capture ``tid`` as a closure variable: SQLAlchemy caches them by code location
    and turns ``tid`` into a bound parameter, so the compiled SQL is shared between tenants and
    each execution binds its own tenant id.
    """
    options = [
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tid, include_aliases=True)
    ]
    options += [
        with_loader_criteria(root, lambda cls: cls.id == tid, include_aliases=True)
        for root in roots
    ]
    return tuple(options)


# Structural cache key of an executed SELECT -> the tenant tables it reads without their ORM
# entity. The answer depends only on the statement's structure (never on bound values), and the
# key is memoized on the statement, so the compile step reuses it: walking the statement with
# ``find_tables`` then happens once per statement shape, not once per request.
_HIDDEN_TABLES: dict[Any, list[str]] = {}
_HIDDEN_TABLES_MAX = 2048


def _tenant_tables_without_entity(state: ORMExecuteState, executed: Any) -> list[str]:
    """Tenant tables a SELECT reads that no ORM entity of the statement stands for.

    ``executed`` is the statement that will run (``state.statement`` plus the tenant criteria),
    used only as the cache key; the tables are found in ``state.statement``.
    """
    cache_key = executed._generate_cache_key()
    key = None if cache_key is None else cache_key.key
    if key is not None:
        cached = _HIDDEN_TABLES.get(key)
        if cached is not None:
            return cached
    covered = {m.local_table for m in state.all_mappers} | _subquery_entity_tables(state.statement)
    tenant_tables = _tenant_layout(Base.registry.mappers)[0]
    found = sa.sql.util.find_tables(
        state.statement,  # type: ignore[arg-type]
        check_columns=True,
        include_joins=True,
    )
    hidden = sorted(str(t.name) for t in found if t in tenant_tables and t not in covered)
    if key is not None:
        if len(_HIDDEN_TABLES) >= _HIDDEN_TABLES_MAX:
            _HIDDEN_TABLES.clear()
        _HIDDEN_TABLES[key] = hidden
    return hidden


def _subquery_entity_tables(statement: Any) -> set[sa.Table]:
    """Tables of the ORM entities that nested SELECTs select (e.g. the ``EXISTS`` of a
    relation condition, ``select(Project.id).where(...).exists()``): the loader criteria apply
    to those as to the top-level ones, so they are not hidden."""
    tables: set[sa.Table] = set()
    for element in sa.sql.visitors.iterate(statement):
        if element is statement or not isinstance(element, sa.Select):
            continue
        for description in element.column_descriptions:
            entity = description.get("entity")
            mapper = sa.inspect(entity, raiseerr=False) if entity is not None else None
            table = getattr(mapper, "local_table", None)
            if isinstance(table, sa.Table):
                tables.add(table)
    return tables


@functools.lru_cache(maxsize=8)
def _tenant_layout(mappers: frozenset[Any]) -> tuple[frozenset[sa.Table], tuple[type[Any], ...]]:
    """The tenant tables and the mapped class(es) of the tenant entity, per set of mappers
    (found lazily, since models import this module; recomputed if a model is added)."""
    tables = frozenset(m.local_table for m in mappers if _is_tenant_class(m.class_))
    roots = tuple(m.class_ for m in mappers if issubclass(m.class_, TenantRoot))
    return tables, roots


@event.listens_for(TenantSession, "before_flush")
def _stamp_tenant(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    tid = session.info.get("tenant_id")
    cross = bool(session.info.get("cross_tenant"))
    for obj in session.new:
        if isinstance(obj, TenantScoped):
            _check_owner(obj, "tenant_id", tid, cross)
        elif isinstance(obj, TenantRoot):
            _check_owner(obj, "id", tid, cross)
    for obj in session.dirty:
        if isinstance(obj, TenantScoped | TenantRoot):
            column = "tenant_id" if isinstance(obj, TenantScoped) else "id"
            history = sa.inspect(obj).attrs[column].history
            if history.deleted and history.added:
                raise TenantMismatch(f"{type(obj).__name__}.{column} cannot be changed")


def _check_owner(obj: Any, column: str, tid: uuid.UUID | None, cross: bool) -> None:
    current = getattr(obj, column)
    if current is None:
        if tid is None:
            raise TenantContextMissing(
                f"new {type(obj).__name__} has no {column} and the session has no tenant"
            )
        setattr(obj, column, tid)
    elif tid is not None and _as_uuid(current) != tid and not cross:
        raise TenantMismatch(f"new {type(obj).__name__} belongs to another tenant")


# The tenant of the current transaction, as a bound parameter (never spliced into the SQL).
_SET_TENANT = "SELECT set_config('app.tenant_id', %(tid)s, true)"
_SET_TENANT_TEXT = sa.text("SELECT set_config('app.tenant_id', :tid, true)")


@event.listens_for(TenantSession, "after_begin")
def _set_database_tenant(session: Session, transaction: Any, connection: sa.Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    tid = session.info.get("tenant_id")
    if tid is not None:
        _set_tenant(connection, str(tid))
    if session.info.get("cross_tenant") and not is_operator_connection(connection):
        raise OperatorRoleRequired(
            "a cross_tenant session needs a connection logged in as the operator role "
            "(set OPERATOR_DATABASE_URL and use app.state.operator_session_factory)"
        )


def _set_tenant(connection: sa.Connection, tenant_id: str) -> None:
    """``set_config('app.tenant_id', <tenant>, true)`` in the connection's transaction.

    Run on every transaction of a tenant session, so it skips SQL compilation: the driver's
    own SQL with a ``%(tid)s`` parameter (psycopg binds it server-side), through
    ``exec_driver_sql``, about two thirds of the CPU of a compiled ``text()`` statement.
    SQLAlchemy's events and error handling apply as to any statement (a dropped connection
    invalidates the pool).
    """
    if connection.dialect.paramstyle == "pyformat":
        connection.exec_driver_sql(_SET_TENANT, {"tid": tenant_id})
    else:
        connection.execute(_SET_TENANT_TEXT, {"tid": tenant_id})


def is_operator_connection(connection: sa.Connection) -> bool:
    """Whether row-level security lets this connection's role see every tenant: it has the
    privileges of a role some ``operator_access`` policy is granted to."""
    return bool(
        connection.execute(
            sa.text(
                "SELECT EXISTS (SELECT 1 FROM pg_policies AS p, unnest(p.roles) AS r(name) "
                "WHERE p.schemaname = current_schema() AND p.policyname = :policy "
                "AND r.name <> 'public' AND pg_has_role(current_user, r.name, 'USAGE'))"
            ),
            {"policy": OPERATOR_POLICY},
        ).scalar()
    )


# --- tenants that exist -----------------------------------------------------------------------


class TenantDirectory:
    """Whether a tenant exists, cached per process so that authentication does not cost a query
    per request: a bounded LRU (``maxsize`` tenants) whose entries expire, after ``ttl`` seconds
    for a tenant that exists and ``missing_ttl`` for one that does not (so a tenant created
    meanwhile is accepted soon; a deleted one is refused within ``ttl``).

    Thread-safe; the lookup runs as the app role in a session bound to that tenant.
    """

    def __init__(
        self,
        factory: sessionmaker[TenantSession],
        *,
        ttl: float = 60.0,
        missing_ttl: float = 5.0,
        maxsize: int = 10_000,
        clock: Any = time.monotonic,
    ) -> None:
        self._factory = factory
        self._ttl = {True: ttl, False: missing_ttl}
        self._maxsize = maxsize
        self._clock = clock
        self._entries: OrderedDict[uuid.UUID, tuple[bool, float]] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, tenant_id: uuid.UUID) -> bool | None:
        """The cached answer, or None when unknown or expired (no query)."""
        with self._lock:
            entry = self._entries.get(tenant_id)
            if entry is None:
                return None
            if entry[1] <= self._clock():
                del self._entries[tenant_id]
                return None
            self._entries.move_to_end(tenant_id)
            return entry[0]

    def exists(self, tenant_id: uuid.UUID) -> bool:
        known = self.cached(tenant_id)
        if known is not None:
            return known
        roots = _tenant_layout(Base.registry.mappers)[1]
        with open_session(self._factory, tenant_id) as session:
            found = any(
                session.scalar(sa.select(root.id).where(root.id == tenant_id)) is not None
                for root in roots
            )
        with self._lock:
            self._entries[tenant_id] = (found, self._clock() + self._ttl[found])
            self._entries.move_to_end(tenant_id)
            while len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)
        return found

    def forget(self, tenant_id: uuid.UUID) -> None:
        with self._lock:
            self._entries.pop(tenant_id, None)
