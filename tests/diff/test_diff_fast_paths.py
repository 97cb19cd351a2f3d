"""The diff's shortcuts must never lose a finding or move one.

Unchanged parts are skipped, identical sub-walks are replayed, and line numbers are found in
one pass (see ``quiet.py``, ``locate_json.py`` and ``locate_yaml.py``); each test here pins a
case where a careless shortcut would be wrong.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from specfoundry.diff.engine import DiffOptions, diff
from specfoundry.diff.load import MapLocator, index_lines, load_side
from specfoundry.diff.locate_json import JsonLocator
from specfoundry.diff.locate_yaml import YamlLocator
from specfoundry.diff.pointer import Document
from specfoundry.diff.quiet import QuietIndex

TODAY = DiffOptions(dt.date(2025, 6, 1))
JSON_MEDIA = {"application/json": {}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def response(schema: Any) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def api(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def run(tmp_path: Path, base: dict[str, Any], rev: dict[str, Any], fmt: str = "yaml") -> list:
    paths = []
    for name, data in (("base", base), ("rev", rev)):
        path = tmp_path / f"{name}.{fmt}"
        text = json.dumps(data, indent=2) if fmt == "json" else yaml.safe_dump(data)
        path.write_text(text)
        paths.append(path)
    return diff(load_side(str(paths[0])), load_side(str(paths[1])), TODAY)


def keys(findings: list) -> list[tuple[str, str | None, str]]:
    return sorted((f.rule, f.operation, f.pointer) for f in findings)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_equal_operations_still_report_a_change_two_refs_away(tmp_path, fmt) -> None:
    """Operations identical on both sides, reaching a changed component through another one."""
    schemas = {
        "Outer": {"type": "object", "properties": {"inner": ref("Inner")}},
        "Inner": {"type": "object", "properties": {"n": {"type": "string", "maxLength": 9}}},
    }
    # Separate (not shared) but identical responses: the second is replayed from the first.
    paths = {f"/v1/x{i}": {"get": {"responses": {"200": response(ref("Outer"))}}} for i in (1, 2)}
    base = api(paths, schemas)
    rev = copy.deepcopy(base)
    rev["components"]["schemas"]["Inner"]["properties"]["n"]["maxLength"] = 5
    pointer = "/components/schemas/Inner/properties/n/maxLength"
    assert keys(run(tmp_path, base, rev, fmt)) == [
        ("response-property-constraint-narrowed", "GET /v1/x1", pointer),
        ("response-property-constraint-narrowed", "GET /v1/x2", pointer),
    ]


def test_a_change_inside_a_ref_cycle_is_reported(tmp_path) -> None:
    schemas = {
        "A": {"type": "object", "properties": {"b": ref("B")}},
        "B": {"type": "object", "properties": {"a": ref("A"), "n": {"type": "integer"}}},
    }
    base = api({"/a": {"get": {"responses": {"200": response(ref("A"))}}}}, schemas)
    rev = copy.deepcopy(base)
    rev["components"]["schemas"]["B"]["properties"]["n"]["type"] = "string"
    assert keys(run(tmp_path, base, rev)) == [
        ("response-property-type-changed", "GET /a", "/components/schemas/B/properties/n/type")
    ]


def test_identical_inline_changes_keep_each_operations_own_pointer(tmp_path) -> None:
    """A sub-walk whose findings point inside the operation is never replayed elsewhere."""
    inline = {"type": "object", "properties": {"n": {"type": "string"}}}
    # Copies, not one shared object: YAML would write an alias, and an alias is one schema.
    paths = {
        f"/v1/x{i}": {"get": {"responses": {"200": response(copy.deepcopy(inline))}}}
        for i in (1, 2)
    }
    base = api(copy.deepcopy(paths), {})
    rev = api(copy.deepcopy(paths), {})
    for item in rev["paths"].values():
        item["get"]["responses"]["200"]["content"]["application/json"]["schema"]["required"] = ["n"]
    found = keys(run(tmp_path, base, rev))
    schema_at = "/paths/~1v1~1x{}/get/responses/200/content/application~1json/schema"
    assert found == [
        ("response-property-became-required", "GET /v1/x1", schema_at.format(1) + "/properties/n"),
        ("response-property-became-required", "GET /v1/x2", schema_at.format(2) + "/properties/n"),
    ]


def test_values_equal_by_python_but_not_by_type_are_still_compared(tmp_path) -> None:
    """``1 == True`` in Python, but ``readOnly: 1`` is not read-only: the skip must not care."""
    body = {
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"n": {"type": "string"}}}
            }
        }
    }
    base = api(
        {"/a": {"post": {"requestBody": body, "responses": {"204": {"description": "ok"}}}}}, {}
    )
    rev = copy.deepcopy(base)
    schema_b = rev["paths"]["/a"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    base_prop = base["paths"]["/a"]["post"]["requestBody"]["content"]["application/json"]
    base_prop["schema"]["properties"]["n"]["readOnly"] = 1
    schema_b["properties"]["n"]["readOnly"] = True
    found = keys(run(tmp_path, base, rev))
    assert [rule for rule, _, _ in found] == ["request-property-became-read-only"]


def test_identical_schemas_still_walk_not_and_prefix_items(tmp_path) -> None:
    """``_compare_same`` must follow ``$ref``s below ``not`` and ``prefixItems`` too."""
    schemas = {
        "Point": {"type": "array", "prefixItems": [ref("Lat"), {"type": "number"}]},
        "Name": {"type": "string", "not": ref("Reserved")},
        "Lat": {"type": "number", "maximum": 90},
        "Reserved": {"type": "string", "enum": ["admin"]},
    }
    paths = {
        "/p": {"get": {"responses": {"200": response(ref("Point"))}}},
        "/n": {"get": {"responses": {"200": response(ref("Name"))}}},
    }
    base = api(paths, schemas)
    rev = copy.deepcopy(base)
    rev["components"]["schemas"]["Lat"]["maximum"] = 180
    rev["components"]["schemas"]["Reserved"]["enum"] = ["root"]
    found = sorted((f.rule, f.operation, f.pointer, f.message) for f in run(tmp_path, base, rev))
    assert found == [
        (
            "response-property-constraint-widened",
            "GET /p",
            "/components/schemas/Lat/maximum",
            "Lat: maximum changed from 90 to 180",
        ),
        (
            "response-property-not-changed",
            "GET /n",
            "/components/schemas/Reserved/enum",
            'Name: the `not` schema changed (enum values removed: "admin" and 1 more)',
        ),
    ]


@pytest.mark.parametrize(
    ("keyword", "value", "rule"),
    [
        ("unevaluatedProperties", ref("Leaf"), "response-property-constraint-narrowed"),
        ("patternProperties", {"^x-": ref("Leaf")}, "response-property-constraint-narrowed"),
        ("propertyNames", ref("Leaf"), "response-property-constraint-narrowed"),
        ("dependentSchemas", {"a": ref("Leaf")}, "response-property-constraint-narrowed"),
        ("contains", ref("Leaf"), "response-property-constraint-narrowed"),
        ("unevaluatedItems", ref("Leaf"), "response-property-constraint-narrowed"),
        ("contentSchema", ref("Leaf"), "response-property-constraint-narrowed"),
        ("then", ref("Leaf"), "response-property-conditional-changed"),
    ],
)
def test_identical_schemas_still_walk_the_31_subschema_keywords(
    tmp_path, keyword, value, rule
) -> None:
    """``_compare_same`` must follow ``$ref``s below every keyword holding a subschema."""
    holder = {keyword: value}
    if keyword == "then":
        holder["if"] = {"required": ["a"]}
    schemas = {"Holder": holder, "Leaf": {"type": "string", "maxLength": 5}}
    base = api({"/h": {"get": {"responses": {"200": response(ref("Holder"))}}}}, schemas)
    rev = copy.deepcopy(base)
    rev["components"]["schemas"]["Leaf"]["maxLength"] = 3
    assert keys(run(tmp_path, base, rev)) == [
        (rule, "GET /h", "/components/schemas/Leaf/maxLength")
    ]


def test_a_discriminator_change_alone_is_not_skipped(tmp_path) -> None:
    """A schema differing only in its discriminator is neither plain nor identical."""
    pet = {
        "oneOf": [ref("Cat")],
        "discriminator": {"propertyName": "kind", "mapping": {"cat": "Cat"}},
    }
    cat = {"type": "object", "properties": {"kind": {"type": "string"}}}
    base = api({"/a": {"get": {"responses": {"200": response(ref("Pet"))}}}}, {"Pet": pet})
    base["components"]["schemas"]["Cat"] = cat
    rev = copy.deepcopy(base)
    rev["components"]["schemas"]["Pet"]["discriminator"]["propertyName"] = "type"
    assert keys(run(tmp_path, base, rev)) == [
        (
            "response-property-discriminator-property-changed",
            "GET /a",
            "/components/schemas/Pet/discriminator/propertyName",
        )
    ]


def test_quiet_index_closes_over_refs() -> None:
    a = api(
        {},
        {
            "A": {"properties": {"b": ref("B")}},
            "B": {"properties": {"c": ref("C")}},
            "C": {"type": "string"},
            "D": {"properties": {"d": ref("D")}},
            "E": {"properties": {"x": {"$ref": "other.yaml#/X"}}},
        },
    )
    b = copy.deepcopy(a)
    b["components"]["schemas"]["C"]["type"] = "integer"
    index = QuietIndex(Document(a, "a"), Document(b, "b"))
    changed = {n: index.ref_changed(f"#/components/schemas/{n}") for n in "ABCDE"}
    # E reaches an external file: never assumed unchanged.
    assert changed == {"A": True, "B": True, "C": True, "D": False, "E": True}
    assert index.ref_changed("#/components/schemas/Missing")
    assert index.quiet({"x": ref("D")}, {"x": ref("D")})
    assert not index.quiet({"x": ref("A")}, {"x": ref("A")})
    assert not index.quiet({"x": 1}, {"x": True})  # equal by ==, not by type
    assert not index.quiet({"x": float("nan")}, {"x": float("nan")})


TRICKY_YAML = """\
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a/{id}:
    get:
      parameters:
      - &p {name: id, in: path}
      - *p
      responses:
        '200': &ok
          description: ok
          content:
            application/json:
              schema: {type: string}
        '404': *ok
  /b:
    get: {responses: {'200': {description: x}}}
