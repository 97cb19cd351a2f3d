"""Nested resources (``api.resources.<r>.parent``) through the HTTP lowering, the contract,
the service's route modules and ``explain``: the routes under the parent, their operation ids,
the parent's path parameter, the nested create body without the parent field, and ``flat``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from specfoundry.compiler import load_model
from specfoundry.emit.explain import explain_blocks, render_text
from specfoundry.emit.openapi import build_openapi
from specfoundry.emit.service import emit_service, loadtest, testplan
from specfoundry.emit.service.billing_view import billing_view
from specfoundry.emit.service.views import service_view
from specfoundry.lower.http import lower_http
from specfoundry.model import Service
from specfoundry.model.http import OperationKind
from specfoundry.model.sla import operation_ids

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SPEC = """
service: {name: tracker, version: 0.1.0}
tenancy: {tenant_entity: team}
entities:
  team:
    tenant_scoped: false
    fields:
      name: {type: string, required: true}
  task:
    fields:
      title: {type: string, required: true}
  comment:
    fields:
      task_id: {type: ref, entity: task, required: true, filterable: true}
      body: {type: text, required: true}
permissions:
  roles:
    reader: {}
  rules:
    task: {read: [reader], list: [reader], create: [reader]}
    comment: {read: [reader], list: [reader], create: [reader], update: [reader], delete: [reader]}
api:
  resources:
    tasks: {entity: task, operations: [list, read, create]}
    comments:
      entity: comment
      operations: [list, read, create, update, delete]
      parent: {resource: tasks, flat: FLAT}
