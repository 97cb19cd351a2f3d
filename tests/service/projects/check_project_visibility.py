"""Runs inside the generated ``planwise`` service (examples/projects), with its own fixtures:
a non-member of a project gets 404 for its tasks and comments through every route, nested
(``/v1/tasks/{task_id}/comments``) or not, and cannot name them in a write; a project member
and a guest the task is shared with can read them."""

from __future__ import annotations

from tests.api_support import Api

MEMBER = ["member"]
MISSING = "00000000-0000-4000-8000-000000000000"


def test_a_non_member_gets_404_for_tasks_and_comments_everywhere(api: Api) -> None:
    tenant = api.tenant()
    lead = api.headers(tenant, MEMBER, sub="lead")
    project = api.client.post("/v1/projects", json={"name": "Secret"}, headers=lead).json()
    # The creator owns the project; alice becomes a member, bob a guest of one task.
    added = api.client.post(
        "/v1/project-members",
        json={"project_id": project["id"], "user_id": "alice", "role": "viewer"},
        headers=lead,
    )
    assert added.status_code == 201, added.text
    task = api.client.post(
        "/v1/tasks", json={"project_id": project["id"], "title": "Plan"}, headers=lead
    ).json()
    comment = api.client.post(
        "/v1/comments", json={"task_id": task["id"], "body": "hi"}, headers=lead
    ).json()
    assert "id" in task and "id" in comment, (task, comment)

    for outsider in (api.headers(tenant, MEMBER, sub="mallory"), api.headers(tenant, ["guest"])):
        for path in (f"/v1/tasks/{task['id']}", f"/v1/comments/{comment['id']}"):
            assert api.client.get(path, headers=outsider).status_code == 404, path
            patch = {"title": "x"} if "tasks" in path else {"body": "x"}
            assert api.client.patch(path, json=patch, headers=outsider).status_code == 404
            assert api.client.delete(path, headers=outsider).status_code == 404
        for path in ("/v1/tasks", "/v1/comments"):
            listed = api.client.get(path, headers=outsider)
            assert listed.status_code == 200 and listed.json()["data"] == [], path
        # The nested routes: the task in the path is answered like a missing one, on each.
        for task_id in (task["id"], MISSING):
            nested = f"/v1/tasks/{task_id}/comments"
            answers = [
                api.client.get(nested, headers=outsider),
                api.client.post(nested, json={"body": "x"}, headers=outsider),
                api.client.get(f"{nested}/{comment['id']}", headers=outsider),
                api.client.patch(f"{nested}/{comment['id']}", json={"body": "x"}, headers=outsider),
                api.client.delete(f"{nested}/{comment['id']}", headers=outsider),
            ]
            assert [a.status_code for a in answers] == [404] * 5, [a.text for a in answers]
            bodies = [{k: v for k, v in a.json().items() if k != "instance"} for a in answers]
            assert all(b["detail"] == "No task with this id." for b in bodies), bodies
        filtered = api.client.get("/v1/comments", params={"task_id": task["id"]}, headers=outsider)
        assert filtered.status_code == 200 and filtered.json()["data"] == []
        # Naming the hidden task is answered like naming a missing one.
        named = api.client.post(
            "/v1/comments", json={"task_id": task["id"], "body": "x"}, headers=outsider
        )
        missing = api.client.post(
            "/v1/comments",
            json={"task_id": "00000000-0000-4000-8000-000000000000", "body": "x"},
            headers=outsider,
        )
        assert (named.status_code, named.json()) == (missing.status_code, missing.json())

    alice = api.headers(tenant, MEMBER, sub="alice")
    assert api.client.get(f"/v1/tasks/{task['id']}", headers=alice).status_code == 200
    nested = api.client.get(f"/v1/tasks/{task['id']}/comments", headers=alice)
    assert [c["id"] for c in nested.json()["data"]] == [comment["id"]], nested.text
    assert [c["id"] for c in api.client.get("/v1/comments", headers=alice).json()["data"]] == [
        comment["id"]
    ]
    # A viewer of the project may read but not edit its tasks (per-project role).
    edit = api.client.patch(f"/v1/tasks/{task['id']}", json={"title": "x"}, headers=alice)
    assert edit.status_code == 403

    # Adding members needs `update` on the project (parent_permission): a viewer may read the
    # project, so 403; an outsider may not, so the project is answered like a missing one.
    join = {"project_id": project["id"], "user_id": "eve", "role": "viewer"}
    assert api.client.post("/v1/project-members", json=join, headers=alice).status_code == 403
    mallory = api.headers(tenant, MEMBER, sub="mallory")
    hidden = api.client.post("/v1/project-members", json=join, headers=mallory)
    absent = api.client.post(
        "/v1/project-members",
        json={**join, "project_id": "00000000-0000-4000-8000-000000000000"},
        headers=mallory,
    )
    assert hidden.status_code == 422
    assert (hidden.status_code, hidden.json()) == (absent.status_code, absent.json())

    # Workspace roles from the member table (tenancy.members.roles: union): zed's token
    # carries no role; the member row makes zed an admin, who sees every task.
    zed = api.headers(tenant, [], sub="zed")
    assert api.client.get(f"/v1/tasks/{task['id']}", headers=zed).status_code == 404
    root = api.headers(tenant, ["owner"], sub="root")
    made = api.client.post("/v1/members", json={"user_id": "zed", "role": "admin"}, headers=root)
    assert made.status_code == 201, made.text
    assert api.client.get(f"/v1/tasks/{task['id']}", headers=zed).status_code == 200

    bob = api.headers(tenant, ["guest"], sub="bob")
    assert api.client.get(f"/v1/tasks/{task['id']}", headers=bob).status_code == 404
    shared = api.client.post(
        "/v1/task-shares", json={"task_id": task["id"], "user_id": "bob"}, headers=lead
    )
    assert shared.status_code == 201, shared.text
    assert api.client.get(f"/v1/tasks/{task['id']}", headers=bob).status_code == 200
    assert api.client.get(f"/v1/comments/{comment['id']}", headers=bob).status_code == 200
    nested = f"/v1/tasks/{task['id']}/comments/{comment['id']}"
    assert api.client.get(nested, headers=bob).status_code == 200
    assert [t["id"] for t in api.client.get("/v1/tasks", headers=bob).json()["data"]] == [
        task["id"]
    ]
