"""The generated suite's scenario tables (emit/service/testplan_relations.py and
testplan_effects.py): which fixtures each scenario builds and what each caller must get,
computed from the spec. The generated tests that run them pass in the example services
(tests/service/test_service_generated_suites.py, test_service_helpdesk.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from specfoundry.compiler import load_model
from specfoundry.emit.service.testplan_effects import effect_cases, hook_cases
from specfoundry.emit.service.testplan_relations import relation_scenarios
from specfoundry.model import Service

ROOT = Path(__file__).resolve().parents[2]

# A membership entity no route creates: the scenario writes its rows directly (the generated
# test passes on SQLite and PostgreSQL: `specfoundry generate` this spec and run
# tests/test_api_relations.py).
NO_ROUTE = """
service: {name: crew, version: 0.1.0}
tenancy: {tenant_entity: org}
entities:
  org:
    tenant_scoped: false
    fields:
      name: {type: string}
  board:
    fields:
      title: {type: string, required: true, max_length: 40}
  seat:
    membership: {subject: user_id, object: board_id, role: level}
    fields:
      board_id: {type: ref, entity: board, required: true}
      user_id: {type: string, required: true, max_length: 64}
      level: {type: enum, values: [chair, guest], required: true}
      note: {type: string, required: true, max_length: 20, unique: true}
permissions:
  roles:
    member: {}
    admin: {inherits: [member]}
  rules:
    board:
      read:
        - role: member
          when: "principal in resource.members"
        - admin
      create: [admin]
      update:
        - role: member
          when: "principal.role_in(resource) == 'chair'"
        - admin
api:
  resources:
    boards: {entity: board, operations: [read, create, update]}
"""


@pytest.fixture(scope="module")
def projects() -> Service:
    return load_model(ROOT / "examples" / "projects")


def _scenarios(model: Service) -> dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    return {name: (steps, checks) for name, steps, checks in relation_scenarios(model)}


def _outcomes(checks: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(c["as"], c["action"], c["expected"], c["listed"]) for c in checks]


def test_a_member_sees_what_a_non_member_with_the_same_role_does_not(projects: Service) -> None:
    steps, checks = _scenarios(projects)["tasks-visible-via-project-as-member"]
    assert [(s["key"], s.get("create"), s["refs"]) for s in steps] == [
        ("project", "projects", {}),
        ("subject", "tasks", {"project_id": "project"}),
        ("insider-in-project", "project-members", {"project_id": "project"}),
    ]
    assert steps[-1]["values"] == {"user_id": "insider", "role": "lead"}
    assert _outcomes(checks) == [
        ("insider", "read", 200, None),
        ("insider", "list", 200, True),
        ("outsider", "read", 404, None),
        ("outsider", "list", 200, False),
    ]
    assert {c["roles"][0] for c in checks} == {"member"}
    # the hidden estimate is shown to a project member, not to a guest the task is shared with
    assert checks[0]["fields"] == {"estimate_hours": True}
    _, guest = _scenarios(projects)["tasks-visible-via-itself-as-guest"]
    assert guest[0]["fields"] == {"estimate_hours": False}


def test_role_in_rules_take_a_lower_object_role_that_may_still_read(projects: Service) -> None:
    steps, checks = _scenarios(projects)["tasks-role-in-update-as-member"]
    roles = {s["values"]["user_id"]: s["values"]["role"] for s in steps if "user_id" in s["values"]}
    assert roles == {"lowered": "viewer", "elevated": "lead"}
    assert _outcomes(checks) == [
        ("lowered", "update", 403, None),
        ("elevated", "update", 200, None),
    ]
    _, deletes = _scenarios(projects)["tasks-role-in-delete-as-member"]
    assert _outcomes(deletes) == [
        ("lowered", "delete", 403, None),
        ("elevated", "delete", 204, None),
    ]


def test_role_in_create_rules_follow_the_body_s_reference(projects: Service) -> None:
    steps, checks = _scenarios(projects)["task-shares-role-in-create-as-member"]
    assert [s["key"] for s in steps][:2] == ["project", "task"]  # no subject: it is created
    assert [(c["as"], c["refs"], c["expected"]) for c in checks] == [
        ("lowered", {"task_id": "task"}, 403),
        ("elevated", {"task_id": "task"}, 201),
    ]


def test_the_owner_of_a_related_object_is_not_the_creator_of_the_object(projects: Service) -> None:
    steps, checks = _scenarios(projects)["comments-owner-via-task.project-as-member"]
    assert [(s["key"], s["as"]) for s in steps] == [
        ("project", "relowner"),
        ("task", "creator"),
        ("subject", "creator"),
    ]
    assert _outcomes(checks)[::2] == [
        ("relowner", "read", 200, None),
        ("outsider", "read", 404, None),
    ]


def test_parent_permission_403_for_a_reader_422_like_missing_for_others(projects: Service) -> None:
    _, checks = _scenarios(projects)["project-members-parent-project_id-as-member"]
    assert [(c["as"], c["expected"], c["like_missing"]) for c in checks] == [
        ("reader", 403, False),
        ("writer", 201, False),
        ("outsider", 422, True),
    ]


def test_roles_from_rows_give_a_token_without_roles_the_row_s_role(projects: Service) -> None:
    (name,) = [n for n in _scenarios(projects) if "roles-from" in n]
    steps, checks = _scenarios(projects)[name]
    assert steps[-1]["create"] == "members" and steps[-1]["values"]["user_id"] == "promoted"
    assert [(c["as"], c["roles"], c["expected"]) for c in checks] == [
        ("promoted", [], 200),
        ("outsider", [], 404),
    ]


def test_membership_rows_without_a_route_are_written_directly(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(NO_ROUTE, encoding="utf-8")
    scenarios = _scenarios(load_model(tmp_path))
    steps, checks = scenarios["boards-visible-via-itself-as-member"]
    assert steps[-1] == {
        "key": "insider-in-subject",
        "insert": "Seat",
        "refs": {"board_id": "subject"},
        "values": {"user_id": "insider", "level": "chair", "note": "sample-2"},
    }
    assert [c["expected"] for c in checks] == [200, 404]
    steps, updates = scenarios["boards-role-in-update-as-member"]
    assert [s["values"]["note"] for s in steps[1:]] == ["sample-2", "sample-3"]  # unique
    assert _outcomes(updates) == [
        ("lowered", "update", 403, None),
        ("elevated", "update", 200, None),
    ]


def test_specs_without_relation_rules_get_no_scenarios() -> None:
    assert relation_scenarios(load_model(ROOT / "examples" / "minimal")) == []
    assert relation_scenarios(load_model(ROOT / "examples" / "analytics")) == []


def test_effects_on_every_write_with_their_condition_true_and_false() -> None:
    model = load_model(ROOT / "tests" / "service" / "specs" / "helpdesk")
    rows = [(r[1], r[4], r[5], r[6], r[7], r[8]) for r in effect_cases(model)]
    assert rows == [
        ("create", "first_responded_at", {"public": True}, None, True, True),
        ("create", "first_responded_at", {"public": False}, None, False, True),
        ("update", "last_public_edit_at", {}, {"body": "Updated", "public": True}, True, False),
        ("update", "last_public_edit_at", {}, {"body": "Updated", "public": False}, False, False),
        ("delete", "first_removal_at", {}, None, True, True),
    ]
    assert hook_cases(model) == [
        ("comments", "create", "on_comment_created"),
        ("comments", "update", "on_comment_edited"),
        ("comments", "delete", "on_comment_removed"),
    ]
