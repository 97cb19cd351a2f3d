"""The catalog view model: names, keys and indexes derived from the IR."""

from __future__ import annotations

import dataclasses

import pytest

from specfoundry.emit.service.catalog import (
    CatalogError,
    TableKind,
    build_catalog,
    identifier,
    snapshot_text,
)
from specfoundry.model import Service


def test_identifier_is_cut_to_63_with_a_stable_hash() -> None:
    assert identifier("ix", "members", "email") == "ix_members_email"
    long = identifier("ix", "a" * 40, "b" * 40)
    assert len(long) == 63 and long == identifier("ix", "a" * 40, "b" * 40)
    assert long != identifier("ix", "a" * 40, "b" * 39 + "c")


def test_tenant_table_keys_and_references(models: dict[str, Service]) -> None:
    catalog = build_catalog(models["analytics"])
    workspaces = catalog.table("workspaces")
    assert workspaces.kind is TableKind.TENANT and workspaces.rls_column == "id"
    assert "tenant_id" not in {c.name for c in workspaces.columns}
    dashboards = catalog.table("dashboards")
    assert dashboards.kind is TableKind.SCOPED
    assert [u.columns for u in dashboards.uniques] == [("tenant_id", "id")]
    foreign_keys = {
        (fk.columns, fk.ref_table, fk.ref_columns, fk.ondelete) for fk in dashboards.foreign_keys
    }
    assert {
        (("tenant_id",), "workspaces", ("id",), "RESTRICT"),
        (("tenant_id", "project_id"), "projects", ("tenant_id", "id"), "RESTRICT"),
        (
            ("tenant_id", "data_source_id"),
            "data_sources",
            ("tenant_id", "id"),
            "SET NULL (data_source_id)",
        ),
    } <= foreign_keys
    # Every tenant-owned table references the tenant table, the system tables included.
    for table in catalog.tables:
        if table.kind is TableKind.SCOPED:
            assert ("tenant_id",) in {fk.columns for fk in table.foreign_keys}, table.name
    # the transition log and, with `audit:`, the audit log are append-only for the app role
    append_only = [t.name for t in catalog.tables if t.append_only]
    assert sorted(append_only) == ["audit_events", "transition_records"]
    indexes = {i.name: i.columns for i in dashboards.indexes}
    assert indexes["ix_dashboards_created_at"] == ("tenant_id", "created_at", "id")
    assert indexes["ix_dashboards_title"] == ("tenant_id", "title", "created_at", "id")
    assert indexes["ix_dashboards_project_id_title"] == ("tenant_id", "project_id", "title")


def test_uniques_are_per_tenant_and_partial_for_soft_delete(models: dict[str, Service]) -> None:
    catalog = build_catalog(models["analytics"])
    members = catalog.table("members")
    assert {u.name: u.columns for u in members.uniques} == {
        "uq_members_tenant_id_id": ("tenant_id", "id"),
        "uq_members_user_id": ("tenant_id", "user_id"),
        "uq_members_email": ("tenant_id", "email"),
    }
    projects = catalog.table("projects")
    (name_unique,) = [i for i in projects.indexes if i.unique]
    assert name_unique.columns == ("tenant_id", "name")
    assert name_unique.where == "deleted_at IS NULL"


def test_types_defaults_and_checks(models: dict[str, Service]) -> None:
    catalog = build_catalog(models["analytics"])
    subs = catalog.table("subscriptions")
    status = subs.column("status")
    assert (status.nullable, status.default, status.server_default) == (
        False,
        "'incomplete'",
        "'incomplete'",
    )
    assert subs.column("monthly_price").type.sa_expr == "sa.Numeric(precision=19, scale=4)"
    assert subs.column("monthly_price").default == 'Decimal("0.00")'
    assert subs.column("trial_ends_at").type.model_expr == "UTCDateTime()"
    checks = {c.name: c.sqltext for c in subs.checks}
    assert checks["ck_subscriptions_plan"] == "plan IN ('free', 'team', 'enterprise')"
    assert catalog.table("projects").column("archived").server_default == "false"


def test_parents_come_before_children_and_system_tables_last(
    models: dict[str, Service],
) -> None:
    names = [t.name for t in build_catalog(models["analytics"]).tables]
    assert names.index("projects") < names.index("dashboards")
    assert names[-2:] == ["outbox_events", "transition_records"]


def test_deterministic_snapshot(models: dict[str, Service]) -> None:
    model = models["analytics"]
    assert snapshot_text(build_catalog(model)) == snapshot_text(build_catalog(model))


def test_reserved_class_names_are_refused(models: dict[str, Service]) -> None:
    model = models["minimal"]
    note = model.entity("note")
    assert note is not None
    clash = dataclasses.replace(note, table="outbox_events")
    broken = dataclasses.replace(
        model, entities=tuple(clash if e is note else e for e in model.entities)
    )
    with pytest.raises(CatalogError, match="reserved"):
        build_catalog(broken)
