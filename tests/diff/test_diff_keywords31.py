"""The JSON Schema 2020-12 keywords of OpenAPI 3.1 (``keywords31.py``), in both directions.

Each case is one body schema before and after, placed in a request and in a response; the
expected (rule, level) pairs are written by hand. The rule catalog's own before/after examples
are checked per context by the generated cases; these pin the variations around them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from specfoundry.diff.engine import DiffOptions, diff
from specfoundry.diff.load import load_side

TODAY = DiffOptions(dt.date(2025, 6, 1))
OBJ: dict[str, Any] = {"type": "object", "properties": {"a": {"type": "string"}}}
TUPLE: dict[str, Any] = {"type": "array", "prefixItems": [{"type": "number"}] * 2}
IF_A: dict[str, Any] = {"if": {"properties": {"k": {"const": "x"}}}}


def run(tmp_path: Path, before: Any, after: Any, side: str) -> list[tuple[str, str, str]]:
    """(rule, level, message) of every finding, with the schemas as a request or response."""
    paths = []
    for name, schema in (("base", before), ("rev", after)):
        media = {"application/json": {"schema": schema}}
        op: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
        if side == "request":
            op["requestBody"] = {"content": media}
        else:
            op["responses"]["200"]["content"] = media
        doc = {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"post": op}},
        }
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        paths.append(path)
    found = diff(load_side(str(paths[0])), load_side(str(paths[1])), TODAY)
    return sorted((f.rule, f.level.value, f.message) for f in found)


def rules(tmp_path: Path, before: Any, after: Any, side: str) -> list[tuple[str, str]]:
    return [(rule, level) for rule, level, _ in run(tmp_path, before, after, side)]


CASES = [
    # unevaluatedProperties is additionalProperties
    (
        OBJ,
        {**OBJ, "unevaluatedProperties": False},
        "request",
        "additional-properties-narrowed",
        "error",
    ),
    (
        {**OBJ, "unevaluatedProperties": False},
        OBJ,
        "response",
        "additional-properties-widened",
        "warning",
    ),
    (
        {**OBJ, "unevaluatedProperties": False},
        OBJ,
        "request",
        "additional-properties-widened",
        "info",
    ),
    # tuples: what follows the positions
    (TUPLE, {**TUPLE, "unevaluatedItems": False}, "request", "property-became-false", "error"),
    (TUPLE, {**TUPLE, "items": False}, "request", "property-became-false", "error"),
    (TUPLE, {**TUPLE, "unevaluatedItems": False}, "response", "property-became-false", "warning"),
    # if/then/else
    (
        OBJ,
        {**OBJ, **IF_A, "then": {"required": ["a"]}},
        "request",
        "property-conditional-added",
        "error",
    ),
    (
        OBJ,
        {**OBJ, **IF_A, "then": {"required": ["a"]}},
        "response",
        "property-conditional-added",
        "info",
    ),
    (
        {**OBJ, **IF_A, "else": {"required": ["a"]}},
        OBJ,
        "response",
        "property-conditional-removed",
        "error",
    ),
    (
        {**OBJ, **IF_A, "else": {"required": ["a"]}},
        OBJ,
        "request",
        "property-conditional-removed",
        "info",
    ),
    (
        {**OBJ, **IF_A, "then": {"required": ["a"]}},
        {**OBJ, **IF_A, "then": {"required": ["a"]}, "else": {"required": ["b"]}},
        "request",
        "property-conditional-changed",
        "warning",
    ),
    # dependentRequired, per key and per name
    (
        {**OBJ, "dependentRequired": {"a": ["b"]}},
        {**OBJ, "dependentRequired": {"a": ["b", "c"]}},
        "request",
        "property-dependent-required-added",
        "error",
    ),
    (
        {**OBJ, "dependentRequired": {"a": ["b"]}},
        {**OBJ, "dependentRequired": {}},
        "response",
        "property-dependent-required-removed",
        "error",
    ),
    (
        {**OBJ, "dependentSchemas": {"a": {"required": ["b"]}}},
        OBJ,
        "response",
        "property-dependent-schema-removed",
        "error",
    ),
    # contains, and its bounds
    (
        {"type": "array", "contains": {"type": "string"}},
        {"type": "array", "contains": {"type": "string", "maxLength": 3}},
        "request",
        "property-constraint-narrowed",
        "error",
    ),
    (
        {"type": "array", "contains": {"type": "string"}, "maxContains": 2},
        {"type": "array", "contains": {"type": "string"}, "maxContains": 3},
        "response",
        "property-constraint-widened",
        "error",
    ),
    (
        {"type": "array", "contains": {"type": "string"}},
        {"type": "array"},
        "request",
        "property-contains-removed",
        "info",
    ),
    # patternProperties: matched by pattern, compared in the same direction
    (
        {"type": "object", "patternProperties": {"^x-": {"type": "string"}}},
        {"type": "object", "patternProperties": {"^x-": {"type": "integer"}}},
        "response",
        "property-type-changed",
        "error",
    ),
    (
        {"type": "object", "patternProperties": {"^x-": {"type": "string"}}},
        {"type": "object", "patternProperties": {"^x-": {"type": "string"}, "^y-": {}}},
        "response",
        "property-pattern-property-added",
        "info",
    ),
    # propertyNames
    (
        {"type": "object", "propertyNames": {"maxLength": 5}},
        {"type": "object"},
        "response",
        "property-property-names-removed",
        "warning",
    ),
    (
        {"type": "object", "propertyNames": {"maxLength": 5}},
        {"type": "object", "propertyNames": {"maxLength": 9}},
        "response",
        "property-constraint-widened",
        "error",
    ),
    # content*
    (
        {"type": "string", "contentEncoding": "base64"},
        {"type": "string"},
        "request",
        "property-content-encoding-changed",
        "error",
    ),
    (
        {"type": "string", "contentMediaType": "application/json"},
        {"type": "string"},
        "response",
        "property-content-media-type-removed",
        "warning",
    ),
    (
        {"type": "string", "contentSchema": {"type": "object", "required": ["a"]}},
        {"type": "string"},
        "response",
        "property-content-schema-removed",
        "error",
    ),
    (
        {"type": "string", "contentSchema": {"type": "string"}},
        {"type": "string", "contentSchema": {"type": "integer"}},
        "request",
        "property-type-changed",
        "error",
    ),
    # const: rules of its own
    (
        {"type": "string", "const": "a"},
        {"type": "string", "const": "b"},
        "request",
        "property-const-changed",
        "error",
    ),
    (
        {"type": "string"},
        {"type": "string", "const": "a"},
        "request",
        "property-const-added",
        "error",
    ),
    (
        {"type": "string"},
        {"type": "string", "const": "a"},
        "response",
        "property-const-added",
        "info",
    ),
    (
        {"type": "string", "const": "a"},
        {"type": "string"},
        "request",
        "property-const-removed",
        "info",
    ),
    (
        {"type": "string", "const": "a"},
        {"type": "string"},
        "response",
        "property-const-removed",
        "warning",
    ),
    # const against an enum is a change of values
    (
        {"type": "string", "const": "a"},
        {"type": "string", "enum": ["a", "b"]},
        "response",
        "property-enum-value-added",
        "warning",
    ),
    (
        {"type": "string", "enum": ["a", "b"]},
        {"type": "string", "const": "a"},
        "request",
        "property-enum-value-removed",
        "error",
    ),
]


@pytest.mark.parametrize(("before", "after", "side", "change", "level"), CASES)
def test_keyword(tmp_path, before, after, side, change, level) -> None:
    assert rules(tmp_path, before, after, side) == [(f"{side}-{change}", level)]


def test_an_if_without_then_or_else_is_no_conditional(tmp_path) -> None:
    assert rules(tmp_path, OBJ, {**OBJ, **IF_A}, "request") == []


def test_an_annotation_in_a_branch_is_no_change(tmp_path) -> None:
    before = {**OBJ, **IF_A, "then": {"required": ["a"]}}
    after = {**OBJ, **IF_A, "then": {"required": ["a"], "description": "when x, a is needed"}}
    assert rules(tmp_path, before, after, "request") == []


def test_unevaluated_and_additional_properties_are_compared_each_with_its_kind(tmp_path) -> None:
    before = {**OBJ, "additionalProperties": False}
    after = {**OBJ, "unevaluatedProperties": False}
    assert rules(tmp_path, before, after, "request") == [
        ("request-additional-properties-narrowed", "error"),
        ("request-additional-properties-widened", "info"),
    ]


def test_a_schema_unwrapped_from_one_of_removes_the_other_alternatives(tmp_path) -> None:
    other = {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}}
    found = run(tmp_path, {"oneOf": [OBJ, other]}, OBJ, "request")
    assert found == [
        (
            "request-property-variant-removed",
            "error",
            "request body: oneOf alternative 1 removed (the schema was unwrapped from oneOf)",
        )
    ]


def test_a_wrapped_schema_that_changed_is_still_composition_changed(tmp_path) -> None:
    """Without an alternative equal to the old plain schema, it stays a review by hand."""
    other = {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}}
    changed = {"type": "object", "properties": {"a": {"type": "integer"}}}
    found = rules(tmp_path, OBJ, {"oneOf": [changed, other]}, "response")
    assert found == [("response-property-composition-changed", "warning")]


def test_multiple_of_added_or_removed_reads_as_such(tmp_path) -> None:
    messages = [
        m
        for _, _, m in run(
            tmp_path, {"type": "integer"}, {"type": "integer", "multipleOf": 5}, "request"
        )
    ]
    assert messages == ["request body: multipleOf 5 added"]
    messages = [
        m
        for _, _, m in run(
            tmp_path, {"type": "integer", "multipleOf": 5}, {"type": "integer"}, "request"
        )
    ]
    assert messages == ["request body: multipleOf 5 removed"]
