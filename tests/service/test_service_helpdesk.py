"""The help desk test spec (tests/service/specs/helpdesk): the field-type constructs (`list`
and `principal` fields, field visibility, write hooks and effects on create, update and
delete) generated, and the generated tests about them run on SQLite and PostgreSQL.

Only the suite's files that exercise the constructs (and the contract and migration checks
around them) run here, to keep each run short; the whole generated suite
passes as well (run it with `specfoundry generate tests/service/specs/helpdesk -o DIR`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from service_support import REDIS_URL, ROOT, clean_env, generate, run_pytest

from specfoundry.compiler import load_model

pytestmark = pytest.mark.slow
SPEC = ROOT / "tests" / "service" / "specs" / "helpdesk"
FILES = (
    "tests/test_api_lists.py",
    "tests/test_api_principals.py",
    "tests/test_api_visibility.py",
    "tests/test_api_effects.py",
    "tests/test_api_hooks.py",
    "tests/test_api_cache.py",
    "tests/test_api_contract.py",
    "tests/test_api_database.py",
)


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(load_model(SPEC), tmp_path_factory.mktemp("service-helpdesk"))


def test_helpdesk_generates_the_construct_tests(helpdesk: Path) -> None:
    tables = (helpdesk / "tests" / "spec_tables.py").read_text()
    assert "too many items" in tables and "a repeated item" in tables
    assert '("tickets", "labels", ' in tables.split("LIST_FILTERS")[1]
    # an assignee must be an agent (or a role inheriting it); the requester may be named by
    # an agent acting on a customer's behalf, not by the customer
    assert '("tickets", "assignee_id", "members", "customer", 422)' in tables
    assert '("tickets", "assignee_id", "members", "admin", 201)' in tables
    assert '("tickets", "requester_id", "customer", 403)' in tables
    # customers never see the internal note; only the requester sees the satisfaction score
    assert '("tickets", "internal_note", "customer", True, False)' in tables
    assert '("tickets", "satisfaction", "agent", False, False)' in tables
    assert '("tickets", "priority", "customer", "filter", {"priority": "1"}, 400)' in tables
    # the first public comment sets the ticket's first response time (a private one does not);
    # editing a public comment and removing one set theirs; each write hook is tested
    effects = (helpdesk / "tests" / "scenario_tables.py").read_text()
    assert '"first_responded_at",\n        {"public": False},' in effects
    assert '{"body": "Updated", "public": True},' in effects
    assert '("comments", "delete", "ticket_id", "tickets", "first_removal_at"' in effects
    assert '("comments", "update", "on_comment_edited")' in effects
    assert "def on_comment_created(" in (helpdesk / "helpdesk_ext" / "hooks.py").read_text()


def test_helpdesk_suite_passes_on_sqlite(helpdesk: Path) -> None:
    output = run_pytest(helpdesk, *FILES, "-p", "no:warnings", env=clean_env(REDIS_URL=REDIS_URL))
    assert " passed" in output


@pytest.mark.postgres
def test_helpdesk_suite_passes_on_postgres(helpdesk: Path, service_pg_url: str) -> None:
    env = clean_env(DATABASE_URL=service_pg_url, REDIS_URL=REDIS_URL)
    output = run_pytest(helpdesk, *FILES, "-p", "no:warnings", env=env)
    assert " passed" in output and "skipped" not in output.splitlines()[-1]
