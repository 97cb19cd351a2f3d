"""`specfoundry docs`: what the site says, that it is deterministic, and that --check works.

The browser check of the built site is in test_docs_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specfoundry.cli import app
from specfoundry.compiler import compile_spec
from specfoundry.emit.docs import emit_docs
from specfoundry.emit.docs.diagrams import state_diagram
from specfoundry.emit.docs.policies import initial_migration_sql
from specfoundry.emit.docs.sentences import sentence
from specfoundry.model import Service
from tests.docs.conftest import EXAMPLES


def _text(site: dict[str, bytes], path: str) -> str:
    return site[path].decode()


def _condition(model: Service, entity: str, action: str, role: str) -> str:
    rule = model.permissions.rule(entity, action)
    assert rule is not None
    grant = next(g for g in rule.grants if g.role.raw == role)
    assert grant.condition is not None
    return sentence(grant.condition, entity)


def test_conditions_read_as_sentences(models: dict[str, Service]) -> None:
    model = models["analytics"]
    assert _condition(model, "dashboard", "update", "analyst") == (
        "the caller is the dashboard's owner"
    )
    assert _condition(model, "dashboard", "read", "viewer") == (
        "the dashboard's visibility is `workspace` or the caller is the dashboard's owner"
    )
    assert _condition(model, "data_source", "update", "analyst") == (
        "the data source's status is `draft`, `paused` or `failing`"
    )
    machine = model.machine_for("data_source")[0]
    connect = machine.transition("connect")
    assert connect is not None and connect.guard is not None
    assert sentence(connect.guard, "data_source") == "the data source's host is set"


def test_permission_matrix_with_inheritance_and_conditions(
    sites: dict[str, dict[str, bytes]],
) -> None:
    page = _text(sites["analytics"], "docs/resources/dashboard.md")
    rows = {
        line.split("|")[1].strip(): line for line in page.splitlines() if line.startswith("| `")
    }
    # owner inherits admin's unconditional update; analyst only on its own dashboards.
    assert "| if (" in rows["`analyst`"] and "| yes |" in rows["`owner`"]
    assert "only when the caller is the dashboard's owner (analyst update, analyst delete)" in page
    permissions = _text(sites["analytics"], "docs/permissions.md")
    assert "r_analyst -->|inherits| r_viewer" in permissions
    assert "class r_support crossTenant" in permissions


def test_state_diagram_edges_carry_roles_guards_effects_events(models: dict[str, Service]) -> None:
    model = models["analytics"]
    source = state_diagram(model.machine_for("data_source")[0], model)
    assert "[*] --> s_draft" in source and "s_disconnected --> [*]" in source
    edge = next(line for line in source.splitlines() if "s_connecting --> s_active" in line)
    assert edge.split(" : ", 1)[1] == (
        "mark_connected<br>by admin<br>sets connected_at to now<br>sets last_error to empty"
        "<br>emits data_source.connected"
    )
    guarded = next(line for line in source.splitlines() if "s_draft --> s_connecting" in line)
    assert "when the data source's host is set" in guarded


def test_tenancy_page_shows_the_migrations_own_policy_sql(
    models: dict[str, Service], sites: dict[str, dict[str, bytes]]
) -> None:
    model = models["analytics"]
    migration = initial_migration_sql(model)
    page = _text(sites["analytics"], "docs/tenancy.md")
    policies = re.findall(r"^CREATE POLICY tenant_isolation ON (\w+) .*;$", page, re.MULTILINE)
    # Every table with row-level security, exactly as the generated migration creates it.
    assert sorted(policies) == sorted(
        re.findall(r"^CREATE POLICY tenant_isolation ON (\w+) ", migration, re.MULTILINE)
    )
    assert {"dashboards", "workspaces", "transition_records"} <= set(policies)
    for line in page.splitlines():
        if line.startswith("CREATE POLICY") or line.startswith("ALTER TABLE"):
            assert line in migration
    assert "CREATE POLICY operator_access ON ' || quote_ident(t) || ' TO '" in page
    assert "insights_operator" in page


def test_data_inventory_flags_and_readers(sites: dict[str, dict[str, bytes]]) -> None:
    page = _text(sites["analytics"], "docs/data-inventory.md")
    email = next(line for line in page.splitlines() if "[member]" in line and "`email`" in line)
    assert "personal" in email and "viewer, analyst, admin, owner" in email
    host = next(line for line in page.splitlines() if "[data_source]" in line and "`host`" in line)
    assert "sensitive" in host


def test_api_pages_from_the_contract(sites: dict[str, dict[str, bytes]]) -> None:
    api = _text(sites["analytics"], "docs/api.md")
    assert "| `team` | read 600/minute, write 120/minute |" in api
    assert "| `list_dashboards` | every plan | 400 ms | — | — | 0.2/s |" in api
    assert "| read | `enterprise` | 200 ms | — | — | — |" in api
    deprecated = "| DELETE `/v1/data-sources/{id}` | `delete_data_source` |"
    assert f"{deprecated} 2026-09-01 | 2027-03-01 |" in api
    reference = _text(sites["analytics"], "docs/api-reference.md")
    assert "### GET `/v1/dashboards`" in reference
    assert "### Dashboard { #schema-dashboard }" in reference


def test_offline_and_deterministic(
    models: dict[str, Service], sites: dict[str, dict[str, bytes]]
) -> None:
    site = sites["analytics"]
    config = _text(site, "mkdocs.yml")
    assert "font: false" in config and "assets/mermaid.min.js" in config
    assert b'globalThis["mermaid"]' in site["docs/assets/mermaid.min.js"]
    text = b"".join(v for k, v in site.items() if not k.endswith(".js"))
    assert b"http://" not in text.replace(b"http://127.0.0.1", b"")
    assert re.search(rb"20\d\d-\d\d-\d\dT", text) is None  # no build timestamps
    again = emit_docs(compile_spec(EXAMPLES["analytics"]).model)  # type: ignore[arg-type]
    assert again == site


def test_docs_check_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    spec, out = str(EXAMPLES["minimal"]), tmp_path / "site"
    result = runner.invoke(app, ["docs", spec, "-o", str(out), "--no-build"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["docs", spec, "-o", str(out), "--check"]).exit_code == 0
    page = next((out / "docs" / "resources").glob("*.md"))
    page.write_text(page.read_text() + "edited\n")
    stale = runner.invoke(app, ["docs", spec, "-o", str(out), "--check"])
    assert stale.exit_code == 1 and f"stale: docs/resources/{page.name}" in stale.output
    runner.invoke(app, ["docs", spec, "-o", str(out), "--no-build"])
    (out / "docs" / "leftover.md").write_text("old page\n")
    extra = runner.invoke(app, ["docs", spec, "-o", str(out), "--check"])
    assert extra.exit_code == 1 and "not generated: docs/leftover.md" in extra.output
    runner.invoke(app, ["docs", spec, "-o", str(out), "--no-build"])
    assert not (out / "docs" / "leftover.md").exists()
    assert runner.invoke(app, ["docs", spec, "-o", str(out), "--check"]).exit_code == 0


@pytest.mark.parametrize("flag", ["sensitive", "personal"])
def test_field_flags_reach_the_model_and_the_inventory(tmp_path: Path, flag: str) -> None:
    text = (EXAMPLES["minimal"] / "spec.yaml").read_text()
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace("body: {type: text}", f"body: {{type: text, {flag}: true}}"))
    model = compile_spec(spec).model
    assert model is not None
    flagged = [f.name.raw for e in model.entities for f in e.fields if getattr(f, flag)]
    assert flagged == ["body"]
    page = emit_docs(model)["docs/data-inventory.md"].decode()
    assert (
        f"| [note](resources/note.md) | `body` | {'sensitive' if flag == 'sensitive' else ''} |"
        in page
    )


def test_since_adds_the_changelog_page(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(
        app, ["docs", str(EXAMPLES["minimal"]), "-o", str(out), "--no-build", "--since", "HEAD"]
    )
    assert result.exit_code == 0, result.output
    changes = (out / "docs" / "changes.md").read_text()
    assert "# API changes: `HEAD:" in changes
    assert "  - Changes: changes.md" in (out / "mkdocs.yml").read_text()
    bad = CliRunner().invoke(
        app, ["docs", str(EXAMPLES["minimal"]), "-o", str(out), "--since", "no-such-rev"]
    )
    assert bad.exit_code == 2


def test_data_inventory_follows_field_read_and_write_rules() -> None:
    """The projects example's `estimate_hours` is read by members only (guests may read the
    task, not the field) and written under a condition: "who can read" showed every reader
    of the task, guests included, and "who can write" no condition."""
    from specfoundry.compiler import load_model

    root = Path(__file__).resolve().parents[2]
    page = emit_docs(load_model(root / "examples" / "projects"))["docs/data-inventory.md"]
    estimate = next(
        line for line in page.decode().splitlines() if line.startswith("| `estimate_hours`")
    )
    readers, writers = estimate.split(" | ")[4:6]
    assert "guest" not in readers and readers.startswith("member (when")
    assert "admin" in readers and "owner" in readers
    assert "only when the caller holds `admin` or `owner`" in writers
    title = next(line for line in page.decode().splitlines() if line.startswith("| `title`"))
    assert "guest (when" in title.split(" | ")[4]
