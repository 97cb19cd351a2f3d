"""The data layer of a generated service: ``db.py``, ``models.py``, Alembic and their tests.

Public API::

    files = emit_data_layer(model)                        # first generation
    files = emit_data_layer(model, PreviousOutput.read(out_dir))   # later ones: delta revisions

Everything is decided from :mod:`specfoundry.emit.service.catalog`; templates under
``templates/service/data/`` only lay the decisions out. Migrations are rendered from the catalog's
schema *snapshot* (``migrations/schema_snapshot.json``), so a later generation can diff the
previous snapshot against the new one and add a revision (:mod:`.data_migrations`).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from specfoundry.emit.render import generated_header, render
from specfoundry.emit.service.catalog import (
    Catalog,
    Column,
    Table,
    TableKind,
    build_catalog,
    snapshot,
    snapshot_text,
)
from specfoundry.emit.service.data_migrations import (
    DestructiveChangeError,
    PreviousOutput,
    gin_options,
    migration_files,
)
from specfoundry.emit.service.data_migrations import py_string as _q
from specfoundry.model import FieldType, Service
from specfoundry.model.entities import TENANT_COLUMN
from specfoundry.write.tree import EmittedFile

__all__ = [
    "DestructiveChangeError",
    "PreviousOutput",
    "data_view",
    "emit_data_layer",
]

TEMPLATES = "service/data"


def emit_data_layer(
    model: Service, previous: PreviousOutput | None = None, *, allow_destructive: bool = False
) -> list[EmittedFile]:
    """Every data-layer file of the service generated from ``model``, sorted by path.

    ``previous`` is what an earlier generation left in the output folder (its snapshot and
    revision files); when given, existing revisions are re-emitted byte for byte and a delta
    revision is added when the schema changed. Destructive steps raise
    :class:`DestructiveChangeError` unless ``allow_destructive``.
    """
    catalog = build_catalog(model)
    svc = model.name.snake
    view = data_view(model, catalog)
    files: dict[str, str] = {
        f"{svc}/db.py": _render("db.py.j2", view),
        f"{svc}/db_setup.py": _render("db_setup.py.j2", view),
        f"{svc}/models.py": _render("models.py.j2", view),
        "alembic.ini": _render("alembic.ini.j2", view),
        "migrations/env.py": _render("env.py.j2", view),
        "migrations/script.py.mako": _render(
            "script.py.mako.j2", view, mako_header=generated_header("##")
        ),
        "migrations/schema_snapshot.json": snapshot_text(catalog),
        "tests/db_support.py": _render("db_support.py.j2", view),
        "tests/test_data_layer.py": _render("test_data_layer.py.j2", view),
        "tests/test_rls.py": _render("test_rls.py.j2", view),
    }
    for path, text in migration_files(
        snapshot(catalog), previous, allow_destructive=allow_destructive
    ).items():
        files[path] = text
    return [EmittedFile(PurePosixPath(p), files[p].encode()) for p in sorted(files)]


def _render(template: str, view: dict[str, Any], **extra: Any) -> str:
    # Python files are checked and formatted once, with the rest of the tree, by emit_service.
    return render(f"{TEMPLATES}/{template}", header=generated_header(), **view, **extra)


# --- the view model ---------------------------------------------------------------------------


def data_view(model: Service, catalog: Catalog) -> dict[str, Any]:
    svc = model.name.snake
    tenant = next(t for t in catalog.tables if t.kind is TableKind.TENANT)
    tables = [_model_view(t) for t in catalog.tables]
    exported = sorted(t.class_name for t in catalog.tables)
    factories = [_factory_view(t, catalog) for t in catalog.tables]
    composite_refs = [
        {
            "child": t.class_name,
            "field": fk.columns[-1],
            "child_factory": f"make_{_snake(t)}",
            "parent_factory": f"make_{_snake(catalog.table(fk.ref_table))}",
        }
        for t in catalog.tables
        for fk in t.foreign_keys
        if fk.columns[0] == TENANT_COLUMN and len(fk.columns) > 1
    ]
    set_null_refs = [
        {
            "child": t.class_name,
            "parent": catalog.table(fk.ref_table).class_name,
            "field": fk.columns[-1],
            "child_factory": f"make_{_snake(t)}",
            "parent_factory": f"make_{_snake(catalog.table(fk.ref_table))}",
        }
        for t in catalog.tables
        for fk in t.foreign_keys
        if fk.ondelete.startswith("SET NULL") and fk.columns[0] == TENANT_COLUMN
    ]
    sample_types = {s["kind"] for f in factories for s in f["samples"]}
    needs_decimal = any(c.type.python_type == "Decimal" for t in catalog.tables for c in t.columns)
    needs_jsonb = any(c.type.kind == "list" for t in catalog.tables for c in t.columns)
    decimal = ["from decimal import Decimal"]
    return {
        # the standard-library imports of models.py and the two test modules
        "model_imports": [
            "import datetime as dt",
            "import uuid",
            *(decimal if needs_decimal else []),
            "from typing import Any, ClassVar",
            *(["from sqlalchemy.dialects.postgresql import JSONB"] if needs_jsonb else []),
        ],
        "data_test_imports": [
            "import datetime as dt",
            "import uuid",
            "from collections.abc import Iterator",
            *(decimal if "decimal" in sample_types else []),
            "from typing import Any",
        ],
        "rls_test_imports": [
            *(["import datetime as dt"] if sample_types & {"date", "datetime"} else []),
            "import os",
            "import re",
            "import secrets",
            "import uuid",
            "import warnings",
            "from collections.abc import Iterator",
            *(decimal if "decimal" in sample_types else []),
            "from typing import Any",
        ],
        "service": svc,
        "title": model.title,
        "default_url": f"sqlite:///./{svc}.db",
        "tenant_class": tenant.class_name,
        "tables": tables,
        "exported": exported,
        "factories": factories,
        "scoped_factories": [f for f in factories if f["kind"] == "scoped"],
        "tenant_factory": next(f for f in factories if f["kind"] == "tenant"),
        "composite_refs": composite_refs,
        "set_null_refs": set_null_refs,
        "rls_tables": [
            {"name": t.name, "column": t.rls_column, "class_name": t.class_name}
            for t in catalog.rls_tables
        ],
    }


def _snake(table: Table) -> str:
    return table.entity.name.snake if table.entity else table.name.removesuffix("s")


def _model_view(table: Table) -> dict[str, Any]:
    bases = {
        TableKind.SCOPED: "TenantScoped, Base",
        TableKind.TENANT: "TenantRoot, Base",
        TableKind.GLOBAL: "Base",
    }[table.kind]
    args = [f"sa.PrimaryKeyConstraint({_q('id')}, name={_q(table.pk_name)})"]
    args += [f"sa.UniqueConstraint({_args(u.columns)}, name={_q(u.name)})" for u in table.uniques]
    args += [
        f"sa.ForeignKeyConstraint({_list(fk.columns)}, {_list(fk.targets)}, "
        f"name={_q(fk.name)}, ondelete={_q(fk.ondelete)})"
        for fk in table.foreign_keys
    ]
    args += [f"sa.CheckConstraint({_q(c.sqltext)}, name={_q(c.name)})" for c in table.checks]
    args += [_index_expr(i.name, i.columns, i.unique, i.where, i.gin) for i in table.indexes]
    if table.append_only:
        # Read by db_security: the app role gets SELECT and INSERT only (audit records).
        args.append('{"info": {"append_only": True}}')
    columns = [_column_line(c) for c in table.columns if c.name != TENANT_COLUMN]
    doc = (table.description or f"The {table.name} table.").strip()
    return {
        "class_name": table.class_name,
        "name": table.name,
        "bases": bases,
        "doc": doc,
        "table_args": args,
        "columns": columns,
        # the optimistic-locking column (ETag) of versioned tables
        "mapper_lines": ['__mapper_args__ = {"version_id_col": version}']
        if table.versioned
        else [],
    }


def _index_expr(
    name: str, columns: tuple[str, ...], unique: bool, where: str | None, gin: bool = False
) -> str:
    parts = [_q(name), _args(columns)]
    if unique:
        parts.append("unique=True")
    if where:
        parts += [f"sqlite_where=sa.text({_q(where)})", f"postgresql_where=sa.text({_q(where)})"]
    parts += gin_options(columns) if gin else []
    return f"sa.Index({', '.join(parts)})"


def _column_line(column: Column) -> str:
    kwargs = [column.type.model_expr]
    if column.primary_key:
        kwargs.append("sort_order=-2")
    else:
        kwargs.append(f"nullable={column.nullable}")
    if column.default:
        kwargs.append(f"default={column.default}")
    if column.onupdate:
        kwargs.append(f"onupdate={column.onupdate}")
    if column.server_default is not None:
        kwargs.append(f"server_default=sa.text({_q(column.server_default)})")
    return f"{column.name}: {column.annotation} = mapped_column({', '.join(kwargs)})"


# --- test factories ---------------------------------------------------------------------------

_SYSTEM_SAMPLES = {
    "outbox_events": [("event_type", '"test.event"', "str"), ("payload", '{"n": 1}', "json")],
    "transition_records": [
        ("entity", '"thing"', "str"),
        ("entity_id", "uuid.uuid4()", "uuid"),
        ("transition", '"go"', "str"),
        ("from_state", '"a"', "str"),
        ("to_state", '"b"', "str"),
    ],
}


def _factory_view(table: Table, catalog: Catalog) -> dict[str, Any]:
    samples: list[dict[str, str]] = []
    parents: list[dict[str, str]] = []
    if table.entity is None:
        samples = [{"field": f, "expr": e, "kind": k} for f, e, k in _SYSTEM_SAMPLES[table.name]]
    else:
        for column in table.field_columns:
            f = column.field
            assert f is not None
            if column.nullable or column.default is not None:
                continue
            if f.type is FieldType.REF:
                fk = next(fk for fk in table.foreign_keys if fk.columns[-1] == column.name)
                parents.append(
                    {"field": column.name, "factory": f"make_{_snake(catalog.table(fk.ref_table))}"}
                )
                continue
            expr, kind = _sample(f)
            samples.append({"field": column.name, "expr": expr, "kind": kind})
    touch = next(
        (c.name for c in table.columns if c.name in ("updated_at", "published_at", "occurred_at")),
        "id",
    )
    return {
        "name": f"make_{_snake(table)}",
        "class_name": table.class_name,
        "table": table.name,
        "kind": table.kind.value,
        "samples": samples,
        "parents": parents,
        "touch": touch,
    }


def _sample(f: Any) -> tuple[str, str]:
    size = min(f.max_length or 16, 32)
    size = max(size, min(f.min_length or 1, 32))
    match f.type:
        case FieldType.STRING | FieldType.TEXT | FieldType.PRINCIPAL:
            return f"_text({size})", "str"
        case FieldType.EMAIL:
            return "_text(12) + '@example.com'", "str"
        case FieldType.URL:
            return "'https://example.com/' + _text(8)", "str"
        case FieldType.ENUM:
            return repr(f.enum_values[0]), "str"
        case FieldType.INTEGER:
            value = int(f.minimum) if f.minimum is not None else 1
            if f.maximum is not None:
                value = min(value, int(f.maximum))
            return str(value), "int"
        case FieldType.DECIMAL | FieldType.MONEY:
            value = f.minimum if f.minimum is not None else "1.00"
            return f'Decimal("{value}")', "decimal"
        case FieldType.BOOLEAN:
            return "True", "bool"
        case FieldType.DATE:
            return "dt.date(2026, 1, 1)", "date"
        case FieldType.DATETIME:
            return "dt.datetime(2026, 1, 1, tzinfo=dt.UTC)", "datetime"
        case FieldType.UUID:
            return "uuid.uuid4()", "uuid"
        case FieldType.JSON:
            return "{}", "json"
        case FieldType.LIST:
            return "[]", "json"
    raise ValueError(f"no sample value for {f.type}")  # pragma: no cover


# --- Python source helpers --------------------------------------------------------------------


def _args(values: tuple[str, ...]) -> str:
    return ", ".join(_q(v) for v in values)


def _list(values: tuple[str, ...]) -> str:
    return f"[{_args(values)}]"


def read_previous(out_dir: Path) -> PreviousOutput | None:
    """Convenience for the orchestrator: what an earlier generation left in ``out_dir``."""
    return PreviousOutput.read(out_dir)