"""


def model(tmp_path: Path, flat: bool) -> Service:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace("FLAT", str(flat).lower()), encoding="utf-8")
    return load_model(path)


@pytest.mark.parametrize("flat", [False, True])
def test_nested_routes_and_their_operation_ids(tmp_path: Path, flat: bool) -> None:
    comments = lower_http(model(tmp_path, flat)).resource("comments")
    nested = [(o.method, o.path, o.id.raw, o.path_params) for o in comments.nested]
    assert nested == [
        ("GET", "/v1/tasks/{task_id}/comments", "list_task_comments", ("task_id",)),
        ("GET", "/v1/tasks/{task_id}/comments/{id}", "get_task_comment", ("task_id", "id")),
        ("POST", "/v1/tasks/{task_id}/comments", "create_task_comment", ("task_id",)),
        ("PATCH", "/v1/tasks/{task_id}/comments/{id}", "update_task_comment", ("task_id", "id")),
        ("DELETE", "/v1/tasks/{task_id}/comments/{id}", "delete_task_comment", ("task_id", "id")),
    ]
    flat_ids = [o.id.raw for o in comments.flat]
    assert flat_ids == (
        ["list_comments", "get_comment", "create_comment", "update_comment", "delete_comment"]
        if flat
        else []
    )


@pytest.mark.parametrize("flat", [False, True])
def test_the_contract_documents_the_parent_and_the_nested_body(tmp_path: Path, flat: bool) -> None:
    doc = build_openapi(model(tmp_path, flat)).document
    assert ("/v1/comments" in doc["paths"]) is flat
    listing = doc["paths"]["/v1/tasks/{task_id}/comments"]["get"]
    params = [p for p in listing["parameters"] if "name" in p]
    assert params[0] == {
        "name": "task_id",
        "in": "path",
        "required": True,
        "description": "Id of the task. It must exist in the caller's tenant and be readable by "
        "the caller; otherwise the operation answers 404.",
        "schema": {"type": "string", "format": "uuid"},
    }
    # The parent field is fixed by the path: no `task_id` filter on the nested list.
    assert [p["name"] for p in params if p["in"] == "query"] == ["sort"]
    create = doc["paths"]["/v1/tasks/{task_id}/comments"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CommentCreateNested"}
    nested_body = doc["components"]["schemas"]["CommentCreateNested"]
    assert set(nested_body["properties"]) == {"body"} and nested_body["required"] == ["body"]
    assert ("CommentCreate" in doc["components"]["schemas"]) is flat
    item = doc["paths"]["/v1/tasks/{task_id}/comments/{id}"]
    assert sorted(item) == ["delete", "get", "patch"]
    for op in item.values():
        assert [p.get("name") for p in op["parameters"][:2]] == ["task_id", "id"]
        assert "404" in op["responses"]


def test_the_route_module_checks_the_parent_first(tmp_path: Path) -> None:
    svc = service_view(model(tmp_path, False))
    comments = next(r for r in svc.resources if r.path == "comments")
    assert comments.router_names == (("nested_router", "comment_nested_router"),)
    for route in comments.routes:
        assert route.router == "nested_router"
        assert route.prelude[0].startswith("parent = nesting.parent_id(session, principal, task_id")
    create = next(r for r in comments.routes if r.name == "create")
    assert create.set_values == (
        'check_writable(principal, {"task_id"}, CREATE_RESTRICTED)',
        'values["task_id"] = parent',
    )
    assert create.location == "/v1/tasks/{parent}/comments/{obj.id}"
    read = next(r for r in comments.routes if r.name == "read")
    assert read.after_load == ('nesting.check_parent(obj, "task_id", parent, NOUN)',)


def test_explain_shows_the_nested_routes(tmp_path: Path) -> None:
    text = render_text(explain_blocks(model(tmp_path, True)))
    assert "/v1/tasks/{task_id}/comments/{id}  get_task_comment" in text
    assert "comments: nested under tasks" in text


def test_billing_gates_a_nested_route_by_its_own_resource_feature(tmp_path: Path) -> None:
    """examples/analytics with data sources (feature `connectors`) nested under projects: the
    nested routes are gated like the flat ones (the gate matched only `/v1/data-sources`, so
    `/v1/projects/{project_id}/data-sources` got the ungated projects' treatment)."""
    spec = tmp_path / "analytics"
    shutil.copytree(EXAMPLES / "analytics", spec)
    api = spec / "api.yaml"
    anchor = "      entity: data_source\n"
    api.write_text(
        api.read_text().replace(anchor, anchor + "      parent: {resource: projects, flat: true}\n")
    )
    analytics = load_model(spec)
    view = billing_view(analytics)
    assert view is not None
    assert dict(view.features) == {
        "/v1/data-sources": "connectors",
        "/v1/projects/{project_id}/data-sources": "connectors",
    }
    nested = lower_http(analytics).resource("data-sources").nested_operation(OperationKind.LIST)
    assert nested is not None and 402 in nested.statuses


@pytest.mark.parametrize("flat", [False, True])
def test_sla_operation_ids_are_the_routes(tmp_path: Path, flat: bool) -> None:
    """`sla.operations` names operation ids: the nested ones exist, the flat ones only with
    `flat: true` (they were the flat ids whatever the nesting)."""
    nested = model(tmp_path, flat)
    assert set(operation_ids(nested)) == {o.id.raw for o in lower_http(nested).operations}


def test_the_load_test_runs_only_routes_that_exist(tmp_path: Path) -> None:
    resources = {
        r["path"]: r["operations"] for r in loadtest.plan(model(tmp_path, False))["resources"]
    }
    assert resources["/v1/comments"] == {}  # no flat routes to run
    assert set(resources["/v1/tasks"]) == {"list", "read", "create"}


def test_the_suite_tests_a_resource_without_flat_routes_through_its_nested_routes(
    tmp_path: Path,
) -> None:
    """Without `flat`, no table of the generated suite sends a request to `/v1/comments`
    (the role matrix did: 10 failures); `test_api_nested.py` makes and checks comments under
    their task."""
    nested = model(tmp_path, False)
    assert [r.path for r in testplan.flat_only(nested).api.resources] == ["tasks"]
    files = {
        str(f.path): f.content.decode()
        for f in testplan.test_files(nested, service_view(nested), "# header\n")
    }
    tables = files["tests/spec_tables.py"]
    assert "'/v1/comments'" not in tables  # no flat path anywhere
    assert "NESTED_ONLY: dict[str, dict[str, Any]] = {'comments':" in tables
    assert "'flat': False" in files["tests/scenario_tables.py"]
    assert "tests/test_api_nested.py" in files


@pytest.mark.parametrize("flat", [False, True])
def test_the_module_tables_are_declared_once(tmp_path: Path, flat: bool) -> None:
    """With flat and nested routes, SORT_KEYS, CREATE_RESTRICTED and UPDATE_RESTRICTED were
    laid out by both (mypy: no-redef)."""
    files = {str(f.path): f.content.decode() for f in emit_service(model(tmp_path, flat))}
    module = files["tracker/routes/comment.py"]
    for table in ("SORT_KEYS:", "CREATE_RESTRICTED:", "UPDATE_RESTRICTED:"):
        assert module.count(table) == 1, table
