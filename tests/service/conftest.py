"""Fixtures of the service emitter tests: every example generated once, and a PostgreSQL gate."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from service_support import EXAMPLES, EXTRA_TESTS, generate

from specfoundry.compiler import load_model
from specfoundry.model import Service

PG_URL = os.environ.get(
    "SPECFOUNDRY_SERVICE_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def service_models() -> dict[str, Service]:
    return {name: load_model(path) for name, path in EXAMPLES.items()}


@pytest.fixture(scope="session")
def services(
    service_models: dict[str, Service], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    return {
        name: generate(model, tmp_path_factory.mktemp(f"service-{name}"), EXTRA_TESTS.get(name))
        for name, model in service_models.items()
    }


@pytest.fixture(scope="session")
def service_pg_url() -> str:
    """The PostgreSQL owner URL; fails (not skips) under CI=true when it is unreachable."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        message = f"PostgreSQL at {PG_URL} is unreachable ({type(exc).__name__}: {exc})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; CI=true requires it")
        pytest.skip(message)
    return PG_URL