components:
  schemas:
    Dup: {type: string}
    Dup2:
      type: object
      type: array
"""


def test_yaml_locator_answers_like_a_full_compose() -> None:
    pointers = [
        "",
        "/paths",
        "/paths/~1a~1{id}/get/parameters/0",
        "/paths/~1a~1{id}/get/parameters/1",  # an alias as a list item
        "/paths/~1a~1{id}/get/parameters/1/name",  # below an alias: composed
        "/paths/~1a~1{id}/get/responses/404",
        "/paths/~1a~1{id}/get/responses/404/content/application~1json",  # below an alias
        "/paths/~1b/get/responses/200/description",
        "/paths/~1b/get/responses/201",  # absent: nearest ancestor
        "/components/schemas/Dup2/type",  # a repeated key: the first one
        "/nothing/here",
    ]
    reference = MapLocator(index_lines(TRICKY_YAML, "f.yaml"))
    for subset in (pointers, pointers[:4] + pointers[7:]):  # with and without the fallback
        locator = YamlLocator(TRICKY_YAML, "f.yaml", index_lines)
        found = locator.locate_many(subset)
        assert found == {p: reference(p) for p in subset}


def test_json_locator_finds_keys_items_escapes_and_the_last_repeated_key() -> None:
    text = (
        '{"openapi": "3.1.0",\n "paths": {"/a/{id}": {"get": {"x": [1, {"k": "v"}], '
        '"s": "br{ack[ets\\"}"}}},\n "dup": {"k": 1},\n "dup": {"k": 2}\n}'
    )
    assert json.loads(text)["dup"] == {"k": 2}
    locator = JsonLocator(text, "f.json")
    found = locator.locate_many(
        ["", "/paths/~1a~1{id}/get/x/1/k", "/paths/~1a~1{id}/get/s", "/dup/k", "/paths/none"]
    )
    where = {p: (loc.line, loc.column) for p, loc in found.items()}
    assert where == {
        "": (1, 1),
        "/paths/~1a~1{id}/get/x/1/k": (2, 42),
        "/paths/~1a~1{id}/get/s": (2, 54),
        "/dup/k": (4, 10),
        "/paths/none": (2, 2),
    }
    assert locator("/dup") == found["/dup/k"].__class__("f.json", 4, 2)


def test_json_and_yaml_inputs_locate_findings_at_the_same_keys(tmp_path) -> None:
    base = api(
        {"/v1/x": {"get": {"responses": {"200": response(ref("Item"))}}}},
        {"Item": {"type": "object", "properties": {"n": {"type": "string", "maxLength": 9}}}},
    )
    rev = copy.deepcopy(base)
    rev["components"]["schemas"]["Item"]["properties"]["n"]["maxLength"] = 5
    for fmt in ("json", "yaml"):
        (finding,) = run(tmp_path, base, rev, fmt)
        source = (tmp_path / f"rev.{fmt}").read_text().splitlines()
        line = source[finding.location.line - 1]
        assert line[finding.location.column - 1 :].lstrip('"').startswith("maxLength")


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        # The wanted key is the root's last member: located from the end.
        ('{"paths": {"/a": {"components": 0}},\n "components": {"k": [1, {"k": 2}]}\n}\n', True),
        # The last "components" is nested in the last member: the real one comes earlier.
        ('{"components": {"k": 1},\n "x": {"components": {"k": 2}}}', False),
        # The last one is inside a string (escaped quotes), or a value, not a key.
        ('{"components": {"k": 1},\n "x": "say \\"components\\": {}"}', False),
        ('{"components": {"k": 1},\n "x": ["components"]}', False),
        # Written with an escape: only a scan sees it.
        ('{"x": "components",\n "comp\\u006fnents": {"k": 3}}', False),
        # Repeated at the root: the last one counts, and it is the last member.
        ('{"components": {"k": 1},\n "components": {"k": 2}\n}', True),
        # Absent.
        ('{"paths": {"components": {"k": 1}}}', False),
    ],
)
def test_json_locator_finds_the_roots_last_member_from_the_end(text, taken, monkeypatch) -> None:
    json.loads(text)
    pointers = ["/components/k", "/components/k/1/k", "/components"]
    fast = JsonLocator(text, "f.json")
    found = fast.locate_many(pointers)
    monkeypatch.setattr(JsonLocator, "_last_member", lambda self, start, root: False)
    assert found == JsonLocator(text, "f.json").locate_many(pointers)
    monkeypatch.undo()
    calls: list[bool] = []
    original = JsonLocator._last_member

    def spy(self, start, root):
        calls.append(original(self, start, root))
        return calls[-1]

    monkeypatch.setattr(JsonLocator, "_last_member", spy)
    JsonLocator(text, "f.json").locate_many(pointers)
    assert calls == [taken]


def test_security_findings_worked_out_once_keep_each_operations_pointers(tmp_path) -> None:
    ok = {"responses": {"200": {"description": "ok"}}}
    base = api(
        {
            "/a": {"get": {**ok, "security": [{"k": ["x", "y"]}]}},
            "/b": {"get": {**ok, "security": [{"k": ["x", "y"]}]}},
            "/c": {"get": ok},
        },
        {},
    )
    base["security"] = [{"k": ["x", "y"]}]
    rev = copy.deepcopy(base)
    rev["paths"]["/b"]["get"]["security"] = [{"k": ["x"]}]
    rev["security"] = [{"k": ["x"]}]
    found = sorted(
        (f.rule, f.operation, f.base_pointer, f.revision_pointer, f.message)
        for f in run(tmp_path, base, rev)
    )
    # /b's own requirement and /c's inherited one make the same pair: worked out once,
    # replayed with each operation's pointers. /a is unchanged and says nothing.
    assert found == [
        (
            "security-scope-removed",
            "GET /b",
            "/paths/~1b/get/security",
            "/paths/~1b/get/security",
            "security k[x] no longer needs scopes y",
        ),
        (
            "security-scope-removed",
            "GET /c",
            "/security",
            "/security",
            "security k[x] no longer needs scopes y",
        ),
    ]


def test_an_unchanged_requirement_with_overlapping_alternatives_says_nothing(tmp_path) -> None:
    """Each alternative is compared with its identical twin first, not the first look-alike."""
    ok = {"responses": {"200": {"description": "ok"}}}
    security = [{"k": ["x", "y"]}, {"k": ["x"]}]
    base = api({"/a": {"get": {**ok, "security": security}}}, {})
    rev = api({"/a": {"get": {**ok, "security": security, "summary": "edited"}}}, {})
    assert run(tmp_path, base, rev) == []


def test_operations_matched_by_base_path_are_still_walked(tmp_path) -> None:
    """`/v1` moved from the server into the paths: the path items are identical text but are
    matched under different paths, so a change behind a `$ref` (and a trailing slash) must
    still be found, at the revision's operation."""
    schemas = {"Item": {"type": "object", "properties": {"n": {"type": "string"}}}}
    paths = {"/x": {"get": {"responses": {"200": response(ref("Item"))}}}}
    base = {**api(paths, schemas), "servers": [{"url": "https://a.example/v1"}]}
    rev = api({"/v1/x/": copy.deepcopy(paths["/x"])}, copy.deepcopy(schemas))
    rev["components"]["schemas"]["Item"]["properties"]["n"]["type"] = "integer"
    assert keys(run(tmp_path, base, rev)) == [
        ("path-trailing-slash-changed", "GET /v1/x/", "/paths/~1v1~1x~1"),
        (
            "response-property-type-changed",
            "GET /v1/x/",
            "/components/schemas/Item/properties/n/type",
        ),
    ]
