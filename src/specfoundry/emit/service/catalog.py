"""The database catalog of a generated service: every table, column, constraint and index.

Like sqlc's catalog, this is the one place where the data layer's SQL decisions are made: types,
nullability, defaults, CHECK constraints for enums and states, per-tenant UNIQUE constraints,
composite foreign keys, indexes and every name. It is derived from the IR only, deterministically
(spec order for tables and columns, then FK order; no sets, no clocks), and it is the single input
of ``models.py``, of the initial migration and of the schema snapshot that later delta
migrations diff against (:func:`snapshot`).

Conventions (docs/generated-service.md, saas-standards T-01/T-02):

* tenant-owned table: ``PRIMARY KEY (id)`` named ``pk_<t>``, ``UNIQUE (tenant_id, id)`` named
  ``uq_<t>_tenant_id_id``; a ``ref`` field ``f`` to another tenant-owned entity is the composite
  ``FOREIGN KEY (tenant_id, f) REFERENCES parent (tenant_id, id)`` named ``fk_<t>_<f>``;
  a ``unique`` field is ``UNIQUE (tenant_id, f)`` (a partial unique *index* over live rows when the
  entity is soft-deleted, so a deleted name can be reused); every filterable/sortable field gets
  ``ix_<t>_<f>`` on ``(tenant_id, f, created_at, id)``; every table gets
  ``ix_<t>_created_at`` on ``(tenant_id, created_at, id)``;
* the tenant entity's table has no ``tenant_id`` (its ``id`` is the tenant id) and the same
  indexes without the leading ``tenant_id``;
* enums and states are ``VARCHAR`` with ``CHECK (f IN (...))`` named ``ck_<t>_<f>``.

Names longer than PostgreSQL's 63 bytes are cut and suffixed with a hash of the full name.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from specfoundry.emit.render import generated_header
from specfoundry.emit.service.literals import python_literal
from specfoundry.model import Entity, Field, FieldType, OnDelete, Service
from specfoundry.model.entities import PRINCIPAL_MAX_LENGTH, TENANT_COLUMN
from specfoundry.model.names import GENERATED_CLASSES, GENERATED_TABLES

MAX_IDENTIFIER = 63
SNAPSHOT_FORMAT = 1
OUTBOX_TABLE, TRANSITIONS_TABLE = GENERATED_TABLES
OUTBOX_CLASS, TRANSITIONS_CLASS = GENERATED_CLASSES[:2]
DEFAULT_STRING_LENGTH = {FieldType.EMAIL: 320, FieldType.URL: 2048}


class CatalogError(ValueError):
    """The model cannot be laid out as tables: a bug, since validation rejects such specs.

    A reference cycle (SF306) and an entity named like a generated table or class (SF310) are
    the validator's to report; name clashes between constraints are resolved here.
    """


class TableKind(enum.StrEnum):
    TENANT = "tenant"  # the tenant entity: no tenant_id, its id is the tenant id
    SCOPED = "scoped"  # tenant-owned: tenant_id NOT NULL, RLS on PostgreSQL
    GLOBAL = "global"  # shared by every tenant (tenant_scoped: false, not the tenant)


def identifier(*parts: str) -> str:
    """``parts`` joined by ``_``; cut to 63 characters with a stable hash suffix if longer."""
    name = "_".join(parts)
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER - 9]}_{digest}"


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class SqlType:
    """A column type, portable between SQLite and PostgreSQL."""

    kind: str  # uuid string text integer numeric boolean date datetime json list
    length: int | None = None
    precision: int | None = None
    scale: int | None = None

    @property
    def sa_expr(self) -> str:
        """The SQLAlchemy type as Python source (``sa.`` prefixed), used by migrations."""
        match self.kind:
            case "uuid":
                return "sa.Uuid()"
            case "string":
                return f"sa.String(length={self.length})" if self.length else "sa.String()"
            case "text":
                return "sa.Text()"
            case "integer":
                return "sa.Integer()"
            case "numeric":
                return f"sa.Numeric(precision={self.precision}, scale={self.scale})"
            case "boolean":
                return "sa.Boolean()"
            case "date":
                return "sa.Date()"
            case "datetime":
                return "sa.DateTime(timezone=True)"
            case "json":
                return "sa.JSON()"
            case "list":
                # JSONB on PostgreSQL: `@>` containment, served by a GIN index.
                return 'sa.JSON().with_variant(JSONB(), "postgresql")'
        raise CatalogError(f"unknown SQL type kind {self.kind!r}")

    @property
    def model_expr(self) -> str:
        """The type used in ``models.py``: datetimes read back timezone-aware on SQLite too."""
        return "UTCDateTime()" if self.kind == "datetime" else self.sa_expr

    @property
    def python_type(self) -> str:
        return {
            "uuid": "uuid.UUID",
            "string": "str",
            "text": "str",
            "integer": "int",
            "numeric": "Decimal",
            "boolean": "bool",
            "date": "dt.date",
            "datetime": "dt.datetime",
            "json": "Any",
            "list": "list[Any]",
        }[self.kind]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        for key in ("length", "precision", "scale"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SqlType:
        return cls(data["kind"], data.get("length"), data.get("precision"), data.get("scale"))


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: SqlType
    nullable: bool
    primary_key: bool = False
    # Python source of the ORM-side default/onupdate (a literal or a callable's name).
    default: str | None = None
    onupdate: str | None = None
    # SQL literal of the server default (``'viewer'``, ``true``, ``60``), or None.
    server_default: str | None = None
    system: bool = False
    field: Field | None = None

    @property
    def annotation(self) -> str:
        base = self.type.python_type
        return f"Mapped[{base} | None]" if self.nullable and base != "Any" else f"Mapped[{base}]"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type.to_json(),
            "nullable": self.nullable,
            "primary_key": self.primary_key,
            "server_default": self.server_default,
        }


@dataclass(frozen=True, slots=True)
class CheckConstraint:
    name: str
    column: str
    values: tuple[str, ...]

    @property
    def sqltext(self) -> str:
        return f"{self.column} IN ({', '.join(sql_string(v) for v in self.values)})"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sqltext": self.sqltext}


@dataclass(frozen=True, slots=True)
class UniqueConstraint:
    name: str
    columns: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "columns": list(self.columns)}


@dataclass(frozen=True, slots=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    # RESTRICT, CASCADE, SET NULL; a composite key's SET NULL names the column it empties
    # (``SET NULL (ref)``, PostgreSQL 15+): ``tenant_id`` must never become NULL.
    ondelete: str

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(f"{self.ref_table}.{c}" for c in self.ref_columns)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "ref_table": self.ref_table,
            "ref_columns": list(self.ref_columns),
            "ondelete": self.ondelete,
        }


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    # SQL predicate of a partial index (both SQLite and PostgreSQL support them), or None.
    where: str | None = None
    # PostgreSQL: a GIN index (jsonb_path_ops) over one list column, for `@>` containment;
    # SQLite gets a plain index.
    gin: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "columns": list(self.columns),
            "unique": self.unique,
            "where": self.where,
        }
        if self.gin:
            data["gin"] = True
        return data


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    class_name: str
    kind: TableKind
    columns: tuple[Column, ...]
    pk_name: str
    uniques: tuple[UniqueConstraint, ...]
    foreign_keys: tuple[ForeignKey, ...]
    checks: tuple[CheckConstraint, ...]
    indexes: tuple[Index, ...]
    versioned: bool
    entity: Entity | None = None
    description: str | None = None
    # Rows are written once and never changed: the app role gets no UPDATE/DELETE on them.
    append_only: bool = False

    @property
    def tenant_owned(self) -> bool:
        return self.kind is TableKind.SCOPED

    @property
    def rls_column(self) -> str | None:
        """The column the PostgreSQL policy compares with ``app.tenant_id``."""
        return {TableKind.SCOPED: TENANT_COLUMN, TableKind.TENANT: "id"}.get(self.kind)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def field_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.system)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "rls_column": self.rls_column,
            "columns": [c.to_json() for c in self.columns],
            "primary_key": {"name": self.pk_name, "columns": ["id"]},
            "uniques": [u.to_json() for u in sorted(self.uniques, key=lambda u: u.name)],
            "foreign_keys": [f.to_json() for f in sorted(self.foreign_keys, key=lambda f: f.name)],
            "checks": [c.to_json() for c in sorted(self.checks, key=lambda c: c.name)],
            "indexes": [i.to_json() for i in sorted(self.indexes, key=lambda i: i.name)],
        }


@dataclass(frozen=True, slots=True)
class Catalog:
    service: str
    tables: tuple[Table, ...]  # in creation order: parents before children
    tenant_table: str

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    @property
    def entity_tables(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.entity is not None)

    @property
    def tenant_owned_tables(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.tenant_owned)

    @property
    def rls_tables(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.rls_column is not None)


def snapshot(catalog: Catalog) -> dict[str, Any]:
    """The serialisable schema the migrations create; delta revisions diff two of these."""
    return {
        "generated_by": generated_header("").strip(),
        "format": SNAPSHOT_FORMAT,
        "service": catalog.service,
        "order": [t.name for t in catalog.tables],
        "tables": {t.name: t.to_json() for t in catalog.tables},
    }


def snapshot_text(catalog: Catalog) -> str:
    return json.dumps(snapshot(catalog), indent=2, sort_keys=True) + "\n"


# --- building -------------------------------------------------------------------------------


def build_catalog(model: Service) -> Catalog:
    entities = {e.name.raw: e for e in model.entities}
    kinds = {name: _kind(e) for name, e in entities.items()}
    builder = _TableBuilder(model, entities, kinds)
    tables = [builder.entity_table(e) for e in model.entities]
    _check_reserved(tables)
    tenant_table = model.tenant_entity.table
    tables += [_outbox_table(), _transitions_table()]
    tables = _reference_tenant(tables, tenant_table)
    ordered = _creation_order(_unique_names(tables))
    return Catalog(
        service=model.name.snake,
        tables=tuple(ordered),
        tenant_table=model.tenant_entity.table,
    )


def _kind(entity: Entity) -> TableKind:
    if entity.is_tenant:
        return TableKind.TENANT
    return TableKind.SCOPED if entity.tenant_scoped else TableKind.GLOBAL


@dataclass
class _TableBuilder:
    model: Service
    entities: dict[str, Entity]
    kinds: dict[str, TableKind]

    def entity_table(self, entity: Entity) -> Table:
        t = entity.table
        kind = self.kinds[entity.name.raw]
        scoped = kind is TableKind.SCOPED
        lead = (TENANT_COLUMN,) if scoped else ()
        columns: list[Column] = [
            Column(
                "id",
                SqlType("uuid"),
                nullable=False,
                primary_key=True,
                default="uuid.uuid4",
                system=True,
            )
        ]
        if scoped:
            columns.append(Column(TENANT_COLUMN, SqlType("uuid"), nullable=False, system=True))
        uniques: list[UniqueConstraint] = []
        indexes: list[Index] = []
        checks: list[CheckConstraint] = []
        fks: list[ForeignKey] = []
        if scoped:
            uniques.append(
                UniqueConstraint(identifier("uq", t, TENANT_COLUMN, "id"), (*lead, "id"))
            )
        live = "deleted_at IS NULL" if entity.soft_delete else None
        for f in entity.fields:
            columns.append(self.field_column(entity, f))
            if f.type in (FieldType.ENUM, FieldType.STATE) and f.enum_values:
                checks.append(
                    CheckConstraint(identifier("ck", t, f.name.raw), f.name.raw, f.enum_values)
                )
            if f.unique:
                name = identifier("uq", t, f.name.raw)
                if live:
                    indexes.append(Index(name, (*lead, f.name.raw), unique=True, where=live))
                else:
                    uniques.append(UniqueConstraint(name, (*lead, f.name.raw)))
            if f.type is FieldType.REF:
                fks.append(self.foreign_key(entity, f))
        columns += [
            Column(
                "created_at", SqlType("datetime"), nullable=False, default="utcnow", system=True
            ),
            Column(
                "updated_at",
                SqlType("datetime"),
                nullable=False,
                default="utcnow",
                onupdate="utcnow",
                system=True,
            ),
            Column("version", SqlType("integer"), nullable=False, system=True),
        ]
        if entity.soft_delete:
            columns.append(Column("deleted_at", SqlType("datetime"), nullable=True, system=True))
        indexes += self.indexes(entity, lead, {i.columns for i in indexes})
        return Table(
            name=t,
            class_name=entity.name.pascal,
            kind=kind,
            columns=tuple(columns),
            pk_name=identifier("pk", t),
            uniques=tuple(uniques),
            foreign_keys=tuple(fks),
            checks=tuple(checks),
            indexes=tuple(indexes),
            versioned=True,
            entity=entity,
            description=entity.description,
            append_only=entity.append_only,
        )

    def field_column(self, entity: Entity, f: Field) -> Column:
        sql_type = _sql_type(f)
        default = server_default = None
        value: Any = f.default if f.has_default else None
        if f.type is FieldType.STATE:
            machine = next(
                (m for m in self.model.machine_for(entity.name.raw) if m.field == f.name), None
            )
            if machine is None:
                raise CatalogError(f"{entity.name}.{f.name}: state field without a machine (SF321)")
            value = machine.initial.raw
        if value is not None:
            default = _python_literal(value, f.type)
            server_default = _sql_literal(value, f.type)
        return Column(
            f.name.raw,
            sql_type,
            nullable=f.nullable,
            default=default,
            server_default=server_default,
            field=f,
        )

    def foreign_key(self, entity: Entity, f: Field) -> ForeignKey:
        assert f.ref_entity is not None
        parent = self.entities.get(f.ref_entity.raw)
        if parent is None:
            raise CatalogError(f"{entity.name}.{f.name}: unknown entity {f.ref_entity} (SF301)")
        child_kind, parent_kind = self.kinds[entity.name.raw], self.kinds[parent.name.raw]
        ondelete = {
            OnDelete.RESTRICT: "RESTRICT",
            OnDelete.CASCADE: "CASCADE",
            OnDelete.SET_NULL: "SET NULL",
        }[f.on_delete]
        if parent_kind is TableKind.SCOPED and child_kind is TableKind.SCOPED:
            columns, ref_columns = (TENANT_COLUMN, f.name.raw), (TENANT_COLUMN, "id")
        elif parent_kind is TableKind.SCOPED and child_kind is TableKind.TENANT:
            # The tenant row's id is its tenant id: it may only point at its own rows.
            columns, ref_columns = ("id", f.name.raw), (TENANT_COLUMN, "id")
        else:
            columns, ref_columns = (f.name.raw,), ("id",)
        if ondelete == "SET NULL" and len(columns) > 1:
            # A plain SET NULL would empty the leading tenant_id (or id) column too.
            ondelete = f"SET NULL ({f.name.raw})"
        return ForeignKey(
            identifier("fk", entity.table, f.name.raw),
            columns,
            parent.table,
            ref_columns,
            ondelete,
        )

    def indexes(
        self, entity: Entity, lead: tuple[str, ...], taken: set[tuple[str, ...]]
    ) -> list[Index]:
        t = entity.table
        result: list[Index] = []
        seen = set(taken)

        def add(name: str, columns: tuple[str, ...], unique: bool = False) -> None:
            if columns in seen:
                return
            seen.add(columns)
            result.append(Index(name, columns, unique=unique))

        add(identifier("ix", t, "created_at"), (*lead, "created_at", "id"))
        for f in entity.fields:
            if f.type is FieldType.LIST and f.filterable:
                result.append(Index(identifier("ix", t, f.name.raw), (f.name.raw,), gin=True))
            elif f.filterable or f.sortable:
                add(identifier("ix", t, f.name.raw), (*lead, f.name.raw, "created_at", "id"))
        for spec_index in entity.indexes:
            names = tuple(n.raw for n in spec_index.fields)
            prefix = "uq" if spec_index.unique else "ix"
            add(identifier(prefix, t, *names), (*lead, *names), unique=spec_index.unique)
        return result


def _sql_type(f: Field) -> SqlType:
    match f.type:
        case FieldType.STRING | FieldType.EMAIL | FieldType.URL:
            return SqlType("string", f.max_length or DEFAULT_STRING_LENGTH.get(f.type))
        case FieldType.PRINCIPAL:
            return SqlType("string", f.max_length or PRINCIPAL_MAX_LENGTH)
        case FieldType.TEXT:
            return SqlType("text")
        case FieldType.ENUM | FieldType.STATE:
            return SqlType("string", max((len(v) for v in f.enum_values), default=32))
        case FieldType.INTEGER:
            return SqlType("integer")
        case FieldType.DECIMAL | FieldType.MONEY:
            return SqlType("numeric", precision=19, scale=4)
        case FieldType.BOOLEAN:
            return SqlType("boolean")
        case FieldType.DATE:
            return SqlType("date")
        case FieldType.DATETIME:
            return SqlType("datetime")
        case FieldType.UUID | FieldType.REF:
            return SqlType("uuid")
        case FieldType.JSON:
            return SqlType("json")
        case FieldType.LIST:
            return SqlType("list")
    raise CatalogError(f"no SQL type for field type {f.type}")  # pragma: no cover


def _python_literal(value: Any, type_: FieldType) -> str:
    """An ORM default: the value's literal, or for JSON a callable (a fresh object per row)."""
    if type_ is FieldType.JSON:
        return f"lambda: {python_literal(value, type_)}"
    return python_literal(value, type_)


