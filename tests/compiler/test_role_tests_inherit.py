"""``principal.roles`` tests follow role inheritance, as grants do: an ``owner`` who inherits
``admin`` passes ``principal.roles in ['admin']`` (it was refused: the caller's role set holds
the token's or the member table's roles, not the ones they include)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from specfoundry.compiler import load_model
from specfoundry.emit.service.conditions import evaluate, python_source, sql_source
from specfoundry.model.expressions import Condition
from specfoundry.runtime.auth import Principal

SPEC = """
service: {name: roleshop, version: 0.1.0}
tenancy: {tenant_entity: shop}
entities:
  shop:
    tenant_scoped: false
    fields:
      name: {type: string, required: true}
  order:
    fields:
      total: {type: integer, write: {condition: "principal.roles == 'admin'"}}
permissions:
  roles:
    member: {}
    admin: {inherits: [member]}
    owner: {inherits: [admin]}
    auditor: {}
  rules:
    order:
      read:
        - role: member
          when: "principal.roles in ['admin'] or resource.total < 10"
        - auditor
      update: [member]
api:
  resources:
    orders: {entity: order, operations: [read, update]}
"""

CASES = [({"owner"}, True), ({"admin"}, True), ({"member"}, False), ({"auditor"}, False)]


def _conditions(tmp_path: Path) -> tuple[Any, Condition, Condition]:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC, encoding="utf-8")
    model = load_model(path)
    entity = model.entity("order")
    assert entity is not None
    rule = next(
        r for r in model.permissions.rules if (r.entity.raw, r.action.raw) == ("order", "read")
    )
    when = rule.grants[0].condition
    write = next(f for f in entity.fields if f.name.raw == "total").write_condition
    assert when is not None and write is not None
    return model, when, write


@pytest.mark.parametrize(("roles", "holds"), CASES)
def test_a_role_test_holds_for_the_roles_that_inherit_it(
    tmp_path: Path, roles: set[str], holds: bool
) -> None:
    model, when, write = _conditions(tmp_path)
    entity = model.entity("order")
    principal = Principal("ann", uuid.uuid4(), frozenset(roles))
    namespace: dict[str, Any] = {
        "sa": sa,
        "Order": sa.table("orders", sa.column("total", sa.Integer)).c,
    }
    py = python_source(when.expr, entity, service=model)
    sql = sql_source(when.expr, entity, model="Order", service=model)
    exec(f"def check(principal, obj):\n    return {py}\n", namespace)
    exec(f"def where(principal):\n    return {sql}\n", namespace)
    big = type("Order", (), {"total": 50})()
    # The object check, the list filter and the generation-time evaluation agree.
    assert namespace["check"](principal, big) is holds
    assert evaluate(when.expr, {"total": 50}, {"roles": roles}) is holds
    assert evaluate(write.expr, {}, {"roles": roles}) is holds
    assert ("true" in str(namespace["where"](principal).compile())) is holds


def test_the_source_text_stays_as_written(tmp_path: Path) -> None:
    _, when, write = _conditions(tmp_path)
    assert when.source == "principal.roles in ['admin'] or resource.total < 10"
    assert write.source == "principal.roles == 'admin'"
