"""The load test's plan (``loadtest/plan.json``): what the generated Locust file exercises, as
whom, with which data, and each operation's service level targets.

Decided here, from the model: the order in which objects are created (an object's required
references first), the request bodies (the generated test suite's sample payloads, so they pass
validation), the role each operation runs as (the first role in spec order that holds it
without a condition, else with one), and the targets of each exercised operation, for tenants on
any plan (``"*"``) and per plan where a plan's targets differ (:meth:`Sla.effective`).
Transitions are not exercised (an object's state decides which may run); their targets are
listed under ``not_exercised``.
"""

from __future__ import annotations

import json
from typing import Any

from specfoundry.emit.render import generated_header
from specfoundry.emit.service import testplan
from specfoundry.model import Entity, FieldType, Service
from specfoundry.model.nesting import resolve_nesting
from specfoundry.model.sla import OperationClass, operation_ids

ANY_PLAN = "*"


def _role(model: Service, entity: str, action: str) -> str | None:
    holders = model.permissions.holders(entity, action)
    cross = {r.raw for r in model.tenancy.cross_tenant_roles}
    ordered = [h for h in holders if h.role.name.raw not in cross] or list(holders)
    plain = [h for h in ordered if h.unconditional]
    chosen = (plain or ordered)[:1]
    return chosen[0].role.name.raw if chosen else None


def _required_refs(entity: Entity) -> dict[str, str]:
    return {
        f.name.raw: f.ref_entity.raw
        for f in entity.fields
        if f.type is FieldType.REF and f.ref_entity is not None and f.required
    }


def _order(model: Service) -> list[tuple[Any, Entity]]:
    """Exposed resources, each after the resources its required references need."""
    pending = []
    for resource in model.api.resources:
        entity = model.entity(resource.entity.raw)
        if entity is not None:
            pending.append((resource, entity))
    done: list[tuple[Any, Entity]] = []
    known = {model.tenant_entity.name.raw}
    while pending:
        ready = [
            (r, e) for r, e in pending if set(_required_refs(e).values()) <= known | {e.name.raw}
        ]
        if not ready:  # references nothing can create: exercised without create
            done += pending
            break
        for item in ready:
            pending.remove(item)
            done.append(item)
            if "create" in {op.value for op in item[0].operations} or item[1].is_tenant:
                known.add(item[1].name.raw)
    return done


def plan(model: Service) -> dict[str, Any]:
    ids = operation_ids(model)
    sla = model.platform.sla
    limits = model.api.rate_limits
    plans = [p.plan for p in limits.plans] if limits is not None else []
    resources = []
    exercised: list[str] = []
    roles: set[str] = set()
    for resource, entity in _order(model):
        operations: dict[str, dict[str, str]] = {}
        nesting = resolve_nesting(model, resource)
        flat = nesting is None or nesting.flat
        for op in resource.operations if flat else ():  # the load test runs flat routes
            role = _role(model, entity.name.raw, op.value)
            if role is None:
                continue
            op_id = next(i for i, _ in ids.items() if _matches(i, op.value, entity))
            operations[op.value] = {"id": op_id, "role": role}
            roles.add(role)
            exercised.append(op_id)
        resources.append(
            {
                "path": f"{model.api.base_path}/{resource.path}",
                "entity": entity.name.raw,
                "is_tenant": entity.is_tenant,
                "operations": operations,
                "sample": testplan.sample_payload(entity),
                "varying": testplan.varying(entity),
                "update": testplan.update_payload(entity),
                "refs": _required_refs(entity),
            }
        )
    targets: dict[str, Any] = {}
    for op_id, kind in ids.items():
        base = sla.effective(op_id, kind, None)
        by_plan = {ANY_PLAN: base} if base else {}
        for name in plans:
            own = sla.effective(op_id, kind, name)
            if own and own != base:
                by_plan[name] = own
        targets[op_id] = {"class": kind.value, "targets": by_plan}
    return {
        # JSON has no comments: the generated-file notice is the first key.
        "generated": generated_header("").strip(),
        "service": model.name.raw,
        "users": sla.users,
        "default_plan": limits.default_plan if limits is not None else None,
        "roles": sorted(roles),
        "resources": resources,
        "operations": {i: targets[i] for i in exercised if targets[i]["targets"]},
        "not_exercised": sorted(
            i for i in ids if i not in exercised and ids[i] is OperationClass.TRANSITION
        ),
    }


def _matches(op_id: str, action: str, entity: Entity) -> bool:
    expected = {"list": f"list_{entity.name.plural}", "read": f"get_{entity.name.raw}"}
    return op_id == expected.get(action, f"{action}_{entity.name.raw}")


def plan_json(model: Service) -> str:
    return json.dumps(plan(model), indent=2, sort_keys=False, default=str) + "\n"