def _sql_literal(value: Any, type_: FieldType) -> str | None:
    if type_ is FieldType.JSON:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return sql_string(str(value))


def _outbox_table() -> Table:
    return _event_table(
        OUTBOX_TABLE,
        OUTBOX_CLASS,
        (
            Column("event_type", SqlType("string", 255), nullable=False, system=True),
            Column("payload", SqlType("json"), nullable=False, system=True),
            _OCCURRED_AT,
            Column("published_at", SqlType("datetime"), nullable=True, system=True),
        ),
        (
            _history_index(OUTBOX_TABLE),
            # The relay's scan: unpublished events, oldest first, across tenants.
            Index(
                identifier("ix", OUTBOX_TABLE, "unpublished"),
                ("occurred_at", "id"),
                where="published_at IS NULL",
            ),
        ),
        "Events written in the caller's transaction, published by a relay.",
    )


def _transitions_table() -> Table:
    return _event_table(
        TRANSITIONS_TABLE,
        TRANSITIONS_CLASS,
        (
            Column("entity", SqlType("string", 63), nullable=False, system=True),
            Column("entity_id", SqlType("uuid"), nullable=False, system=True),
            Column("transition", SqlType("string", 63), nullable=False, system=True),
            Column("from_state", SqlType("string", 63), nullable=False, system=True),
            Column("to_state", SqlType("string", 63), nullable=False, system=True),
            Column("actor", SqlType("string", 255), nullable=True, system=True),
            _OCCURRED_AT,
        ),
        (
            Index(
                identifier("ix", TRANSITIONS_TABLE, "entity"),
                (TENANT_COLUMN, "entity", "entity_id", "occurred_at", "id"),
            ),
            _history_index(TRANSITIONS_TABLE),
        ),
        "The audit trail of state machine transitions.",
        append_only=True,
    )


