"""The jsonschema-rs fast path of structural validation agrees with ``jsonschema``.

``validate_structure`` returns early when jsonschema-rs accepts a spec, so jsonschema-rs must
never accept what the reference validator rejects: checked on every compiler case, both
examples and the synthetic benchmark spec.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from specfoundry.load import load_spec
from specfoundry.validate import schema

REPO = Path(__file__).resolve().parents[2]
CASES = sorted(p for p in (REPO / "tests" / "compiler" / "cases").iterdir() if p.is_dir())
SPECS = [
    *(c / "spec" if (c / "spec").is_dir() else c / "spec.yaml" for c in CASES),
    REPO / "examples" / "minimal" / "spec.yaml",
    REPO / "examples" / "analytics",
]


def _reference_errors(data: object) -> list[object]:
    return list(schema._validator().iter_errors(data))


@pytest.mark.skipif(schema.fast_validator() is None, reason="jsonschema-rs not installed")
@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.parent.name if p.is_file() else p.name)
def test_fast_path_accepts_only_what_the_reference_accepts(spec: Path) -> None:
    if not spec.exists():
        pytest.skip("case without a spec file")
    loaded = load_spec(spec)
    if loaded.data is None:
        pytest.skip("does not load")
    try:
        fast_ok = schema.fast_validator().is_valid(loaded.data)
    except Exception:
        return  # the reference path decides
    assert fast_ok == (not _reference_errors(loaded.data))


@pytest.mark.skipif(schema.fast_validator() is None, reason="jsonschema-rs not installed")
def test_fast_path_agrees_on_the_benchmark_spec() -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from compile_bench import synthetic_spec
    finally:
        sys.path.remove(str(REPO / "bench"))
    data = synthetic_spec(20)
    assert schema.fast_validator().is_valid(data)
    assert not _reference_errors(data)


def test_without_jsonschema_rs_the_reference_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "jsonschema_rs", None)
    schema.fast_validator.cache_clear()
    try:
        loaded = load_spec(REPO / "examples" / "minimal" / "spec.yaml")
        assert schema.validate_structure(loaded.data, loaded.sources) == []
        bad = dict(loaded.data, service=42)
        assert schema.validate_structure(bad, loaded.sources)
    finally:
        schema.fast_validator.cache_clear()
