"""Field rules in the generated service and the contract: ``read``/``write`` conditions with
relation paths (rendered in permissions.py, which imports what they load) and ``member_of``."""

from __future__ import annotations

import shutil
from pathlib import Path

from specfoundry.compiler import load_model
from specfoundry.emit.openapi import build_openapi
from specfoundry.emit.service import emit_service

ROOT = Path(__file__).resolve().parents[2]


def _files(spec: Path) -> dict[str, str]:
    return {f.path.as_posix(): f.content.decode() for f in emit_service(load_model(spec))}


def test_a_read_condition_through_a_relation_generates(tmp_path: Path) -> None:
    """`read: {condition: "resource.project.owner_id == principal.id"}` made `generate` fail
    (the visibility table rendered the condition without the model, so the relation path was
    refused). The check now lives in permissions.py and loads the project."""
    spec = tmp_path / "projects"
    shutil.copytree(ROOT / "examples" / "projects", spec)
    entities = spec / "entities.yaml"
    text = entities.read_text()
    assert "read: {roles: [member]}" in text
    entities.write_text(
        text.replace(
            "read: {roles: [member]}",
            'read: {condition: "resource.project.owner_id == principal.id"}',
        ).replace("        sortable: true\n", "")
    )
    files = _files(spec)
    permissions = files["planwise/permissions.py"]
    check = permissions.split("def task_estimate_hours_read(", 1)[1].split("\n\n\n")[0]
    assert "related(" in check and "Project" in check
    routes = files["planwise/routes/task.py"]
    assert '"estimate_hours": FieldRule(None, permissions.task_estimate_hours_read)' in routes
    for path, content in files.items():
        if path.endswith(".py"):
            compile(content, path, "exec")


def test_write_rules_and_member_of_in_the_service_and_the_contract() -> None:
    model = load_model(ROOT / "examples" / "projects")
    files = {f.path.as_posix(): f.content.decode() for f in emit_service(model)}
    routes = files["planwise/routes/task.py"]
    assert '"estimate_hours": permissions.task_estimate_hours_write,' in routes
    assert "check_write_conditions(principal, obj, changes, WRITE_CONDITIONS)" in routes
    assert (
        '"assignee_id": MemberOf(\n        ((Project, "project_id"),),\n        ProjectMember,'
        in routes
    )
    assert 'role_field="role",\n        roles=("lead", "contributor"),' in routes
    assert "check_members_of(session, obj, values, MEMBERS_OF)" in routes
    doc = build_openapi(model).document
    schemas = doc["components"]["schemas"]
    for shape in ("TaskCreate", "TaskUpdate"):
        estimate = schemas[shape]["properties"]["estimate_hours"]
        assert estimate["x-writable-by"] == ["member"]
        assert estimate["x-write-condition"].startswith("principal.roles in ['admin'] or")
        assignee = schemas[shape]["properties"]["assignee_id"]
        assert assignee["x-principal"] == {
            "roles": ["member"],
            "member_of": "project",
            "member_of_roles": ["lead", "contributor"],
        }


def test_a_bulk_update_job_carries_the_fields_write_rules(tmp_path: Path) -> None:
    """A bulk update of a field with a write rule wrote it for any starter of the job (the
    update route refused them); the job now gets the field's roles and its condition."""
    spec = tmp_path / "projects"
    shutil.copytree(ROOT / "examples" / "projects", spec)
    (spec / "jobs.yaml").write_text(
        "jobs:\n"
        "  reset_estimates:\n"
        "    kind: bulk_update\n"
        "    entity: task\n"
        "    set: {estimate_hours: 0}\n"
        "    roles: [member]\n",
        encoding="utf-8",
    )
    files = _files(spec)
    jobs = files["planwise/jobs.py"]
    # (ruff formats the generated file: double quotes, one argument per line)
    assert 'writers={"estimate_hours": frozenset(["member", "admin", "owner"])},' in jobs
    assert 'write_conditions={"estimate_hours": permissions.task_estimate_hours_write},' in jobs
    assert "def task_estimate_hours_write(" in files["planwise/permissions.py"]
    compile(jobs, "jobs.py", "exec")