_OCCURRED_AT = Column(
    "occurred_at", SqlType("datetime"), nullable=False, default="utcnow", system=True
)


def _history_index(table: str) -> Index:
    """A tenant's records in time order."""
    return Index(identifier("ix", table, "occurred_at"), (TENANT_COLUMN, "occurred_at", "id"))


def _event_table(
    name: str,
    class_name: str,
    columns: tuple[Column, ...],
    indexes: tuple[Index, ...],
    description: str,
    *,
    append_only: bool = False,
) -> Table:
    """A system table of tenant-scoped, append-mostly records (the outbox, transitions).

    Both share their key: a UUID per row, unique with the tenant so that tenant-led foreign
    keys could reach it.
    """
    return Table(
        name=name,
        class_name=class_name,
        kind=TableKind.SCOPED,
        columns=(
            Column(
                "id",
                SqlType("uuid"),
                nullable=False,
                primary_key=True,
                default="uuid.uuid4",
                system=True,
            ),
            Column(TENANT_COLUMN, SqlType("uuid"), nullable=False, system=True),
            *columns,
        ),
        pk_name=identifier("pk", name),
        uniques=(
            UniqueConstraint(identifier("uq", name, TENANT_COLUMN, "id"), (TENANT_COLUMN, "id")),
        ),
        foreign_keys=(),
        checks=(),
        indexes=indexes,
        versioned=False,
        description=description,
        append_only=append_only,
    )


