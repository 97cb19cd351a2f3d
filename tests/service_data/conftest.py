"""Fixtures for the data-layer emitter tests: emitted trees and a PostgreSQL gate."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from data_support import write_tree

from specfoundry.compiler import load_model
from specfoundry.model import Service

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {"analytics": ROOT / "examples" / "analytics", "minimal": ROOT / "examples" / "minimal"}
PG_URL = os.environ.get("SPECFOUNDRY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def models() -> dict[str, Service]:
    return {name: load_model(path) for name, path in EXAMPLES.items()}


@pytest.fixture(scope="session")
def emitted(
    models: dict[str, Service], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    return {
        name: write_tree(model, tmp_path_factory.mktemp(f"data-{name}"))
        for name, model in models.items()
    }


def _postgres_reachable(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The owner URL; fails (not skips) under CI=true when PostgreSQL is down."""
    problem = _postgres_reachable(PG_URL)
    if problem is not None:
        message = f"PostgreSQL at {PG_URL} is unreachable ({problem})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; CI=true requires it")
        pytest.skip(message + "; start it with .ci/run or set CI=true to make this an error")
    return PG_URL


@pytest.fixture
def tree_writer() -> Callable[..., Path]:
    return write_tree
