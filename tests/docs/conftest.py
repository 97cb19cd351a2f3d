"""Shared fixtures: each example compiled and its site emitted once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from specfoundry.compiler import compile_spec
from specfoundry.model import Service

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = {"minimal": REPO / "examples" / "minimal", "analytics": REPO / "examples" / "analytics"}


@pytest.fixture(scope="session")
def models() -> dict[str, Service]:
    out = {}
    for name, path in EXAMPLES.items():
        result = compile_spec(path)
        assert result.model is not None, result.diagnostics
        out[name] = result.model
    return out


@pytest.fixture(scope="session")
def sites(models: dict[str, Service]) -> dict[str, dict[str, bytes]]:
    from specfoundry.emit.docs import emit_docs

    return {name: emit_docs(model) for name, model in models.items()}