def _reference_tenant(tables: list[Table], tenant_table: str) -> list[Table]:
    """Add ``FOREIGN KEY (tenant_id) REFERENCES <tenant> (id)`` to every tenant-owned table.

    A row can then only belong to a tenant that exists. ``RESTRICT``: deleting a tenant that
    still owns rows fails instead of silently erasing them (its audit trail included). A table
    the tenant table itself references (directly or through others) is left out, since the two
    foreign keys would form a cycle the creation order cannot satisfy.
    """
    by_name = {t.name: t for t in tables}
    reachable: set[str] = set()
    pending = [tenant_table]
    while pending:
        for fk in by_name[pending.pop()].foreign_keys:
            if fk.ref_table not in reachable and fk.ref_table in by_name:
                reachable.add(fk.ref_table)
                pending.append(fk.ref_table)
    out = []
    for table in tables:
        if table.kind is TableKind.SCOPED and table.name not in reachable:
            fk = ForeignKey(
                identifier("fk", table.name, TENANT_COLUMN),
                (TENANT_COLUMN,),
                tenant_table,
                ("id",),
                "RESTRICT",
            )
            table = dataclasses.replace(table, foreign_keys=(fk, *table.foreign_keys))
        out.append(table)
    return out


def _check_reserved(tables: list[Table]) -> None:
    """SF310 reports these to the user; reaching this is a bug in the validator."""
    for table in tables:
        if table.name in GENERATED_TABLES or table.class_name in GENERATED_CLASSES:
            raise CatalogError(
                f"table {table.name!r} / class {table.class_name!r} is reserved by the generated "
                "service (SF310 should have reported it)"
            )


