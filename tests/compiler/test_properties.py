"""Property tests: whatever a spec holds, the compiler answers with diagnostics, never a crash.

The examples are mutated the ways users (and editors) break specs: keys deleted or renamed,
values replaced by scalars, lists, null or random text, list entries duplicated, references
pointed at other names. Every diagnostic must have a registered code, its documented severity,
a message, and a location unless the registry documents why it has none.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specfoundry.compiler import compile_spec
from specfoundry.diagnostics import Severity
from specfoundry.emit.service.catalog import build_catalog
from specfoundry.load import load_spec
from specfoundry.validate.codes import CODES

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DOCUMENTS = {name: load_spec(EXAMPLES / name).data for name in ("analytics", "minimal")}

Path_ = tuple[str | int, ...]
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _paths(node: Any, path: Path_ = ()) -> list[Path_]:
    found: list[Path_] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*path, key))
            found.extend(_paths(value, (*path, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.append((*path, i))
            found.extend(_paths(value, (*path, i)))
    return found


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [*node, *(s for v in node.values() for s in _strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def _parent(doc: Any, path: Path_) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=12),
    st.sampled_from(["", "x", "now", "principal", "all", "2026-01-01", "1/second", "a.b"]),
)
REPLACEMENTS = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=6), SCALARS, max_size=2),
)
# Weighted towards mutations that keep the structure valid, so most examples reach the
# semantic checks instead of stopping at the JSON Schema.
# More examples for a deeper hunt: SPECFOUNDRY_PROPERTY_EXAMPLES=5000 .venv/bin/pytest ...
EXAMPLES_PER_TEST = int(os.environ.get("SPECFOUNDRY_PROPERTY_EXAMPLES", "200"))
MUTATIONS = ("delete", "retarget", "retarget", "retarget", "duplicate", "replace", "rename_key")


def _mutate(data: st.DataObject, doc: dict[str, Any], kinds: tuple[str, ...] = MUTATIONS) -> None:
    paths = _paths(doc)
    if not paths:
        return
    path = data.draw(st.sampled_from(paths), label="path")
    parent = _parent(doc, path)
    key = path[-1]
    kind = data.draw(st.sampled_from(kinds), label="mutation")
    if kind == "delete":
        del parent[key]
    elif kind == "replace":
        parent[key] = data.draw(REPLACEMENTS, label="value")
    elif kind == "duplicate":
        if isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif isinstance(parent[key], list) and parent[key]:
            parent[key].append(copy.deepcopy(parent[key][0]))
    elif kind == "retarget":
        # Point a name at another name of the spec: a reference that exists elsewhere,
        # or one that now dangles.
        pool = sorted({s for s in _strings(doc) if NAME.match(s)})
        if isinstance(parent[key], str) and pool:
            parent[key] = data.draw(st.sampled_from(pool), label="name")
    elif kind == "rename_key" and isinstance(parent, dict):
        pool = sorted(set(_strings(doc)))
        new = data.draw(st.sampled_from(pool) | st.text(max_size=8), label="key")
        parent[new] = parent.pop(key)


def _assert_well_formed(spec: Path) -> None:
    result = compile_spec(spec)
    for d in result.diagnostics:
        assert d.code in CODES, d.render()
        assert d.code != "SF999", d.render()
        assert d.severity is CODES[d.code].severity, d.render()
        assert isinstance(d.message, str) and d.message.strip(), d.render()
        if d.location is None:
            assert CODES[d.code].unlocated, f"{d.code} has no location: {d.render()}"
        else:
            assert d.location.line >= 1 and d.location.column >= 1, d.render()
    if result.model is not None:
        assert not any(d.severity is Severity.ERROR for d in result.diagnostics)
        model = result.model
        assert model.tenant_entity.name == model.tenancy.tenant_entity
        for rule in model.permissions.rules:
            model.permissions.holders(rule.entity.raw, rule.action.raw)
        # A spec that validates can be laid out as tables (no CatalogError out of generate).
        build_catalog(model)


@settings(
    max_examples=EXAMPLES_PER_TEST,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    example=st.sampled_from(sorted(DOCUMENTS)),
    count=st.integers(min_value=1, max_value=4),
    data=st.data(),
)
def test_mutated_examples_never_crash(example: str, count: int, data: st.DataObject) -> None:
    doc = copy.deepcopy(DOCUMENTS[example])
    for _ in range(count):
        _mutate(data, doc)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.yaml"
        text = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
        spec.write_text(text, "utf-8")
        _assert_well_formed(spec)


@settings(
    max_examples=EXAMPLES_PER_TEST // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    example=st.sampled_from(sorted(DOCUMENTS)),
    count=st.integers(min_value=1, max_value=6),
    data=st.data(),
)
def test_retargeted_names_never_crash(example: str, count: int, data: st.DataObject) -> None:
    """Only names change, so nearly every example passes the schema and reaches the checks."""
    doc = copy.deepcopy(DOCUMENTS[example])
    for _ in range(count):
        _mutate(data, doc, ("retarget", "duplicate"))
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.yaml"
        spec.write_text(yaml.dump(doc, Dumper=_Dumper, sort_keys=False), "utf-8")
        _assert_well_formed(spec)


@settings(max_examples=max(EXAMPLES_PER_TEST // 3, 1), deadline=None)
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_arbitrary_files_never_crash(content: bytes | str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.yaml"
        if isinstance(content, bytes):
            spec.write_bytes(content)
        else:
            spec.write_text(content, "utf-8")
        _assert_well_formed(spec)
