"""Write the case triples under ``tests/diff/cases/`` (run: python tests/diff/make_cases.py).

Each case is a folder with ``base.yaml``, ``revision.yaml`` and ``expected.yaml``. The expected
findings are written here by hand (rule, level, operation, pointer), never computed by running
the diff, so regenerating cannot silently bless a regression. Schema rules get one case per
(context, change), built by placing the rule's documented before/after schema where that
context lives in a small document; other rules have hand-made documents.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parent / "cases"
sys.path.insert(0, str(Path(__file__).parents[2] / "src"))

from specfoundry.diff.rules import RULES, SCHEMA_CHANGES, SCHEMA_CONTEXTS  # noqa: E402

ITEMS = "/paths/~1v1~1items"
JSON = "application~1json"
CASES: dict[str, dict[str, Any]] = {}


def doc(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "cases", "version": "1"}}
    out["paths"] = paths
    out.update(extra)
    return out


def ok(**extra: Any) -> dict[str, Any]:
    return {"responses": {"200": {"description": "ok"}}, **extra}


def body(schema: Any, **extra: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}, **extra}


def resp(schema: Any, **extra: Any) -> dict[str, Any]:
    return {"200": {"description": "ok", **body(schema), **extra}}


def f(rule: str, operation: str | None, pointer: str) -> dict[str, Any]:
    return {
        "rule": rule,
        "level": RULES[rule].level.value,
        "operation": operation,
        "pointer": pointer,
    }


def case(name: str, base: Any, revision: Any, expected: list[dict[str, Any]], **opts: Any) -> None:
    assert name not in CASES, name
    CASES[name] = {"base": base, "revision": revision, "expected": expected, "options": opts}


# --- schema rules: every (context, change) ---------------------------------------------------

POINTER_SUFFIX = {
    "type-changed": "/type",
    "type-widened": "/type",
    "type-narrowed": "/type",
    "format-changed": "/format",
    "format-widened": "/format",
    "format-narrowed": "/format",
    "format-added": "/format",
    "format-removed": "/format",
    "enum-value-removed": "/enum",
    "enum-value-added": "/enum",
    "enum-added": "/enum",
    "enum-removed": "/enum",
    "constraint-narrowed": "/maxLength",
    "constraint-widened": "/maxLength",
    "became-nullable": "/type",
    "nullable-removed": "/type",
    "default-changed": "/default",
    "variant-removed": "/oneOf/1",
    "variant-added": "/oneOf/1",
    "composition-changed": "",
    "discriminator-added": "/discriminator",
    "discriminator-removed": "/discriminator",
    "discriminator-property-changed": "/discriminator/propertyName",
    "discriminator-mapping-removed": "/discriminator/mapping/dog",
    "discriminator-mapping-added": "/discriminator/mapping/dog",
    "discriminator-mapping-changed": "/discriminator/mapping/cat",
    "not-added": "/not",
    "not-removed": "/not",
    # A changed `not` points at the first difference found below it.
    "not-changed": "/not/const",
    "not-changed-compatible": "/not/properties/b",
    "prefix-item-added": "/prefixItems/2",
    "prefix-item-removed": "/prefixItems/2",
    "pattern-changed": "/pattern",
    "became-false": "",
    "no-longer-false": "",
    "const-changed": "/const",
    "const-added": "/const",
    "const-removed": "/const",
    "conditional-added": "/if",
    "conditional-removed": "/if",
    "conditional-changed": "/then",
    "dependent-required-added": "/dependentRequired/value",
    "dependent-required-removed": "/dependentRequired/value",
    "dependent-schema-added": "/dependentSchemas/value",
    "dependent-schema-removed": "/dependentSchemas/value",
    "contains-added": "/contains",
    "contains-removed": "/contains",
    "pattern-property-added": "/patternProperties/^x-",
    "pattern-property-removed": "/patternProperties/^x-",
    "property-names-added": "/propertyNames",
    "property-names-removed": "/propertyNames",
    "content-media-type-changed": "/contentMediaType",
    "content-media-type-added": "/contentMediaType",
    "content-media-type-removed": "/contentMediaType",
    "content-encoding-changed": "/contentEncoding",
    "content-schema-added": "/contentSchema",
    "content-schema-removed": "/contentSchema",
}


def place(context: str, schema: Any) -> tuple[dict[str, Any], str, str]:
    """A document with ``schema`` in ``context``; returns it, the operation and the pointer."""
    if context == "request-parameter":
        param = {"name": "q", "in": "query", "schema": schema}
        return (
            doc({"/v1/items": {"get": ok(parameters=[param])}}),
            "GET /v1/items",
            (f"{ITEMS}/get/parameters/0/schema"),
        )
    if context == "request-property":
        obj = {"type": "object", "properties": {"name": schema}}
        op = ok(requestBody=body(obj, required=True))
        return (
            doc({"/v1/items": {"post": op}}),
            "POST /v1/items",
            (f"{ITEMS}/post/requestBody/content/{JSON}/schema/properties/name"),
        )
    if context == "response-property":
        obj = {"type": "object", "properties": {"name": schema}, "required": ["name"]}
        return (
            doc({"/v1/items": {"get": {"responses": resp(obj)}}}),
            "GET /v1/items",
            (f"{ITEMS}/get/responses/200/content/{JSON}/schema/properties/name"),
        )
    header = {"X-Rate-Limit": {"required": True, "schema": schema}}
    responses = {"200": {"description": "ok", "headers": header}}
    return (
        doc({"/v1/items": {"get": {"responses": responses}}}),
        "GET /v1/items",
        (f"{ITEMS}/get/responses/200/headers/X-Rate-Limit/schema"),
    )


for _context, (_is_request, _) in SCHEMA_CONTEXTS.items():
    for _change, (_req, _resp, _why, _before, _after) in SCHEMA_CHANGES.items():
        if (_req if _is_request else _resp) is None:
            continue
        _rule = f"{_context}-{_change}"
        _base, _op, _at = place(_context, yaml.safe_load(_before))
        _rev, _, _ = place(_context, yaml.safe_load(_after))
        case(_rule, _base, _rev, [f(_rule, _op, _at + POINTER_SUFFIX[_change])])


# --- body property rules ---------------------------------------------------------------------

REQ_SCHEMA = f"{ITEMS}/post/requestBody/content/{JSON}/schema"
RESP_SCHEMA = f"{ITEMS}/get/responses/200/content/{JSON}/schema"
PROPERTY_POINTERS = {
    "request-property-added-required": "/properties/team",
    "request-property-added": "/properties/team",
    "request-property-became-required": "/properties/name",
    "request-property-became-optional": "/properties/name",
    "request-property-removed": "/properties/team",
    "request-property-became-read-only": "/properties/name",
    "request-property-deprecated": "/properties/name/deprecated",
    "request-deprecated-property-removed": "/properties/note",
    "request-additional-properties-narrowed": "/additionalProperties",
    "request-additional-properties-widened": "",
    "response-property-removed": "/properties/name",
    "response-optional-property-removed": "/properties/note",
    "response-property-became-optional": "/properties/name",
    "response-property-added": "/properties/name",
    "response-property-became-required": "/properties/name",
    "response-property-became-write-only": "/properties/name",
    "response-property-deprecated": "/properties/name/deprecated",
    "response-deprecated-property-removed": "/properties/note",
    "response-additional-properties-widened": "",
    "response-additional-properties-narrowed": "/additionalProperties",
    "request-property-removed-from-closed-object": "/properties/team",
}
for _rule, _suffix in PROPERTY_POINTERS.items():
    _before, _after = yaml.safe_load(RULES[_rule].before), yaml.safe_load(RULES[_rule].after)
    if _rule.startswith("request"):
        _b = doc({"/v1/items": {"post": ok(requestBody=body(_before))}})
        _r = doc({"/v1/items": {"post": ok(requestBody=body(_after))}})
        case(_rule, _b, _r, [f(_rule, "POST /v1/items", REQ_SCHEMA + _suffix)])
    else:
        _b = doc({"/v1/items": {"get": {"responses": resp(_before)}}})
        _r = doc({"/v1/items": {"get": {"responses": resp(_after)}}})
        case(_rule, _b, _r, [f(_rule, "GET /v1/items", RESP_SCHEMA + _suffix)])


# --- operations --------------------------------------------------------------------------------

case(
    "operation-removed",
    doc({"/v1/items": {"get": ok(), "post": ok()}}),
    doc({"/v1/items": {"get": ok()}}),
    [f("operation-removed", "POST /v1/items", f"{ITEMS}/post")],
)
case(
    "operation-removed-whole-path",
    doc({"/v1/items": {"get": ok()}, "/v1/tags": {"get": ok(), "delete": ok()}}),
    doc({"/v1/items": {"get": ok()}}),
    [
        f("operation-removed", "GET /v1/tags", "/paths/~1v1~1tags/get"),
        f("operation-removed", "DELETE /v1/tags", "/paths/~1v1~1tags/delete"),
    ],
)
_dep = {"deprecated": True, "x-sunset": "2999-01-01"}
case(
    "operation-removed-before-sunset",
    doc({"/v1/items": {"get": ok(), "post": ok(**_dep)}}),
    doc({"/v1/items": {"get": ok()}}),
    [f("operation-removed-before-sunset", "POST /v1/items", f"{ITEMS}/post")],
)
case(
    "deprecated-operation-removed",
    doc({"/v1/items": {"get": ok(), "post": ok(deprecated=True, **{"x-sunset": "2020-01-01"})}}),
    doc({"/v1/items": {"get": ok()}}),
    [f("deprecated-operation-removed", "POST /v1/items", f"{ITEMS}/post")],
)
case(
    "deprecated-operation-removed-with-too-little-notice",
    doc(
        {
            "/v1/items": {
                "get": ok(),
                "post": ok(
                    deprecated=True,
                    **{"x-sunset": "2025-05-25", "x-deprecated-since": "2025-05-01"},
                ),
            }
        }
    ),
    doc({"/v1/items": {"get": ok()}}),
    [f("operation-removed-before-sunset", "POST /v1/items", f"{ITEMS}/post")],
    min_deprecation_days=90,
)
case(
    "operation-added",
    doc({"/v1/items": {"get": ok()}}),
    doc({"/v1/items": {"get": ok(), "post": ok()}}),
    [f("operation-added", "POST /v1/items", f"{ITEMS}/post")],
)
case(
    "operation-deprecated",
    doc({"/v1/items": {"get": ok()}}),
    doc({"/v1/items": {"get": ok(deprecated=True)}}),
    [f("operation-deprecated", "GET /v1/items", f"{ITEMS}/get/deprecated")],
)
case(
    "operation-id-changed",
    doc({"/v1/items": {"get": ok(operationId="listItems")}}),
    doc({"/v1/items": {"get": ok(operationId="itemsList")}}),
    [f("operation-id-changed", "GET /v1/items", f"{ITEMS}/get/operationId")],
)

# --- parameters ------------------------------------------------------------------------------


def q(name: str = "team", where: str = "query", **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "schema": {"type": "string"}, **extra}


def get_with(*params: dict[str, Any]) -> dict[str, Any]:
    return doc({"/v1/items": {"get": ok(parameters=list(params))}})


P0 = f"{ITEMS}/get/parameters/0"
case(
    "request-parameter-added-required",
    get_with(),
    get_with(q(required=True)),
    [f("request-parameter-added-required", "GET /v1/items", P0)],
)
case(
    "request-parameter-added",
    get_with(),
    get_with(q()),
    [f("request-parameter-added", "GET /v1/items", P0)],
)
case(
    "request-parameter-became-required",
    get_with(q()),
    get_with(q(required=True)),
    [f("request-parameter-became-required", "GET /v1/items", P0)],
)
case(
    "request-parameter-became-optional",
    get_with(q(required=True)),
    get_with(q()),
    [f("request-parameter-became-optional", "GET /v1/items", P0)],
)
case(
    "request-parameter-removed",
    get_with(q()),
    get_with(),
    [f("request-parameter-removed", "GET /v1/items", P0)],
)
case(
    "request-parameter-removed-cookie",
    get_with(q("session", "cookie")),
    get_with(),
    [f("request-parameter-removed", "GET /v1/items", P0)],
)
case(
    "request-parameter-location-changed",
    get_with(q()),
    get_with(q(where="header")),
    [f("request-parameter-location-changed", "GET /v1/items", P0)],
)
case(
    "request-parameter-style-changed",
    get_with(q("ids", explode=True)),
    get_with(q("ids", explode=False)),
    [f("request-parameter-style-changed", "GET /v1/items", P0)],
)
_path_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
case(
    "path-item-parameter-reported-at-every-operation",
    doc({"/v1/items": {"parameters": [q()], "get": ok(), "delete": ok()}}),
    doc({"/v1/items": {"parameters": [q(required=True)], "get": ok(), "delete": ok()}}),
    [
        f("request-parameter-became-required", "GET /v1/items", f"{ITEMS}/parameters/0"),
        f("request-parameter-became-required", "DELETE /v1/items", f"{ITEMS}/parameters/0"),
    ],
)
case(
    "ref-parameter-change",
    doc(
        {"/v1/items": {"get": ok(parameters=[{"$ref": "#/components/parameters/Limit"}])}},
        components={
            "parameters": {
                "Limit": {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "maximum": 100},
                }
            }
        },
    ),
    doc(
        {"/v1/items": {"get": ok(parameters=[{"$ref": "#/components/parameters/Limit"}])}},
        components={
            "parameters": {
                "Limit": {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "maximum": 50},
                }
            }
        },
    ),
    [
        f(
            "request-parameter-constraint-narrowed",
            "GET /v1/items",
            "/components/parameters/Limit/schema/maximum",
        )
    ],
)

_gone = {"deprecated": True, "x-sunset": "2020-01-01"}
_soon = {"deprecated": True, "x-sunset": "2999-01-01"}
_short = {"deprecated": True, "x-sunset": "2025-05-25", "x-deprecated-since": "2025-05-01"}
_long = {"deprecated": True, "x-sunset": "2025-05-25", "x-deprecated-since": "2025-01-01"}
case(
    "request-parameter-deprecated",
    get_with(q()),
    get_with(q(deprecated=True, **{"x-sunset": "2026-06-30"})),
    [f("request-parameter-deprecated", "GET /v1/items", f"{P0}/deprecated")],
)
case(
    "request-parameter-removed-before-sunset",
    get_with(q(**_soon)),
    get_with(),
    [f("request-parameter-removed-before-sunset", "GET /v1/items", P0)],
)
case(
    "deprecated-request-parameter-removed",
    get_with(q(**_gone)),
    get_with(),
    [f("deprecated-request-parameter-removed", "GET /v1/items", P0)],
)
case(
    "deprecated-request-parameter-removed-without-sunset",
    get_with(q("a"), q(deprecated=True)),
    get_with(q("a")),
    [f("deprecated-request-parameter-removed", "GET /v1/items", f"{ITEMS}/get/parameters/1")],
)
case(
    "deprecated-request-parameter-removed-with-too-little-notice",
    get_with(q(**_short)),
    get_with(),
    [f("request-parameter-removed-before-sunset", "GET /v1/items", P0)],
    min_deprecation_days=90,
)
case(
    "deprecated-request-parameter-removed-with-enough-notice",
    get_with(q(**_long)),
    get_with(),
    [f("deprecated-request-parameter-removed", "GET /v1/items", P0)],
    min_deprecation_days=90,
)
case(
    "deprecated-request-parameter-removed-without-deprecation-date",
    get_with(q(deprecated=True)),
    get_with(),
    [f("request-parameter-removed-before-sunset", "GET /v1/items", P0)],
    min_deprecation_days=30,
)
case(
    "deprecated-request-parameter-removed-before-today-override",
    get_with(q(**_short)),
    get_with(),
    [f("request-parameter-removed-before-sunset", "GET /v1/items", P0)],
    today=dt.date(2025, 5, 20),
)

# --- request bodies --------------------------------------------------------------------------

_S = {"type": "object", "properties": {"name": {"type": "string"}}}


def post_with(request_body: Any = None) -> dict[str, Any]:
    op = ok() if request_body is None else ok(requestBody=request_body)
    return doc({"/v1/items": {"post": op}})


RB = f"{ITEMS}/post/requestBody"
case(
    "request-body-added-required",
    post_with(),
    post_with(body(_S, required=True)),
    [f("request-body-added-required", "POST /v1/items", RB)],
)
case(
    "request-body-added",
    post_with(),
    post_with(body(_S)),
    [f("request-body-added", "POST /v1/items", RB)],
)
case(
    "request-body-became-required",
    post_with(body(_S)),
    post_with(body(_S, required=True)),
    [f("request-body-became-required", "POST /v1/items", RB)],
)
case(
    "request-body-became-optional",
    post_with(body(_S, required=True)),
    post_with(body(_S)),
    [f("request-body-became-optional", "POST /v1/items", RB)],
)
case(
    "request-body-removed",
    post_with(body(_S)),
    post_with(),
    [f("request-body-removed", "POST /v1/items", RB)],
)
_two = {"content": {"application/json": {"schema": _S}, "application/xml": {"schema": _S}}}
case(
    "request-media-type-removed",
    post_with(_two),
    post_with(body(_S)),
    [f("request-media-type-removed", "POST /v1/items", f"{RB}/content/application~1xml")],
)
case(
    "request-media-type-added",
    post_with(body(_S)),
    post_with(_two),
    [f("request-media-type-added", "POST /v1/items", f"{RB}/content/application~1xml")],
)
# No schema allows any body: gaining one narrows what is accepted, losing one widens it.
_no_schema = {"content": {"application/json": {}}}
case(
    "request-media-type-schema-added",
    post_with(_no_schema),
    post_with(body(_S)),
    [f("request-media-type-schema-added", "POST /v1/items", f"{RB}/content/{JSON}/schema")],
)
case(
    "request-media-type-schema-removed",
    post_with(body(_S)),
    post_with(_no_schema),
    [f("request-media-type-schema-removed", "POST /v1/items", f"{RB}/content/{JSON}/schema")],
)
case(
    "nothing-request-media-type-schema-added-allowing-anything",
    post_with(_no_schema),
    post_with(body({})),
    [],
)

# --- responses -------------------------------------------------------------------------------


def get_responses(responses: dict[str, Any]) -> dict[str, Any]:
    return doc({"/v1/items": {"get": {"responses": responses}}})


R = f"{ITEMS}/get/responses"
_ok = {"description": "ok"}
case(
    "response-success-status-removed",
    get_responses({"200": _ok}),
    get_responses({"201": _ok}),
    [
        f("response-success-status-removed", "GET /v1/items", f"{R}/200"),
        f("response-success-status-added", "GET /v1/items", f"{R}/201"),
    ],
)
case(
    "response-success-status-added",
    get_responses({"200": _ok}),
    get_responses({"200": _ok, "202": _ok}),
    [f("response-success-status-added", "GET /v1/items", f"{R}/202")],
)
case(
    "response-status-removed",
    get_responses({"200": _ok, "404": _ok}),
    get_responses({"200": _ok}),
    [f("response-status-removed", "GET /v1/items", f"{R}/404")],
)
case(
    "response-status-added",
    get_responses({"200": _ok}),
    get_responses({"200": _ok, "404": _ok}),
    [f("response-status-added", "GET /v1/items", f"{R}/404")],
)
_csv = {"description": "ok", "content": {"application/json": {"schema": _S}, "text/csv": {}}}
_json = {"description": "ok", "content": {"application/json": {"schema": _S}}}
case(
    "response-media-type-removed",
    get_responses({"200": _csv}),
    get_responses({"200": _json}),
    [f("response-media-type-removed", "GET /v1/items", f"{R}/200/content/text~1csv")],
)
case(
    "response-media-type-added",
    get_responses({"200": _json}),
    get_responses({"200": _csv}),
    [f("response-media-type-added", "GET /v1/items", f"{R}/200/content/text~1csv")],
)
_json_any = {"description": "ok", "content": {"application/json": {}}}
case(
    "response-media-type-schema-removed",
    get_responses({"200": _json}),
    get_responses({"200": _json_any}),
    [f("response-media-type-schema-removed", "GET /v1/items", f"{R}/200/content/{JSON}/schema")],
)
case(
    "response-media-type-schema-added",
    get_responses({"200": _json_any}),
    get_responses({"200": _json}),
    [f("response-media-type-schema-added", "GET /v1/items", f"{R}/200/content/{JSON}/schema")],
)
case(
    "nothing-response-media-type-schema-true-removed",
    get_responses({"200": {"description": "ok", **body(True)}}),
    get_responses({"200": _json_any}),
    [],
)

_name_int = {"type": "object", "properties": {"name": {"type": "integer"}}}
case(
    "response-success-status-widened",
    get_responses({"200": _json}),
    get_responses({"2XX": {"description": "ok", **body(_name_int)}}),
    [
        f("response-success-status-widened", "GET /v1/items", f"{R}/2XX"),
        # The two responses are compared.
        f(
            "response-property-type-changed",
            "GET /v1/items",
            f"{R}/2XX/content/{JSON}/schema/properties/name/type",
        ),
    ],
)
case(
    "response-error-status-widened",
    get_responses({"200": _ok, "404": _json, "409": _json}),
    get_responses({"200": _ok, "4XX": _json, "default": _ok}),
    [
        # 404 and 409 by their range (a range comes before default); default is new.
        f("response-error-status-widened", "GET /v1/items", f"{R}/4XX"),
        f("response-error-status-widened", "GET /v1/items", f"{R}/4XX"),
        f("response-status-added", "GET /v1/items", f"{R}/default"),
    ],
)
case(
    "response-error-status-widened-to-default",
    get_responses({"200": _ok, "503": _json}),
    get_responses({"200": _ok, "default": _csv}),
    [
        f("response-error-status-widened", "GET /v1/items", f"{R}/default"),
        f("response-media-type-added", "GET /v1/items", f"{R}/default/content/text~1csv"),
    ],
)
case(
    "response-status-range-narrowed",
    get_responses({"2XX": _json}),
    get_responses({"200": _json, "201": {"description": "ok", **body(_name_int)}}),
    [
        f("response-status-range-narrowed", "GET /v1/items", f"{R}/2XX"),
        f("response-status-added", "GET /v1/items", f"{R}/200"),
        f("response-status-added", "GET /v1/items", f"{R}/201"),
        f(
            "response-property-type-changed",
            "GET /v1/items",
            f"{R}/201/content/{JSON}/schema/properties/name/type",
        ),
    ],
)
case(
    "nothing-response-media-type-gains-charset",
    get_responses({"200": _json}),
    get_responses(
        {
            "200": {
                "description": "ok",
                "content": {"application/json; charset=utf-8": {"schema": _S}},
            }
        }
    ),
    [],
)
case(
    "response-media-type-parameters-ignored-when-matching",
    get_responses({"200": _json}),
    get_responses(
        {
            "200": {
                "description": "ok",
                "content": {"application/json;charset=utf-8": {"schema": _name_int}},
            }
        }
    ),
    [
        f(
            "response-property-type-changed",
            "GET /v1/items",
            f"{R}/200/content/application~1json;charset=utf-8/schema/properties/name/type",
        )
    ],
)


def with_header(**header: Any) -> dict[str, Any]:
    if not header:
        return get_responses({"200": _ok})
    h = {"X-Rate-Limit": {"schema": {"type": "integer"}, **header}}
    return get_responses({"200": {"description": "ok", "headers": h}})


H = f"{R}/200/headers/X-Rate-Limit"
case(
    "response-header-removed",
    with_header(required=True),
    with_header(),
    [f("response-header-removed", "GET /v1/items", H)],
)
case(
    "response-optional-header-removed",
    with_header(required=False),
    with_header(),
    [f("response-optional-header-removed", "GET /v1/items", H)],
)
case(
    "response-header-became-optional",
    with_header(required=True),
    with_header(required=False),
    [f("response-header-became-optional", "GET /v1/items", H)],
)
case(
    "response-header-added",
    with_header(),
    with_header(required=False),
    [f("response-header-added", "GET /v1/items", H)],
)
case(
    "deprecated-response-header-removed",
    with_header(required=True, **_gone),
    with_header(),
    [f("deprecated-response-header-removed", "GET /v1/items", H)],
)
case(
    "deprecated-response-header-removed-before-sunset",
    with_header(required=True, **_soon),
    with_header(),
    [f("response-header-removed", "GET /v1/items", H)],
)
case(
    "response-header-deprecated",
    with_header(required=True),
    with_header(required=True, deprecated=True),
    [f("response-header-deprecated", "GET /v1/items", f"{H}/deprecated")],
)
case(
    "ref-response-change",
    doc(
        {"/v1/items": {"get": {"responses": {"200": {"$ref": "#/components/responses/Items"}}}}},
        components={"responses": {"Items": {"description": "ok", **body(_S)}}},
    ),
    doc(
        {"/v1/items": {"get": {"responses": {"200": {"$ref": "#/components/responses/Items"}}}}},
        components={
            "responses": {
                "Items": {
                    "description": "ok",
                    **body({"type": "object", "properties": {"name": {"type": "integer"}}}),
                }
            }
        },
    ),
    [
        f(
            "response-property-type-changed",
            "GET /v1/items",
            f"/components/responses/Items/content/{JSON}/schema/properties/name/type",
        )
    ],
)

# --- security --------------------------------------------------------------------------------

SCHEMES = {
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "oauth": {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": {}}},
        },
    }
}


def secured(security: Any, schemes: Any = None) -> dict[str, Any]:
    return doc({"/v1/items": {"get": ok(security=security)}}, components=schemes or SCHEMES)


SEC = f"{ITEMS}/get/security"
for _name, _b, _r in (
    ("security-added", [], [{"bearer": []}]),
    ("security-removed", [{"bearer": []}], []),
    ("security-requirement-changed", [{"apiKey": []}], [{"bearer": []}]),
    ("security-scope-added", [{"oauth": ["read"]}], [{"oauth": ["read", "admin"]}]),
    ("security-scope-removed", [{"oauth": ["read", "admin"]}], [{"oauth": ["read"]}]),
    ("security-alternative-added", [{"bearer": []}], [{"bearer": []}, {"apiKey": []}]),
):
    case(_name, secured(_b), secured(_r), [f(_name, "GET /v1/items", SEC)])
case(
    "security-inherited-from-document",
    doc({"/v1/items": {"get": ok()}}, components=SCHEMES, security=[{"apiKey": []}]),
    doc({"/v1/items": {"get": ok()}}, components=SCHEMES, security=[{"bearer": []}]),
    [f("security-requirement-changed", "GET /v1/items", "/security")],
)
_renamed = {
    "securitySchemes": {
        **SCHEMES["securitySchemes"],
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Token"},
    }
}
case(
    "security-scheme-changed",
    secured([{"apiKey": []}]),
    secured([{"apiKey": []}], _renamed),
    [f("security-scheme-changed", None, "/components/securitySchemes/apiKey")],
)
_oauth_renamed = {
    "securitySchemes": {
        "bearer": SCHEMES["securitySchemes"]["bearer"],
        "apiKey": SCHEMES["securitySchemes"]["apiKey"],
        "clientOAuth": {**SCHEMES["securitySchemes"]["oauth"], "description": "Renamed"},
    }
}
case(
    "security-scheme-renamed",
    secured([{"oauth": ["read"]}]),
    secured([{"clientOAuth": ["read"]}], _oauth_renamed),
    [f("security-scheme-renamed", None, "/components/securitySchemes/clientOAuth")],
)
case(
    "security-scheme-renamed-scope-added",
    secured([{"oauth": ["read"]}]),
    secured([{"clientOAuth": ["read", "admin"]}], _oauth_renamed),
    [
        f("security-scheme-renamed", None, "/components/securitySchemes/clientOAuth"),
        f("security-scope-added", "GET /v1/items", SEC),
    ],
)
_key_lower = {
    "securitySchemes": {
        **SCHEMES["securitySchemes"],
        "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
    }
}
case(
    "nothing-api-key-header-name-case",
    secured([{"apiKey": []}]),
    secured([{"apiKey": []}], _key_lower),
    [],
)
_query_key = {"type": "apiKey", "in": "query", "name": "api_key"}
case(
    "api-key-query-name-case-is-a-change",
    secured([{"apiKey": []}], {"securitySchemes": {"apiKey": _query_key}}),
    secured([{"apiKey": []}], {"securitySchemes": {"apiKey": {**_query_key, "name": "API_KEY"}}}),
    [f("security-scheme-changed", None, "/components/securitySchemes/apiKey")],
)

# --- servers and paths -----------------------------------------------------------------------


def served(paths: dict[str, Any], *urls: str) -> dict[str, Any]:
    extra = {"servers": [{"url": u} for u in urls]} if urls else {}
    return doc(paths, **extra)


case(
    "path-trailing-slash-changed",
    doc({"/v1/items": {"get": ok(), "post": ok()}}),
    doc({"/v1/items/": {"get": ok(), "post": ok()}}),
    [
        f("path-trailing-slash-changed", "GET /v1/items/", "/paths/~1v1~1items~1"),
        f("path-trailing-slash-changed", "POST /v1/items/", "/paths/~1v1~1items~1"),
    ],
)
case(
    "nothing-base-path-moved-into-paths",
    served({"/items": {"get": ok()}}, "https://a.example/v1", "https://b.example/v1/"),
    served({"/v1/items": {"get": ok()}}, "https://a.example", "https://b.example"),
    [],
)
case(
    "nothing-base-path-from-server-variable",
    doc(
        {"/items": {"get": ok()}},
        servers=[{"url": "https://a.example/{base}", "variables": {"base": {"default": "v1"}}}],
    ),
    doc({"/v1/items": {"get": ok()}}),
    [],
)
case(
    "server-base-path-changed",
    served({"/items": {"get": ok()}}, "https://a.example/v1"),
    served({"/items": {"get": ok()}}, "https://a.example/v2"),
    [f("server-base-path-changed", None, "/servers")],
)
case(
    "server-base-path-removed",
    served({"/items": {"get": ok()}}, "/v1"),
    served({"/items": {"get": ok()}}),
    [f("server-base-path-changed", None, "/servers")],
)
case(
    "servers-without-a-common-base-path-are-not-used",
    served({"/items": {"get": ok()}}, "https://a.example/v1", "https://b.example/v2"),
    served({"/v1/items": {"get": ok()}}, "https://a.example"),
    [
        f("operation-removed", "GET /items", "/paths/~1items/get"),
        f("operation-added", "GET /v1/items", "/paths/~1v1~1items/get"),
    ],
)
case(
    "base-path-trailing-slash-moved",
    served({"/": {"get": ok()}}, "https://a.example/v1"),
    served({"/v1": {"get": ok()}}),
    [f("path-trailing-slash-changed", "GET /v1", "/paths/~1v1")],
)


# --- callbacks and webhooks ------------------------------------------------------------------

EXPR = "{$request.body#/url}"
SUBS = "/paths/~1v1~1subscriptions/post"
CB = f"{SUBS}/callbacks/onEvent/{{$request.body#~1url}}/post"
CBL = f"POST /v1/subscriptions callback onEvent {EXPR} POST"
WH = "/webhooks/invoicePaid/post"
WHL = "WEBHOOK invoicePaid POST"


def subscribe(hooks_of_op: Any = None, **components: Any) -> dict[str, Any]:
    op = ok() if hooks_of_op is None else ok(callbacks=hooks_of_op)
    extra = {"components": components} if components else {}
    return doc({"/v1/subscriptions": {"post": op}}, **extra)


def with_callback(op: Any, **components: Any) -> dict[str, Any]:
    return subscribe({"onEvent": {EXPR: {"post": op}}}, **components)


def hooks(op: Any = None, **components: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {"components": components} if components else {}
    if op is not None:
        extra["webhooks"] = {"invoicePaid": {"post": op}}
    return doc({}, **extra)


def event(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


_status = {"type": "string", "enum": ["paid", "void"]}
_status3 = {"type": "string", "enum": ["paid", "void", "refunded"]}
_event = event({"id": {"type": "string"}, "status": _status}, ["id", "status"])

case("callback-added", subscribe(), with_callback(ok()), [f("callback-added", CBL, CB)])
case("callback-removed", with_callback(ok()), subscribe(), [f("callback-removed", CBL, CB)])
case(
    "callback-removed-before-sunset",
    with_callback(ok(**_soon)),
    subscribe(),
    [f("callback-removed-before-sunset", CBL, CB)],
)
case(
    "deprecated-callback-removed",
    with_callback(ok(**_gone)),
    subscribe(),
    [f("deprecated-callback-removed", CBL, CB)],
)
case(
    "callback-method-removed",
    subscribe({"onEvent": {EXPR: {"post": ok(), "put": ok()}}}),
    with_callback(ok()),
    [
        f(
            "callback-removed",
            f"POST /v1/subscriptions callback onEvent {EXPR} PUT",
            CB[: -len("post")] + "put",
        )
    ],
)
case(
    "callback-deprecated-and-renamed",
    with_callback(ok(operationId="onEvent")),
    with_callback(ok(operationId="handleEvent", deprecated=True)),
    [
        f("callback-deprecated", CBL, f"{CB}/deprecated"),
        f("operation-id-changed", CBL, f"{CB}/operationId"),
    ],
)
case("webhook-added", hooks(), hooks(ok()), [f("webhook-added", WHL, WH)])
case(
    "webhook-deprecated",
    hooks(ok()),
    hooks(ok(deprecated=True)),
    [f("webhook-deprecated", WHL, f"{WH}/deprecated")],
)
case("webhook-removed", hooks(ok()), hooks(), [f("webhook-removed", WHL, WH)])
case(
    "webhook-removed-before-sunset",
    hooks(ok(**_soon)),
    hooks(),
    [f("webhook-removed-before-sunset", WHL, WH)],
)
case(
    "deprecated-webhook-removed",
    hooks(ok(**_gone)),
    hooks(),
    [f("deprecated-webhook-removed", WHL, WH)],
)
case(
    "deprecated-webhook-removed-with-too-little-notice",
    hooks(ok(**_short)),
    hooks(),
    [f("webhook-removed-before-sunset", WHL, WH)],
    min_deprecation_days=90,
)
case(
    "deprecated-webhook-removed-with-enough-notice",
    hooks(ok(**_long)),
    hooks(),
    [f("deprecated-webhook-removed", WHL, WH)],
    min_deprecation_days=90,
)

# Structural rules of the reversed walk: (rule, base operation, revision operation, pointer
# below the callback or webhook operation).
_sent = body(_event)
_two_types = {"content": {"application/json": {"schema": _event}, "application/xml": {}}}
_answer = {"description": "ok", "content": {"application/json": {}, "text/plain": {}}}
_answer1 = {"description": "ok", "content": {"application/json": {}}}


def answered(**header: Any) -> dict[str, Any]:
    headers = {"X-Processed-Id": {"schema": {"type": "string"}, **header}} if header else {}
    return ok(responses={"200": {"description": "ok", "headers": headers}})


_HDR = "/responses/200/headers/X-Processed-Id"
_ack_req = event({"received": {"type": "boolean"}}, ["received"])
REVERSED_CASES = (
    ("callback-request-body-removed", ok(requestBody=_sent), ok(), "/requestBody"),
    ("callback-request-body-added", ok(), ok(requestBody=_sent), "/requestBody"),
    (
        "callback-request-body-became-optional",
        ok(requestBody={**_sent, "required": True}),
        ok(requestBody=_sent),
        "/requestBody",
    ),
    (
        "callback-request-body-became-required",
        ok(requestBody=_sent),
        ok(requestBody={**_sent, "required": True}),
        "/requestBody",
    ),
    (
        "callback-request-media-type-added",
        ok(requestBody=_sent),
        ok(requestBody=_two_types),
        "/requestBody/content/application~1xml",
    ),
    (
        "callback-request-media-type-removed",
        ok(requestBody=_two_types),
        ok(requestBody=_sent),
        "/requestBody/content/application~1xml",
    ),
    (
        "callback-response-status-removed",
        {"responses": {"200": _ok, "410": _ok}},
        {"responses": {"200": _ok}},
        "/responses/410",
    ),
    (
        "callback-response-status-added",
        {"responses": {"200": _ok}},
        {"responses": {"200": _ok, "204": _ok}},
        "/responses/204",
    ),
    (
        "callback-response-media-type-removed",
        {"responses": {"200": _answer}},
        {"responses": {"200": _answer1}},
        "/responses/200/content/text~1plain",
    ),
    (
        "callback-response-media-type-added",
        {"responses": {"200": _answer1}},
        {"responses": {"200": _answer}},
        "/responses/200/content/text~1plain",
    ),
    ("callback-response-header-removed", answered(required=True), answered(), _HDR),
    (
        "callback-request-media-type-schema-removed",
        ok(requestBody=_sent),
        ok(requestBody={"content": {"application/json": {}}}),
        f"/requestBody/content/{JSON}/schema",
    ),
    (
        "callback-request-media-type-schema-added",
        ok(requestBody={"content": {"application/json": {}}}),
        ok(requestBody=_sent),
        f"/requestBody/content/{JSON}/schema",
    ),
    (
        "callback-response-media-type-schema-added",
        {"responses": {"200": _answer1}},
        {"responses": {"200": {"description": "ok", **body(_ack_req)}}},
        f"/responses/200/content/{JSON}/schema",
    ),
    (
        "callback-response-media-type-schema-removed",
        {"responses": {"200": {"description": "ok", **body(_ack_req)}}},
        {"responses": {"200": _answer1}},
        f"/responses/200/content/{JSON}/schema",
    ),
    ("callback-response-header-added-required", answered(), answered(required=True), _HDR),
    ("callback-response-header-added", answered(), answered(required=False), _HDR),
    (
        "callback-response-header-became-required",
        answered(required=False),
        answered(required=True),
        _HDR,
    ),
    (
        "callback-response-header-became-optional",
        answered(required=True),
        answered(required=False),
        _HDR,
    ),
)
for _rule, _b, _r, _suffix in REVERSED_CASES:
    case(_rule, with_callback(_b), with_callback(_r), [f(_rule, CBL, CB + _suffix)])
    case(
        f"webhook-{_rule[len('callback-') :]}", hooks(_b), hooks(_r), [f(_rule, WHL, WH + _suffix)]
    )

# Status ranges in a callback's answers: the API accepts more answers, or fewer.
case(
    "callback-response-status-widened-to-range",
    with_callback({"responses": {"200": _ok}}),
    with_callback({"responses": {"2XX": _ok}}),
    [f("callback-response-status-added", CBL, f"{CB}/responses/2XX")],
)
case(
    "callback-response-status-range-narrowed",
    with_callback({"responses": {"2XX": _ok}}),
    with_callback({"responses": {"200": _ok}}),
    [
        f("callback-response-status-removed", CBL, f"{CB}/responses/2XX"),
        f("callback-response-status-added", CBL, f"{CB}/responses/200"),
    ],
)

# Schemas inside callbacks and webhooks, in both directions: the request body is read by the
# client (response rules), the answer is written by the client (request rules).
_CB_BODY = f"{CB}/requestBody/content/{JSON}/schema"
_WH_BODY = f"{WH}/requestBody/content/{JSON}/schema"
_event3 = event({"id": {"type": "string"}, "status": _status3}, ["id", "status"])
case(
    "callback-request-body-enum-value-added",
    with_callback(ok(requestBody=_sent)),
    with_callback(ok(requestBody=body(_event3))),
    [f("response-property-enum-value-added", CBL, f"{_CB_BODY}/properties/status/enum")],
)
case(
    "webhook-request-body-enum-value-removed",
    hooks(ok(requestBody=body(_event3))),
    hooks(ok(requestBody=_sent)),
    [f("response-property-enum-value-removed", WHL, f"{_WH_BODY}/properties/status/enum")],
)
case(
    "webhook-request-body-property-removed",
    hooks(ok(requestBody=_sent)),
    hooks(ok(requestBody=body(event({"id": {"type": "string"}}, ["id"])))),
    [f("response-property-removed", WHL, f"{_WH_BODY}/properties/status")],
)
_ack = event({"received": {"type": "boolean"}})
_ack_max = event({"note": {"type": "string", "maxLength": 10}})
_ack_max2 = event({"note": {"type": "string", "maxLength": 20}})
_CB_ANSWER = f"{CB}/responses/200/content/{JSON}/schema"
_WH_ANSWER = f"{WH}/responses/200/content/{JSON}/schema"
case(
    "callback-response-property-became-required",
    with_callback({"responses": resp(_ack)}),
    with_callback({"responses": resp(_ack_req)}),
    [f("request-property-became-required", CBL, f"{_CB_ANSWER}/properties/received")],
)
case(
    "webhook-response-constraint-widened",
    hooks({"responses": resp(_ack_max)}),
    hooks({"responses": resp(_ack_max2)}),
    [f("request-property-constraint-widened", WHL, f"{_WH_ANSWER}/properties/note/maxLength")],
)
case(
    "webhook-response-header-schema-narrowed",
    hooks(answered(required=True, schema={"type": "string", "maxLength": 64})),
    hooks(answered(required=True, schema={"type": "string", "maxLength": 32})),
    [f("request-parameter-constraint-narrowed", WHL, f"{WH}{_HDR}/schema/maxLength")],
)

# One component read by the client in a response and a webhook, written by it in a request:
# the same change is reported once per direction (the replay cache keys by direction).
_INV = "/components/schemas/Invoice"
_inv_ref = {"$ref": f"#{_INV}"}
_rb_ref = {"$ref": "#/components/requestBodies/Invoice"}


def invoices(invoice: dict[str, Any]) -> dict[str, Any]:
    out = doc(
        {
            "/v1/invoices": {
                "get": {"responses": resp(_inv_ref)},
                "post": ok(requestBody=_rb_ref),
            }
        },
        webhooks={"invoicePaid": {"post": ok(requestBody=_rb_ref)}},
        components={
            "schemas": {"Invoice": invoice},
            "requestBodies": {"Invoice": body(_inv_ref, required=True)},
        },
    )
    return out


case(
    "shared-component-in-request-response-and-webhook",
    invoices(_event),
    invoices(_event3),
    [
        f(
            "request-property-enum-value-added",
            "POST /v1/invoices",
            f"{_INV}/properties/status/enum",
        ),
        f(
            "response-property-enum-value-added",
            "GET /v1/invoices",
            f"{_INV}/properties/status/enum",
        ),
        f("response-property-enum-value-added", WHL, f"{_INV}/properties/status/enum"),
    ],
)
case(
    "callback-ref-to-components",
    subscribe(
        {"onEvent": {"$ref": "#/components/callbacks/Event"}},
        callbacks={"Event": {EXPR: {"post": ok(requestBody=_sent)}}},
    ),
    subscribe(
        {"onEvent": {"$ref": "#/components/callbacks/Event"}},
        callbacks={"Event": {EXPR: {"post": ok(requestBody=body(_event3))}}},
    ),
    [
        f(
            "response-property-enum-value-added",
            CBL,
            f"/components/callbacks/Event/{{$request.body#~1url}}/post/requestBody/content/"
            f"{JSON}/schema/properties/status/enum",
        )
    ],
)

# --- $ref and composition --------------------------------------------------------------------


def items_api(item: dict[str, Any], **schemas: Any) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/Item"}
    return doc(
        {
            "/v1/items": {
                "get": {"responses": resp({"type": "array", "items": ref})},
                "post": {
                    "requestBody": body(ref, required=True),
                    "responses": {"201": {"description": "ok", **body(ref)}},
                },
            }
        },
        components={"schemas": {"Item": item, **schemas}},
    )


_item = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 100}}}
_item_short = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 50}}}
NAME_MAX = "/components/schemas/Item/properties/name/maxLength"
case(
    "shared-component-reported-per-operation-and-direction",
    items_api(_item),
    items_api(_item_short),
    [
        f("request-property-constraint-narrowed", "POST /v1/items", NAME_MAX),
        f("response-property-constraint-narrowed", "POST /v1/items", NAME_MAX),
        f("response-property-constraint-narrowed", "GET /v1/items", NAME_MAX),
    ],
)
_base_all = {"allOf": [{"$ref": "#/components/schemas/Named"}, {"type": "object"}]}
_named = {"type": "object", "properties": {"name": {"type": "string"}}}
_named_req = {**_named, "required": ["name"]}
case(
    "allof-member-property-became-required",
    items_api(_base_all, Named=_named),
    items_api(_base_all, Named=_named_req),
    [
        f(
            "request-property-became-required",
            "POST /v1/items",
            "/components/schemas/Named/properties/name",
        ),
        f(
            "response-property-became-required",
            "POST /v1/items",
            "/components/schemas/Named/properties/name",
        ),
        f(
            "response-property-became-required",
            "GET /v1/items",
            "/components/schemas/Named/properties/name",
        ),
    ],
)
_pets = {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]}
_cats = {"oneOf": [{"$ref": "#/components/schemas/Cat"}]}
_cat = {"type": "object", "properties": {"meow": {"type": "boolean"}}, "required": ["meow"]}
_dog = {"type": "object", "properties": {"bark": {"type": "boolean"}}, "required": ["bark"]}
case(
    "oneof-variant-removed",
    items_api(_pets, Cat=_cat, Dog=_dog),
    items_api(_cats, Cat=_cat, Dog=_dog),
    [
        f("request-property-variant-removed", "POST /v1/items", "/components/schemas/Dog"),
        f("response-property-variant-removed", "POST /v1/items", "/components/schemas/Dog"),
        f("response-property-variant-removed", "GET /v1/items", "/components/schemas/Dog"),
    ],
)
_any2 = {"anyOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]}
_any1 = {"anyOf": [{"$ref": "#/components/schemas/Cat"}]}
case(
    "anyof-variant-added",
    items_api(_any1, Cat=_cat, Dog=_dog),
    items_api(_any2, Cat=_cat, Dog=_dog),
    [
        f("request-property-variant-added", "POST /v1/items", "/components/schemas/Dog"),
        f("response-property-variant-added", "POST /v1/items", "/components/schemas/Dog"),
        f("response-property-variant-added", "GET /v1/items", "/components/schemas/Dog"),
    ],
)
_tree = {
    "type": "object",
    "properties": {
        "label": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
    },
}
_tree2 = {
    "type": "object",
    "properties": {
        "label": {"type": "integer"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
    },
}
LABEL = "/components/schemas/Item/properties/label/type"
case(
    "cyclic-ref-terminates-and-reports",
    items_api(_tree),
    items_api(_tree2),
    [
        f("request-property-type-changed", "POST /v1/items", LABEL),
        f("response-property-type-changed", "POST /v1/items", LABEL),
        f("response-property-type-changed", "GET /v1/items", LABEL),
    ],
)


# --- discriminator, not, prefixItems, deprecated properties ----------------------------------


def pets(mapping: dict[str, str], variants: list[str], **schemas: Any) -> dict[str, Any]:
    item = {
        "oneOf": [{"$ref": f"#/components/schemas/{v}"} for v in variants],
        "discriminator": {"propertyName": "kind", "mapping": mapping},
    }
    return items_api(item, **schemas)


def _pet(kind: str, prop: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"kind": {"type": "string"}, prop: {"type": "boolean"}},
        "required": ["kind", prop],
    }


_animals = {"Cat": _pet("cat", "meow"), "Dog": _pet("dog", "bark"), "Wolf": _pet("wolf", "howl")}
_cat_dog = {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}
MAP = "/components/schemas/Item/discriminator/mapping"
case(
    "discriminator-mapping-value-repointed",
    pets(_cat_dog, ["Cat", "Dog", "Wolf"], **_animals),
    pets({**_cat_dog, "dog": "#/components/schemas/Wolf"}, ["Cat", "Dog", "Wolf"], **_animals),
    [
        f("request-property-discriminator-mapping-changed", "POST /v1/items", f"{MAP}/dog"),
        f("response-property-discriminator-mapping-changed", "POST /v1/items", f"{MAP}/dog"),
        f("response-property-discriminator-mapping-changed", "GET /v1/items", f"{MAP}/dog"),
    ],
)
# The variant goes with its value: the variant's removal is the finding (an error in a
# request, info in a response); the mapping entry that named it adds nothing.
case(
    "discriminator-mapping-removed-with-its-variant",
    pets(_cat_dog, ["Cat", "Dog"], **_animals),
    pets({"cat": "#/components/schemas/Cat"}, ["Cat"], **_animals),
    [
        f("request-property-variant-removed", "POST /v1/items", "/components/schemas/Dog"),
        f("response-property-variant-removed", "POST /v1/items", "/components/schemas/Dog"),
        f("response-property-variant-removed", "GET /v1/items", "/components/schemas/Dog"),
    ],
)
_point = {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number", "maximum": 90}]}
_point_b = {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number", "maximum": 45}]}
LAT_MAX = "/components/schemas/Item/prefixItems/1/maximum"
case(
    "prefix-items-nested-change-by-position",
    items_api(_point),
    items_api(_point_b),
    [
        f("request-property-constraint-narrowed", "POST /v1/items", LAT_MAX),
        f("response-property-constraint-narrowed", "POST /v1/items", LAT_MAX),
        f("response-property-constraint-narrowed", "GET /v1/items", LAT_MAX),
    ],
)
_reserved = {"type": "string", "enum": ["admin"]}
_named_not = {
    "type": "object",
    "properties": {"name": {"type": "string", "not": {"$ref": "#/components/schemas/Reserved"}}},
}
# Item is serialised identically on both sides: only the component below `not` changed.
case(
    "not-changed-through-ref",
    items_api(_named_not, Reserved=_reserved),
    items_api(_named_not, Reserved={"type": "string", "enum": ["admin", "root"]}),
    [
        f("request-property-not-changed", "POST /v1/items", "/components/schemas/Reserved/enum"),
        f(
            "response-property-not-changed-compatible",
            "POST /v1/items",
            "/components/schemas/Reserved/enum",
        ),
        f(
            "response-property-not-changed-compatible",
            "GET /v1/items",
            "/components/schemas/Reserved/enum",
        ),
    ],
)


def with_legacy(present: bool, **legacy: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"id": {"type": "string"}}
    if present:
        props["legacy"] = {"type": "string", "deprecated": True, **legacy}
    required = ["id", "legacy"] if present else ["id"]
    return items_api({"type": "object", "properties": props, "required": required})


LEGACY = "/components/schemas/Item/properties/legacy"
case(
    "deprecated-property-removed-before-sunset",
    with_legacy(True, **{"x-sunset": "2999-01-01"}),
    with_legacy(False),
    [
        f("request-property-removed", "POST /v1/items", LEGACY),
        f("response-property-removed", "POST /v1/items", LEGACY),
        f("response-property-removed", "GET /v1/items", LEGACY),
    ],
)
case(
    "deprecated-property-removed-after-sunset",
    with_legacy(True, **{"x-sunset": "2025-01-01"}),
    with_legacy(False),
    [
        f("request-deprecated-property-removed", "POST /v1/items", LEGACY),
        f("response-deprecated-property-removed", "POST /v1/items", LEGACY),
        f("response-deprecated-property-removed", "GET /v1/items", LEGACY),
    ],
)
case(
    "deprecated-property-removed-with-too-little-notice",
    with_legacy(True, **{"x-sunset": "2025-05-25", "x-deprecated-since": "2025-05-01"}),
    with_legacy(False),
    [
        f("request-property-removed", "POST /v1/items", LEGACY),
        f("response-property-removed", "POST /v1/items", LEGACY),
        f("response-property-removed", "GET /v1/items", LEGACY),
    ],
    min_deprecation_days=90,
)
for change, revision in (
    ("sunset-moved-earlier", {"x-sunset": "2998-01-01"}),
    ("sunset-moved-too-early", {"x-sunset": "2025-05-01"}),
    ("sunset-deleted", {}),
):
    case(
        f"property-{change}",
        with_legacy(True, **{"x-sunset": "2999-01-01"}),
        with_legacy(True, **revision),
        [
            f(
                f"request-property-{change}",
                "POST /v1/items",
                LEGACY + ("/x-sunset" if revision else ""),
            ),
            f(
                f"response-property-{change}",
                "POST /v1/items",
                LEGACY + ("/x-sunset" if revision else ""),
            ),
            f(
                f"response-property-{change}",
                "GET /v1/items",
                LEGACY + ("/x-sunset" if revision else ""),
            ),
        ],
    )
_deprecated_ref = items_api(
    {"type": "object", "properties": {"old": {"$ref": "#/components/schemas/Old"}}},
    Old={"type": "string"},
)
_deprecated_ref_b = items_api(
    {"type": "object", "properties": {"old": {"$ref": "#/components/schemas/Old"}}},
    Old={"type": "string", "deprecated": True},
)
OLD_DEP = "/components/schemas/Old/deprecated"
case(
    "property-deprecated-through-its-ref",
    _deprecated_ref,
    _deprecated_ref_b,
    [
        f("request-property-deprecated", "POST /v1/items", OLD_DEP),
        f("response-property-deprecated", "POST /v1/items", OLD_DEP),
        f("response-property-deprecated", "GET /v1/items", OLD_DEP),
    ],
)

# --- editing the deprecation notice: x-sunset moved earlier, deleted, unreadable -------------

# (kind, how a node with these fields is placed, operation label, pointer of the node)
SUNSET_KINDS: tuple[tuple[str, Any, str, str], ...] = (
    (
        "operation",
        lambda **d: doc({"/v1/items": {"get": ok(**d)}}),
        "GET /v1/items",
        f"{ITEMS}/get",
    ),
    ("request-parameter", lambda **d: get_with(q(**d)), "GET /v1/items", P0),
    ("response-header", lambda **d: with_header(**d), "GET /v1/items", H),
    ("callback", lambda **d: with_callback(ok(**d)), CBL, CB),
    ("webhook", lambda **d: hooks(ok(**d)), WHL, WH),
)
_far = {"deprecated": True, "x-sunset": "2026-12-31"}
for _kind, _place, _label, _at in SUNSET_KINDS:
    # Today is 2025-06-01: 2025-07-01 leaves 30 days, fewer than the 90 required.
    case(
        f"{_kind}-sunset-moved-too-early",
        _place(**_far),
        _place(**{**_far, "x-sunset": "2025-07-01"}),
        [f(f"{_kind}-sunset-moved-too-early", _label, f"{_at}/x-sunset")],
        min_deprecation_days=90,
    )
    case(
        f"{_kind}-sunset-moved-earlier",
        _place(**_far),
        _place(**{**_far, "x-sunset": "2026-06-30"}),
        [f(f"{_kind}-sunset-moved-earlier", _label, f"{_at}/x-sunset")],
        min_deprecation_days=90,
    )
    case(
        f"{_kind}-sunset-deleted",
        _place(**_far),
        _place(deprecated=True),
        [f(f"{_kind}-sunset-deleted", _label, _at)],
    )
case(
    "operation-sunset-moved-earlier-without-minimum",
    doc({"/v1/items": {"get": ok(**_far)}}),
    doc({"/v1/items": {"get": ok(deprecated=True, **{"x-sunset": "2025-07-01"})}}),
    [f("operation-sunset-moved-earlier", "GET /v1/items", f"{ITEMS}/get/x-sunset")],
)
case(
    "operation-sunset-moved-into-the-past-without-minimum",
    doc({"/v1/items": {"get": ok(**_far)}}),
    doc({"/v1/items": {"get": ok(deprecated=True, **{"x-sunset": "2025-05-01"})}}),
    [f("operation-sunset-moved-too-early", "GET /v1/items", f"{ITEMS}/get/x-sunset")],
)
_since = {"deprecated": True, "x-sunset": "2026-12-31", "x-deprecated-since": "2025-01-01"}
case(
    "request-parameter-sunset-moved-earlier-with-notice-since-deprecation",
    get_with(q(**_since)),
    get_with(q(**{**_since, "x-sunset": "2025-05-01"})),
    [f("request-parameter-sunset-moved-earlier", "GET /v1/items", f"{P0}/x-sunset")],
    min_deprecation_days=90,
)
case(
    "request-parameter-sunset-moved-too-early-after-deprecation",
    get_with(q(**_since)),
    get_with(q(**{**_since, "x-sunset": "2025-03-01"})),
    [f("request-parameter-sunset-moved-too-early", "GET /v1/items", f"{P0}/x-sunset")],
    min_deprecation_days=90,
)
case(
    "operation-sunset-moved-too-early-today-override",
    doc({"/v1/items": {"get": ok(**_far)}}),
    doc({"/v1/items": {"get": ok(deprecated=True, **{"x-sunset": "2026-07-01"})}}),
    [f("operation-sunset-moved-too-early", "GET /v1/items", f"{ITEMS}/get/x-sunset")],
    min_deprecation_days=90,
    today=dt.date(2026, 5, 1),
)
case(
    "deprecation-sunset-unreadable",
    doc({"/v1/items": {"get": ok()}}),
    doc({"/v1/items": {"get": ok(deprecated=True, **{"x-sunset": "soon"})}}),
    [
        f("operation-deprecated", "GET /v1/items", f"{ITEMS}/get/deprecated"),
        f("deprecation-sunset-unreadable", "GET /v1/items", f"{ITEMS}/get/x-sunset"),
    ],
)
case(
    "deprecation-sunset-unreadable-parameter-sunset-changed",
    get_with(q(**_far)),
    get_with(q(deprecated=True, **{"x-sunset": "end of Q3"})),
    [f("deprecation-sunset-unreadable", "GET /v1/items", f"{P0}/x-sunset")],
)
case(
    "deprecation-sunset-unreadable-webhook",
    hooks(ok()),
    hooks(ok(deprecated=True, **{"x-sunset": "soon"})),
    [
        f("webhook-deprecated", WHL, f"{WH}/deprecated"),
        f("deprecation-sunset-unreadable", WHL, f"{WH}/x-sunset"),
    ],
)
case(
    "nothing-sunset-moved-later",
    doc({"/v1/items": {"get": ok(**_far)}}),
    doc({"/v1/items": {"get": ok(deprecated=True, **{"x-sunset": "2027-06-30"})}}),
    [],
    min_deprecation_days=90,
)
case(
    "nothing-sunset-already-passed-moved-earlier",
    doc({"/v1/items": {"get": ok(deprecated=True, **{"x-sunset": "2025-03-01"})}}),
    doc({"/v1/items": {"get": ok(deprecated=True, **{"x-sunset": "2025-01-01"})}}),
    [],
    min_deprecation_days=90,
)
case(
    "nothing-sunset-same-date-as-http-date",
    get_with(q(**_far)),
    get_with(q(deprecated=True, **{"x-sunset": "Thu, 31 Dec 2026 00:00:00 GMT"})),
    [],
)
case(
    "nothing-sunset-unreadable-unchanged",
    with_header(deprecated=True, **{"x-sunset": "soon"}),
    with_header(deprecated=True, **{"x-sunset": "soon", "description": "going away"}),
    [],
)
case(
    "nothing-sunset-added-to-deprecated",
    with_callback(ok(deprecated=True)),
    with_callback(ok(**_far)),
    [],
)
case(
    "nothing-undeprecated-without-sunset",
    hooks(ok(**_far)),
    hooks(ok()),
    [],
)

# --- changes that must produce nothing -------------------------------------------------------

_desc_a = items_api({**_item, "description": "An item."})
_desc_b = items_api({**_item, "description": "An item in the catalogue.", "title": "Item"})
_desc_b["info"]["description"] = "Now with a description."
_desc_b["paths"]["/v1/items"]["get"]["summary"] = "List items"
case("nothing-description-edits", _desc_a, _desc_b, [])

_order_a = doc(
    {
        "/v1/items": {
            "get": ok(parameters=[q("a"), q("b")]),
            "post": ok(
                requestBody=body(
                    {
                        "type": "object",
                        "required": ["x", "y"],
                        "properties": {
                            "x": {"type": "string", "enum": ["p", "q", "r"]},
                            "y": {"type": "string"},
                        },
                    }
                )
            ),
        },
        "/v1/tags": {"get": ok()},
    }
)
_order_b = doc(
    {
        "/v1/tags": {"get": ok()},
        "/v1/items": {
            "post": ok(
                requestBody=body(
                    {
                        "properties": {
                            "y": {"type": "string"},
                            "x": {"enum": ["r", "p", "q"], "type": "string"},
                        },
                        "required": ["y", "x"],
                        "type": "object",
                    }
                )
            ),
            "get": ok(parameters=[q("b"), q("a")]),
        },
    }
)
case("nothing-reordering", _order_a, _order_b, [])


def renamed(name: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{name}"}
    return doc(
        {"/v1/items": {"get": {"responses": resp({"type": "array", "items": ref})}}},
        components={"schemas": {name: _tree_named(name)}},
    )


def _tree_named(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "label": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
        },
    }


case("nothing-component-renamed", renamed("Item"), renamed("CatalogueItem"), [])
case(
    "nothing-path-parameter-renamed",
    doc({"/v1/items/{id}": {"get": ok(parameters=[_path_param])}}),
    doc({"/v1/items/{item_id}": {"get": ok(parameters=[{**_path_param, "name": "item_id"}])}}),
    [],
)
case(
    "nothing-header-name-case",
    get_with(q("X-Trace", "header")),
    get_with(q("x-trace", "header")),
    [],
)
_30 = {
    "type": "object",
    "properties": {
        "n": {"type": "number", "nullable": True, "maximum": 10, "exclusiveMaximum": True}
    },
}
_31 = {"type": "object", "properties": {"n": {"type": ["number", "null"], "exclusiveMaximum": 10}}}
_base30 = post_with(body(_30))
_base30["openapi"] = "3.0.3"
case("nothing-openapi-30-vs-31-spelling", _base30, post_with(body(_31)), [])
case(
    "nothing-read-only-property-in-request",
    post_with(body({"type": "object", "properties": {"id": {"type": "string", "readOnly": True}}})),
    post_with(
        body(
            {
                "type": "object",
                "properties": {"id": {"type": "string", "readOnly": True, "maxLength": 5}},
            }
        )
    ),
    [],
)

# Mapping reordered, a value spelled as a bare component name, and a target renamed (Dog to
# Hound, identical): the same values decode to the same shapes.
case(
    "nothing-discriminator-mapping-reordered-and-renamed",
    pets(_cat_dog, ["Cat", "Dog"], **_animals),
    pets(
        {"dog": "#/components/schemas/Hound", "cat": "Cat"},
        ["Cat", "Hound"],
        Cat=_animals["Cat"],
        Hound=_animals["Dog"],
    ),
    [],
)


def _named_not_ref(name: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{name}"}
    item = {"type": "object", "properties": {"name": {"type": "string", "not": ref}}}
    return items_api(item, **{name: _reserved})


case("nothing-not-under-renamed-component", _named_not_ref("Reserved"), _named_not_ref("Taken"), [])


_hook_a = hooks(ok(requestBody=_sent, description="Sent when an invoice is paid."))
_hook_b = hooks(ok(requestBody=_sent, description="Sent once an invoice is paid.", summary="Paid"))
_hook_b["webhooks"]["invoicePaid"]["description"] = "Invoice events."
case("nothing-webhook-description-edits", _hook_a, _hook_b, [])
_expr2 = "{$request.body#/fallback}"
case(
    "nothing-callback-reordering",
    subscribe(
        {
            "onEvent": {EXPR: {"post": ok(requestBody=_sent)}, _expr2: {"post": ok()}},
            "onError": {EXPR: {"post": ok(), "put": ok()}},
        }
    ),
    subscribe(
        {
            "onError": {EXPR: {"put": ok(), "post": ok()}},
            "onEvent": {_expr2: {"post": ok()}, EXPR: {"post": ok(requestBody=_sent)}},
        }
    ),
    [],
)


def main() -> None:
    if ROOT.exists():
        for child in ROOT.iterdir():
            if child.is_dir() and (child / "base.yaml").exists() and not (child / "KEEP").exists():
                shutil.rmtree(child)
    for name, data in sorted(CASES.items()):
        folder = ROOT / name
        folder.mkdir(parents=True, exist_ok=True)
        for part in ("base", "revision"):
            text = yaml.safe_dump(data[part], sort_keys=False, width=100)
            (folder / f"{part}.yaml").write_text(text)
        expected = {**data["options"], "findings": data["expected"]}
        (folder / "expected.yaml").write_text(yaml.safe_dump(expected, sort_keys=False, width=100))
    print(f"wrote {len(CASES)} cases to {ROOT}")


if __name__ == "__main__":
    main()
