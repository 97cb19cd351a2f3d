"""The analytics example's OpenAPI contract says what the spec says (docs/api-conventions.md)."""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from specfoundry.compiler import compile_spec
from specfoundry.emit.openapi import OpenAPIDocument, build_openapi, pointer, render
from specfoundry.model import Service

REPO = Path(__file__).resolve().parents[2]
ANALYTICS = REPO / "examples" / "analytics"
MINIMAL = REPO / "examples" / "minimal" / "spec.yaml"


def model_of(path: Path, root: Path = REPO) -> Service:
    result = compile_spec(path, display_root=root)
    assert result.model is not None, result.diagnostics
    return result.model


@cache
def analytics() -> OpenAPIDocument:
    return build_openapi(model_of(ANALYTICS))


@pytest.fixture
def doc() -> dict[str, Any]:
    return analytics().document


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for token in node["$ref"].removeprefix("#/").split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def params(doc: dict[str, Any], op: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    resolved = [resolve(doc, p) for p in op.get("parameters", [])]
    return {(p["in"], p["name"]): p for p in resolved}


# -- validity and determinism -------------------------------------------------------------------
@pytest.mark.parametrize("spec", [ANALYTICS, MINIMAL], ids=["analytics", "minimal"])
def test_valid_openapi_31(spec: Path) -> None:
    document = build_openapi(model_of(spec)).document
    assert document["openapi"] == "3.1.0"
    validate(document)
    # The rendered text is valid too, and parses back to the same data.
    assert yaml.safe_load(render(document, "yaml")) == document
    assert json.loads(render(document, "json")) == document


def test_two_builds_are_byte_identical() -> None:
    first = build_openapi(model_of(ANALYTICS))
    second = build_openapi(model_of(ANALYTICS))
    for fmt in ("yaml", "json"):
        assert render(first.document, fmt) == render(second.document, fmt)
    assert first.locations == second.locations


def test_a_copy_elsewhere_gives_the_same_contract(tmp_path: Path) -> None:
    copy = tmp_path / "somewhere" / "else"
    shutil.copytree(ANALYTICS, copy)
    here = render(build_openapi(model_of(ANALYTICS)).document, "yaml")
    there = render(build_openapi(model_of(copy, root=tmp_path)).document, "yaml")
    assert here == there
    assert str(tmp_path) not in there and str(REPO) not in here


def test_top_level_key_order(doc: dict[str, Any]) -> None:
    text = render(doc, "yaml")
    top = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    assert top == [
        "openapi",
        "info",
        "servers",
        "security",
        "tags",
        "paths",
        "webhooks",
        "components",
    ]
    assert list(doc["paths"]) == sorted(doc["paths"])
    assert "&id" not in text and "*id" not in text  # no YAML anchors


# -- info, security, tags -----------------------------------------------------------------------
def test_info_and_security(doc: dict[str, Any]) -> None:
    info = doc["info"]
    assert info["title"] == "Acme Insights API"
    assert info["version"] == "1.4.0"
    assert info["x-tenancy"]["tenant_entity"] == "workspace"
    assert info["x-tenancy"]["model"] == "shared_schema"
    assert info["x-tenancy"]["cross_tenant_roles"] == ["support"]
    assert doc["security"] == [{"bearerAuth": []}]
    scheme = doc["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "JWT"
    assert [t["name"] for t in doc["tags"]][:3] == ["workspaces", "members", "projects"]
    # The state machine's docs reach the resource's tag.
    data_sources = next(t for t in doc["tags"] if t["name"] == "data-sources")
    assert "connection" in data_sources["description"]
    assert "`mark_connected` | connecting | active" in data_sources["description"]


# -- paths and operations -----------------------------------------------------------------------
def test_paths_follow_the_conventions(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    assert set(paths["/v1/projects"]) == {"get", "post"}
    assert set(paths["/v1/projects/{id}"]) == {"get", "patch", "delete"}
    assert set(paths["/v1/workspaces/{id}"]) == {"get", "patch"}
    assert "/v1/workspaces" not in paths
    # Outgoing webhooks (webhooks): served by the runtime.
    assert set(paths["/v1/webhook-endpoints/{id}"]) == {"get", "patch", "delete"}
    assert set(paths["/v1/webhook-endpoints/{id}/rotate-secret"]) == {"post"}
    assert set(paths["/v1/webhook-deliveries"]) == {"get"}
    assert set(paths["/v1/webhook-deliveries/{id}/redeliver"]) == {"post"}
    # Built-in API keys (api.api_keys) and the audit log (audit): served by the runtime.
    assert set(paths["/v1/api-keys"]) == {"get", "post"}
    assert set(paths["/v1/api-keys/{id}/revoke"]) == {"post"}
    assert set(paths["/v1/audit-events"]) == {"get"}
    ops = {
        op["operationId"]
        for item in paths.values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {"list_projects", "get_project", "create_project", "update_project"} <= ops
    assert {"delete_project", "list_data_sources", "connect_data_source"} <= ops
    assert "get_workspace" in ops
    # Stripe drives the subscription (`by: provider`): none of its transitions has a route.
    assert not any(
        op.endswith("_subscription") and not op.startswith(("get", "list")) for op in ops
    )
    assert paths["/v1/projects"]["get"]["tags"] == ["projects"]


def test_transition_operation(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/v1/data-sources/{id}/connect"]["post"]
    assert op["operationId"] == "connect_data_source"
    conflict = resolve(doc, op["responses"]["409"])
    schema = conflict["content"]["application/problem+json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/TransitionProblem"}
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DataSource"
    }
    assert "ETag" in op["responses"]["200"]["headers"]
    description = op["description"]
    assert "from `draft`, `failing`, `paused` to `connecting`" in description
    assert "resource.host != null" in description
    assert "data_source.connection_requested" in description
    assert "Lifecycle of a data source connection." in description
    assert ("header", "If-Match") in params(doc, op)
    assert "412" in op["responses"]
    # Roles from the transition, plus every role that inherits them.
    assert [p["role"] for p in op["x-permissions"]] == ["analyst", "admin", "owner"]

    disconnect = doc["paths"]["/v1/data-sources/{id}/disconnect"]["post"]
    assert "data_source.disconnected" in disconnect["description"]


def test_create_update_read_shapes(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    create = schemas["DashboardCreate"]
    assert "owner_id" not in create["properties"]  # auto
    assert "published_at" not in create["properties"]  # read_only
    assert "project_id" in create["properties"]
    assert create["required"] == ["project_id", "title"]
    assert create["additionalProperties"] is False
    assert create["properties"]["visibility"]["default"] == "private"
    assert create["properties"]["refresh_minutes"] == {
        "type": "integer",
        "minimum": 5,
        "maximum": 1440,
        "default": 60,
    }

    update = schemas["DashboardUpdate"]
    assert "project_id" not in update["properties"]  # write_once
    assert "title" in update["properties"]
    assert "required" not in update
    assert update["additionalProperties"] is False

    read = schemas["Dashboard"]
    props = read["properties"]
    assert next(iter(props)) == "id" and list(props)[-2:] == ["created_at", "updated_at"]
    assert read["required"] == list(props)
    assert props["id"]["format"] == "uuid"
    assert props["project_id"]["format"] == "uuid"
    assert props["published_at"]["type"] == ["string", "null"]
    assert props["published_at"]["format"] == "date-time"
    assert props["title"]["type"] == "string"  # required: never null
    for hidden in ("tenant_id", "version", "deleted_at"):
        assert hidden not in props
    assert "additionalProperties" not in read

    # State fields are enums of the machine's states, read-only (not in create or update).
    status = schemas["DataSource"]["properties"]["status"]
    assert status["enum"] == ["draft", "connecting", "active", "failing", "paused", "disconnected"]
    assert "status" not in schemas["DataSourceCreate"]["properties"]
    assert "status" not in schemas["DataSourceUpdate"]["properties"]
    # Money and decimals are exact strings.
    price = schemas["Subscription"]["properties"]["monthly_price"]
    assert price["type"] == "string" and price["format"] == "decimal"
    # Money is never negative unless the spec says so; provider-owned fields are read-only.
    assert "SubscriptionCreate" not in schemas and "SubscriptionUpdate" not in schemas
    assert price["minimum"] == 0
    # writable_by is shown to reviewers.
    assert schemas["MemberCreate"]["properties"]["role"]["x-writable-by"] == ["admin"]
    # Enums that may be empty accept null in both keywords.
    assert schemas["Member"]["properties"]["role"]["enum"] == [
        "owner",
        "admin",
        "analyst",
        "viewer",
    ]
    email = schemas["Member"]["properties"]["email"]
    assert email == {"type": "string", "format": "email", "maxLength": 320}
    url = schemas["DataSource"]["properties"]["docs_url"]
    assert url["format"] == "uri" and url["maxLength"] == 2048
    assert schemas["Dashboard"]["properties"]["layout"] == {}  # json: any value


def test_list_shape_and_parameters(doc: dict[str, Any]) -> None:
    shape = doc["components"]["schemas"]["DashboardList"]
    assert shape["required"] == ["object", "url", "has_more", "next_cursor", "data"]
    assert shape["properties"]["object"]["const"] == "list"
    assert shape["properties"]["data"]["items"] == {"$ref": "#/components/schemas/Dashboard"}

    op = doc["paths"]["/v1/dashboards"]["get"]
    p = params(doc, op)
    limit = p["query", "limit"]["schema"]
    assert limit == {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}
    assert ("query", "starting_after") in p and ("query", "ending_before") in p
    sort = p["query", "sort"]["schema"]
    assert sort["enum"] == ["title", "-title", "created_at", "-created_at"]
    assert sort["default"] == "-created_at"
    assert p["query", "visibility"]["schema"] == {
        "type": "string",
        "enum": ["private", "workspace"],
    }
    assert p["query", "project_id"]["schema"]["format"] == "uuid"
    assert ("query", "layout") not in p  # not filterable
    status = params(doc, doc["paths"]["/v1/data-sources"]["get"])["query", "status"]
    assert status["schema"]["enum"][0] == "draft"
    assert params(doc, doc["paths"]["/v1/projects"]["get"])["query", "archived"]["schema"] == {
        "type": "boolean"
    }


def test_headers(doc: dict[str, Any]) -> None:
    item = doc["paths"]["/v1/projects/{id}"]
    read = item["get"]
    assert ("header", "If-None-Match") in params(doc, read)
    assert ("path", "id") in params(doc, read)
    assert params(doc, read)["path", "id"]["schema"] == {"type": "string", "format": "uuid"}
    assert "ETag" in read["responses"]["200"]["headers"]
    assert "304" in read["responses"]
    assert params(doc, item["patch"])["header", "If-Match"]["required"] is False
    assert ("header", "If-Match") in params(doc, item["delete"])
    created = doc["paths"]["/v1/projects"]["post"]["responses"]["201"]["headers"]
    assert set(created) == {
        "ETag",
        "Location",
        "RateLimit-Policy",
        "RateLimit",
        "Idempotent-Replayed",
    }
    create = doc["paths"]["/v1/projects"]["post"]
    assert ("header", "Idempotency-Key") in params(doc, create)
    assert ("header", "Idempotency-Key") in params(doc, item["patch"])  # methods: [POST, PATCH]
    assert ("header", "Idempotency-Key") not in params(doc, read)
    assert set(read["responses"]["200"]["headers"]) >= {"RateLimit-Policy", "RateLimit"}
    limited = doc["components"]["responses"]["TooManyRequests"]["headers"]
    assert set(limited) == {"Retry-After", "RateLimit-Policy", "RateLimit"}
    unauthorized = doc["components"]["responses"]["Unauthorized"]
    assert "WWW-Authenticate" in unauthorized["headers"]
    assert "Retry-After" in doc["components"]["responses"]["TooManyRequests"]["headers"]


def test_deprecation(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/v1/data-sources/{id}"]["delete"]
    assert op["deprecated"] is True
    assert op["x-deprecated-since"] == "2026-09-01"
    assert op["x-sunset"] == "2027-03-01"
    assert list(op).index("x-deprecated-since") == list(op).index("x-sunset") - 1
    assert "Disconnect the data source instead" in op["description"]
    headers = op["responses"]["204"]["headers"]
    assert headers["Deprecation"]["example"] == "@1788220800"  # 2026-09-01T00:00:00Z
    assert headers["Sunset"]["example"] == "Mon, 01 Mar 2027 00:00:00 GMT"
    assert op["responses"]["410"] == {"$ref": "#/components/responses/Gone"}
    read = doc["paths"]["/v1/data-sources/{id}"]["get"]
    assert "deprecated" not in read and "410" not in read["responses"]


def test_webhooks_section_documents_each_event_and_the_signature(doc: dict[str, Any]) -> None:
    """OpenAPI 3.1 ``webhooks``: one entry per event type, its envelope (W-03) as the body and
    the Standard Webhooks headers (W-01); no bearer token."""
    hooks = doc["webhooks"]
    assert list(hooks) == sorted(e for e in hooks) and "project.created" in hooks
    op = hooks["project.created"]["post"]
    assert op["security"] == []
    headers = {p["name"]: p for p in op["parameters"] if p["in"] == "header"}
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert all(h["required"] for h in headers.values())
    body = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
    assert body["required"] == ["type", "timestamp", "data"]
    assert body["properties"]["type"] == {"type": "string", "const": "project.created"}
    data = body["properties"]["data"]["properties"]
    assert data["project_id"] == {"type": ["string", "null"], "format": "uuid"}
    assert data["name"]["type"] == ["string", "null"]
    created = doc["paths"]["/v1/webhook-endpoints"]["post"]["responses"]["201"]
    secret = resolve(doc, created["content"]["application/json"]["schema"])
    assert "secret" in secret["required"]
    assert "secret" not in doc["components"]["schemas"]["WebhookEndpoint"]["properties"]
    types = doc["components"]["schemas"]["WebhookEndpoint"]["properties"]["event_types"]
    assert types["items"]["enum"] == sorted(hooks)


def test_error_responses(doc: dict[str, Any]) -> None:
    responses = doc["components"]["responses"]
    for name, response in responses.items():
        assert list(response["content"]) == ["application/problem+json"], name
    assert responses["UnprocessableContent"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationProblem"
    }
    for path, item in doc["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            where = f"{method} {path}"
            if op["tags"] == ["billing"]:  # the webhook (signed, no token) and the usage read
                assert {"400", "500"} <= codes <= {"200", "400", "401", "413", "500"}, where
                continue
            assert {"400", "401", "403", "404", "500"} <= codes, where
            # billing: 402 where the entitlement check applies (writes; data sources need a plan)
            gated = method != "get" or path.startswith("/v1/data-sources")
            # the subscription itself and the platform features' own routes are never gated
            ungated = (
                "/v1/subscriptions",
                "/v1/api-keys",
                "/v1/audit-events",
                "/v1/webhook-",
                "/v1/jobs",
                "/v1/dead-letters",
            )
            assert ("402" in codes) == (gated and not path.startswith(ungated)), where
            assert "429" in codes, where  # the analytics spec sets rate limits
            has_if_match = any(
                resolve(doc, p)["name"] == "If-Match" for p in op.get("parameters", [])
            )
            assert ("412" in codes) == has_if_match, where
            # An Idempotency-Key can be reused with another request: 422 (analytics keys
            # POST and PATCH).
            takes_input = "requestBody" in op or any(
                resolve(doc, p)["in"] == "query" or resolve(doc, p)["name"] == "Idempotency-Key"
                for p in op.get("parameters", [])
            )
            assert ("422" in codes) == takes_input, where
            assert "428" not in codes, where  # no resource sets require_precondition
            for code, response in op["responses"].items():
                if code[0] in "45":
                    assert response["$ref"].startswith("#/components/responses/"), where
    assert doc["paths"]["/v1/projects"]["post"]["responses"]["409"] == {
        "$ref": "#/components/responses/Conflict"
    }
    assert "409" not in doc["paths"]["/v1/projects"]["get"]["responses"]


def test_permissions_per_operation(doc: dict[str, Any]) -> None:
    read = doc["paths"]["/v1/dashboards/{id}"]["get"]["x-permissions"]
    by_role = {p["role"]: p for p in read}
    assert set(by_role) == {"viewer", "analyst", "admin", "owner"}
    assert "resource.visibility == 'workspace'" in by_role["viewer"]["when"]
    assert "when" not in by_role["admin"]
    subs = doc["paths"]["/v1/subscriptions"]["get"]["x-permissions"]
    assert {"role": "support", "cross_tenant": True} in subs


# -- locations ------------------------------------------------------------------------------
def line_of(file: Path, needle: str) -> int:
    return next(i for i, line in enumerate(file.read_text().splitlines(), 1) if needle in line)


def test_locations_point_at_spec_lines() -> None:
    locations = analytics().locations
    entities = ANALYTICS / "entities.yaml"
    title = locations["/components/schemas/Dashboard/properties/title"]
    assert title.file == "examples/analytics/entities.yaml"
    assert title.line == line_of(
        entities, "      title: {type: string, required: true, max_length: 200"
    )
    assert locations["/components/schemas/Dashboard"].line == line_of(entities, "  dashboard:")
    assert locations["/components/schemas/DashboardCreate/properties/title"] == title
    api = ANALYTICS / "api.yaml"
    projects = locations[pointer("paths", "/v1/projects", "get")]
    assert (projects.file, projects.line) == (
        "examples/analytics/api.yaml",
        line_of(api, "projects:"),
    )
    connect = locations["/paths/~1v1~1data-sources~1{id}~1connect/post"]
    assert connect.file == "examples/analytics/lifecycles.yaml"
    assert connect.line == line_of(ANALYTICS / "lifecycles.yaml", "connect:")
    deprecated = locations["/paths/~1v1~1data-sources~1{id}/delete/deprecated"]
    assert deprecated.line == line_of(api, "        delete:")
    # A filter parameter points at its field.
    op = analytics().document["paths"]["/v1/dashboards"]["get"]
    index = next(i for i, p in enumerate(op["parameters"]) if p.get("name") == "visibility")
    filter_loc = locations[f"/paths/~1v1~1dashboards/get/parameters/{index}"]
    assert filter_loc.line == line_of(entities, "      visibility:")
    # Every recorded pointer resolves in the document.
    document = analytics().document
    for ptr in locations:
        node: Any = document
        for token in ptr.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
    # Every operation, and every property that comes from a spec field, has a location.
    for path, item in document["paths"].items():
        for method in item:
            assert pointer("paths", path, method) in locations
    for name, schema in document["components"]["schemas"].items():
        if name.endswith("Problem"):
            continue
        for prop in schema.get("properties", {}):
            if prop in ("id", "created_at", "updated_at") or name.endswith("List"):
                continue
            assert pointer("components", "schemas", name, "properties", prop) in locations


def test_require_precondition_and_resource_deprecation(tmp_path: Path) -> None:
    spec = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    spec["api"]["resources"]["notes"]["require_precondition"] = True
    spec["api"]["resources"]["notes"]["deprecated"] = {"since": "2026-01-01", "note": "Use v2."}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    document = build_openapi(model_of(path, root=tmp_path)).document
    item = document["paths"]["/v1/notes/{id}"]
    for method in ("patch", "delete"):
        assert params(document, item[method])["header", "If-Match"]["required"] is True
        assert item[method]["responses"]["428"] == {
            "$ref": "#/components/responses/PreconditionRequired"
        }
    assert "428" not in item["get"]["responses"]
    for op in (*item.values(), *document["paths"]["/v1/notes"].values()):
        assert op["deprecated"] is True
        assert "x-sunset" not in op and "410" not in op["responses"]  # no sunset date
        assert "Use v2." in op["description"]
    assert "Sunset" not in item["delete"]["responses"]["204"]["headers"]
    assert item["delete"]["responses"]["204"]["headers"]["Deprecation"]["example"] == "@1767225600"
    assert "429" not in item["get"]["responses"]  # no rate limits in this spec


@pytest.mark.parametrize("spec", [ANALYTICS, MINIMAL], ids=["analytics", "minimal"])
def test_every_string_is_bounded_as_its_column(spec: Path) -> None:
    """maxLength on every free-text property: the column's length, or (for an unbounded
    column) the documented default; a value the contract accepts always fits the column."""
    from specfoundry.emit.openapi.schemas import DEFAULT_TEXT_MAX_LENGTH
    from specfoundry.emit.service.catalog import build_catalog

    model = model_of(spec)
    schemas = build_openapi(model).document["components"]["schemas"]
    checked = 0
    for table in build_catalog(model).entity_tables:
        assert table.entity is not None
        for shape in ("", "Create", "Update"):
            props = schemas.get(f"{table.entity.name.pascal}{shape}", {}).get("properties", {})
            for column in table.field_columns:
                if column.type.kind not in ("string", "text") or column.name not in props:
                    continue
                prop = props[column.name]
                if "enum" in prop:
                    continue
                field = table.entity.field(column.name)
                assert field is not None
                expected = column.type.length or field.max_length or DEFAULT_TEXT_MAX_LENGTH
                assert prop.get("maxLength") == expected, (table.name, column.name, shape)
                checked += 1
    assert checked
