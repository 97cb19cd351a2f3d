"""Constraint and index names of the catalog are unique across the database, whatever the spec.

Names are the catalog's, not the user's: a spec that validates must never make two of them
meet (it used to stop ``generate`` with a CatalogError traceback).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from specfoundry.compiler import compile_spec
from specfoundry.emit.service.catalog import Catalog, build_catalog

HEAD = """\
service: {name: notes, version: 0.1.0}
tenancy: {tenant_entity: team}
entities:
  team:
    tenant_scoped: false
    fields:
      name: {type: string, required: true}
"""
TAIL = """\
permissions:
  roles: {reader: {}}
  rules: {note: {read: [reader]}}
api:
  resources:
    notes: {entity: note, operations: [read]}
"""


def catalog_of(tmp_path: Path, entities: str) -> Catalog:
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + entities + TAIL, encoding="utf-8")
    result = compile_spec(spec)
    assert result.model is not None, [d.render() for d in result.diagnostics]
    return build_catalog(result.model)


def names(catalog: Catalog) -> list[str]:
    found = []
    for table in catalog.tables:
        found.append(table.pk_name)
        for group in (table.uniques, table.checks, table.foreign_keys, table.indexes):
            found += [item.name for item in group]
    return found


def index_columns(catalog: Catalog, table: str) -> dict[str, tuple[str, ...]]:
    t = catalog.table(table)
    return {i.name: i.columns for i in t.indexes} | {u.name: u.columns for u in t.uniques}


CLASHES = {
    # A filterable field's index and a spec index on that one field: both ix_notes_title.
    "filterable-and-index": """\
  note:
    fields:
      title: {type: string, filterable: true}
    indexes:
      - [title]
""",
    # uq_<table>_<field> of table notes field title_x is uq_<table>_<field> of notes_title, x.
    "across-tables": """\
  note:
    fields:
      title_x: {type: string, unique: true}
  other:
    table: notes_title
    fields:
      x: {type: string, unique: true}
""",
    # A spec index [a, b] and a filterable field a_b: both ix_notes_a_b.
    "index-and-field": """\
  note:
    fields:
      a: {type: string}
      b: {type: string}
      a_b: {type: string, filterable: true}
    indexes:
      - [a, b]
""",
}


@pytest.mark.parametrize("case", sorted(CLASHES))
def test_names_that_meet_are_told_apart(tmp_path: Path, case: str) -> None:
    catalog = catalog_of(tmp_path, CLASHES[case])
    all_names = names(catalog)
    assert len(all_names) == len(set(all_names))
    assert all(len(name) <= 63 for name in all_names)
    # Deterministic: the same spec gives the same names.
    assert names(catalog_of(tmp_path, CLASHES[case])) == all_names


def test_the_first_holder_keeps_the_readable_name(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, CLASHES["filterable-and-index"])
    columns = index_columns(catalog, "notes")
    assert columns["ix_notes_title"] == ("tenant_id", "title", "created_at", "id")
    renamed = [n for n in columns if n.startswith("ix_notes_title_")]
    assert len(renamed) == 1 and columns[renamed[0]] == ("tenant_id", "title")


def test_a_unique_index_repeating_a_unique_field_is_one_constraint(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
  note:
    fields:
      title: {type: string, unique: true}
    indexes:
      - {fields: [title], unique: true}
""",
    )
    notes = catalog.table("notes")
    assert [u.name for u in notes.uniques] == ["uq_notes_tenant_id_id", "uq_notes_title"]
    assert not [i for i in notes.indexes if i.columns == ("tenant_id", "title")]
