"""runtime/scenarios.py: a scenario's steps run in order, references filled with the ids of
earlier steps (strings for the API, UUIDs for rows written directly)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from specfoundry.runtime.scenarios import ScenarioError, build, listed


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None, dict[str, Any]]] = []

    def _id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_OID, str(len(self.calls))))

    def create(self, resource: str, sub: str, values: Mapping[str, Any]) -> str:
        self.calls.append(("create", resource, sub, dict(values)))
        return self._id()

    def insert(self, class_name: str, values: Mapping[str, Any]) -> str:
        self.calls.append(("insert", class_name, None, dict(values)))
        return self._id()


def test_steps_run_in_order_with_the_ids_of_earlier_steps() -> None:
    backend = Recorder()
    ids = build(
        [
            {"key": "project", "create": "projects", "as": "alice", "refs": {}, "values": {}},
            {
                "key": "seat",
                "insert": "Seat",
                "refs": {"project_id": "project"},
                "values": {"user_id": "bob"},
            },
            {
                "key": "task",
                "create": "tasks",
                "as": "creator",
                "refs": {"project_id": "project"},
                "values": {"title": "x"},
            },
        ],
        backend,
    )
    assert list(ids) == ["project", "seat", "task"]
    project = ids["project"]
    assert backend.calls == [
        ("create", "projects", "alice", {}),
        ("insert", "Seat", None, {"user_id": "bob", "project_id": uuid.UUID(project)}),
        ("create", "tasks", "creator", {"title": "x", "project_id": project}),
    ]


def test_a_reference_to_a_later_step_or_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ScenarioError, match="before it is built"):
        build([{"key": "a", "create": "x", "as": "s", "refs": {"r": "b"}}], Recorder())
    with pytest.raises(ScenarioError, match="neither creates nor inserts"):
        build([{"key": "a"}], Recorder())


def test_listed_looks_for_the_id_in_the_page() -> None:
    assert listed({"data": [{"id": "1"}, {"id": "2"}]}, "2")
    assert not listed({"data": [{"id": "1"}]}, "2")
    assert not listed({}, "1")
