"""How schemas are read before they are compared: allOf members that define one property
twice, null-only alternatives, boolean schemas, implied types, a plain schema against a
oneOf, and the names messages give to places inside components."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specfoundry.diff.engine import DiffOptions, diff
from specfoundry.diff.load import load_side
from specfoundry.diff.schemas import _component_label

TODAY = DiffOptions(dt.date(2025, 6, 1))
S = "/components/schemas"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def api(schemas: dict[str, Any], root: Any = None) -> dict[str, Any]:
    """POST /x takes ``root`` (default: Item) and returns it."""
    content = {"application/json": {"schema": root if root is not None else ref("Item")}}
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


def run(tmp_path: Path, base: dict[str, Any], rev: dict[str, Any]) -> list[tuple[str, str]]:
    """(rule, pointer) of every finding."""
    paths = []
    for name, data in (("base", base), ("rev", rev)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data))
        paths.append(path)
    found = diff(load_side(str(paths[0])), load_side(str(paths[1])), TODAY)
    return sorted((f.rule, f.pointer) for f in found)


def messages(tmp_path: Path, base: dict[str, Any], rev: dict[str, Any]) -> list[str]:
    paths = []
    for name, data in (("base", base), ("rev", rev)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data))
        paths.append(path)
    found = diff(load_side(str(paths[0])), load_side(str(paths[1])), TODAY)
    return sorted({f.message for f in found})


# --- allOf members that define the same property -------------------------------------------


def test_every_allof_definition_of_a_property_applies(tmp_path) -> None:
    """The strictest bound wins wherever it is written; identical documents say nothing."""
    item = {
        "allOf": [
            ref("Named"),
            {"type": "object", "properties": {"name": {"type": "string", "maxLength": 50}}},
        ]
    }
    named = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 80}}}
    base = api({"Item": item, "Named": named})
    assert run(tmp_path, base, copy.deepcopy(base)) == []
    # Tightening the looser definition changes nothing: 50 still applies.
    rev = copy.deepcopy(base)
    rev["components"]["schemas"]["Named"]["properties"]["name"]["maxLength"] = 60
    assert run(tmp_path, base, rev) == []
    # Tightening below 50 is a real narrowing, reported where it was written.
    rev["components"]["schemas"]["Named"]["properties"]["name"]["maxLength"] = 20
    pointer = f"{S}/Named/properties/name/maxLength"
    assert run(tmp_path, base, rev) == [
        ("request-property-constraint-narrowed", pointer),
        ("response-property-constraint-narrowed", pointer),
    ]


def test_read_only_in_a_later_allof_definition_is_respected(tmp_path) -> None:
    """A second definition marking the property readOnly hides it from requests."""
    named = {"type": "object", "properties": {"id": {"type": "string"}}}
    base = api({"Item": {"allOf": [ref("Named")]}, "Named": named})
    rev = api(
        {
            "Item": {
                "allOf": [ref("Named"), {"properties": {"id": {"readOnly": True}}}],
            },
            "Named": named,
        }
    )
    assert [rule for rule, _ in run(tmp_path, base, rev)] == ["request-property-became-read-only"]


# --- null-only alternatives ----------------------------------------------------------------


def test_null_first_alternative_and_a_change_below_it(tmp_path) -> None:
    """`oneOf: [{type: 'null'}, $ref]` is the same nullable reading, and a change inside the
    referenced component is still found (and pointed at) through it."""
    inner = {"type": "object", "properties": {"n": {"type": "string", "maxLength": 9}}}
    wrapper = {"type": "object", "properties": {"inner": {"oneOf": [{"type": "null"}, ref("In")]}}}
    base = api({"Item": wrapper, "In": inner})
    rev = copy.deepcopy(base)
    assert run(tmp_path, base, rev) == []
    rev["components"]["schemas"]["In"]["properties"]["n"]["maxLength"] = 5
    pointer = f"{S}/In/properties/n/maxLength"
    assert run(tmp_path, base, rev) == [
        ("request-property-constraint-narrowed", pointer),
        ("response-property-constraint-narrowed", pointer),
    ]


def test_null_alternative_dropped_is_nullable_removed(tmp_path) -> None:
    base = api({"Item": {"anyOf": [{"type": "string"}, {"type": "null"}]}})
    rev = api({"Item": {"type": "string"}})
    pointer = f"{S}/Item/anyOf/1"
    assert run(tmp_path, base, rev) == [
        ("request-property-nullable-removed", pointer),
        ("response-property-nullable-removed", pointer),
    ]


# --- boolean schemas -------------------------------------------------------------------------


def test_true_is_an_empty_schema(tmp_path) -> None:
    base = api({"Item": {"type": "object", "properties": {"a": {}}}})
    rev = api({"Item": {"type": "object", "properties": {"a": True}}})
    assert run(tmp_path, base, rev) == []
    typed = api({"Item": {"type": "object", "properties": {"a": {"type": "string"}}}})
    pointer = f"{S}/Item/properties/a"  # the revision's `true`, which has no `type`
    assert run(tmp_path, typed, rev) == [
        ("request-property-type-widened", pointer),
        ("response-property-type-changed", pointer),
    ]


def test_false_items_and_false_everywhere(tmp_path) -> None:
    base = api({"Item": {"type": "array", "items": {"type": "string"}}})
    rev = api({"Item": {"type": "array", "items": False}})
    pointer = f"{S}/Item/items"
    assert run(tmp_path, base, rev) == [
        ("request-property-became-false", pointer),
        ("response-property-became-false", pointer),
    ]
    assert run(tmp_path, rev, copy.deepcopy(rev)) == []


# --- implied types ---------------------------------------------------------------------------


def test_type_is_implied_only_against_a_stated_type(tmp_path) -> None:
    """`type: array` added beside `items` is no change; `properties` added to an untyped `{}`
    is not a type change either (the schema still accepts non-objects)."""
    untyped = api({"Item": {"items": {"type": "string"}}})
    typed = api({"Item": {"type": "array", "items": {"type": "string"}}})
    assert run(tmp_path, untyped, typed) == []
    assert run(tmp_path, typed, untyped) == []
    anything = api({"Item": {}})
    with_props = api({"Item": {"properties": {"a": {"type": "string"}}}})
    assert [rule for rule, _ in run(tmp_path, anything, with_props)] == [
        "request-property-added",
        "response-property-added",
    ]


# --- a plain schema against a oneOf ----------------------------------------------------------


def test_oneof_collapsed_to_one_of_its_alternatives_compares_with_it(tmp_path) -> None:
    """`oneOf: [Cat, Dog]` -> `$ref Cat` where Cat also gained a required property: the
    composition change, plus Cat's own change found by comparing Cat with Cat."""
    cat = {"type": "object", "properties": {"meow": {"type": "boolean"}}}
    dog = {"type": "object", "properties": {"bark": {"type": "boolean"}}}
    holder = {"type": "object", "properties": {"pet": {"oneOf": [ref("Cat"), ref("Dog")]}}}
    base = api({"Item": holder, "Cat": cat, "Dog": dog})
    rev = copy.deepcopy(base)
    rev["components"]["schemas"]["Item"]["properties"]["pet"] = ref("Cat")
    rev["components"]["schemas"]["Cat"]["required"] = ["meow"]
    meow = f"{S}/Cat/properties/meow"
    assert run(tmp_path, base, rev) == [
        ("request-property-became-required", meow),
        ("request-property-composition-changed", f"{S}/Cat"),
        ("response-property-became-required", meow),
        ("response-property-composition-changed", f"{S}/Cat"),
    ]


