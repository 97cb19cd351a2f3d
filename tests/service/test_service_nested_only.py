"""A resource with nested routes only gets a passing generated suite: examples/analytics with
data sources (transitions, a timer, a billing feature, referenced by dashboards) nested under
projects without `flat`. The other flat-route tables leave it out; the role matrix (SQLite, and
PostgreSQL for that part) and the state machine tables reach it under its project, and objects
the other tests need are made there (`Api.create` through the nested route)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from service_support import REDIS_URL, clean_env, generate, run_pytest

from specfoundry.compiler import load_model
from specfoundry.emit.service.testplan import role_matrix, transition_table
from specfoundry.model import Service

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _nested_only(tmp_path: Path) -> tuple[Service, Path]:
    """examples/analytics with data sources nested under projects (no flat routes), generated."""
    spec = tmp_path / "spec"
    shutil.copytree(ROOT / "examples" / "analytics", spec)
    api = spec / "api.yaml"
    anchor = "      entity: data_source\n"
    api.write_text(api.read_text().replace(anchor, anchor + "      parent: {resource: projects}\n"))
    model = load_model(spec)
    return model, generate(model, tmp_path / "service")


def _check_role_matrix(model: Service, output: str) -> None:
    """The role matrix covered data sources under their project, every role x action
    (transitions included) as the flat resources, and each case passed (``-rA`` output)."""
    rows = [row for row in role_matrix(model) if row[0] == "data-sources"]
    assert {row[3] for row in rows} >= {"list", "create", "read", "update", "delete", "connect"}
    assert {row[4] for row in rows} >= {200, 201, 204, 403, 404}
    passed = re.findall(
        r"^PASSED tests/test_api_permissions.py::test_role_matrix\[data-sources-", output, re.M
    )
    assert len(passed) == len(rows), output[-3000:]


def test_the_suite_of_a_nested_only_resource_passes(tmp_path: Path) -> None:
    model, folder = _nested_only(tmp_path)
    output = run_pytest(folder, "-p", "no:warnings", "-rA", env=clean_env(REDIS_URL=REDIS_URL))
    assert "failed" not in output.splitlines()[-1], output[-3000:]
    assert (folder / "tests" / "test_api_nested.py").is_file()
    _check_role_matrix(model, output)
    # ... and the state machine tables: every (state, transition) pair under its project.
    pairs = [row for row in transition_table(model) if row[0] == "data-sources"]
    assert len(pairs) == 30  # 6 states x 5 transitions
    passed = re.findall(
        r"^PASSED tests/test_api_machines.py::test_state_transition_table\[data-sources-",
        output,
        re.M,
    )
    assert len(passed) == len(pairs), output[-3000:]


@pytest.mark.postgres
def test_the_role_matrix_of_a_nested_only_resource_passes_on_postgres(
    tmp_path: Path, service_pg_url: str
) -> None:
    model, folder = _nested_only(tmp_path)
    output = run_pytest(
        folder,
        "tests/test_api_permissions.py",
        "tests/test_api_nested.py",
        "-p",
        "no:warnings",
        "-rA",
        env=clean_env(DATABASE_URL=service_pg_url, REDIS_URL=REDIS_URL),
    )
    assert "failed" not in output.splitlines()[-1], output[-3000:]
    _check_role_matrix(model, output)


RESTRICTED = """
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
      task_id: {type: ref, entity: task, required: true, writable_by: [lead]}
      body: {type: text, required: true}
permissions:
  roles:
    reader: {}
    lead: {inherits: [reader]}
  rules:
    task: {read: [reader], list: [reader], create: [reader]}
    comment: {read: [reader], list: [reader], create: [reader]}
api:
  resources:
    tasks: {entity: task, operations: [list, read, create]}
    comments:
      entity: comment
      operations: [list, read, create]
      parent: {resource: tasks}
"""

CHECK = """
from tests.api_support import Api


def test_the_path_writes_the_parent_field_under_its_write_rule(api: Api) -> None:
    tenant = api.tenant()
    task = api.create("tasks", tenant)["id"]
    path = f"/v1/tasks/{task}/comments"
    reader = api.client.post(path, json={"body": "x"}, headers=api.headers(tenant, ["reader"]))
    assert reader.status_code == 403, reader.text
    lead = api.client.post(path, json={"body": "x"}, headers=api.headers(tenant, ["lead"]))
    assert lead.status_code == 201, lead.text
