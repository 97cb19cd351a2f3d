"""examples/projects end to end (relation and membership conditions in a generated service):
a non-member of a project gets 404 for its tasks and comments through every route, and cannot
name them in a write; members and guests see what their memberships and shares allow.

The example's whole generated suite takes over a minute on 2 cores, so it is not in the
parametrization of test_service_generated_suites.py; this runs one focused test file of ours
inside the generated service, with its fixtures (SQLite, and PostgreSQL when reachable).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from service_support import ROOT, clean_env, generate, run_pytest

from specfoundry.compiler import load_model

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def planwise(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = generate(
        load_model(ROOT / "examples" / "projects"), tmp_path_factory.mktemp("planwise")
    )
    shutil.copy(
        HERE / "projects" / "check_project_visibility.py",
        folder / "tests" / "test_project_visibility.py",
    )
    return folder


def test_non_members_get_404_on_sqlite(planwise: Path) -> None:
    output = run_pytest(
        planwise, "tests/test_project_visibility.py", "-p", "no:warnings", env=clean_env()
    )
    assert "1 passed" in output, output[-2000:]


@pytest.mark.postgres
def test_non_members_get_404_on_postgres(planwise: Path, service_pg_url: str) -> None:
    env = clean_env(DATABASE_URL=service_pg_url)
    output = run_pytest(planwise, "tests/test_project_visibility.py", "-p", "no:warnings", env=env)
    assert "1 passed" in output, output[-2000:]
