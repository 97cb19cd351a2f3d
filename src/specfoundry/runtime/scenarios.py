"""Fixtures of a generated suite, built from plans the compiler computed from the spec.

A plan is a list of steps, each making one object the scenario names by a key:

* ``{"key": "project", "create": "projects", "as": "alice", "refs": {}, "values": {}}``
  creates an object through the API route of the resource ``projects`` as ``alice``;
* ``{"key": "m1", "insert": "ProjectMember", "refs": {"project_id": "project"},
  "values": {"user_id": "bob", "role": "lead"}}`` writes a row of a model class directly
  (a membership entity without a create route).

``refs`` map a reference field to the key of an earlier step: its id is filled in (a string
for the API, a :class:`uuid.UUID` for the database). :func:`build` runs the steps in order
through a :class:`Backend` the suite provides and returns the ids by key.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class ScenarioError(ValueError):
    """A plan that cannot be built: an unknown step kind, or a ref to a later step."""


class Backend(Protocol):
    def create(self, resource: str, sub: str, values: Mapping[str, Any]) -> str:
        """Create an object through the API as ``sub``; its id."""
        ...

    def insert(self, class_name: str, values: Mapping[str, Any]) -> str:
        """Write a row of the model class directly; its id."""
        ...


def _values(step: Mapping[str, Any], ids: Mapping[str, str], *, as_uuid: bool) -> dict[str, Any]:
    values = dict(step.get("values", {}))
    for field, key in step.get("refs", {}).items():
        if key not in ids:
            raise ScenarioError(f"step {step.get('key')!r} names {key!r} before it is built")
        values[field] = uuid.UUID(ids[key]) if as_uuid else ids[key]
    return values


def build(steps: Sequence[Mapping[str, Any]], backend: Backend) -> dict[str, str]:
    """Run ``steps`` in order; the id of each object by its key."""
    ids: dict[str, str] = {}
    for step in steps:
        key = str(step["key"])
        if "create" in step:
            values = _values(step, ids, as_uuid=False)
            ids[key] = backend.create(str(step["create"]), str(step["as"]), values)
        elif "insert" in step:
            ids[key] = backend.insert(str(step["insert"]), _values(step, ids, as_uuid=True))
        else:
            raise ScenarioError(f"step {key!r} neither creates nor inserts")
    return ids


def listed(page: Mapping[str, Any], obj_id: str) -> bool:
    """Whether a list answer (``{"data": [...]}``) holds the object ``obj_id``."""
    return any(item.get("id") == obj_id for item in page.get("data", ()))
