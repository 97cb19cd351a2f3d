"""Run the generated tests/test_data_layer.py and tests/test_rls.py on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_support import run_pytest

SUITE = ["tests/test_data_layer.py", "tests/test_rls.py"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["analytics", "minimal"])
def test_generated_suite_on_sqlite(emitted: dict[str, Path], name: str) -> None:
    result = run_pytest(emitted[name], *SUITE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " failed" not in result.stdout
    assert "row-level security exists only on PostgreSQL" in result.stdout  # test_rls skipped


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("name", ["analytics", "minimal"])
def test_generated_suite_on_postgres(
    emitted: dict[str, Path], name: str, postgres_url: str
) -> None:
    result = run_pytest(emitted[name], *SUITE, env={"DATABASE_URL": postgres_url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" not in result.stdout, result.stdout