def _unique_names(tables: list[Table]) -> list[Table]:
    """The tables with every constraint and index name unique across the database.

    PostgreSQL keeps index names (and so UNIQUE and PRIMARY KEY names) in one namespace with the
    tables, and readable names can meet: ``uq_<t>_<f>`` of table ``a_b`` field ``c`` is also the
    name for table ``a`` field ``b_c``; a ``filterable`` field's ``ix_<t>_<f>`` is also the name
    of a spec index on that one field. Names are ours, not the user's, so a name taken by an
    earlier table or constraint (spec order) gets a suffix hashed from what it names; an exact
    repeat (same name, same columns, same kind) is dropped.
    """
    seen: dict[str, object] = {t.name: ("table", t.name) for t in tables}
    result = []
    for table in tables:
        pk = _claim(seen, table.name, "pk", Index(table.pk_name, ("id",), unique=True))
        assert pk is not None  # table names are unique (SF312), so is pk_<table>
        groups: dict[str, tuple[Any, ...]] = {}
        for kind in ("uniques", "checks", "foreign_keys", "indexes"):
            claimed = (_claim(seen, table.name, kind, item) for item in getattr(table, kind))
            groups[kind] = tuple(item for item in claimed if item is not None)
        result.append(dataclasses.replace(table, pk_name=pk.name, **groups))
    return result


