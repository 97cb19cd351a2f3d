"""Generated tests of nested resources (``api.resources.<r>.parent``), ``tests/test_api_nested.py``.

``NESTED``: per nested resource that creates (and whose parent does), its parent, the parent
field, the nested routes and the sample bodies (children are made through the nested route).
The test checks list, create and read through the nested path for a readable parent, 404 for
a parent of another tenant and a missing one (the same body), and for a child reached under
another parent. The role matrix and the state machine tables reach a resource without flat
routes under its parent too; the suite's other tables leave it out.

``NESTED_SCENARIOS``: where the parent's read rule has a membership condition
(``principal in resource.<path>.members``), a plan (:mod:`specfoundry.runtime.scenarios`)
builds the parent along that path, a child under it and a member; a non-member with the same
role gets 404 on every nested route (403 on a collection route whose action the role does not
hold at all, as on the flat ones), answered like a missing parent, while the member reaches the
children.
"""

from __future__ import annotations

from typing import Any

from specfoundry.emit.service.testplan import CREATOR, sample_payload, update_payload, varying
from specfoundry.emit.service.testplan_relations import (
    OUTSIDER,
    _grant_value,
    _member_of_nodes,
    _Plan,
)
from specfoundry.lower.http import lower_http
from specfoundry.model import Operation, Service
from specfoundry.model.nesting import resolve_nesting

_ORDER = ("list", "create", "read", "update", "delete")


def nested_table(model: Service) -> list[dict[str, Any]]:
    """One row per nested resource the suite can exercise (see the module's docstring)."""
    surface = lower_http(model)
    rows = []
    for resource in model.api.resources:
        nesting = resolve_nesting(model, resource)
        if nesting is None or Operation.CREATE not in resource.operations:
            continue
        if Operation.CREATE not in nesting.parent.operations:
            continue  # the suite cannot make a parent
        child = model.entity(resource.entity.raw)
        assert child is not None
        http = surface.resource(resource.path)
        assert http.nested_collection_path is not None
        rows.append(
            {
                "resource": resource.path,
                "parent": nesting.parent.path,
                "field": nesting.field.name.raw,
                "param": nesting.param,
                "path": http.nested_collection_path,
                "flat": nesting.flat,
                "operations": [o.action.raw for o in http.nested if o.action.raw in _ORDER],
                # What `Api.body` needs to make a child (the resource may have no flat route).
                "entity": child.name.raw,
                "class_name": child.name.pascal,
                "sample": sample_payload(child),
                "varying": varying(child),
                "update": update_payload(child),
                "state_field": next((m.field.raw for m in model.machine_for(child.name.raw)), None),
            }
        )
    return rows


def _holds(model: Service, entity: str, action: str, roles: set[str]) -> bool:
    return any(h.role.name.raw in roles for h in model.permissions.holders(entity, action))


def nested_scenarios(model: Service) -> list[tuple[Any, ...]]:
    """(name, steps, checks) of the non-member scenarios (see the module's docstring)."""
    rows: list[tuple[Any, ...]] = []
    exercised = {row["resource"]: row for row in nested_table(model)}
    for resource in model.api.resources:
        row = exercised.get(resource.path)
        nesting = resolve_nesting(model, resource)
        if row is None or nesting is None:
            continue
        child = model.entity(resource.entity.raw)
        assert child is not None
        parent = nesting.parent_entity
        seen: set[tuple[tuple[str, ...], str]] = set()
        for holder in model.permissions.holders(parent.name.raw, "read"):
            role = {holder.role.name.raw}
            for cond in holder.conditions:
                for node in _member_of_nodes(cond.expr):
                    if (node.path, holder.role.name.raw) in seen:
                        continue
                    plan = _Plan(model)
                    target = plan.chain(parent, node.path)
                    if target is None:
                        continue
                    if not plan.member("insider", target, _grant_value(model, plan, target, node)):
                        continue
                    field = nesting.field.name.raw
                    if not plan.create("child", child, CREATOR, {field: "subject"}):
                        continue
                    insider = plan.expect("subject", "read", "insider", role)[0]
                    outsider = plan.expect("subject", "read", OUTSIDER, role)[0]
                    if (insider, outsider) != (200, 404):
                        continue  # the membership changes nothing for this role
                    seen.add((node.path, holder.role.name.raw))
                    checks = []
                    for action in row["operations"]:
                        collection = action in ("list", "create")
                        held = _holds(model, child.name.raw, action, role)
                        checks.append(
                            {
                                "as": OUTSIDER,
                                "roles": sorted(role),
                                "action": action,
                                "expected": 403 if collection and not held else 404,
                                "like_missing": not collection or held,
                            }
                        )
                    if "list" in row["operations"] and _holds(model, child.name.raw, "list", role):
                        checks.append(
                            {
                                "as": "insider",
                                "roles": sorted(role),
                                "action": "list",
                                "expected": 200,
                                "like_missing": False,
                            }
                        )
                    via = ".".join(node.path) or "itself"
                    name = f"{resource.path}-under-{row['parent']}-via-{via}-as-{holder.role.name}"
                    rows.append((name, row["resource"], plan.steps, checks))
    return rows


__all__ = ["nested_scenarios", "nested_table"]
