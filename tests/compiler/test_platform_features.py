"""Lowering of the platform features (API keys, audit log, cache) and their built-in entities."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from specfoundry.compiler import load_model
from specfoundry.emit.service.platform_views import platform_view
from specfoundry.lower.platform.common import top_role
from specfoundry.model.entities import EntityOrigin

ROOT = Path(__file__).resolve().parents[2]


def test_analytics_switches_every_feature_on() -> None:
    model = load_model(ROOT / "examples" / "analytics")
    keys, audit, cache = model.platform.api_keys, model.platform.audit, model.platform.cache
    assert keys is not None and keys.prefix == "insights_sk_" and keys.roles == ("admin",)
    assert keys.max_lifetime_days == 365 and keys.location is not None
    assert audit is not None and audit.roles == ("owner",)
    assert cache is not None and cache.resources == ("dashboards", "projects")
    built_in = {e.name.raw: e for e in model.entities if e.origin is EntityOrigin.PLATFORM}
    assert {"api_key", "audit_event"} <= set(built_in)
    assert built_in["audit_event"].append_only and not built_in["api_key"].append_only
    secret = built_in["api_key"].field("secret_hash")
    assert secret is not None and secret.sensitive
    email = next(e for e in model.entities if e.name.raw == "member").field("email")
    assert email is not None and email.sensitive
    view = platform_view(model)
    assert view.modules == ("apikeys", "audit", "webhooks", "jobs", "deadletters", "cache")
    hooks = model.platform.webhooks
    assert hooks is not None and hooks.roles == ("admin",) and hooks.attempts == 10
    assert {"webhook_endpoint", "webhook_delivery", "processed_event"} <= set(built_in)
    assert built_in["webhook_endpoint"].tenant_scoped and built_in["webhook_delivery"].tenant_scoped
    endpoint_secret = built_in["webhook_endpoint"].field("secret")
    assert endpoint_secret is not None and endpoint_secret.sensitive
    assert view.webhooks is not None and view.webhooks.manager_roles == ("admin", "owner")
    assert view.api_keys is not None and view.api_keys.manager_roles == ("admin", "owner")
    cached = {c.resource: c.per_subject for c in view.cache.cached} if view.cache else {}
    # dashboards' read rule looks at principal.id; projects' does not.
    assert cached == {"dashboards": True, "projects": False}
    audited = {a.resource_type: a.sensitive for a in view.audit.audited} if view.audit else {}
    assert audited["member"] == ("email",) and audited["api_key"] == ("secret_hash",)
    assert "audit_event" not in audited and "webhook_endpoint" not in audited
    assert cache.lists == ("dashboards",)
    assert view.cache is not None and view.cache.list_probe
    assert {c.resource: c.lists for c in view.cache.cached} == {
        "dashboards": True,
        "projects": False,
    }
    # Deleting a data source sets dashboards.data_source_id to NULL in the database; deleting a
    # project cascades to its data sources: both change dashboard list pages.
    assert view.cache.cascades == (("DataSource", ("dashboards",)), ("Project", ("dashboards",)))
    # The API keys' events are built in: the spec does not declare them.
    events = {e.name: e for e in model.events}
    assert [f.name.raw for f in events["api_key.revoked"].payload] == [
        "api_key_id",
        "name",
        "actor",
    ]
    assert "api_key.created" in events


def test_built_in_events_merge_with_a_declaration(tmp_path: Path) -> None:
    from specfoundry.lower.platform import merge_events, platform_events

    data = {"service": {"name": "x"}, "api": {"api_keys": {"roles": ["owner"]}}}
    built_in = platform_events(data)
    assert [e.name for e in built_in] == ["api_key.created", "api_key.revoked"]
    assert platform_events({"service": {"name": "x"}}) == ()
    declared = replace(built_in[1], payload=built_in[1].payload[:1], description="Ours.")
    merged = merge_events((declared,), built_in)
    assert [e.name for e in merged] == ["api_key.created", "api_key.revoked"]
    assert merged[1].description == "Ours." and merged[1].payload == built_in[1].payload


def test_minimal_has_no_platform_feature() -> None:
    model = load_model(ROOT / "examples" / "minimal")
    assert (model.platform.api_keys, model.platform.audit, model.platform.cache) == (None,) * 3
    assert all(e.origin is EntityOrigin.SPEC for e in model.entities)
    assert platform_view(model).modules == ()


def test_top_role_includes_the_most_others() -> None:
    roles = {
        "viewer": {},
        "admin": {"inherits": ["viewer"]},
        "owner": {"inherits": ["admin"]},
        "support": {},
    }
    assert top_role({"permissions": {"roles": roles}}) == ("owner",)
    assert top_role({}) == ()
    assert top_role({"permissions": {"roles": {"a": {}, "b": {}}}}) == ("a",)


def test_an_export_without_columns_leaves_fields_with_read_rules_out(tmp_path: Path) -> None:
    """The CSV is written once for the starter, without per-caller visibility: a field only
    some roles may read must never be in it (explicit columns: SF396)."""
    from specfoundry.emit.service.jobs_view import _work

    case = ROOT / "tests" / "compiler" / "cases" / "SF396-export-hidden-column" / "spec.yaml"
    spec = tmp_path / "spec.yaml"
    spec.write_text(case.read_text().replace("    columns: [id, title, internal]\n", ""))
    model = load_model(spec)
    (job,) = model.platform.jobs.jobs
    text, _, _ = _work(model, job)
    assert "'title'" in text and "'internal'" not in text


def test_cache_varies_per_caller_when_a_rule_reads_memberships(tmp_path: Path) -> None:
    """Two members with the same roles see different tasks (project memberships) and tasks
    shared with different guests: the cached answer must be keyed by the caller, not only by
    the roles. ``principal in resource...members`` and ``role_in`` read the caller's subject
    though no condition spells ``principal.id``; roles read from a membership table do too."""
    import shutil

    spec = tmp_path / "projects"
    shutil.copytree(ROOT / "examples" / "projects", spec)
    # Rules that read memberships only (no `principal.id` written anywhere).
    rules = spec / "permissions.yaml"
    text = rules.read_text().replace(" or resource.project.owner_id == principal.id", "")
    rules.write_text(text.replace(" or resource.task.project.owner_id == principal.id", ""))
    with (spec / "service.yaml").open("a") as out:
        out.write("cache:\n  ttl_seconds: 60\n  resources: [{name: tasks, lists: true}, members]\n")
    model = load_model(spec)
    view = platform_view(model)
    assert view.cache is not None
    cached = {c.resource: c.per_subject for c in view.cache.cached}
    # tasks: membership tests; members: plain role rules, but roles come from the member table.
    assert cached == {"tasks": True, "members": True}


def test_members_say_where_tenant_roles_come_from(tmp_path: Path) -> None:
    """`tenancy.members.roles: union` is what `tenancy.roles_from: {..., prefer: union}` was
    (one key for the member table instead of two naming the same entity); the old key still
    works, with the SF421 warning, and the new one wins when both are written."""
    import shutil

    from specfoundry.compiler import compile_spec

    model = load_model(ROOT / "examples" / "projects")
    source = model.tenancy.roles_from
    assert source is not None and source.key == "members"
    assert (source.entity.raw, source.subject.raw, source.role.raw, source.prefer) == (
        "member",
        "user_id",
        "role",
        "union",
    )
    old = (ROOT / "examples" / "projects" / "service.yaml").read_text()
    spec_dir = tmp_path / "old"
    shutil.copytree(ROOT / "examples" / "projects", spec_dir)
    (spec_dir / "service.yaml").write_text(
        old.replace(
            "members: {entity: member, subject: user_id, role: role, roles: union}",
            "roles_from: {entity: member, subject: user_id, role: role, prefer: membership}\n"
            "  members: {entity: member, subject: user_id, role: role}",
        )
    )
    result = compile_spec(spec_dir)
    assert [d.code for d in result.diagnostics] == ["SF421"]
    assert result.model is not None and result.model.tenancy.roles_from is not None
    assert result.model.tenancy.roles_from.prefer == "membership"
    assert result.model.tenancy.roles_from.key == "roles_from"