def _claim(seen: dict[str, object], table: str, kind: str, item: Any) -> Any | None:
    """``item`` under its own name, a hashed variant if that is taken, None if a repeat."""
    if kind == "indexes" and item.where is None and item.unique:
        kind = "uniques"  # a full unique index is the same constraint as a UNIQUE
    what = (table, kind, getattr(item, "columns", None), getattr(item, "where", None))
    holder = seen.get(item.name)
    if holder is None:
        seen[item.name] = what
        return item
    if holder == what:
        return None  # the same constraint twice (a spec index repeating a unique field)
    digest = hashlib.sha256(repr(what).encode()).hexdigest()[:8]
    renamed = f"{item.name[: MAX_IDENTIFIER - 9]}_{digest}"
    if renamed in seen:  # pragma: no cover - a SHA-256 prefix collision
        raise CatalogError(f"constraint name {renamed!r} is used twice")
    seen[renamed] = what
    return dataclasses.replace(item, name=renamed)


def _creation_order(tables: list[Table]) -> list[Table]:
    """Parents before children, otherwise spec order (a cycle between tables is SF306)."""
    by_name = {t.name: t for t in tables}
    placed: list[Table] = []
    done: set[str] = set()
    visiting: list[str] = []

    def visit(table: Table) -> None:
        if table.name in done:
            return
        if table.name in visiting:
            cycle = " -> ".join([*visiting[visiting.index(table.name) :], table.name])
            raise CatalogError(f"reference cycle between tables: {cycle} (SF306 should report it)")
        visiting.append(table.name)
        for fk in table.foreign_keys:
            if fk.ref_table != table.name:
                visit(by_name[fk.ref_table])
        visiting.pop()
        done.add(table.name)
        placed.append(table)

    for table in tables:
        visit(table)
    return placed


__all__ = [
    "Catalog",
    "CatalogError",
    "CheckConstraint",
    "Column",
    "ForeignKey",
    "Index",
    "SqlType",
    "Table",
    "TableKind",
    "UniqueConstraint",
    "build_catalog",
    "identifier",
    "snapshot",
    "snapshot_text",
]
