"""The generic hostile-input probe (probe_runner.py) against each generated example, in-process
on SQLite and on PostgreSQL: no 5xx for anything a client sends, and no stored row that breaks a
read."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from service_support import EXAMPLES, SERVICES, clean_env, run_pytest

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


def _probe(folder: Path, name: str, **env: str) -> None:
    runner = folder / "probe_contract.py"
    shutil.copy(HERE / "probe_runner.py", runner)
    svc = SERVICES[name]
    try:
        output = run_pytest(
            folder, runner.name, "-s", "-p", "no:warnings", env=clean_env(SERVICE=svc, **env)
        )
    finally:
        runner.unlink()
    assert re.search(r"probe: \d+ requests", output), output[-2000:]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_probe_finds_no_5xx_and_no_unreadable_row(services: dict[str, Path], name: str) -> None:
    _probe(services[name], name)


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_probe_finds_no_5xx_and_no_unreadable_row_on_postgres(
    services: dict[str, Path], service_pg_url: str, name: str
) -> None:
    """PostgreSQL refuses what SQLite stores (NUL, lone surrogates, out-of-range values): each
    must still be a 4xx, never a driver error turned 500."""
    _probe(services[name], name, DATABASE_URL=service_pg_url)