def test_inline_schema_matched_with_an_identical_alternative(tmp_path) -> None:
    plain = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    other = {"type": "object", "properties": {"b": {"type": "string"}}, "required": ["b"]}
    base = api({}, root=plain)
    rev = api({}, root={"oneOf": [other, plain]})
    # The plain schema survives unchanged as an alternative: the other one was added.
    request = "/paths/~1x/post/requestBody/content/application~1json/schema"
    response = "/paths/~1x/post/responses/200/content/application~1json/schema"
    assert run(tmp_path, base, rev) == [
        ("request-property-variant-added", f"{request}/oneOf/0"),
        ("response-property-variant-added", f"{response}/oneOf/0"),
    ]


# --- closed objects and bounds ---------------------------------------------------------------


def test_removed_from_an_object_closed_by_unevaluated_properties(tmp_path) -> None:
    item = {
        "type": "object",
        "unevaluatedProperties": False,
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
    }
    rev_item = copy.deepcopy(item)
    del rev_item["properties"]["b"]
    pointer = f"{S}/Item/properties/b"
    assert run(tmp_path, api({"Item": item}), api({"Item": rev_item})) == [
        ("request-property-removed-from-closed-object", pointer),
        ("response-optional-property-removed", pointer),
    ]


def test_bound_pointers_follow_each_sides_spelling(tmp_path) -> None:
    """3.1 `exclusiveMaximum: 10` -> 3.0-style `maximum: 5`: the finding points at the
    revision's `maximum`, its base pointer at the base's `exclusiveMaximum`."""
    base = api({"Item": {"type": "number", "exclusiveMaximum": 10}})
    rev = api({"Item": {"type": "number", "maximum": 5}})
    paths = []
    for name, data in (("base", base), ("rev", rev)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data))
        paths.append(path)
    found = diff(load_side(str(paths[0])), load_side(str(paths[1])), TODAY)
    assert {(f.rule, f.base_pointer, f.revision_pointer) for f in found} == {
        (rule, f"{S}/Item/exclusiveMaximum", f"{S}/Item/maximum")
        for rule in (
            "request-property-constraint-narrowed",
            "response-property-constraint-narrowed",
        )
    }


