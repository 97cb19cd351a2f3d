"""`postgres_url`: a throwaway PostgreSQL database; in CI a missing server fails the test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

ADMIN_URL = os.environ.get("SPECFOUNDRY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture()
def postgres_url() -> Iterator[str]:
    import psycopg

    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and unreachable at {ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {ADMIN_URL}")
    name = f"sf_regen_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = ADMIN_URL.rsplit("/", 1)[0]
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