"""


def test_a_nested_create_keeps_the_parent_field_write_rule(tmp_path: Path) -> None:
    """`writable_by` on the parent field holds when the path, not the body, names the parent
    (the nested create set it past `check_writable`: 201 for a reader)."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(RESTRICTED, encoding="utf-8")
    folder = generate(load_model(spec), tmp_path / "service")
    (folder / "tests" / "test_nested_write_rule.py").write_text(CHECK, encoding="utf-8")
    output = run_pytest(
        folder, "tests/test_nested_write_rule.py", "-p", "no:warnings", env=clean_env()
    )
    assert "1 passed" in output, output[-3000:]


CONDITIONAL = RESTRICTED.replace(
    "writable_by: [lead]}",
    'write: {condition: "resource.task.owner_id == principal.id"}}',
).replace(
    "      title: {type: string, required: true}\n",
    "      title: {type: string, required: true}\n"
    "      owner_id: {type: string, auto: principal}\n",
)

CHECK_CONDITION = """
from tests.api_support import Api


def test_the_path_writes_the_parent_field_under_its_write_condition(api: Api) -> None:
    tenant = api.tenant()
    mine = api.create("tasks", tenant, sub="ann")["id"]
    theirs = api.create("tasks", tenant, sub="bob")["id"]
    ann = api.headers(tenant, ["reader"], sub="ann")
    body = {"body": "x"}
    refused = api.client.post(f"/v1/tasks/{theirs}/comments", json=body, headers=ann)
    assert refused.status_code == 403, refused.text
    made = api.client.post(f"/v1/tasks/{mine}/comments", json=body, headers=ann)
    assert made.status_code == 201, made.text
"""


def test_a_nested_create_keeps_the_parent_field_write_condition(tmp_path: Path) -> None:
    """A conditional `write:` rule on the parent field holds on the nested create too (it
    checked only the fields of the body)."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(CONDITIONAL, encoding="utf-8")
    folder = generate(load_model(spec), tmp_path / "service")
    (folder / "tests" / "test_nested_write_rule.py").write_text(CHECK_CONDITION, encoding="utf-8")
    output = run_pytest(
        folder, "tests/test_nested_write_rule.py", "-p", "no:warnings", env=clean_env()
    )
    assert "1 passed" in output, output[-3000:]


HIDDEN_PARENT = """
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
      task_id: {type: ref, entity: task, required: true}
      body: {type: text, required: true}
permissions:
  roles:
    reader: {}
    lead: {inherits: [reader]}
  rules:
    task: {read: [lead], list: [lead], create: [lead]}
    comment: {read: [reader], list: [reader], create: [reader], update: [reader]}
api:
  resources:
    tasks: {entity: task, operations: [list, read, create]}
    comments:
      entity: comment
      operations: [list, read, create, update]
      parent: {resource: tasks}
"""


def test_the_role_matrix_of_a_nested_only_resource_expects_404_under_a_hidden_parent(
    tmp_path: Path,
) -> None:
    """A role that holds the child's actions but may not read the parent gets 404 on every
    nested route (the parent as a missing one), and the generated matrix says so and passes."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(HIDDEN_PARENT, encoding="utf-8")
    model = load_model(spec)
    rows = {(r[1], r[3]): r[4] for r in role_matrix(model) if r[0] == "comments"}
    assert {a: rows["reader", a] for a in ("list", "create", "read", "update")} == {
        "list": 404,
        "create": 404,
        "read": 404,
        "update": 404,
    }
    assert {a: rows["lead", a] for a in ("list", "create", "read", "update")} == {
        "list": 200,
        "create": 201,
        "read": 200,
        "update": 200,
    }
    folder = generate(model, tmp_path / "service")
    output = run_pytest(
        folder, "tests/test_api_permissions.py", "-p", "no:warnings", "-rA", env=clean_env()
    )
    assert "failed" not in output.splitlines()[-1], output[-3000:]
    assert "PASSED tests/test_api_permissions.py::test_role_matrix[comments-reader-owner-list]" in (
        output
    )