def test_pattern_messages(tmp_path) -> None:
    base = api({"Item": {"type": "string"}})
    rev = api({"Item": {"type": "string", "pattern": "^a"}})
    assert messages(tmp_path, base, rev) == ["Item: pattern added: '^a'"]
    assert messages(tmp_path, rev, base) == ["Item: pattern removed (was '^a')"]


# --- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pointer", "label"),
    [
        (f"{S}/Pet/allOf/1/properties/status", "Pet.status"),
        (f"{S}/Order/properties/items/items/properties/quantity", "Order.items[].quantity"),
        (f"{S}/NewPet/properties/labels/additionalProperties", "NewPet.labels.*"),
        (f"{S}/Point/prefixItems/0", "Point[0]"),
        (f"{S}/Order/properties/payment/oneOf/1", "Order.payment|1"),
        (f"{S}/a~1b/properties/items", "a/b.items"),
        (f"{S}/X/properties/properties/properties/allOf", "X.properties.allOf"),
        (f"{S}/X/not", "X/not"),
        ("/paths/~1x/post", None),
    ],
)
def test_component_labels(pointer: str, label: str | None) -> None:
    assert _component_label(pointer) == label


# --- any mix of the above terminates and equals itself ----------------------------------------

NAMES = [f"S{i}" for i in range(5)]


@st.composite
def mixed_graph(draw: st.DrawFn) -> dict[str, Any]:
    schemas = {}
    for name in NAMES:
        props: dict[str, Any] = {}
        for index in range(draw(st.integers(0, 4))):
            target = ref(draw(st.sampled_from(NAMES)))
            props[f"p{index}"] = draw(
                st.sampled_from(
                    [
                        target,
                        True,
                        False,
                        {"anyOf": [target, {"type": "null"}]},
                        {"allOf": [target, {"properties": {"p0": {"maxLength": 3}}}]},
                        {"oneOf": [target, {"type": "string"}]},
                        {"type": "array", "items": target},
                    ]
                )
            )
        schemas[name] = {"properties": props, "additionalProperties": draw(st.booleans())}
    return schemas


@settings(max_examples=60, deadline=None)
@given(mixed_graph(), mixed_graph())
def test_mixed_graphs_terminate_and_equal_themselves(tmp_path_factory, a, b) -> None:
    tmp = tmp_path_factory.mktemp("mixed")
    first = run(tmp, api(a, ref("S0")), api(b, ref("S0")))
    assert first == run(tmp, api(a, ref("S0")), api(b, ref("S0")))
    assert run(tmp, api(a, ref("S0")), api(copy.deepcopy(a), ref("S0"))) == []
