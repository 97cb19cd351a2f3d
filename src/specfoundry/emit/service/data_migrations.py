"""Alembic revisions rendered from schema snapshots (see :func:`catalog.snapshot`).

The first generation writes ``0001_initial.py`` creating the whole snapshot. Every later one
reads the previous ``migrations/schema_snapshot.json`` and revision files (:class:`PreviousOutput`),
re-emits those revisions unchanged and, when the schema changed, adds one revision
``NNNN_<hash8>`` with the difference: new tables, columns, constraints and indexes; dropped ones;
changed columns. Its downgrade is the difference the other way round. Steps that lose data
(dropping a table or column, changing a column's type) raise :class:`DestructiveChangeError`
listing them, unless the caller passes ``allow_destructive=True``.

PostgreSQL-only statements (RLS and the tenant policy) are ``op.execute`` calls that autogenerate
would never produce (saas-standards X-06). Roles, the operator policy and grants are not in the
revisions: ``migrations/env.py`` re-applies them after every run (``<svc>/db_setup.py``).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specfoundry.emit.render import generated_header, render
from specfoundry.emit.service.catalog import SqlType

SNAPSHOT_PATH = "migrations/schema_snapshot.json"
VERSIONS_DIR = "migrations/versions"
INITIAL_REVISION = "0001"
INITIAL_FILE = f"{VERSIONS_DIR}/0001_initial.py"


class MigrationError(ValueError):
    """The schema change cannot be expressed as a safe migration."""


class DestructiveChangeError(MigrationError):
    def __init__(self, steps: list[str]) -> None:
        self.steps = tuple(steps)
        listing = "\n".join(f"  - {s}" for s in steps)
        super().__init__(
            "the new schema needs destructive migration steps (data would be lost):\n"
            f"{listing}\npass allow_destructive=True to generate them anyway"
        )


@dataclass(frozen=True, slots=True)
class RevisionFile:
    path: str  # relative to the output folder, e.g. migrations/versions/0001_initial.py
    text: str

    @property
    def generated(self) -> bool:
        return self.text.startswith(generated_header().split(" Do not edit")[0].rsplit(" ", 1)[0])

    def ids(self) -> tuple[str | None, str | tuple[str, ...] | None]:
        # The identifiers sit above the first function: parse only that header (an initial
        # revision of a large spec is thousands of lines) unless a later top-level line
        # assigns them again.
        head, sep, rest = self.text.partition("\ndef ")
        if sep and re.search(r"^(down_)?revision\b", rest, re.MULTILINE):
            head = self.text
        try:
            body = ast.parse(head).body
        except SyntaxError:
            body = ast.parse(self.text).body
        revision = down = None
        for node in body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                if isinstance(target, ast.Name) and node.value is not None:
                    if target.id == "revision":
                        revision = ast.literal_eval(node.value)
                    elif target.id == "down_revision":
                        down = ast.literal_eval(node.value)
        return revision, down


@dataclass(frozen=True, slots=True)
class PreviousOutput:
    """What an earlier generation left in the output folder: snapshot and revision files."""

    snapshot: dict[str, Any] | None
    revisions: tuple[RevisionFile, ...] = field(default=())

    @classmethod
    def read(cls, out_dir: Path) -> PreviousOutput | None:
        snap_file = out_dir / SNAPSHOT_PATH
        versions = out_dir / VERSIONS_DIR
        revisions = tuple(
            RevisionFile(f"{VERSIONS_DIR}/{p.name}", p.read_text(encoding="utf-8"))
            for p in sorted(versions.glob("*.py"))
            if versions.is_dir()
        )
        if not snap_file.is_file() and not revisions:
            return None
        snap = json.loads(snap_file.read_text(encoding="utf-8")) if snap_file.is_file() else None
        return cls(snap, revisions)

    def head(self) -> str | None:
        ids = [r.ids() for r in self.revisions]
        revisions = {rev for rev, _ in ids if rev}
        pointed: set[str] = set()
        for _, down in ids:
            if isinstance(down, str):
                pointed.add(down)
            elif isinstance(down, tuple):
                pointed.update(down)
        heads = sorted(revisions - pointed)
        if len(heads) > 1:
            raise MigrationError(f"migrations/versions has several heads: {', '.join(heads)}")
        return heads[0] if heads else None


def migration_files(
    new: dict[str, Any], previous: PreviousOutput | None, *, allow_destructive: bool = False
) -> dict[str, str]:
    """Revision files (unformatted source) by path: the old ones unchanged plus any new one."""
    if previous is None or previous.snapshot is None or not previous.revisions:
        text = render_revision(
            INITIAL_REVISION, None, "Initial schema.", diff_ops({}, new), diff_ops(new, {})
        )
        return {INITIAL_FILE: text}
    files = {r.path: r.text for r in previous.revisions if r.generated}
    old = previous.snapshot
    upgrade = diff_ops(old, new)
    if not upgrade.steps:
        return files
    if upgrade.destructive and not allow_destructive:
        raise DestructiveChangeError(upgrade.destructive)
    downgrade = diff_ops(new, old)
    digest = hashlib.sha256(
        (json.dumps(old, sort_keys=True) + json.dumps(new, sort_keys=True)).encode()
    ).hexdigest()[:8]
    number = len(previous.revisions) + 1
    revision = f"{number:04d}_{digest}"
    summary = "; ".join(upgrade.summary) or "Schema update."
    files[f"{VERSIONS_DIR}/{revision}.py"] = render_revision(
        revision, previous.head(), summary, upgrade, downgrade
    )
    return files


# --- diffing ----------------------------------------------------------------------------------


@dataclass
class Ops:
    steps: list[str] = field(default_factory=list)  # Python statements
    summary: list[str] = field(default_factory=list)
    destructive: list[str] = field(default_factory=list)


def diff_ops(old: dict[str, Any], new: dict[str, Any]) -> Ops:
    """Alembic operations turning schema ``old`` into ``new`` (``{}`` is the empty schema)."""
    ops = Ops()
    old_tables: dict[str, Any] = old.get("tables", {})
    new_tables: dict[str, Any] = new.get("tables", {})
    old_order = [t for t in old.get("order", []) if t in old_tables]
    new_order = [t for t in new.get("order", []) if t in new_tables]
    dropped = [t for t in reversed(old_order) if t not in new_tables]
    added = [t for t in new_order if t not in old_tables]
    kept = [t for t in new_order if t in old_tables]

    # Constraints that go away first (they may point at tables dropped below).
    for name in kept:
        _alter_table(ops, old_tables[name], new_tables[name], phase="drop")
    for name in dropped:
        ops.steps.append(f"op.drop_table({_q(name)})")
        ops.summary.append(f"drop table {name}")
        ops.destructive.append(f"drop table {name} (all its rows)")
    for name in added:
        _create_table(ops, new_tables[name])
        ops.summary.append(f"create table {name}")
    for name in kept:
        _alter_table(ops, old_tables[name], new_tables[name], phase="add")
    return ops


def _create_table(ops: Ops, table: dict[str, Any]) -> None:
    name = table["name"]
    items = [_q(name)]
    items += [_column_expr(c) for c in table["columns"]]
    pk = table["primary_key"]
    items.append(f"sa.PrimaryKeyConstraint({_args(pk['columns'])}, name={_q(pk['name'])})")
    items += [_unique_expr(u) for u in table["uniques"]]
    items += [_fk_expr(f) for f in table["foreign_keys"]]
    items += [_check_expr(c) for c in table["checks"]]
    ops.steps.append(f"op.create_table({', '.join(items)})")
    for index in table["indexes"]:
        ops.steps.append(_create_index(name, index))
    if table.get("rls_column"):
        ops.steps.append(f"_enable_rls({_q(name)}, {_q(table['rls_column'])})")


def _alter_table(ops: Ops, old: dict[str, Any], new: dict[str, Any], *, phase: str) -> None:
    name = new["name"]
    batch: list[str] = []
    kinds = (
        ("uniques", _unique_expr, "unique"),
        ("foreign_keys", _fk_expr, "foreignkey"),
        ("checks", _check_expr, "check"),
    )
    old_idx, new_idx = _by_name(old["indexes"]), _by_name(new["indexes"])
    if phase == "drop":
        for index_name, index in old_idx.items():
            if new_idx.get(index_name) != index:
                ops.steps.append(f"op.drop_index({_q(index_name)}, table_name={_q(name)})")
                if index_name not in new_idx:
                    ops.summary.append(f"drop index {index_name}")
        for key, _expr, type_ in kinds:
            old_c, new_c = _by_name(old[key]), _by_name(new[key])
            for cname, constraint in old_c.items():
                if new_c.get(cname) != constraint:
                    batch.append(f"batch_op.drop_constraint({_q(cname)}, type_={_q(type_)})")
                    if cname not in new_c:
                        ops.summary.append(f"drop constraint {cname}")
        if batch:
            ops.steps.append(_batch(name, batch))
        return

    old_cols, new_cols = _by_name(old["columns"]), _by_name(new["columns"])
    for cname in old_cols:
        if cname not in new_cols:
            batch.append(f"batch_op.drop_column({_q(cname)})")
            ops.summary.append(f"drop column {name}.{cname}")
            ops.destructive.append(f"drop column {name}.{cname} (its values)")
    for cname, column in new_cols.items():
        before = old_cols.get(cname)
        if before is None:
            if not column["nullable"] and column["server_default"] is None:
                raise MigrationError(
                    f"new column {name}.{cname} is NOT NULL without a default, so existing rows "
                    "cannot be migrated; give the field a default or make it optional"
                )
            batch.append(f"batch_op.add_column({_column_expr(column)})")
            ops.summary.append(f"add column {name}.{cname}")
        elif before != column:
            batch.append(_alter_column(before, column))
            ops.summary.append(f"alter column {name}.{cname}")
            if before["type"] != column["type"]:
                ops.destructive.append(
                    f"change type of {name}.{cname} from {_type_expr(before['type'])} to "
                    f"{_type_expr(column['type'])} (values may not convert)"
                )
    for key, _expr, _type in kinds:
        old_c, new_c = _by_name(old[key]), _by_name(new[key])
        for cname, constraint in new_c.items():
            if old_c.get(cname) != constraint:
                batch.append("batch_op.create_" + _CREATE[key] + _constraint_args(key, constraint))
                ops.summary.append(f"add constraint {cname}")
    if batch:
        ops.steps.append(_batch(name, batch))
    for index_name, index in new_idx.items():
        if old_idx.get(index_name) != index:
            ops.steps.append(_create_index(name, index))
            ops.summary.append(f"create index {index_name}")


_CREATE = {
    "uniques": "unique_constraint",
    "foreign_keys": "foreign_key",
    "checks": "check_constraint",
}


def _constraint_args(key: str, c: dict[str, Any]) -> str:
    if key == "uniques":
        return f"({_q(c['name'])}, {_list(c['columns'])})"
    if key == "checks":
        return f"({_q(c['name'])}, {_q(c['sqltext'])})"
    return (
        f"({_q(c['name'])}, {_q(c['ref_table'])}, {_list(c['columns'])}, "
        f"{_list(c['ref_columns'])}, ondelete={_q(c['ondelete'])})"
    )


def _alter_column(before: dict[str, Any], after: dict[str, Any]) -> str:
    args = [_q(after["name"]), f"existing_type={_type_expr(before['type'])}"]
    if before["type"] != after["type"]:
        args.append(f"type_={_type_expr(after['type'])}")
    if before["nullable"] != after["nullable"]:
        args.append(f"nullable={after['nullable']}")
    else:
        args.append(f"existing_nullable={after['nullable']}")
    if before["server_default"] != after["server_default"]:
        default = after["server_default"]
        args.append(f"server_default={_server_default(default) if default else None}")
    return f"batch_op.alter_column({', '.join(args)})"


def _batch(table: str, statements: list[str]) -> str:
    body = "\n".join(f"    {s}" for s in statements)
    return f"with op.batch_alter_table({_q(table)}) as batch_op:\n{body}"


def _by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


# --- expressions ------------------------------------------------------------------------------


def _type_expr(data: dict[str, Any]) -> str:
    return SqlType.from_json(data).sa_expr


def _server_default(sql: str) -> str:
    return f"sa.text({_q(sql)})"


def _column_expr(c: dict[str, Any]) -> str:
    args = [_q(c["name"]), _type_expr(c["type"])]
    if c["server_default"] is not None:
        args.append(f"server_default={_server_default(c['server_default'])}")
    args.append(f"nullable={c['nullable']}")
    return f"sa.Column({', '.join(args)})"


def _unique_expr(u: dict[str, Any]) -> str:
    return f"sa.UniqueConstraint({_args(u['columns'])}, name={_q(u['name'])})"


def _fk_expr(f: dict[str, Any]) -> str:
    targets = [f"{f['ref_table']}.{c}" for c in f["ref_columns"]]
    return (
        f"sa.ForeignKeyConstraint({_list(f['columns'])}, {_list(targets)}, "
        f"name={_q(f['name'])}, ondelete={_q(f['ondelete'])})"
    )


def _check_expr(c: dict[str, Any]) -> str:
    return f"sa.CheckConstraint({_q(c['sqltext'])}, name={_q(c['name'])})"


def _create_index(table: str, index: dict[str, Any]) -> str:
    args = [_q(index["name"]), _q(table), _list(index["columns"]), f"unique={index['unique']}"]
    if index.get("where"):
        where = _q(index["where"])
        args += [f"sqlite_where=sa.text({where})", f"postgresql_where=sa.text({where})"]
    if index.get("gin"):
        args += gin_options(index["columns"])
    return f"op.create_index({', '.join(args)})"


def gin_options(columns: tuple[str, ...] | list[str]) -> list[str]:
    """PostgreSQL's GIN index over a JSONB list column (``@>`` containment), as keyword
    arguments of ``sa.Index`` / ``op.create_index``; SQLite ignores them."""
    ops = ", ".join(f"{_q(c)}: {_q('jsonb_path_ops')}" for c in columns)
    return ['postgresql_using="gin"', f"postgresql_ops={{{ops}}}"]


def py_string(value: str, width: int = 60) -> str:
    """A Python string literal; long ones as implicit concatenation, cut after ", "."""
    if len(value) <= width:
        return json.dumps(value)
    pieces: list[str] = [""]
    for part in value.split(", "):
        if pieces[-1] and len(pieces[-1]) + len(part) + 2 > width:
            pieces[-1] += ", "
            pieces.append(part)
        else:
            pieces[-1] += (", " if pieces[-1] else "") + part
    return "(" + " ".join(json.dumps(p) for p in pieces) + ")"


_q = py_string


def _args(values: list[str]) -> str:
    return ", ".join(_q(v) for v in values)


def _list(values: list[str]) -> str:
    return f"[{_args(values)}]"


def render_revision(
    revision: str, down_revision: str | None, message: str, upgrade: Ops, downgrade: Ops
) -> str:
    return render(
        "service/data/migration.py.j2",
        header=generated_header(),
        revision=revision,
        down_revision=_q(down_revision) if down_revision else "None",
        message=message.replace('"""', "'''"),
        upgrade=upgrade.steps or ["pass"],
        downgrade=downgrade.steps or ["pass"],
        imports=_revision_imports(upgrade, downgrade),
    )


def _revision_imports(upgrade: Ops, downgrade: Ops) -> list[str]:
    """Imports the steps need beyond ``sa`` and ``op``: JSONB for list columns."""
    text = "\n".join(upgrade.steps + downgrade.steps)
    return ["from sqlalchemy.dialects.postgresql import JSONB"] if "JSONB()" in text else []
