"""Properties that must hold for any input: cycles terminate, a document equals itself,
and the rules reference in docs/ is the one the catalog renders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from specfoundry.diff.engine import DiffOptions, diff
from specfoundry.diff.load import MapLocator, Side
from specfoundry.diff.rules import RULES, render_markdown

TODAY = DiffOptions(dt.date(2025, 6, 1))
NAMES = [f"S{i}" for i in range(6)]


@st.composite
def schema_graph(draw: st.DrawFn) -> dict[str, Any]:
    """Components that reference each other arbitrarily, cycles and self-references included."""
    schemas = {}
    for name in NAMES:
        props: dict[str, Any] = {}
        for index in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(["ref", "array", "scalar", "allOf", "oneOf"]))
            target = {"$ref": f"#/components/schemas/{draw(st.sampled_from(NAMES))}"}
            other = {"$ref": f"#/components/schemas/{draw(st.sampled_from(NAMES))}"}
            props[f"p{index}"] = {
                "ref": target,
                "array": {"type": "array", "items": target},
                "scalar": {"type": draw(st.sampled_from(["string", "integer"]))},
                "allOf": {"allOf": [target, other]},
                "oneOf": {"oneOf": [target, other]},
            }[kind]
        required = draw(st.lists(st.sampled_from(sorted(props) or ["x"]), unique=True))
        schemas[name] = {"type": "object", "properties": props, "required": required}
    return schemas


def document(schemas: dict[str, Any]) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/S0"}
    content = {"application/json": {"schema": ref}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "post": {
                    "requestBody": {"content": content},
                    "responses": {"200": {"description": "ok", "content": content}},
                }
            }
        },
        "components": {"schemas": schemas},
    }


def side(doc: dict[str, Any]) -> Side:
    return Side("doc", doc, MapLocator({}))


@settings(max_examples=60, deadline=None)
@given(schema_graph(), schema_graph())
def test_cyclic_refs_terminate_and_are_deterministic(a: dict[str, Any], b: dict[str, Any]) -> None:
    first = diff(side(document(a)), side(document(b)), TODAY)
    again = diff(side(document(a)), side(document(b)), TODAY)
    assert first == again
    assert all(f.rule in RULES for f in first)


@settings(max_examples=30, deadline=None)
@given(schema_graph())
def test_a_document_has_no_changes_against_itself(a: dict[str, Any]) -> None:
    assert diff(side(document(a)), side(document(a)), TODAY) == []


def test_deep_self_referencing_chain_terminates() -> None:
    """A long chain of components ending in a cycle back to the first one."""
    n = 400
    schemas = {
        f"S{i}": {
            "type": "object",
            "properties": {"next": {"$ref": f"#/components/schemas/S{(i + 1) % n}"}},
        }
        for i in range(n)
    }
    changed = {k: dict(v) for k, v in schemas.items()}
    changed["S399"] = {**schemas["S399"], "required": ["next"]}
    findings = diff(side(document(schemas)), side(document(changed)), TODAY)
    assert {f.rule for f in findings} == {
        "request-property-became-required",
        "response-property-became-required",
    }


def test_rules_reference_is_up_to_date() -> None:
    docs = Path(__file__).parents[2] / "docs" / "diff-rules.md"
    assert docs.read_text() == render_markdown(), (
        "regenerate with: python scripts/gen_diff_rules_doc.py"
    )


def test_every_rule_documents_before_and_after() -> None:
    for rule in RULES.values():
        assert rule.before and rule.after and rule.summary, rule.id
        assert rule.id == rule.id.lower() and " " not in rule.id


def test_directions_rename_to_catalog_rules() -> None:
    """A callback walk renames only rules an operation walk can report, into catalog rules."""
    from specfoundry.diff.operations import FORWARD, REVERSED

    pseudo = set(FORWARD.renames) | FORWARD.unreported  # names only the walkers use
    for direction in (FORWARD, REVERSED):
        for source, target in direction.renames.items():
            assert source in RULES or source in pseudo, source
            assert target in RULES, target
        assert not direction.unreported & set(direction.renames)
    assert set(REVERSED.renames) >= pseudo
